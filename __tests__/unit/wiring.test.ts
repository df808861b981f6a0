/** The wiring of src/logs and src/summary.ts into run(), with fakes (no network, no @actions/core output). */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { run } from '../../src/action.js';
import * as logsModule from '../../src/logs/index.js';
import type { LogSource } from '../../src/logs/source.js';
import type { Reporter } from '../../src/report.js';
import { parseSettings, type Settings } from '../../src/settings.js';
import type { SummaryInput } from '../../src/summary.js';
import type { RunStatus } from '../../src/types.js';
import { createLogHooks, createSummaryWriter, groupSafeReporter, logsWorkDir, summaryInput } from '../../src/wiring.js';
import { FakeClock, FakeOps, FakeReporter } from './fakes.js';
import { FakeBlob, recordingSink } from './logs-fakes.js';

const fixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'logs', 'linux-shell-failure.customization.log'), 'utf8');
const T0 = new Date('2026-01-01T09:59:00Z');
const T1 = new Date('2026-01-01T10:12:30Z');
const OLD = new Date('2025-12-01T00:00:00Z');
const SERVICE_MESSAGE =
  'Packer build command has failed: exit status 1. Image Build log location: https://acct.blob.core.windows.net/packerlogs/g/customization.log.';

function settings(extra: Record<string, string> = {}): Settings {
  const values: Record<string, string> = {
    'subscription-id': '11111111-1111-1111-1111-111111111111',
    'resource-group': 'rg',
    'template-name': 'tpl',
    'poll-interval': '1s',
    timeout: '1m',
    ...extra,
  };
  return parseSettings((n) => values[n] ?? '', {});
}

/** A reporter that also records groups (`>> name` / `<<`) in its lines. */
class GroupReporter extends FakeReporter {
  startGroup(n: string): void {
    this.lines.push(`>> ${n}`);
  }
  endGroup(): void {
    this.lines.push('<<');
  }
}

function setup(extra: Record<string, string> = {}, opts: { load?: () => Promise<typeof logsModule> } = {}) {
  const s = settings(extra);
  const ops = new FakeOps({ lastRunStatus: { runState: 'Succeeded', startTime: OLD, endTime: OLD } });
  const report = new GroupReporter();
  const blob = new FakeBlob();
  const source: LogSource = {
    refused: false,
    find: async () => (blob.data ? { customization: blob, validation: new FakeBlob() } : undefined),
  };
  const uploads: string[] = [];
  const sink = recordingSink();
  let loads = 0;
  const env = {
    RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'wiring-')),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_RUN_ID: '5',
    GITHUB_JOB: 'img',
    GITHUB_RUN_ATTEMPT: '2',
  };
  const logs = createLogHooks({
    settings: s,
    credential: {} as TokenCredential,
    env,
    report,
    load: async () => {
      loads++;
      return opts.load ? opts.load() : logsModule;
    },
    extra: {
      source,
      sink,
      artifactClient: {
        uploadArtifact: async (name) => {
          uploads.push(name);
          return { id: 77 };
        },
      },
    },
  });
  const summaries: SummaryInput[] = [];
  const summary = createSummaryWriter(s, async (input) => {
    summaries.push(input);
  });
  const wrapped = groupSafeReporter(report, () => logs.closeGroup());
  const deps = { ops, report: wrapped, clock: new FakeClock(), logs, summary };
  return { s, ops, report, blob, sink, uploads, summaries, deps, env, loads: () => loads };
}

const running = (sub: string): RunStatus => ({ runState: 'Running', runSubState: sub, startTime: T0 });

