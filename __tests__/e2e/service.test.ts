// End to end, the service as it really behaves (DESIGN.md "What the real service does beyond the spec"), each
// shape a simulator option: a long 500 outage of the template GET mid-build, a stale previous run then a failure
// without sub-state (Go zero end time, lower-case states), a previous run still Canceling (ending, or never), a run
// request refused with OperationNotAllowed because a run started meanwhile, a cloud that refuses our api-version,
// runs this step only attached to, and bad answers (malformed JSON, missing fields, unknown states, no start time).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { addTemplate, armFor, check, errors, phases, posts, run, simulator, stateLines, warnings, type Simulator } from './helpers.ts';

const OLD_RUN = {
  runState: 'Succeeded' as const,
  startTime: '2026-01-01T10:00:00Z',
  endTime: '2026-01-01T11:00:00Z',
  runSubState: 'Distributing' as const,
  message: '',
};

describe('the real service', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test.concurrent('a long stretch of 500 "Internal error occurred." on the template GET mid-build ends in success', async () => {
    // ARM answered this on Get-AzImageBuilderTemplate for 20-25 minutes while the build went on and succeeded
    // (https://github.com/Azure/azure-powershell/issues/19401, https://github.com/danielsollondon/azvmimagebuilder/issues/129);
    // the body's code is the service's generic one (https://github.com/Azure/azvmimagebuilder/issues/45).
    // Here 12 s stand for it: 60 poll intervals, longer than the SDK's own retries of one read.
    const t = addTemplate(sim, 'outage', { phases: phases(16_000) });
    const outage = { durationMs: 12_000, hits: 0 };
    void t.subState('Building').then(() => {
      const f = sim.azure.addFault({
        service: 'arm',
        method: 'GET',
        path: `/imageTemplates/${t.name}`,
        kind: 'status',
        status: 500,
        durationMs: outage.durationMs,
        code: 'InternalOperationError',
        message: 'Internal error occurred. This is a generic error. To identify possible causes, go to https://aka.ms/azvmimagebuilderts.',
      });
      void t.finished().then(() => (outage.hits = f.hits));
    });
    const r = await run(sim, t, { with: { timeout: '2m' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(outage.hits).toBeGreaterThan(5);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([202]);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      // Told once, not once per failed read; and said when reads worked again.
      expect(warnings(r.main).filter((w) => w.includes('Internal error occurred'))).toHaveLength(1);
      expect(r.main.log).toMatch(/Run status readable again after \d+ failed reads?/);
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
    });
  });

  test.concurrent('a stale previous run, then a failure without sub-state: phase named, duration right, no year-1 date', async () => {
    const t = addTemplate(sim, 'stale', {
      phases: phases(3000),
      lastRun: OLD_RUN,
      outcome: 'Failed',
      failure: { atSubState: 'Customizing' },
      statusShape: { staleAfterRunMs: 1500, zeroEndTime: true, terminalWithoutSubState: true, lowerCaseStates: true },
    });
    const r = await run(sim, t, { with: { 'job-summary': 'true' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      const e = errors(r.main).join('\n');
      expect(e).toContain('The image build failed (Failed, sub-state Customizing)');
      // The build lasted about 1.2 s of sim time (to the failing Customizing): never 0, negative or an hour (the old run).
      const d = Number(r.main.outputs['duration-seconds']);
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThan(30);
      expect(r.summary).not.toMatch(/0001-01-01|\b1 (?:AD|CE)\b/);
      expect(r.summary).not.toContain('2026-01-01T10:00:00');
      expect(r.summary).toContain('Failed');
      expect(stateLines(r.main.log).some((l) => l.includes('Succeeded'))).toBe(false);
    });
  });

  test.concurrent('a previous run still Canceling: waited for without a cancel, then this step runs its own', async () => {
    const t = addTemplate(sim, 'canceling', { phases: phases(1500), previousRunCanceling: {} });
    // It reaches Canceled a while after the action first saw it Canceling.
    const reads = (): number => armFor(sim, t.name).filter((q) => q.method === 'GET' && q.path.endsWith(t.name)).length;
    void sim.journal
      .waitFor((q) => q.service === 'arm' && q.method === 'GET' && q.path.endsWith(`/imageTemplates/${t.name}`))
      .then(() => new Promise((resolve) => setTimeout(resolve, 1500)))
      .then(() => t.completeCancel());
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.log).toMatch(/previous run \(started [^)]+\) is being canceled; waiting for it to reach Canceled/);
      expect(reads()).toBeGreaterThan(2);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([202]);
      expect(t.runCount).toBe(2);
      expect(t.status()?.runState).toBe('Succeeded');
    });
  });

  test.concurrent('a previous run that never stops Canceling: fails at the timeout naming it, no cancel and no run sent', async () => {
    const t = addTemplate(sim, 'canceling-forever', { phases: phases(1500), previousRunCanceling: {} });
    const r = await run(sim, t, { with: { timeout: '3s' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('TimedOut');
      expect(errors(r.main).join('\n')).toMatch(
        /previous run \(started [^)]+\) was still Canceling after 3s \(timeout\): this step started no run of its own and sent no cancel/,
      );
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      expect(posts(sim, t.name, 'run')).toHaveLength(0);
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
    });
    expect(t.status()?.runState).toBe('Canceling');
  });

  test.concurrent('a run request refused with OperationNotAllowed (HTTP 400) because a run started meanwhile is attached to', async () => {
    const t = addTemplate(sim, 'race-400', { phases: phases(2500), runRace: { status: 400 } });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([400]);
      expect(r.main.log).toMatch(/Attaching to the run in progress/);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      expect(t.runCount).toBe(1);
    });
  });

  test.concurrent('a cloud whose Image Builder refuses our api-version: retried once with the newest it lists, and said', async () => {
    const t = addTemplate(sim, 'sovereign', { phases: phases(1500), apiVersions: ['2020-02-14', '2022-07-01', '2024-02-01'] });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.log).toContain('does not accept api-version 2025-10-01; using 2024-02-01');
      const versions = armFor(sim, t.name).map((q) => `${q.query['api-version']} ${q.status}`);
      // One refusal, then every request with the version the cloud has.
      expect(versions.filter((v) => v.endsWith(' 400'))).toEqual(['2025-10-01 400']);
      expect(versions.slice(1).every((v) => v.startsWith('2024-02-01 '))).toBe(true);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([202]);
    });
  });

  test.concurrent('an attached run is left running at the timeout unless cancel-attached: true', async () => {
    const long = phases(600_000);
    const mine = addTemplate(sim, 'attached-left', { phases: long, runInProgress: { fromSubState: 'Customizing', startedAgoMs: 600_000 } });
    const theirs = addTemplate(sim, 'attached-cancel', {
      phases: long,
      runInProgress: { fromSubState: 'Customizing', startedAgoMs: 600_000 },
    });
    const [left, canceled] = await Promise.all([
      run(sim, mine, { with: { timeout: '2s' } }),
      run(sim, theirs, { with: { timeout: '2s', 'cancel-attached': 'true' } }),
    ]);
    check(left, () => {
      expect(left.main.exitCode).toBe(1);
      expect(left.main.outputs['run-state']).toBe('TimedOut');
      const e = errors(left.main).join('\n');
      expect(e).toMatch(/left running: it was not started by this step \(it started \d{4}-\d\d-\d\dT[\d:.]+Z/);
      expect(e).toContain('cancel-attached is false');
      expect(posts(sim, mine.name, 'cancel')).toHaveLength(0);
      expect(left.post?.exitCode).toBe(0);
      expect(posts(sim, mine.name, 'cancel')).toHaveLength(0);
    });
    expect(mine.status()?.runState).toBe('Running');
    check(canceled, () => {
      expect(canceled.main.outputs['run-state']).toBe('TimedOut');
      expect(posts(sim, theirs.name, 'cancel').map((q) => q.status)).toEqual([202]);
    });
  });

  test.concurrent('a workflow cancel leaves an attached run running, and so does the post step', async () => {
    const t = addTemplate(sim, 'attached-sigint', {
      phases: phases(600_000),
      runInProgress: { fromSubState: 'Customizing', startedAgoMs: 600_000 },
    });
    const r = await run(sim, t, { cancel: { onLine: /Running \/ Customizing/ } });
    check(r, () => {
      expect(r.main.conclusion).toBe('cancelled');
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      expect(r.main.log).toMatch(/left running/);
      expect(r.main.outputs['run-state']).toBeUndefined();
      expect(r.post?.log).toMatch(/leaves it alone/);
    });
    expect(t.status()?.runState).toBe('Running');
  });

  test.concurrent('bad answers mid-build (malformed JSON, bodies missing fields, an unknown state) are waited out', async () => {
    const t = addTemplate(sim, 'bad-answers', { phases: phases(12_000) });
    const count = (): number => armFor(sim, t.name).filter((q) => q.method === 'GET' && q.path.endsWith(t.name)).length;
    /** Resolves once the action made `n` more template reads. */
    const moreReads = async (n: number): Promise<void> => {
      const target = count() + n;
      while (count() < target) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    void t.subState('Building').then(async () => {
      // An unknown run state for a few reads, then malformed JSON, an empty object (the SDK cannot read it) and
      // a template without its run status.
      t.overrideStatus({ runState: 'Suspended' });
      await moreReads(3);
      t.overrideStatus(undefined);
      const path = `/imageTemplates/${t.name}`;
      sim.azure.addFault({
        service: 'arm',
        method: 'GET',
        path,
        kind: 'body',
        body: '{"properties": {"lastRunStatus": {"runState": "Runn',
        count: 2,
      });
      sim.azure.addFault({ service: 'arm', method: 'GET', path, kind: 'body', body: '{}', count: 2 });
      sim.azure.addFault({
        service: 'arm',
        method: 'GET',
        path,
        kind: 'body',
        body: JSON.stringify({ name: t.name, identity: { type: 'None' }, properties: {} }),
        count: 2,
      });
    });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const w = warnings(r.main);
      expect(w.filter((x) => x.includes("'Suspended'"))).toHaveLength(1);
      expect(w.filter((x) => x.includes('parsing the response body'))).toHaveLength(1);
      expect(posts(sim, t.name, 'run')).toHaveLength(1);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
    });
  });

  test.concurrent('a run that never reports a start time: a bounded wait, ended at the timeout with a clear error', async () => {
    const t = addTemplate(sim, 'no-start', { phases: phases(1500) });
    t.overrideStatus({ startTime: undefined });
    const r = await run(sim, t, { with: { timeout: '5s' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('TimedOut');
      expect(errors(r.main).join('\n')).toContain('did not finish within 5s (timeout)');
      expect(r.main.durationMs).toBeLessThan(45_000);
    });
  });
});
