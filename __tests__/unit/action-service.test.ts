// run() against the service as it really behaves (DESIGN.md "What the real service does beyond the spec"):
// stale statuses, statuses without sub-state, outages, slow cancels, refused run requests, attached runs.
import { describe, expect, it } from '@jest/globals';
import { run } from '../../src/action.js';
import { parseSettings, type Settings } from '../../src/settings.js';
import { STATE_PHASE } from '../../src/state.js';
import type { RunStatus } from '../../src/types.js';
import { FakeClock, FakeOps, FakeReporter } from './fakes.js';

function settings(extra: Record<string, string> = {}): Settings {
  const values: Record<string, string> = {
    'subscription-id': '11111111-1111-1111-1111-111111111111',
    'resource-group': 'rg',
    'template-name': 'tpl',
    'poll-interval': '1s',
    timeout: '1m',
    'cancel-timeout': '10s',
    ...extra,
  };
  return parseSettings((n) => values[n] ?? '', {});
}

// FakeClock starts at 10:00:00; the run request goes out then.
const NOW = Date.parse('2026-01-01T10:00:00Z');
const T0 = new Date(NOW + 5_000);
const T1 = new Date(NOW + 65_000);
const OLD = new Date('2025-12-01T00:00:00Z');
const HOUR_AGO = new Date(NOW - 3_600_000);
const running = (sub: string, startTime = T0): RunStatus => ({ runState: 'Running', runSubState: sub, startTime });

function setup(
  extra: Record<string, string> = {},
  initial: RunStatus | undefined = { runState: 'Succeeded', startTime: OLD, endTime: OLD },
) {
  const ops = new FakeOps(initial ? { lastRunStatus: initial } : {});
  const report = new FakeReporter();
  const clock = new FakeClock();
  return { ops, report, clock, s: settings(extra), deps: { ops, report, clock, random: () => 0.5 } };
}

