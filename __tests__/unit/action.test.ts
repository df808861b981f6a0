import { describe, expect, it } from '@jest/globals';
import { ActionError, run, selectRunOutput } from '../../src/action.js';
import { parseSettings, type Settings } from '../../src/settings.js';
import { STATE_PHASE, STATE_PREVIOUS_START, STATE_RUN_POSTED, STATE_RUN_START } from '../../src/state.js';
import type { BuildLogHooks, RunResult, RunStatus, SummaryWriter } from '../../src/types.js';
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

const T0 = new Date('2026-01-01T09:59:00Z');
const T1 = new Date('2026-01-01T10:12:30Z');
const OLD = new Date('2025-12-01T00:00:00Z');
const running = (sub: string, startTime = T0): RunStatus => ({ runState: 'Running', runSubState: sub, startTime });
const done = (runState: string, message?: string): RunStatus => ({ runState, startTime: T0, endTime: T1, ...(message ? { message } : {}) });

const OUTPUTS = [
  {
    name: 'managed',
    artifactId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img',
    provisioningState: 'Succeeded',
  },
  { name: 'vhd', artifactUri: 'https://acct.blob.core.windows.net/vhds/x.vhd?sv=1&sig=SECRET', provisioningState: 'Succeeded' },
];

function setup(
  extra: Record<string, string> = {},
  initial: RunStatus | undefined = { runState: 'Succeeded', startTime: OLD, endTime: OLD },
) {
  const ops = new FakeOps(initial ? { lastRunStatus: initial } : {});
  const report = new FakeReporter();
  const clock = new FakeClock();
  return { ops, report, clock, s: settings(extra), deps: { ops, report, clock } };
}

