/**
 * Adapters between the action's seams (BuildLogHooks, SummaryWriter, Reporter) and src/logs + src/summary.ts.
 * src/logs (and through it @azure/storage-blob and @actions/artifact) is loaded with import() only when needed:
 * on the first poll when stream-logs is on, or at the end when the logs are to be uploaded or diagnosed.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { isVhd } from './runOutputs.js';
import type { BuildLogs, BuildLogsDeps, FinishResult, PollStatus } from './logs/index.js';
import { redactSas, type Reporter } from './report.js';
import type { Settings } from './settings.js';
import { writeSummary, type SummaryInput } from './summary.js';
import type { BuildLogHooks, BuildLogOutcome, RunResult, RunStatus, SummaryWriter, TemplateInfo } from './types.js';

/**
 * The preflight hook for run(): src/preflight is loaded with import() when a template is checked, never with
 * `preflight: false`. A failure of the checks themselves is a warning: it never stops a run.
 */
export function createPreflightHook(
  settings: Settings,
  credential: TokenCredential,
  report: {
    error(m: string, title?: string): void;
    warning(m: string, title?: string): void;
    notice(m: string, title?: string): void;
    info(m: string): void;
  },
  load: () => Promise<Pick<typeof import('./preflight/index.js'), 'runPreflight' | 'armReader'>> = () => import('./preflight/index.js'),
): ((template: TemplateInfo) => Promise<{ ok: boolean }>) | undefined {
  if (settings.preflight === 'false') return undefined;
  return async (template) => {
    try {
      const m = await load();
      const arm = m.armReader({
        credential,
        armEndpoint: settings.resourceManagerEndpoint,
        armScope: settings.armScope,
        subscriptionId: settings.subscriptionId,
      });
      return await m.runPreflight(template, settings, { arm, report });
    } catch (err) {
      report.warning(`Preflight checks could not run: ${err instanceof Error ? err.message : String(err)} (the run goes on)`);
      return { ok: true };
    }
  };
}

type LogsModule = Pick<typeof import('./logs/index.js'), 'createBuildLogs' | 'customizerLabel' | 'defaultArtifactName'>;

/** `$RUNNER_TEMP/image-builder-logs/<template>-<hash>-<pid>`: one per template (and per step), never shared. */
export function logsWorkDir(
  settings: Pick<Settings, 'subscriptionId' | 'resourceGroup' | 'templateName'>,
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): string {
  const base = env['RUNNER_TEMP'] || tmpdir();
  const id = `${settings.subscriptionId}/${settings.resourceGroup}/${settings.templateName}`.toLowerCase();
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  const safe = settings.templateName.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60);
  return join(base, 'image-builder-logs', `${safe}-${hash}-${pid}`);
}

export interface LogHooksOptions {
  settings: Settings;
  credential: TokenCredential;
  env?: NodeJS.ProcessEnv;
  /** Where warnings go when the module cannot be loaded. */
  report: Pick<Reporter, 'warning'>;
  /** Test seam: loads src/logs (default: dynamic import, a chunk of its own in dist/). */
  load?: () => Promise<LogsModule>;
  /** Aborted on SIGINT/SIGTERM: from then on a poll no longer waits for the log read. */
  signal?: AbortSignal;
  /** Longest a poll waits for the log read before going on without it (default 3 s). */
  pollWaitMs?: number;
  /** Test seam: extra deps for createBuildLogs (fake source, artifact client, sink ...). */
  extra?: Partial<BuildLogsDeps>;
}

export interface WiredLogHooks extends BuildLogHooks {
  settle(): Promise<void>;
  /** Closes the log tail's group, if one is open (before the action prints a line of its own). */
  closeGroup(): void;
}

const phaseOf = (s: RunStatus): string => (s.runState === 'Running' ? (s.runSubState ?? 'Running') : (s.runState ?? '?'));

