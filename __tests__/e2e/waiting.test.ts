// End to end, the wait: timeouts that cancel or leave the build, the workflow canceled (SIGINT) mid-build,
// the main step killed outright (the post step cancels), attaching to a run in progress or refusing it,
// and a long build while GitHub ID tokens expire every few seconds.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { PhaseSpec } from '../../sim/azure/index.ts';
import {
  addTemplate,
  armFor,
  check,
  errors,
  phases,
  posts,
  run,
  simulator,
  startRunElsewhere,
  stateLines,
  type Simulator,
} from './helpers.ts';

/** A build that would take a long while: Customizing lasts 30 s (an hour in real life). */
const LONG: PhaseSpec[] = [
  { subState: 'Queued', durationMs: 300 },
  { subState: 'Building', durationMs: 600 },
  { subState: 'Customizing', durationMs: 30_000 },
  { subState: 'Optimizing', durationMs: 500 },
  { subState: 'Validating', durationMs: 500 },
  { subState: 'Distributing', durationMs: 500 },
];

describe('waiting, canceling and attaching', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test.concurrent(
    'a run accepted but failing before the template shows it ends the step with its error, long before the timeout',
    async () => {
      const previous = { runState: 'Succeeded' as const, startTime: '2026-01-01T10:00:00Z', endTime: '2026-01-01T11:00:00Z', message: '' };
      const t = addTemplate(sim, 'fails-unseen', {
        lastRun: previous,
        runFailsUnseen: {
          afterMs: 300,
          code: 'InvalidSourceImage',
          message: "The platform image 'Canonical:ubuntu-24_04-lts:server:9.9.9' was not found.",
        },
      });
      const r = await run(sim, t, { with: { timeout: '1m' } });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(r.main.outputs['run-state']).toBe('Failed');
        expect(errors(r.main).join('\n')).toContain("The platform image 'Canonical:ubuntu-24_04-lts:server:9.9.9' was not found.");
        // Ended within a few polls of the failure, not at the 1 m timeout, and nothing was canceled.
        expect(r.main.durationMs).toBeLessThan(40_000);
        expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
        const opReads = sim.journal.filter((q) => q.service === 'arm' && q.method === 'GET' && /\/operations\//i.test(q.path));
        expect(opReads.length).toBeGreaterThanOrEqual(1);
        expect(r.post?.exitCode).toBe(0);
        expect(posts(sim, t.name, 'cancel')).toHaveLength(0);
      });
    },
  );

  test.concurrent('timeout with on-timeout: cancel: the build is canceled, run-state TimedOut, the error says what to do', async () => {
    const t = addTemplate(sim, 'timeout-cancel', { phases: LONG, cancel: { durationMs: 400 } });
    const r = await run(sim, t, { with: { timeout: '2s', 'on-timeout': 'cancel' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('TimedOut');
      const runPost = posts(sim, t.name, 'run');
      const cancels = posts(sim, t.name, 'cancel');
      expect(runPost).toHaveLength(1);
      expect(cancels.map((q) => q.status)).toEqual([202]);
      // Canceled about 2 s after the timeout began (it counts from the template read, before the run request),
      // not at the end of the build.
      const firstRead = armFor(sim, t.name).find((q) => q.method === 'GET')!;
      const waited = cancels[0]!.at - firstRead.at;
      expect(waited).toBeGreaterThanOrEqual(1900);
      expect(waited).toBeLessThan(6000);
      const e = errors(r.main).join('\n');
      expect(e).toContain('2s');
      expect(e).toContain('Customizing');
      expect(e).toMatch(/cancel/i);
      expect(e).toContain('timeout');
      // The action waited for the build to stop: it saw Canceled before exiting.
      expect(stateLines(r.main.log).at(-1)).toMatch(/Canceled/);
      // The post step does not cancel again.
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(1);
    });
    expect(t.status()?.runState).toBe('Canceled');
  });

  test.concurrent(
    'timeout, and the build does not stop within cancel-timeout: the error says so, the post step cancels again',
    async () => {
      const t = addTemplate(sim, 'stuck', { phases: LONG, cancel: { ignore: true } });
      const r = await run(sim, t, { with: { timeout: '1500ms', 'cancel-timeout': '1s' } });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(r.main.outputs['run-state']).toBe('TimedOut');
        const e = errors(r.main).join('\n');
        expect(e).toContain('cancel-timeout');
        expect(e).toContain(`az image builder show -g ${t.resourceGroup} -n ${t.name}`);
        const cancels = posts(sim, t.name, 'cancel');
        expect(cancels.filter((q) => q.at < r.main.exitedAt).map((q) => q.status)).toEqual([202]);
        // The post step saw it still running and asked again.
        expect(cancels.filter((q) => q.at >= r.post!.startedAt).map((q) => q.status)).toEqual([202]);
      });
    },
  );

  test.concurrent(
    'timeout with on-timeout: leave: no cancel (nor from the post step), run-state TimedOut, the error says how to follow it',
    async () => {
      const t = addTemplate(sim, 'timeout-leave', { phases: LONG });
      const r = await run(sim, t, { with: { timeout: '2s', 'on-timeout': 'leave' } });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(r.main.outputs['run-state']).toBe('TimedOut');
        expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
        const e = errors(r.main).join('\n');
        expect(e).toContain('2s');
        expect(e).toContain('on-timeout: leave');
        expect(e).toContain('if-running: attach');
        expect(r.post?.exitCode).toBe(0);
        expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      });
      expect(t.status()?.runState).toBe('Running');
    },
  );

  test.concurrent('workflow canceled (SIGINT) mid-build: the build is canceled within 7.5 s, before SIGTERM', async () => {
    const t = addTemplate(sim, 'sigint', { phases: LONG, cancel: { durationMs: 400 } });
    const r = await run(sim, t, { cancel: { when: t.subState('Customizing') } });
    check(r, () => {
      expect(r.main.conclusion).toBe('cancelled');
      expect(r.main.sigintAt).toBeDefined();
      const cancels = posts(sim, t.name, 'cancel');
      expect(cancels.length).toBeGreaterThanOrEqual(1);
      expect(cancels[0]!.status).toBe(202);
      expect(cancels[0]!.at - r.main.sigintAt!).toBeLessThan(7500);
      // The action exited on its own after SIGINT: the runner never had to send SIGTERM or SIGKILL.
      expect(r.main.signalsSent.map((s) => s.signal)).toEqual(['SIGINT']);
      expect(r.main.exitedAt - r.main.sigintAt!).toBeLessThan(7500);
      expect(r.main.outputs['run-state']).toBe('Canceled');
      expect(errors(r.main).join('\n')).toMatch(/interrupted|canceled/i);
      // The post step ran and did not cancel a second time.
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(1);
    });
    expect((await t.finished()).runState).toBe('Canceled');
  });

  test.concurrent('main step killed (SIGKILL) mid-build: the post step cancels the build still running', async () => {
    const t = addTemplate(sim, 'killed', { phases: LONG, cancel: { durationMs: 400 } });
    let mainPid: number | undefined;
    const killed = t.subState('Customizing').then(() => {
      if (mainPid !== undefined) process.kill(mainPid, 'SIGKILL');
    });
    const r = await run(sim, t, {
      onStart: (phase, pid) => {
        if (phase === 'main') mainPid = pid;
      },
    });
    await killed;
    check(r, () => {
      expect(r.main.signal).toBe('SIGKILL');
      expect(r.main.conclusion).toBe('failure');
      expect(r.post).toBeDefined();
      expect(r.post!.exitCode).toBe(0);
      const cancels = posts(sim, t.name, 'cancel');
      expect(cancels.map((q) => q.status)).toEqual([202]);
      // Sent by the post step: after the main step was gone.
      expect(cancels[0]!.at).toBeGreaterThanOrEqual(r.main.exitedAt);
      expect(cancels[0]!.at).toBeGreaterThanOrEqual(r.post!.startedAt);
      expect(r.post!.log).toMatch(/still running[\s\S]*cancel/i);
    });
    expect((await t.finished()).runState).toBe('Canceled');
  });

  test.concurrent('SIGINT while Azure is slow to take the cancel: the main step gives up in time, the post step cancels', async () => {
    const t = addTemplate(sim, 'slow-cancel', { phases: LONG, cancel: { durationMs: 400 } });
    // The first cancel request hangs for 20 s: longer than the runner waits before SIGTERM, and long enough that the
    // post step (which starts a few seconds after the main step, more on a loaded machine) reads the build first.
    sim.azure.addFault({ service: 'arm', method: 'POST', path: `/imageTemplates/${t.name}/cancel`, kind: 'delay', delayMs: 20_000 });
    const r = await run(sim, t, { cancel: { when: t.subState('Customizing') } });
    check(r, () => {
      expect(r.main.conclusion).toBe('cancelled');
      // Out before the runner's SIGTERM, saying the build may still run.
      expect(r.main.signalsSent.map((s) => s.signal)).toEqual(['SIGINT']);
      expect(r.main.exitedAt - r.main.sigintAt!).toBeLessThan(7500);
      expect(r.main.log).toMatch(/post step/i);
      // The post step signed in again and canceled the build still running.
      expect(r.post?.exitCode).toBe(0);
      const fromPost = posts(sim, t.name, 'cancel').filter((q) => q.at >= r.post!.startedAt);
      expect(fromPost.map((q) => q.status)).toContain(202);
      expect(r.post!.log).toMatch(/still running[\s\S]*cancel/i);
    });
    expect((await t.finished()).runState).toBe('Canceled');
  });

  test.concurrent("step timeout-minutes fires mid-build: SIGINT, the build is canceled before the runner's SIGTERM", async () => {
    const t = addTemplate(sim, 'step-timeout', { phases: LONG, cancel: { durationMs: 400 } });
    // The step's timeout-minutes, scaled down: the build has long started after 15 s (its Customizing alone lasts
    // 30 s), even on a loaded machine where sign-in and the first read take seconds.
    const r = await run(sim, t, { stepTimeoutMs: 15_000 });
    check(r, () => {
      expect(r.main.cancelledBy).toBe('timeout-minutes');
      expect(r.main.conclusion).toBe('failure');
      const cancels = posts(sim, t.name, 'cancel');
      expect(cancels.map((q) => q.status)).toEqual([202]);
      expect(cancels[0]!.at - r.main.sigintAt!).toBeLessThan(7500);
      expect(r.main.signalsSent.map((s) => s.signal)).toEqual(['SIGINT']);
      expect(r.main.outputs['run-state']).toBe('Canceled');
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel')).toHaveLength(1);
    });
  });

  test.concurrent(
    "a run request refused because another workflow's run started meanwhile: if-running: fail refuses, that run is not canceled",
    async () => {
      // Between the action's template read (no run) and its run request, someone else starts a run: the
      // service answers the action's run request 409 Conflict. With if-running: fail the action fails as for a
      // run already in progress, and must not cancel a build it did not start, neither in the main step nor in the post step.
      const t = addTemplate(sim, 'race', { phases: LONG });
      sim.azure.addFault({ service: 'arm', method: 'POST', path: `/imageTemplates/${t.name}/run`, kind: 'delay', delayMs: 1500 });
      const other = sim.journal
        .waitFor((q) => q.service === 'arm' && q.method === 'GET' && q.path.endsWith(`/imageTemplates/${t.name}`))
        .then(() => startRunElsewhere(sim, t));
      const r = await run(sim, t, { with: { 'if-running': 'fail' } });
      expect(await other).toBe(202);
      check(r, () => {
        const runs = posts(sim, t.name, 'run');
        expect(runs.map((q) => q.status).sort()).toEqual([202, 409]);
        expect(r.main.exitCode).toBe(1);
        expect(errors(r.main).join('\n')).toMatch(/already has a run in progress[\s\S]*if-running is fail/);
        expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      });
      expect(t.status()?.runState).toBe('Running');
    },
  );

  test.concurrent(
    "a run request refused because another workflow's run started meanwhile: if-running: attach follows that run",
    async () => {
      const t = addTemplate(sim, 'race-attach', { phases: phases(2000) });
      sim.azure.addFault({ service: 'arm', method: 'POST', path: `/imageTemplates/${t.name}/run`, kind: 'delay', delayMs: 1500 });
      const other = sim.journal
        .waitFor((q) => q.service === 'arm' && q.method === 'GET' && q.path.endsWith(`/imageTemplates/${t.name}`))
        .then(() => startRunElsewhere(sim, t));
      const r = await run(sim, t);
      expect(await other).toBe(202);
      check(r, () => {
        expect(
          posts(sim, t.name, 'run')
            .map((q) => q.status)
            .sort(),
        ).toEqual([202, 409]);
        expect(r.main.exitCode).toBe(0);
        expect(r.main.log).toMatch(/Attaching to the run in progress/);
        expect(r.main.outputs['run-state']).toBe('Succeeded');
        expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      });
    },
  );

  test.concurrent('a run already in progress is attached to (no second run); if-running: fail refuses it and cancels nothing', async () => {
    // Long enough to be still running when the action, slow to start on a loaded machine, first reads it.
    const t = addTemplate(sim, 'attach', {
      phases: phases(8000),
      runInProgress: { fromSubState: 'Building', startedAgoMs: 60_000 },
    });
    const busy = addTemplate(sim, 'refuse', { phases: LONG, runInProgress: true });
    const [r, rf] = await Promise.all([run(sim, t), run(sim, busy, { with: { 'if-running': 'fail' } })]);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([]);
      expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      expect(r.main.log).toMatch(/attach/i);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(Number(r.main.outputs['duration-seconds'])).toBeGreaterThanOrEqual(60);
      expect(r.main.outputs['image-id']).toMatch(/\/images\/managedImageOutput$/);
    });
    check(rf, () => {
      expect(rf.main.exitCode).toBe(1);
      const e = errors(rf.main).join('\n');
      expect(e).toContain('if-running');
      expect(e).toContain(busy.name);
      expect(posts(sim, busy.name, 'run').map((q) => q.status)).toEqual([]);
      expect(posts(sim, busy.name, 'cancel').map((q) => q.status)).toEqual([]);
      expect(rf.post?.exitCode).toBe(0);
      expect(posts(sim, busy.name, 'cancel').map((q) => q.status)).toEqual([]);
    });
    expect(busy.status()?.runState).toBe('Running');
  });
});