describe('wiring of the build logs and the summary', () => {
  it('a failed build: log outputs set, the diagnosis on the annotation beside the service message, the summary written', async () => {
    const { s, ops, report, blob, uploads, summaries, deps, sink } = setup();
    blob.append(fixture);
    ops.script = [
      running('Customizing'),
      { runState: 'Failed', runSubState: 'Customizing', startTime: T0, endTime: T1, message: SERVICE_MESSAGE },
    ];
    const result = await run(s, deps);
    expect(result.state).toBe('Failed');
    expect(report.outputs['log-uri']).toBe('https://acct.blob.core.windows.net/packerlogs/g/customization.log');
    expect(report.outputs['logs-artifact-id']).toBe('77');
    expect(report.outputs['logs-artifact-url']).toBe('https://github.com/o/r/actions/runs/5/artifacts/77');
    expect(uploads).toEqual(['image-builder-logs-rg-tpl-img-2']);
    expect(report.errors).toHaveLength(1);
    const err = report.errors[0]!;
    // The service's message once, without its boilerplate; the failing step, its error line and where the log is.
    expect(err.message).toContain(
      'Service: The image build failed (Failed, sub-state Customizing): Packer build command has failed: exit status 1.',
    );
    expect(err.message).not.toContain('Image Build log location');
    expect(err.message).toMatch(/Failed step: Customizer '\/tmp\/script_1\.sh' \(Shell\)/);
    expect(err.message).toContain('E: Unable to locate package contoso-agent');
    expect(err.message).toContain(
      "Full build log: artifact 'image-builder-logs-rg-tpl-img-2' (https://github.com/o/r/actions/runs/5/artifacts/77), log-uri https://acct.blob.core.windows.net/packerlogs/g/customization.log",
    );
    expect(err.title).toMatch(/^Image build failed: .*script_1\.sh/);
    expect(report.failed).toBe(true);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      template: 'tpl',
      resourceGroup: 'rg',
      runState: 'Failed',
      logsArtifactUrl: 'https://github.com/o/r/actions/runs/5/artifacts/77',
      logsArtifactName: 'image-builder-logs-rg-tpl-img-2',
    });
    expect(summaries[0]!.diagnosis?.title).toMatch(/script_1\.sh/);
    expect(summaries[0]!.timeline?.map((t) => t.name)).toEqual(['Customizing', 'Failed']);
    // The log was streamed in its group, and the group was closed before the action's own lines.
    expect(sink.lines).toContain('>> Build log: Customizing');
    expect(sink.warnings).toEqual([]);
  });

  it('job-summary false: no summary; a successful build with stream-logs false and upload-logs on-failure never loads src/logs', async () => {
    const { s, ops, report, summaries, deps, loads } = setup({
      'job-summary': 'false',
      'stream-logs': 'false',
      'upload-logs': 'on-failure',
    });
    ops.script = [running('Building'), { runState: 'Succeeded', startTime: T0, endTime: T1 }];
    ops.outputs = [{ name: 'managed', artifactId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img' }];
    const result = await run(s, deps);
    expect(result.state).toBe('Succeeded');
    expect(summaries).toEqual([]);
    expect(loads()).toBe(0);
    expect(report.outputs['image-id']).toBe('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img');
    expect(report.outputs['log-uri']).toBeUndefined();
  });

  it('job-summary true (default): the summary has the image ID and the timeline', async () => {
    const { s, ops, summaries, deps, loads } = setup({ 'stream-logs': 'false', 'upload-logs': 'never' });
    ops.script = [running('Building'), running('Distributing'), { runState: 'Succeeded', startTime: T0, endTime: T1 }];
    ops.outputs = [{ name: 'managed', artifactId: 'IMG' }];
    await run(s, deps);
    expect(loads()).toBe(0);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ runState: 'Succeeded', imageId: 'IMG', durationSeconds: 810, startTime: T0, endTime: T1 });
    expect(summaries[0]!.timeline?.map((t) => t.name)).toEqual(['Building', 'Distributing', 'Succeeded']);
  });

  // One test per case rather than it.each (whose extra callback argument jest may take for `done`).
  const broken: Array<[string, () => Promise<typeof logsModule>]> = [
    ['cannot be loaded', async () => Promise.reject(new Error('chunk missing'))],
    [
      'throws from every method',
      async () =>
        ({
          ...logsModule,
          createBuildLogs: () => ({
            onPoll: async () => Promise.reject(new Error('tail broke')),
            finish: async () => Promise.reject(new Error('finish broke')),
            closeGroup: () => {
              throw new Error('group broke');
            },
          }),
        }) as unknown as typeof logsModule,
    ],
  ];
  for (const [what, load] of broken) {
    it(`a logs module that ${what} leaves the build's result and its error intact`, async () => {
      const { s, ops, report, summaries, deps } = setup({}, { load });
      ops.script = [
        running('Customizing'),
        { runState: 'Failed', runSubState: 'Customizing', startTime: T0, endTime: T1, message: SERVICE_MESSAGE },
      ];
      const result = await run(s, deps);
      expect(result.state).toBe('Failed');
      expect(report.outputs['run-state']).toBe('Failed');
      expect(report.errors).toEqual([
        { message: `The image build failed (Failed, sub-state Customizing): ${SERVICE_MESSAGE}`, title: 'Image build failed' },
      ]);
      expect(report.failed).toBe(true);
      expect(report.warnings.join('\n')).toMatch(/chunk missing|finish broke|tail broke/);
      expect(summaries).toHaveLength(1);
    });
  }

  it('on a signal the cancel goes first; logs that hang are abandoned at the deadline', async () => {
    const order: string[] = [];
    const { s, ops, report, deps } = setup();
    ops.script = [running('Customizing')];
    const controller = new AbortController();
    deps.clock.sleep = async () => {
      controller.abort();
    };
    const origCancel = ops.cancelRun.bind(ops);
    ops.cancelRun = async () => {
      order.push('cancel');
      return origCancel();
    };
    const logs = {
      ...deps.logs,
      finish: async () => {
        order.push('logs');
        return new Promise<never>(() => {});
      },
    };
    const t = Date.now();
    const result = await run(s, { ...deps, logs, signal: controller.signal, signalLogsDeadlineMs: 700 });
    expect(Date.now() - t).toBeLessThan(3000);
    expect(order).toEqual(['cancel', 'logs']);
    expect(result.interrupted).toBe(true);
    expect(report.errors[0]?.title).toBe('Interrupted');
    expect(report.errors[0]?.message).toMatch(/sub-state Customizing/);
    expect(report.warnings.at(-1)).toMatch(/no time left after the cancel/);
  });

  it('on a signal with time left, the logs still land (outputs set, after the cancel)', async () => {
    const { s, ops, report, blob, deps } = setup();
    blob.append(fixture);
    ops.script = [running('Customizing')];
    ops.afterCancel = [{ runState: 'Canceled', startTime: T0, endTime: T1 }];
    const controller = new AbortController();
    deps.clock.sleep = async () => {
      controller.abort();
    };
    await run(s, { ...deps, signal: controller.signal });
    expect(ops.calls).toContain('cancel');
    expect(report.outputs['logs-artifact-id']).toBe('77');
    // Canceled was seen after the cancel, so run-state says it.
    expect(report.outputs['run-state']).toBe('Canceled');
  });

  it('groups: sign-in/template and run outputs, never inside the log tail group', async () => {
    const { s, ops, report, blob, deps, sink } = setup();
    blob.append(fixture);
    ops.script = [running('Customizing'), { runState: 'Succeeded', startTime: T0, endTime: T1 }];
    ops.outputs = [{ name: 'managed', artifactId: 'IMG' }];
    // One ordered journal of both: the action's lines and the log tail's.
    const journal: string[] = [];
    const rec = (r: { lines: string[] }, tag: string) => {
      const push = r.lines.push.bind(r.lines);
      r.lines.push = (...l: string[]) => {
        for (const x of l) journal.push(`${tag}${x}`);
        return push(...l);
      };
    };
    rec(report, '');
    rec(sink, 'tail ');
    await run(s, deps);
    expect(journal[0]).toBe('>> Sign-in and template tpl');
    expect(journal).toContain('>> Run outputs');
    expect(journal).toContain('tail >> Build log: Customizing');
    let open = 0;
    for (const l of journal) {
      if (l.endsWith('<<')) open--;
      else if (/^(tail )?>> /.test(l)) open++;
      expect(open).toBeLessThanOrEqual(1);
      expect(open).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the poll interval reaches the logs module', () => {
  it.each([
    ['1s', 1000],
    ['15s', 15_000],
  ])('poll-interval %s: the log lookup backs off from %i ms', async (input, ms) => {
    const given: Array<{ pollIntervalMs?: number }> = [];
    const fake = {
      ...logsModule,
      createBuildLogs: (deps: { pollIntervalMs?: number }) => {
        given.push(deps);
        return { onPoll: async () => {}, finish: async () => ({ files: [] }), closeGroup: () => {} };
      },
    } as unknown as typeof logsModule;
    const hooks = createLogHooks({
      settings: settings({ 'poll-interval': input }),
      credential: {} as TokenCredential,
      env: {},
      report: new FakeReporter(),
      load: async () => fake,
    });
    await hooks.onPoll(running('Building'));
    expect(given).toHaveLength(1);
    expect(given[0]!.pollIntervalMs).toBe(ms);
  });
});

describe('the tail beside the polling', () => {
  it('a slow log read does not hold up the status poll; one read at a time; settle and finish wait for it', async () => {
    const s = settings();
    let release: () => void = () => {};
    const polls: string[] = [];
    const fake = {
      ...logsModule,
      createBuildLogs: () => ({
        onPoll: async (p: { runSubState?: string }) => {
          polls.push(p.runSubState ?? '');
          await new Promise<void>((r) => {
            release = r;
          });
        },
        finish: async () => ({ files: [], timeline: [], logUri: 'https://a.blob.core.windows.net/packerlogs/g/customization.log' }),
        closeGroup: () => {},
      }),
    } as unknown as typeof logsModule;
    const controller = new AbortController();
    const hooks = createLogHooks({
      settings: s,
      credential: {} as TokenCredential,
      env: {},
      report: new FakeReporter(),
      load: async () => fake,
      pollWaitMs: 3000,
      signal: controller.signal,
    });
    let t = Date.now();
    await hooks.onPoll(running('Building'));
    // The read hangs: the poll gives up on it after pollWaitMs.
    expect(Date.now() - t).toBeGreaterThanOrEqual(2900);
    controller.abort();
    t = Date.now();
    await hooks.onPoll(running('Customizing'));
    // After a signal the poll does not wait for the log read at all (far less than pollWaitMs, even on a loaded machine).
    expect(Date.now() - t).toBeLessThan(1500);
    expect(polls).toEqual(['Building']);
    let settled = false;
    void hooks.settle().then(() => {
      settled = true;
    });
    let finished = false;
    const f = hooks
      .finish({ state: 'Failed', status: running('Customizing'), template: new FakeOps().template, attached: false, runOutputs: [] })
      .then((x) => {
        finished = true;
        return x;
      });
    await new Promise((r) => setTimeout(r, 10));
    expect(finished).toBe(false);
    expect(settled).toBe(false);
    release();
    expect((await f).logUri).toBe('https://a.blob.core.windows.net/packerlogs/g/customization.log');
  });
});

describe('helpers', () => {
  it('logsWorkDir: under RUNNER_TEMP (else the temp dir), one per template', () => {
    const a = logsWorkDir({ subscriptionId: 's', resourceGroup: 'rg', templateName: 'ubuntu 24' }, { RUNNER_TEMP: '/rt' }, 7);
    expect(a).toMatch(/^\/rt\/image-builder-logs\/ubuntu-24-[0-9a-f]{8}-7$/);
    expect(logsWorkDir({ subscriptionId: 's', resourceGroup: 'rg2', templateName: 'ubuntu 24' }, { RUNNER_TEMP: '/rt' }, 7)).not.toBe(a);
    expect(
      logsWorkDir({ subscriptionId: 's', resourceGroup: 'rg', templateName: 'x' }, {}, 7).startsWith(join(tmpdir(), 'image-builder-logs')),
    ).toBe(true);
  });

  it('summaryInput: VHD URI without SAS; a timed-out run ends now', () => {
    const ops = new FakeOps();
    const now = new Date('2026-01-01T11:00:00Z');
    const vhd = { name: 'vhd', artifactUri: 'https://a.blob.core.windows.net/vhds/x.vhd?sv=1&sig=S' };
    const input = summaryInput(
      { templateName: 'tpl', resourceGroup: 'rg' },
      {
        state: 'TimedOut',
        status: running('Customizing'),
        template: ops.template,
        attached: false,
        runOutputs: [vhd],
        selectedOutput: vhd,
      },
      { timeline: [{ name: 'Customizing', start: T0 }] },
      now,
    );
    expect(input.vhdUri).toBe('https://a.blob.core.windows.net/vhds/x.vhd');
    expect(input.endTime).toEqual(now);
  });

  it('groupSafeReporter closes the log group before the action prints', () => {
    const calls: string[] = [];
    const inner = new FakeReporter() as Reporter;
    const r = groupSafeReporter(inner, () => calls.push('close'));
    r.info('x');
    r.setOutput('a', 'b');
    r.error('e');
    expect(calls).toEqual(['close', 'close']);
  });
});