/** BuildLogHooks over src/logs, loaded lazily. Never throws. */
export function createLogHooks(o: LogHooksOptions): WiredLogHooks {
  const { settings } = o;
  const env = o.env ?? process.env;
  const load = o.load ?? (() => import('./logs/index.js'));
  let staging: string | undefined;
  let mod: Promise<LogsModule | undefined> | undefined;
  let logs: BuildLogs | undefined;
  let tailing: Promise<void> | undefined;
  let latest: RunStatus = { runState: 'Running' };
  /** Poll fields read when the module uses them (after loading and locating), not when the read was started. */
  const latestPoll = (): PollStatus => ({
    get runState() {
      return latest.runState ?? '';
    },
    get runSubState() {
      return latest.runSubState;
    },
    get message() {
      return latest.message;
    },
    get startTime() {
      return latest.startTime;
    },
    get stagingResourceGroup() {
      return staging;
    },
  });
  let tailWarned = false;
  // The one timeline (src/logs keeps none): the summary needs it even when src/logs is never loaded.
  const timeline: Array<{ name: string; start: Date }> = [];

  const get = async (): Promise<{ m: LogsModule; logs: BuildLogs } | undefined> => {
    mod ??= load().catch((err: unknown) => {
      o.report.warning(`Build logs unavailable: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
      return undefined;
    });
    const m = await mod;
    if (!m) return undefined;
    logs ??= m.createBuildLogs({
      credential: o.credential,
      armEndpoint: settings.resourceManagerEndpoint,
      armScope: settings.armScope,
      storageSuffix: settings.storageSuffix,
      subscriptionId: settings.subscriptionId,
      templateName: settings.templateName,
      workDir: logsWorkDir(settings, env),
      streamLogs: settings.streamLogs,
      uploadLogs: settings.uploadLogs,
      pollIntervalMs: settings.pollIntervalMs,
      // Default name with the resource group: a matrix over groups may use one template name (GITHUB_JOB is shared).
      artifactName: settings.logsArtifactName ?? m.defaultArtifactName(`${settings.resourceGroup}-${settings.templateName}`, env),
      ...(settings.logsRetentionDays !== undefined ? { retentionDays: settings.logsRetentionDays } : {}),
      env,
      ...o.extra,
    });
    return { m, logs };
  };

  return {
    start(template: TemplateInfo): void {
      staging = template.stagingResourceGroupId;
    },
    async settle(): Promise<void> {
      await tailing;
    },
    closeGroup(): void {
      try {
        logs?.closeGroup();
      } catch {
        // Never let the log group stop the action's own lines.
      }
    },
    async onPoll(status: RunStatus): Promise<void> {
      const phase = phaseOf(status);
      if (timeline.at(-1)?.name !== phase) timeline.push({ name: phase, start: new Date() });
      if (!settings.streamLogs) return;
      latest = status;
      // The poll waits for the log read only a short while (and not at all after a signal): a slow storage
      // account must not delay status lines, the timeout or a cancel. One read at a time; a read that outlasts
      // the wait goes on beside the polling, and names its group after the newest status when it reads.
      if (!tailing) {
        tailing = (async () => {
          const l = await get();
          await l?.logs.onPoll(latestPoll());
        })()
          .catch((err: unknown) => {
            if (!tailWarned)
              o.report.warning(`Build log tail: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
            tailWarned = true;
          })
          .finally(() => {
            tailing = undefined;
          });
      }
      await boundedWait(tailing, o.pollWaitMs ?? 3000, o.signal);
    },
    async finish(result: RunResult, signal?: AbortSignal): Promise<BuildLogOutcome> {
      const failed = result.state !== 'Succeeded';
      const wanted = settings.streamLogs || failed || settings.uploadLogs === 'always';
      const out: BuildLogOutcome = timeline.length > 0 ? { timeline } : {};
      if (!wanted) return out;
      await untilAborted(tailing, signal);
      const l = await untilAborted(get(), signal);
      if (!l) return out;
      // The staging group reaches src/logs one way only: with each poll's status (and the final one).
      staging ??= result.template.stagingResourceGroupId;
      const f: FinishResult = await l.logs.finish(
        {
          runState: result.state,
          failed,
          ...pollFields(result.status, staging),
          ...(result.template.customizers ? { customizers: result.template.customizers } : {}),
          ...(result.template.hasVnetConfig !== undefined ? { hasVnetConfig: result.template.hasVnetConfig } : {}),
        },
        signal,
      );
      if (f.logUri) out.logUri = f.logUri;
      if (f.artifactId !== undefined) out.artifactId = String(f.artifactId);
      if (f.artifactUrl) out.artifactUrl = f.artifactUrl;
      if (f.artifactName) out.artifactName = f.artifactName;
      if (f.diagnosis) {
        const d = f.diagnosis;
        out.diagnosisDetail = {
          title: d.title,
          errorLines: d.errorLines,
          context: d.context,
          causeLines: d.causeLines,
          ...(d.hint ? { hint: d.hint } : {}),
          ...(d.verdict ? { verdict: d.verdict } : {}),
          ...(d.customizer
            ? {
                customizer:
                  d.phase === 'Validating' ? `Validator '${d.customizer.name}' (${d.customizer.type})` : l.m.customizerLabel(d.customizer),
              }
            : {}),
        };
      }
      return out;
    },
  };
}

