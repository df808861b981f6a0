/** What the phases of run() share: the settings, the seams, the template and the run being followed. */
import type { TemplateFromFile, VhdKeeper } from './template/index.js';
import { describeAzureError, isSignInError, type ErrorContext } from './errors.js';
import type { ImageBuilderOps, RunRequest } from './imagebuilder.js';
import type { Reporter } from './report.js';
import type { Settings } from './settings.js';
import { STATE_PHASE, type Phase } from './state.js';
import {
  noopLogHooks,
  noopSummary,
  type BuildLogHooks,
  type RunResult,
  type RunStatus,
  type SummaryWriter,
  type TemplateInfo,
} from './types.js';
import type { Clock } from './wait.js';

/** An error whose message is already written for the user (no prefix, no stack). */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(
    message: string,
    readonly title = 'Image Builder run failed',
  ) {
    super(message);
  }
}

export interface ActionDeps {
  ops: ImageBuilderOps;
  clock: Clock;
  report: Reporter;
  /** Build logs seam (src/logs/); default: no-op. */
  logs?: BuildLogHooks;
  /** Job summary seam (src/summary.ts); default: no-op. Only called when settings.jobSummary. */
  summary?: SummaryWriter;
  /** Aborted on SIGINT/SIGTERM: the action cancels the build and returns quickly. */
  signal?: AbortSignal;
  /** Longest time to spend sending the cancel after a signal (default 4 s; the runner sends SIGTERM at 7.5 s). */
  signalCancelBudgetMs?: number;
  /** After a signal, build logs and the summary run (best-effort) only until this long after it (default 5.5 s: the runner sends SIGTERM at 7.5 s). */
  signalLogsDeadlineMs?: number;
  /** Longest wait for the logs and summary before the result is reported without the log's diagnosis (default LOGS_FINISH_DEADLINE_MS). */
  logsFinishDeadlineMs?: number;
  /** Sub claim of the OIDC token, read lazily for error hints. */
  oidcSubject?: () => string | undefined;
  /** Jitter source for retry delays (default Math.random). */
  random?: () => number;
  /** Preflight checks (src/preflight/), before a run is started; `ok: false` (already reported) means no run. */
  preflight?: (template: TemplateInfo) => Promise<{ ok: boolean }>;
  /** template-file: makes sure the template exists before it is read (src/template/). */
  fromFile?: TemplateFromFile;
  /** vhd-destination: copies the VHD run outputs (src/template/vhd.ts); their artifactUri then names the copy. */
  vhds?: VhdKeeper;
}

/** Run outcome returned by run(); `failureMessage` set means the step failed (already reported). */
export type ActionResult = RunResult & {
  interrupted?: boolean;
  /** The logs and summary were still going when the result was reported: the process should exit rather than wait for them. */
  logsAbandoned?: boolean;
};

/**
 * Longest wait for the build logs (download, upload, diagnosis) and the summary once the run is over. The step's own
 * result must not wait on a slow storage account: past this, the build's error is reported without the diagnosis.
 */
export const LOGS_FINISH_DEADLINE_MS = 5 * 60_000;

/** Longest time spent reading the template and sending the run request through an outage, before the wait starts. */
export const START_RETRY_LIMIT_MS = 10 * 60_000;

export interface RunContext {
  settings: Settings;
  deps: ActionDeps;
  ops: ImageBuilderOps;
  clock: Clock;
  report: Reporter;
  logs: BuildLogHooks;
  summary: SummaryWriter;
  /** When the template was first read (clock ms): `timeout` counts from here, a wait for a previous run's cancel included. */
  startedAt: number;
  /** The template as last read before the run was started or attached. */
  template: TemplateInfo;
  /** Whether this step follows a run it did not start. */
  attached: boolean;
  /** startTime of the run followed, once known (ms). */
  runStart?: number;
  /** When this step sent its run request (clock ms), and the start of the run the template showed before it. */
  postedAt?: number;
  previousStart?: number;
  runRequest?: RunRequest;
  /** Whether a status read is the run this step follows (set once the run is started or attached). */
  isCurrent?: (s: RunStatus) => boolean;
}

export function makeContext(settings: Settings, deps: ActionDeps): Omit<RunContext, 'template'> {
  return {
    settings,
    deps,
    ops: deps.ops,
    clock: deps.clock,
    report: deps.report,
    logs: deps.logs ?? noopLogHooks,
    summary: deps.summary ?? noopSummary,
    startedAt: deps.clock.now(),
    attached: false,
  };
}

export function errorContext(c: Pick<RunContext, 'settings' | 'deps'>): ErrorContext {
  const ctx: ErrorContext = {
    subscriptionId: c.settings.subscriptionId,
    resourceGroup: c.settings.resourceGroup,
    templateName: c.settings.templateName,
  };
  const sub = c.deps.oidcSubject?.();
  if (sub !== undefined) ctx.oidcSubject = sub;
  return ctx;
}

/** The error of an Azure call, as the message the step fails with. */
export function azureFailure(c: Pick<RunContext, 'settings' | 'deps'>, what: string, err: unknown): ActionError {
  if (err instanceof ActionError) return err;
  if (isSignInError(err)) return new ActionError(describeAzureError(err, errorContext(c)), 'sign-in');
  return new ActionError(`${what}: ${describeAzureError(err, errorContext(c))}`, 'Azure request failed');
}

export function setPhase(c: Pick<RunContext, 'report'>, phase: Phase): void {
  c.report.saveState(STATE_PHASE, phase);
}

/** Time left before `timeout` (ms, never negative). */
export function timeLeft(c: Pick<RunContext, 'settings' | 'clock' | 'startedAt'>): number {
  return Math.max(0, c.startedAt + c.settings.timeoutMs - c.clock.now());
}

/** Whether a run that is not ours may be canceled (by the timeout, a signal or the post step). */
export function mayCancel(c: Pick<RunContext, 'attached' | 'settings'>): boolean {
  return !c.attached || c.settings.cancelAttached;
}

export function stateLine(status: RunStatus | undefined): string {
  if (!status) return 'no run status seen';
  return status.runSubState ? `${status.runState}, sub-state ${status.runSubState}` : `${status.runState}`;
}

export function startText(start: Date | number | undefined): string {
  return start === undefined ? 'an unknown time' : new Date(start).toISOString();
}

export function newResult(c: RunContext, status: RunStatus | undefined): ActionResult {
  // Each phase sets state (and the run-state output, where a contract value is honest) explicitly.
  return { state: 'Unknown', status, template: c.template, attached: c.attached, runOutputs: [] };
}