describe('run() and the real service', () => {
  it("a stale previous run (another start time, older than the POST) is not taken for this run's result", async () => {
    // The template first shows a run that failed an hour ago (not the one read before the POST), then ours.
    const { ops, report, s, deps } = setup();
    ops.script = [
      { runState: 'Failed', runSubState: 'Customizing', startTime: HOUR_AGO, endTime: new Date(NOW - 1_800_000), message: 'old failure' },
      running('Building'),
      { runState: 'Succeeded', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(report.outputs['run-state']).toBe('Succeeded');
    expect(report.outputs['duration-seconds']).toBe('60');
    expect(report.errors).toHaveLength(0);
  });

  it('a start within the clock skew of the POST is this run (the service clock may run behind the runner)', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [{ runState: 'Succeeded', startTime: new Date(NOW - 60_000), endTime: T1 }];
    await run(s, deps);
    expect(report.outputs['run-state']).toBe('Succeeded');
    expect(report.outputs['duration-seconds']).toBe('125');
  });

  it('a failure whose status has no sub-state still names the phase it failed in', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [running('Customizing'), { runState: 'Failed', startTime: T0, endTime: T1, message: 'packer failed' }];
    const result = await run(s, deps);
    expect(result.status?.runSubState).toBe('Customizing');
    expect(report.errors[0]!.message).toContain('The image build failed (Failed, sub-state Customizing): packer failed');
    expect(report.outputs['duration-seconds']).toBe('60');
  });

  it('a status read outage (500s over many polls) is ridden out: success, each distinct error told once', async () => {
    const { ops, report, s, deps } = setup({ timeout: '1h' });
    const internal = () => Object.assign(new Error('Internal error occurred.'), { statusCode: 500, code: 'InternalOperationError' });
    const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    ops.script = [
      running('Building'),
      ...Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? reset() : internal())),
      running('Customizing'),
      { runState: 'Succeeded', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(report.failed).toBe(false);
    const told = report.warnings.filter((w) => w.startsWith('Reading the run status failed'));
    expect(told).toHaveLength(2);
    expect(report.lines.some((l) => /readable again after 30 failed reads/.test(l))).toBe(true);
    expect(ops.calls).not.toContain('cancel');
  });

  it('reads failing until the timeout: the step gives up only then, saying the reads failed', async () => {
    const { ops, report, s, deps, clock } = setup({ timeout: '5m', 'on-timeout': 'leave' });
    const down = () => Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    ops.script = [running('Building'), down()];
    const result = await run(s, deps);
    expect(result.state).toBe('TimedOut');
    expect(clock.t - NOW).toBeGreaterThanOrEqual(5 * 60_000);
    expect(report.errors[0]!.message).toMatch(/could not be read lately \(Service Unavailable\)/);
    expect(report.warnings.filter((w) => w.startsWith('Reading the run status failed'))).toHaveLength(1);
  });

  it('an unknown run state is waited on (told once), not taken for an end', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [
      { runState: 'Pausing', startTime: T0 },
      { runState: 'Pausing', startTime: T0 },
      { runState: 'Succeeded', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(report.warnings.filter((w) => w.includes("'Pausing'"))).toHaveLength(1);
  });

  it('a previous run being canceled: waits for Canceled without a cancel of its own, then starts its own run', async () => {
    const canceling: RunStatus = { runState: 'Canceling', runSubState: 'Building', startTime: HOUR_AGO };
    const { ops, report, s, deps } = setup({}, canceling);
    const canceled: RunStatus = { runState: 'Canceled', startTime: HOUR_AGO, endTime: new Date(NOW + 3000) };
    // Reads: two while Canceling, one Canceled (before the POST), then the template shows the old cancel a while, then ours.
    ops.script = [canceling, canceling, canceled, canceled, running('Building'), { runState: 'Succeeded', startTime: T0, endTime: T1 }];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(ops.calls).not.toContain('cancel');
    expect(ops.calls.filter((c) => c === 'run')).toHaveLength(1);
    expect(ops.calls.indexOf('run')).toBeGreaterThan(3);
    expect(report.lines.some((l) => l.includes('is being canceled; waiting for it to reach Canceled'))).toBe(true);
  });

  it('a previous run that never stops canceling: fails at the timeout naming it, no run and no cancel sent', async () => {
    const canceling: RunStatus = { runState: 'Canceling', startTime: HOUR_AGO };
    const { ops, report, s, deps } = setup({ timeout: '2m' }, canceling);
    ops.script = [canceling];
    await expect(run(s, deps)).rejects.toThrow(
      /previous run \(started 2026-01-01T09:00:00.000Z\) was still Canceling after 2m00s \(timeout\).*no run of its own and sent no cancel/,
    );
    expect(ops.calls).not.toContain('cancel');
    expect(ops.calls).not.toContain('run');
    expect(report.outputs['run-state']).toBe('TimedOut');
    expect(report.state[STATE_PHASE]).toBeUndefined();
  });

  it('a run request refused with OperationNotAllowed (HTTP 400) because a run started meanwhile is attached to', async () => {
    const { ops, report, s, deps } = setup();
    ops.startError = Object.assign(
      new Error('Operation ... run/action is not allowed in provisioning state: provisioned or run state: running.'),
      { statusCode: 400, code: 'OperationNotAllowed' },
    );
    ops.script = [running('Queued'), { runState: 'Succeeded', startTime: T0, endTime: T1 }];
    const result = await run(s, deps);
    expect(result.attached).toBe(true);
    expect(result.state).toBe('Succeeded');
    expect(ops.calls.filter((c) => c === 'run')).toHaveLength(1);
    expect(report.lines.some((l) => l.includes('Attaching to the run in progress'))).toBe(true);
  });

  it("a throttled run request (429) is sent again and the run followed as this step's own", async () => {
    const { ops, report, s, deps } = setup();
    let tries = 0;
    const start = ops.startRun.bind(ops);
    ops.startRun = async () => {
      if (tries++ < 2) {
        ops.calls.push('run');
        throw Object.assign(new Error('Number of write requests exceeded'), { statusCode: 429, code: 'TooManyRequests' });
      }
      return start();
    };
    ops.script = [
      { runState: 'Succeeded', startTime: OLD, endTime: OLD },
      running('Building'),
      { runState: 'Succeeded', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(result.attached).toBe(false);
    expect(ops.calls.filter((c) => c === 'run')).toHaveLength(3);
    expect(report.warnings.filter((w) => w.startsWith('The run request failed'))).toHaveLength(1);
  });

  it('logs that outlast their deadline are told to stop (their signal aborts) and the result says so', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [{ runState: 'Failed', startTime: T0, endTime: T1, message: 'broke' }];
    let given: AbortSignal | undefined;
    const logs = {
      onPoll: async () => {},
      finish: (_r: unknown, signal?: AbortSignal) => {
        given = signal;
        return new Promise<never>(() => {});
      },
    };
    const result = await run(s, { ...deps, logs, logsFinishDeadlineMs: 20 });
    expect(given?.aborted).toBe(true);
    expect(result.logsAbandoned).toBe(true);
    expect(report.errors[0]!.message).toContain('broke');
  });

  describe('cancel only what is ours', () => {
    const attachedRun = running('Customizing', HOUR_AGO);

    it('the timeout leaves an attached run running, saying whose it was', async () => {
      const { ops, report, s, deps } = setup({ timeout: '5s' }, attachedRun);
      ops.script = [attachedRun];
      const result = await run(s, deps);
      expect(result.state).toBe('TimedOut');
      expect(ops.calls).not.toContain('cancel');
      expect(report.errors[0]!.message).toContain('left running: it was not started by this step (it started 2026-01-01T09:00:00.000Z');
      expect(report.errors[0]!.message).toContain('cancel-attached is false');
      expect(report.state[STATE_PHASE]).toBe('finished');
    });

    it('cancel-attached: true cancels an attached run at the timeout', async () => {
      const { ops, s, deps } = setup({ timeout: '5s', 'cancel-attached': 'true' }, attachedRun);
      ops.script = [attachedRun];
      ops.afterCancel = [{ runState: 'Canceled', startTime: HOUR_AGO, endTime: T1 }];
      const result = await run(s, deps);
      expect(ops.calls.filter((c) => c === 'cancel')).toHaveLength(1);
      expect(result.cancel).toEqual({ requested: true, reachedCanceled: true });
    });

    it('a signal leaves an attached run running; the post step is told to leave it alone', async () => {
      const { ops, report, s } = setup({}, attachedRun);
      const controller = new AbortController();
      ops.script = [attachedRun];
      const clock = new FakeClock();
      clock.sleep = async () => {
        controller.abort();
      };
      const result = await run(s, { ops, report, clock, signal: controller.signal, signalLogsDeadlineMs: 0 });
      expect(result.interrupted).toBe(true);
      expect(ops.calls).not.toContain('cancel');
      expect(report.outputs['run-state']).toBeUndefined();
      expect(report.errors[0]!.message).toContain('left running');
      expect(report.state[STATE_PHASE]).toBe('attached');
    });
  });
});