/** `p`, or undefined as soon as `signal` aborts. */
async function untilAborted<T>(p: Promise<T> | undefined, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Waits for `p`, at most `ms`, and not past `signal`'s abort. */
async function boundedWait(p: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    p,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) signal?.removeEventListener('abort', onAbort);
}

function pollFields(
  s: RunStatus | undefined,
  staging: string | undefined,
): { runSubState?: string; message?: string; startTime?: Date; stagingResourceGroup?: string } {
  const f: { runSubState?: string; message?: string; startTime?: Date; stagingResourceGroup?: string } = {};
  if (s?.runSubState) f.runSubState = s.runSubState;
  if (s?.message) f.message = s.message;
  if (s?.startTime) f.startTime = s.startTime;
  if (staging) f.stagingResourceGroup = staging;
  return f;
}

/** The summary's input, from the run's result and what the logs gave back. */
export function summaryInput(
  settings: Pick<Settings, 'templateName' | 'resourceGroup'>,
  result: RunResult,
  logs: BuildLogOutcome,
  now = new Date(),
): SummaryInput {
  const s = result.status;
  const input: SummaryInput = { template: settings.templateName, resourceGroup: settings.resourceGroup, runState: result.state };
  // The service's zero time (year 1) and an end before the start are no times at all.
  const real = (d: Date | undefined): Date | undefined => (d && Number.isFinite(d.getTime()) && d.getUTCFullYear() >= 2000 ? d : undefined);
  const start = real(s?.startTime);
  const end = real(s?.endTime);
  if (start) input.startTime = start;
  // A run stopped by our timeout or a signal has no end time yet: the timeline ends now.
  if (end && (!start || end.getTime() >= start.getTime())) input.endTime = end;
  else if (start || logs.timeline?.length) input.endTime = start && now.getTime() < start.getTime() ? start : now;
  if (result.durationSeconds !== undefined) input.durationSeconds = result.durationSeconds;
  const o = result.selectedOutput;
  if (o?.artifactId) input.imageId = o.artifactId;
  if (o?.artifactUri && isVhd(o, result.template)) input.vhdUri = redactSas(o.artifactUri);
  if (logs.artifactUrl) input.logsArtifactUrl = logs.artifactUrl;
  if (logs.artifactName) input.logsArtifactName = logs.artifactName;
  if (logs.logUri) input.logUri = redactSas(logs.logUri);
  if (logs.timeline?.length) input.timeline = logs.timeline;
  if (logs.diagnosisDetail) input.diagnosis = logs.diagnosisDetail;
  return input;
}

/** SummaryWriter over src/summary.ts (`write` injectable for tests). */
export function createSummaryWriter(
  settings: Pick<Settings, 'templateName' | 'resourceGroup'>,
  write?: (input: SummaryInput) => Promise<void>,
): SummaryWriter {
  return {
    async write(result, logs) {
      await (write ?? writeSummary)(summaryInput(settings, result, logs));
    },
  };
}

/** A Reporter that closes the log tail's group before anything of its own is printed, so groups never nest. */
export function groupSafeReporter(inner: Reporter, closeLogGroup: () => void): Reporter {
  const before =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A): void => {
      closeLogGroup();
      fn(...a);
    };
  return {
    ...inner,
    info: before((m: string) => inner.info(m)),
    warning: before((m: string) => inner.warning(m)),
    error: before((m: string, t?: string) => inner.error(m, t)),
    startGroup: before((n: string) => inner.startGroup?.(n)),
    endGroup: () => inner.endGroup?.(),
    setOutput: (n, v) => inner.setOutput(n, v),
    saveState: (n, v) => inner.saveState(n, v),
    setSecret: (s) => inner.setSecret(s),
    debug: (m) => inner.debug(m),
    markFailed: () => inner.markFailed(),
  };
}