describe('a long build while GitHub ID tokens expire every few seconds', () => {
  // GitHub ID tokens live 3 s (5 min in real life) and Entra access tokens 5 s (about an hour in real
  // life): a 12 s build is a build of about an hour of tokens expiring. Entra rejects an expired
  // assertion with AADSTS700024, so the action must mint a fresh GitHub token for each sign-in.
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator({ github: { lifetimeSeconds: 3 }, azure: { entra: { accessTokenLifetimeSec: 5 } } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test('the build is followed to the end: fresh ID tokens, no rejected sign-in, no rejected ARM request', async () => {
    const t = addTemplate(sim, 'long', { phases: phases(12_000) });
    const r = await run(sim, t, { with: { 'poll-interval': '300ms' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const arm = armFor(sim, t.name);
      expect(arm.length).toBeGreaterThan(20);
      expect(arm.filter((q) => q.status >= 400)).toEqual([]);
      expect(arm.at(-1)!.at - arm[0]!.at).toBeGreaterThan(10_000);
      const tokenRequests = sim.journal.filter((q) => q.service === 'entra' && q.method === 'POST');
      // Sign-ins kept happening through the build, and Entra accepted every one (no AADSTS700024).
      expect(tokenRequests.length).toBeGreaterThanOrEqual(3);
      expect(tokenRequests.filter((q) => q.status !== 200)).toEqual([]);
      expect(r.main.log).not.toContain('AADSTS');
      // More than one ID token, each registered as a secret and none printed.
      const minted = sim.github.oidc.mints.map((m) => m.token);
      expect(new Set(minted).size).toBeGreaterThanOrEqual(3);
      for (const tok of minted) {
        expect(r.main.masks).toContain(tok);
        expect(r.main.log).not.toContain(tok);
      }
    });
  });
});