describe('run()', () => {
  it('starts a run, follows it, and sets the outputs of the first distribute target', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [{ runState: 'Succeeded', startTime: OLD, endTime: OLD }, running('Queued'), running('Building'), done('Succeeded')];
    ops.outputs = OUTPUTS;
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(ops.calls).toEqual(['get', 'run', 'get', 'get', 'get', 'get', 'runOutputs']);
    expect(report.failed).toBe(false);
    expect(report.outputs).toMatchObject({
      'run-state': 'Succeeded',
      'staging-resource-group': '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/IT_rg_tpl_0000',
      'image-uri': OUTPUTS[0]!.artifactId,
      'image-id': OUTPUTS[0]!.artifactId,
      'vhd-uri': '',
      'duration-seconds': '810',
    });
    const all = JSON.parse(report.outputs['run-outputs']!) as unknown[];
    expect(all).toEqual([
      { name: 'managed', artifactId: OUTPUTS[0]!.artifactId, artifactUri: '', provisioningState: 'Succeeded' },
      { name: 'vhd', artifactId: '', artifactUri: 'https://acct.blob.core.windows.net/vhds/x.vhd', provisioningState: 'Succeeded' },
    ]);
    expect(report.lines.filter((l) => l.includes('Succeeded') && l.includes('(+'))).toHaveLength(1);
    expect(report.state[STATE_PHASE]).toBe('finished');
    expect(report.state[STATE_RUN_START]).toBe(T0.toISOString());
  });

  it('run-output-name picks a VHD output; a missing name fails naming the ones there are', async () => {
    const a = setup({ 'run-output-name': 'vhd' });
    a.ops.script = [done('Succeeded')];
    a.ops.outputs = OUTPUTS;
    await run(a.s, a.deps);
    expect(a.report.outputs['image-uri']).toBe('https://acct.blob.core.windows.net/vhds/x.vhd');
    expect(a.report.outputs['vhd-uri']).toBe('https://acct.blob.core.windows.net/vhds/x.vhd');
    expect(a.report.outputs['image-id']).toBe('');

    const b = setup({ 'run-output-name': 'gallery' });
    b.ops.script = [done('Succeeded')];
    b.ops.outputs = OUTPUTS;
    await run(b.s, b.deps);
    expect(b.report.failed).toBe(true);
    expect(b.report.errors[0]!.message).toContain(
      "run-output-name 'gallery' is not among the run outputs of template 'tpl' (managed, vhd)",
    );
    expect(b.report.outputs['run-state']).toBe('Succeeded');
  });

  it('attaches to a run in progress instead of starting one', async () => {
    const { ops, report, s, deps } = setup({}, running('Customizing'));
    ops.script = [running('Customizing'), running('Distributing'), done('Succeeded')];
    ops.outputs = OUTPUTS;
    const result = await run(s, deps);
    expect(result.attached).toBe(true);
    expect(ops.calls).not.toContain('run');
    expect(report.lines.some((l) => l.includes('Attaching to the run in progress') && l.includes(T0.toISOString()))).toBe(true);
    expect(report.state[STATE_RUN_START]).toBe(T0.toISOString());
    expect(report.outputs['run-state']).toBe('Succeeded');
  });

  it('if-running: fail refuses, naming the run and its start time, and starts nothing', async () => {
    const { ops, report, s, deps } = setup({ 'if-running': 'fail' }, running('Building'));
    await expect(run(s, deps)).rejects.toThrow(ActionError);
    await expect(run(s, { ...deps, ops: new FakeOps({ lastRunStatus: running('Building') }) })).rejects.toThrow(
      /already has a run in progress \(Running, sub-state Building, started 2026-01-01T09:59:00.000Z\)/,
    );
    expect(ops.calls).toEqual(['get']);
    expect(report.state[STATE_PHASE]).toBeUndefined();
  });

  it('on timeout cancels, waits for Canceled and fails saying how long, the last sub-state and what next', async () => {
    const { ops, report, s, deps, clock } = setup({ timeout: '10s', 'cancel-timeout': '30s' });
    ops.script = [running('Customizing')];
    ops.afterCancel = [
      { runState: 'Canceling', startTime: T0 },
      { runState: 'Canceling', startTime: T0 },
      { runState: 'Canceled', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('TimedOut');
    expect(result.cancel).toEqual({ requested: true, reachedCanceled: true });
    expect(ops.calls.filter((c) => c === 'cancel')).toHaveLength(1);
    expect(report.outputs['run-state']).toBe('TimedOut');
    expect(report.failed).toBe(true);
    const msg = report.errors[0]!.message;
    expect(msg).toContain('did not finish within 10s (timeout)');
    expect(msg).toContain('last state: Running, sub-state Customizing');
    expect(msg).toContain('reached Canceled after 2s');
    expect(msg).toContain('raise timeout');
    expect(report.stateLog.map(([, v]) => v)).toContain('cancel-sent');
    expect(report.state[STATE_PHASE]).toBe('finished');
    expect(clock.t - Date.parse('2026-01-01T10:00:00Z')).toBe(12_000);
  });

  it('on timeout, a cancel that does not land within cancel-timeout is reported and left for the post step', async () => {
    const { ops, report, s, deps } = setup({ timeout: '5s', 'cancel-timeout': '3s' });
    ops.script = [running('Validating')];
    ops.afterCancel = [{ runState: 'Canceling', startTime: T0 }];
    await run(s, deps);
    expect(report.errors[0]!.message).toContain('had not reached Canceled after 3s (cancel-timeout)');
    expect(report.state[STATE_PHASE]).toBe('cancel-sent');
  });

  it('on-timeout: leave does not cancel and says how to follow the build', async () => {
    const { ops, report, s, deps } = setup({ timeout: '5s', 'on-timeout': 'leave' });
    ops.script = [running('Building')];
    const result = await run(s, deps);
    expect(result.state).toBe('TimedOut');
    expect(ops.calls).not.toContain('cancel');
    expect(report.errors[0]!.message).toContain('left running (on-timeout: leave)');
    expect(report.errors[0]!.message).toContain('if-running: attach');
    expect(report.state[STATE_PHASE]).toBe('finished');
  });

  it.each([
    ['warn', false],
    ['fail', true],
  ])('PartiallySucceeded with partial-success: %s sets outputs, failed=%s', async (mode, failed) => {
    const { ops, report, s, deps } = setup({ 'partial-success': String(mode) });
    ops.script = [done('PartiallySucceeded', 'distribution to eastus failed')];
    ops.outputs = OUTPUTS;
    await run(s, deps);
    expect(report.outputs['run-state']).toBe('PartiallySucceeded');
    expect(report.outputs['image-id']).toBe(OUTPUTS[0]!.artifactId);
    expect(report.failed).toBe(failed);
    if (failed) expect(report.errors[0]!.message).toContain('distribution to eastus failed');
    else expect(report.warnings.some((w) => w.includes('distribution to eastus failed'))).toBe(true);
  });

  it("a run whose operation failed before the template showed it fails the step with the operation's error, not at the timeout", async () => {
    const { ops, report, s, deps } = setup({ timeout: '4h' });
    const previous: RunStatus = { runState: 'Succeeded', startTime: OLD, endTime: OLD };
    ops.script = [previous];
    ops.runOperationEnded = { runState: 'Failed', message: "The source image 'ubuntu-24' was not found." };
    const result = await run(s, deps);
    expect(result.state).toBe('Failed');
    expect(report.outputs['run-state']).toBe('Failed');
    expect(report.errors[0]!.message).toContain("The source image 'ubuntu-24' was not found.");
    expect(ops.calls.filter((c) => c === 'operation')).toHaveLength(1);
    expect(ops.calls.filter((c) => c === 'get').length).toBeLessThan(10);
    expect(ops.calls).not.toContain('cancel');
  });

  it('Failed fails the step with the service message and the diagnosis from the logs seam', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [
      running('Customizing'),
      {
        ...done('Failed', 'Build failed. Image Build log location: https://a.blob.core.windows.net/packerlogs/g/customization.log?sig=abc'),
        runSubState: 'Customizing',
      },
    ];
    const finished: RunResult[] = [];
    const logs: BuildLogHooks = {
      onPoll: async () => {
        throw new Error('tail broke');
      },
      finish: async (r) => {
        finished.push(r);
        return {
          logUri: 'https://a.blob.core.windows.net/packerlogs/g/customization.log',
          diagnosis: 'Customizer "install" failed: exit 1',
        };
      },
    };
    const summaries: string[] = [];
    const summary: SummaryWriter = { write: async (r) => void summaries.push(r.state) };
    await run(s, { ...deps, logs, summary });
    expect(report.outputs['run-state']).toBe('Failed');
    expect(report.outputs['log-uri']).toBe('https://a.blob.core.windows.net/packerlogs/g/customization.log');
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.message).toContain('The image build failed (Failed, sub-state Customizing): Build failed.');
    expect(report.errors[0]!.message).toContain('Customizer "install" failed: exit 1');
    expect(finished[0]!.state).toBe('Failed');
    expect(summaries).toEqual(['Failed']);
    expect(report.warnings[0]).toContain('tail broke');
    expect(ops.calls).not.toContain('runOutputs');
  });

  it('a logs seam that throws in finish is a warning and does not hide the result', async () => {
    const { ops, report, s, deps } = setup({ 'job-summary': 'false' });
    ops.script = [done('Canceled', 'canceled by user')];
    const summary: SummaryWriter = {
      write: async () => {
        throw new Error('should not be called');
      },
    };
    await run(s, {
      ...deps,
      summary,
      logs: { onPoll: async () => {}, finish: async () => Promise.reject(new Error('no storage access')) },
    });
    expect(report.outputs['run-state']).toBe('Canceled');
    expect(report.warnings).toEqual(["Build logs: no storage access (the build's result is not affected)"]);
    expect(report.errors[0]!.message).toContain('canceled');
  });

  it('a refused run request fails with a useful message and no run-state', async () => {
    const { ops, report, s, deps } = setup();
    ops.startError = Object.assign(
      new Error("does not have authorization to perform action 'Microsoft.VirtualMachineImages/imageTemplates/run/action'"),
      {
        statusCode: 403,
        code: 'AuthorizationFailed',
      },
    );
    await expect(run(s, deps)).rejects.toThrow(/Could not start a run of template 'tpl': .*run\/action/);
    expect(report.outputs['run-state']).toBeUndefined();
    // Refused: there is no run of ours, so the post step must not cancel (another workflow's run, for a 409).
    expect(report.state[STATE_PHASE]).toBe('finished');
  });

  it('a run request that fails without an answer leaves the post step to check', async () => {
    const { ops, report, s, deps } = setup();
    ops.startError = new Error('socket hang up');
    await expect(run(s, deps)).rejects.toThrow(/Could not start a run/);
    expect(report.state[STATE_PHASE]).toBe('started');
    // The post step can tell our run from another one: the POST time (and the previous run's start) came before 'started'.
    const keys = report.stateLog.map(([k]) => k);
    expect(keys.indexOf(STATE_RUN_POSTED)).toBeGreaterThanOrEqual(0);
    expect(keys.indexOf(STATE_RUN_POSTED)).toBeLessThan(keys.indexOf(STATE_PHASE));
    expect(report.state[STATE_RUN_POSTED]).toBe('2026-01-01T10:00:00.000Z');
    expect(report.state[STATE_PREVIOUS_START]).toBe(OLD.toISOString());
  });

  it('a 409 on the run request because another run started meanwhile: attach follows it, fail refuses', async () => {
    const conflict = () => Object.assign(new Error('Conflict: a run is in progress'), { statusCode: 409, code: 'Conflict' });
    const a = setup();
    a.ops.startError = conflict();
    a.ops.script = [running('Building'), done('Succeeded')];
    const result = await run(a.s, a.deps);
    expect(result.attached).toBe(true);
    expect(result.state).toBe('Succeeded');
    expect(a.report.outputs['run-state']).toBe('Succeeded');
    expect(a.report.state[STATE_RUN_START]).toBe(T0.toISOString());
    expect(a.report.lines.some((l) => l.includes('Attaching to the run in progress'))).toBe(true);

    const f = setup({ 'if-running': 'fail' });
    f.ops.startError = conflict();
    f.ops.script = [running('Building')];
    await expect(run(f.s, f.deps)).rejects.toThrow(/already has a run in progress \(Running, sub-state Building.*if-running is fail/);
    expect(f.report.state[STATE_PHASE]).toBe('finished');
    expect(f.ops.calls).toEqual(['get', 'run', 'get']);
  });

  it('losing track of the run (an error asking again cannot fix) leaves run-state unset, says where to look, and keeps the post step off', async () => {
    const { ops, report, s, deps } = setup();
    const gone = Object.assign(new Error('does not have authorization to perform action read'), {
      statusCode: 403,
      code: 'AuthorizationFailed',
    });
    ops.script = [running('Building'), gone];
    await expect(run(s, deps)).rejects.toThrow(
      /Lost track of the run[\s\S]*state is unknown[\s\S]*left running[\s\S]*az image builder show -g rg -n tpl/,
    );
    expect(report.outputs['run-state']).toBeUndefined();
    expect(report.state[STATE_PHASE]).toBe('lost');
  });

  it('a signal whose cancel cannot be sent leaves run-state unset and says the state is unknown', async () => {
    const { ops, report, s } = setup();
    const controller = new AbortController();
    ops.script = [running('Building')];
    ops.cancelError = Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    const clock = new FakeClock();
    clock.sleep = async () => {
      controller.abort();
    };
    const result = await run(s, { ops, report, clock, signal: controller.signal, signalLogsDeadlineMs: 0 });
    expect(report.outputs['run-state']).toBeUndefined();
    expect(result.state).toBe('Unknown');
    expect(report.errors[0]!.message).toMatch(/state is unknown.*az image builder show/);
  });

  it('the timeout cancel wait continues the progress: the last state is not printed again, elapsed time goes on', async () => {
    const { ops, report, s, deps } = setup({ timeout: '10s', 'cancel-timeout': '30s' });
    ops.script = [running('Customizing')];
    ops.afterCancel = [running('Customizing'), { runState: 'Canceled', startTime: T0, endTime: T1 }];
    await run(s, deps);
    expect(report.lines.filter((l) => l.includes('Running / Customizing'))).toHaveLength(1);
    expect(report.lines.find((l) => l.includes('Canceled') && l.includes('(+'))).toContain('(+11s)');
  });

  it('a logs seam that never finishes does not hold the result: the error is reported without the diagnosis', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [done('Failed', 'customizer failed')];
    const logs: BuildLogHooks = { onPoll: async () => {}, finish: () => new Promise(() => {}) };
    await run(s, { ...deps, logs, logsFinishDeadlineMs: 20 });
    expect(report.failed).toBe(true);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.message).toContain('The image build failed (Failed): customizer failed');
    expect(report.warnings.some((w) => w.includes('Build logs incomplete'))).toBe(true);

    const b = setup();
    b.ops.script = [done('Failed', 'customizer failed')];
    const controller = new AbortController();
    const hung: BuildLogHooks = {
      onPoll: async () => {},
      finish: () => {
        setTimeout(() => controller.abort(), 10);
        return new Promise(() => {});
      },
    };
    await run(b.s, { ...b.deps, logs: hung, signal: controller.signal });
    expect(b.report.errors[0]!.message).toContain('customizer failed');
    expect(b.report.failed).toBe(true);
  });

  it('a signal cancels the build at once; run-state stays unset while Canceled is not seen', async () => {
    const { ops, report, s } = setup();
    const controller = new AbortController();
    ops.script = [running('Building')];
    const clock = new FakeClock();
    clock.sleep = async () => {
      controller.abort();
    };
    ops.afterCancel = [{ runState: 'Canceling', runSubState: 'Customizing', startTime: T0 }];
    const result = await run(s, { ops, report, clock, signal: controller.signal });
    expect(result.interrupted).toBe(true);
    // The cancel first, then a few reads to see it land (and name the phase the build stopped in).
    const afterCancel = ops.calls.slice(ops.calls.indexOf('cancel') + 1);
    expect(afterCancel.length).toBeGreaterThan(0);
    expect(afterCancel.every((c) => c === 'get')).toBe(true);
    expect(ops.calls.filter((c) => c === 'cancel')).toHaveLength(1);
    expect(report.errors[0]?.message).toMatch(/last state: Canceling, sub-state Customizing/);
    expect(report.errors[0]?.message).toMatch(/Canceled was not seen yet, so run-state is not set/);
    expect(report.outputs['run-state']).toBeUndefined();
    expect(result.state).toBe('Unknown');
    expect(report.state[STATE_PHASE]).toBe('cancel-sent');
    expect(report.failed).toBe(true);
  });

  it('a signal whose cancel lands: run-state Canceled once Canceled is seen', async () => {
    const { ops, report, s } = setup();
    const controller = new AbortController();
    ops.script = [running('Building')];
    const clock = new FakeClock();
    clock.sleep = async () => {
      controller.abort();
    };
    ops.afterCancel = [
      { runState: 'Canceling', runSubState: 'Building', startTime: T0 },
      { runState: 'Canceled', startTime: T0, endTime: T1 },
    ];
    const result = await run(s, { ops, report, clock, signal: controller.signal });
    expect(report.outputs['run-state']).toBe('Canceled');
    expect(result.state).toBe('Canceled');
    expect(result.cancel).toEqual({ requested: true, reachedCanceled: true });
    expect(report.state[STATE_PHASE]).toBe('finished');
  });

  it('template-file: the template is made sure of before it is read, and template-name is an output', async () => {
    const { ops, report, s, deps } = setup();
    ops.script = [{ runState: 'Succeeded', startTime: OLD, endTime: OLD }, running('Queued'), done('Succeeded')];
    ops.outputs = OUTPUTS;
    const fromFile = {
      prepared: {} as never,
      ensure: async () => {
        ops.calls.push('ensure');
      },
      afterRun: async () => {},
    };
    await run(s, { ...deps, fromFile });
    expect(ops.calls.slice(0, 3)).toEqual(['ensure', 'get', 'run']);
    expect(report.outputs['template-name']).toBe(s.templateName);
  });

  it('wait: false: starts the run, sets run-state Running, and returns without waiting; the post step leaves it alone', async () => {
    const { ops, report, s, deps } = setup({ wait: 'false' });
    ops.script = [{ runState: 'Succeeded', startTime: OLD, endTime: OLD }, running('Queued')];
    await run(s, deps);
    expect(ops.calls).toEqual(['get', 'run']);
    expect(report.outputs['run-state']).toBe('Running');
    expect(report.state[STATE_PHASE]).toBe('finished');
    expect(report.failed).toBe(false);
  });
});

describe('selectRunOutput', () => {
  const template = new FakeOps().template;
  it('falls back to the first output when the template names none that exist', () => {
    expect(selectRunOutput([{ name: 'other' }], template, undefined).selected?.name).toBe('other');
    expect(selectRunOutput([], template, undefined)).toEqual({});
  });
});
