/** The action's core: read the template, start or attach to a run, wait, cancel on timeout or signal, report. */
import { failureAnnotation } from './annotation.js';
import { formatDuration } from './duration.js';
import { describeAzureError, isSignInError, type ErrorContext } from './errors.js';
import type { ImageBuilderOps, RunRequest } from './imagebuilder.js';
import { redactSas, type Reporter } from './report.js';
import type { Settings } from './settings.js';
import type { TemplateFromFile } from './template/index.js';
import { STATE_KEY, STATE_PHASE, STATE_PREVIOUS_START, STATE_RUN_POSTED, STATE_RUN_START, type Phase, type SavedContext } from './state.js';
import {
  IN_PROGRESS_STATES,
  noopLogHooks,
  noopSummary,
  type BuildLogHooks,
  type BuildLogOutcome,
  type FinalRunState,
  type RunOutputInfo,
  type RunResult,
  type RunStatus,
  type SummaryWriter,
  type TemplateInfo,
} from './types.js';
import { waitForRun, type Clock } from './wait.js';

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
  /** Longest time to spend sending the cancel after a signal (default 5 s; the runner kills at 10 s). */
  signalCancelBudgetMs?: number;
  /** After a signal, build logs and the summary run (best-effort) only until this long after it (default 7.5 s). */
  signalLogsDeadlineMs?: number;
  /** Longest wait for the logs and summary before the result is reported without the log's diagnosis (default LOGS_FINISH_DEADLINE_MS). */
  logsFinishDeadlineMs?: number;
  /** Sub claim of the OIDC token, read lazily for error hints. */
  oidcSubject?: () => string | undefined;
  /** Preflight checks (src/preflight/), before a run is started; `ok: false` (already reported) means no run. */
  preflight?: (template: TemplateInfo) => Promise<{ ok: boolean }>;
  /** template-file: makes sure the template exists before it is read (src/template/). */
  fromFile?: TemplateFromFile;
}

/** Run outcome returned by run(); `failureMessage` set means the step failed (already reported). */
export type ActionResult = RunResult & { interrupted?: boolean };

/**
 * Longest wait for the build logs (download, upload, diagnosis) and the summary once the run is over. The step's own
 * result must not wait on a slow storage account: past this, the build's error is reported without the diagnosis.
 */
export const LOGS_FINISH_DEADLINE_MS = 5 * 60_000;

function errorContext(settings: Settings, deps: ActionDeps): ErrorContext {
  const ctx: ErrorContext = {
    subscriptionId: settings.subscriptionId,
    resourceGroup: settings.resourceGroup,
    templateName: settings.templateName,
  };
  const sub = deps.oidcSubject?.();
  if (sub !== undefined) ctx.oidcSubject = sub;
  return ctx;
}

export function savedContext(settings: Settings): SavedContext {
  const auth: SavedContext['auth'] = {
    type: settings.auth.type,
    audience: settings.auth.audience,
    authorityHost: settings.auth.authorityHost,
  };
  if (settings.auth.clientId) auth.clientId = settings.auth.clientId;
  if (settings.auth.tenantId) auth.tenantId = settings.auth.tenantId;
  return {
    subscriptionId: settings.subscriptionId,
    resourceGroup: settings.resourceGroup,
    templateName: settings.templateName,
    resourceManagerEndpoint: settings.resourceManagerEndpoint,
    armScope: settings.armScope,
    auth,
  };
}

/** Picks the run output that feeds image-uri / image-id / vhd-uri. */
export function selectRunOutput(
  outputs: RunOutputInfo[],
  template: TemplateInfo,
  wanted: string | undefined,
): { selected?: RunOutputInfo; error?: string } {
  if (wanted !== undefined) {
    const found = outputs.find((o) => o.name === wanted);
    if (found) return { selected: found };
    return {
      error: `run-output-name '${wanted}' is not among the run outputs of template '${template.name}' (${outputs.map((o) => o.name).join(', ') || 'none'}).`,
    };
  }
  const first = template.runOutputNames[0];
  const byTemplate = first !== undefined ? outputs.find((o) => o.name === first) : undefined;
  const selected = byTemplate ?? outputs[0];
  return selected ? { selected } : {};
}

export function isVhd(output: RunOutputInfo, template: TemplateInfo): boolean {
  const i = template.runOutputNames.indexOf(output.name);
  const type = i >= 0 ? template.distributeTypes[i] : undefined;
  if (type !== undefined) return type.toUpperCase() === 'VHD';
  return !output.artifactId && !!output.artifactUri;
}

function durationSeconds(status: RunStatus | undefined): number | undefined {
  if (!status?.startTime || !status.endTime) return undefined;
  const s = (status.endTime.getTime() - status.startTime.getTime()) / 1000;
  return Number.isFinite(s) && s >= 0 ? Math.round(s) : undefined;
}

function stateLine(status: RunStatus | undefined): string {
  if (!status) return 'no run status seen';
  return status.runSubState ? `${status.runState}, sub-state ${status.runSubState}` : `${status.runState}`;
}

export async function run(settings: Settings, deps: ActionDeps): Promise<ActionResult> {
  const { ops, clock, report } = deps;
  const logs = deps.logs ?? noopLogHooks;
  const summary = deps.summary ?? noopSummary;
  const ctx = (): ErrorContext => errorContext(settings, deps);
  const azure = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (isSignInError(err)) throw new ActionError(describeAzureError(err, ctx()), 'sign-in');
      throw new ActionError(`${what}: ${describeAzureError(err, ctx())}`, 'Azure request failed');
    }
  };
  const setPhase = (phase: Phase): void => report.saveState(STATE_PHASE, phase);

  // 1. Sign in (on the first request) and read the template, in a group of its own.
  report.startGroup?.(`Sign-in and template ${settings.templateName}`);
  let groupOpen = true;
  const endGroup = (): void => {
    if (groupOpen) report.endGroup?.();
    groupOpen = false;
  };
  try {
    report.setOutput('template-name', settings.templateName);
    if (deps.fromFile) await deps.fromFile.ensure(report, deps.signal);
    const template = await azure(`Could not read image template '${settings.templateName}'`, () => ops.getTemplate(deps.signal));
    report.info(`Image template ${template.id}${template.location ? ` (${template.location})` : ''}`);
    if (template.stagingResourceGroupId) report.setOutput('staging-resource-group', template.stagingResourceGroupId);
    logs.start?.(template);

    // 2. Attach to a run in progress, refuse, or start one.
    const previous = template.lastRunStatus;
    let attached = false;
    let previousStart = previous?.startTime?.getTime();
    const inProgress = (st: RunStatus | undefined): st is RunStatus => st?.runState !== undefined && IN_PROGRESS_STATES.includes(st.runState);
    /** A run in progress: refuse (if-running: fail) or follow it. */
    const refuseOrAttach = (st: RunStatus): void => {
      const since = st.startTime ? st.startTime.toISOString() : 'an unknown time';
      if (settings.ifRunning === 'fail') {
        throw new ActionError(
          `Template '${settings.templateName}' already has a run in progress (${stateLine(st)}, started ${since}). ` +
            'if-running is fail: wait for it to end, cancel it (az image builder cancel), or set if-running: attach to follow it.',
          'A run is already in progress',
        );
      }
      attached = true;
      previousStart = st.startTime?.getTime();
      report.info(`Attaching to the run in progress (${stateLine(st)}, started ${since}); if-running is attach.`);
    };
    if (inProgress(previous)) refuseOrAttach(previous);
    if (!attached && deps.preflight && !(await deps.preflight(template)).ok) {
      report.markFailed();
      return { state: 'Unknown', status: previous, template, attached, runOutputs: [], failureMessage: 'Preflight found problems (reported above); no run was started.' };
    }
    report.saveState(STATE_KEY, JSON.stringify(savedContext(settings)));
    if (!attached) {
      // For the post step: only a run that started after this POST (or the one we saw start) is ours to cancel.
      report.saveState(STATE_RUN_POSTED, new Date(clock.now()).toISOString());
      if (previousStart !== undefined) report.saveState(STATE_PREVIOUS_START, new Date(previousStart).toISOString());
    }
    setPhase('started');
    let runRequest: RunRequest | undefined;
    if (!attached) {
      try {
        runRequest = await ops.startRun();
        report.info(`Run of ${settings.templateName} requested.`);
      } catch (err) {
        // Refused by the service: no run of ours for the post step to cancel.
        const code = (err as { statusCode?: unknown } | null)?.statusCode;
        if (typeof code === 'number' && code >= 400 && code < 500) setPhase('finished');
        // 409: another run may have started between our read and the POST: treat it as if-running says.
        let now: RunStatus | undefined;
        if (code === 409) now = (await azure(`Could not read image template '${settings.templateName}'`, () => ops.getTemplate(deps.signal))).lastRunStatus;
        if (!inProgress(now)) {
          throw new ActionError(`Could not start a run of template '${settings.templateName}': ${describeAzureError(err, ctx())}`, 'Azure request failed');
        }
        refuseOrAttach(now);
        setPhase('started');
      }
    }
    if (attached && previousStart !== undefined) report.saveState(STATE_RUN_START, new Date(previousStart).toISOString());
    endGroup();

    if (!settings.wait) {
      // The post step leaves the run alone; a later step with if-running: attach follows it to its end.
      setPhase('finished');
      report.setOutput('run-state', 'Running');
      report.info(
        `wait is false: the run ${attached ? 'this step attached to' : 'started'} goes on without this step. ` +
          `Follow it with a later step on template '${settings.templateName}' with if-running: attach.`,
      );
      return { state: 'Unknown', status: undefined, template, attached, runOutputs: [] };
    }

    // A status is ours once the template shows a run other than the one it showed before we started.
    const isCurrent = (s: RunStatus): boolean => {
      if (attached) return true;
      if (s.startTime === undefined) return IN_PROGRESS_STATES.includes(s.runState ?? '');
      return s.startTime.getTime() !== previousStart;
    };
    let runStartSaved = attached && previousStart !== undefined;
    const getStatus = async (signal?: AbortSignal): Promise<RunStatus | undefined> => {
      const t = await ops.getTemplate(signal);
      return t.lastRunStatus;
    };
    const onPoll = async (s: RunStatus): Promise<void> => {
      if (!runStartSaved && s.startTime) {
        runStartSaved = true;
        report.saveState(STATE_RUN_START, s.startTime.toISOString());
      }
      await logs.onPoll(s);
    };

    // 3. Wait.
    const waitOpts = {
      clock,
      log: report,
      pollIntervalMs: settings.pollIntervalMs,
      getStatus,
      isCurrent,
      onPoll,
      ...(runRequest ? { endedUnseen: (signal: AbortSignal) => runRequest.endedUnseen(signal) } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    };
    let waited;
    const waitStart = clock.now();
    try {
      waited = await waitForRun({ ...waitOpts, timeoutMs: settings.timeoutMs });
    } catch (err) {
      if (err instanceof ActionError) throw err;
      // The last state read is not terminal (the loop would have ended) and no contract value fits it: run-state stays unset.
      throw new ActionError(
        `Lost track of the run of '${settings.templateName}': ${describeAzureError(err, ctx())}\nThe run's state is unknown (run-state is not set): ` +
          `check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName} or in the portal. The post step checks it again.`,
        'Azure request failed',
      );
    }

    const result: ActionResult = {
      // Each branch below sets state (and the run-state output, where a contract value is honest) explicitly.
      state: 'Unknown',
      status: waited.status,
      template,
      attached,
      runOutputs: [],
    };

    // 3a. Signal: cancel before the runner kills us.
    if (waited.outcome === 'aborted') {
      const abortedAt = Date.now();
      result.interrupted = true;
      report.warning('The workflow was canceled or the step timed out: canceling the build.');
      const budget = AbortSignal.timeout(deps.signalCancelBudgetMs ?? 5000);
      try {
        await ops.cancelRun(budget);
        setPhase('cancel-sent');
        report.setOutput('run-state', 'Canceled');
        result.state = 'Canceled';
        result.cancel = { requested: true, reachedCanceled: false };
        report.info('Cancel sent; the post step checks the build again.');
      } catch (err) {
        // The build is still running (its last reported state is not terminal), and no contract value says that:
        // run-state stays unset, and the error says the state is unknown and where to look.
        result.state = 'Unknown';
        result.cancel = { requested: false, reachedCanceled: false };
        report.warning(`Could not send the cancel: ${describeAzureError(err, ctx())}. The post step will try again.`);
      }
      const logsDeadline = abortedAt + (deps.signalLogsDeadlineMs ?? 7500);
      // Which phase it stopped in: one quick read after the cancel (the last poll may be a phase behind).
      if (logsDeadline - Date.now() > 2000) {
        try {
          const now = (await ops.getTemplate(AbortSignal.timeout(1500))).lastRunStatus;
          if (now && isCurrent(now)) {
            result.status = { ...now, ...(now.runSubState ? {} : waited.status?.runSubState ? { runSubState: waited.status.runSubState } : {}) };
          }
        } catch {
          // The last status seen will do.
        }
      }
      result.failureMessage =
        `The step was interrupted (workflow canceled or step timeout) after ${formatDuration(waited.waitedMs)}; the build was ${result.cancel.requested ? 'asked to cancel' : 'not canceled yet'} (last state: ${stateLine(result.status)}).` +
        (result.cancel.requested
          ? ''
          : ` The run's state is unknown (run-state is not set): check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`);
      report.error(result.failureMessage, 'Interrupted');
      report.markFailed();
      // Logs and summary only if time allows: the runner kills the step 10 s after SIGINT.
      await logsAfterSignal(settings, deps, logs, summary, result, logsDeadline);
      return result;
    }

    // 3b. Timeout: cancel (or leave) and say what to do next.
    if (waited.outcome === 'timeout') {
      const timeoutText = formatDuration(settings.timeoutMs);
      const last = stateLine(waited.status);
      result.state = 'TimedOut';
      report.setOutput('run-state', 'TimedOut');
      let message: string;
      if (settings.onTimeout === 'leave') {
        setPhase('finished');
        result.cancel = { requested: false, reachedCanceled: false };
        message =
          `The build did not finish within ${timeoutText} (timeout); last state: ${last}. It was left running (on-timeout: leave). ` +
          `Follow it in the portal or with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, or run this action again with if-running: attach.`;
      } else {
        report.warning(`The build did not finish within ${timeoutText}; canceling it (on-timeout: cancel).`);
        let sent = false;
        let cancelError = '';
        try {
          await ops.cancelRun(deps.signal);
          sent = true;
          setPhase('cancel-sent');
        } catch (err) {
          cancelError = describeAzureError(err, ctx());
        }
        let reached = false;
        let cancelWait = 0;
        let after: RunStatus | undefined = waited.status;
        if (sent) {
          try {
            const w = await waitForRun({
              ...waitOpts,
              timeoutMs: settings.cancelTimeoutMs,
              // Continue the progress output: elapsed time from the first wait, the last state not printed again.
              progressStart: waitStart,
              ...(waited.lastKey !== undefined ? { lastKey: waited.lastKey } : {}),
            });
            cancelWait = w.waitedMs;
            after = w.status ?? after;
            reached = w.outcome === 'done';
          } catch (err) {
            report.warning(`Could not follow the cancel: ${describeAzureError(err, ctx())}`);
          }
          if (reached) setPhase('finished');
        }
        result.status = after;
        result.cancel = { requested: sent, reachedCanceled: reached && after?.runState === 'Canceled' };
        const cancelText = !sent
          ? `The cancel request failed: ${cancelError} Cancel it yourself (az image builder cancel -g ${settings.resourceGroup} -n ${settings.templateName}).`
          : reached && after?.runState === 'Canceled'
            ? `It was canceled and reached Canceled after ${formatDuration(cancelWait)}.`
            : reached
              ? `A cancel was sent, but the build ended as ${after?.runState} first (after ${formatDuration(cancelWait)}).`
            : `A cancel was sent, but the build had not reached Canceled after ${formatDuration(cancelWait)} (cancel-timeout); check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`;
        message =
          `The build did not finish within ${timeoutText} (timeout); last state: ${last}. ${cancelText} ` +
          'If the build needs longer, raise timeout (and the template\'s buildTimeoutInMinutes); if a customizer hangs, look at customization.log.';
      }
      result.failureMessage = message;
      await finishAndReport(settings, deps, logs, summary, result, 'Build timed out');
      return result;
    }

    // 4. Terminal state. A log read still going must not print inside the outputs group.
    try {
      await logs.settle?.();
    } catch {
      // finish() reports log problems.
    }
    const status = waited.status!;
    const state = status.runState as FinalRunState;
    result.state = state;
    setPhase('finished');
    report.setOutput('run-state', state);
    const duration = durationSeconds(status);
    if (duration !== undefined) {
      result.durationSeconds = duration;
      report.setOutput('duration-seconds', String(duration));
    }
    let title = 'Image build failed';
    if (state === 'Succeeded' || state === 'PartiallySucceeded') {
      report.startGroup?.('Run outputs');
      try {
        try {
          result.runOutputs = await ops.listRunOutputs();
        } catch (err) {
          result.failureMessage = `The build ${state === 'Succeeded' ? 'succeeded' : 'partially succeeded'}, but its run outputs could not be read: ${describeAzureError(err, ctx())}`;
          title = 'Run outputs unavailable';
        }
        report.setOutput(
          'run-outputs',
          JSON.stringify(
            result.runOutputs.map((o) => ({
              name: o.name,
              artifactId: o.artifactId ?? '',
              artifactUri: redactSas(o.artifactUri ?? ''),
              provisioningState: o.provisioningState ?? '',
            })),
          ),
        );
        if (result.failureMessage === undefined) {
          const pick = selectRunOutput(result.runOutputs, template, settings.runOutputName);
          if (pick.selected) {
            const o = pick.selected;
            result.selectedOutput = o;
            report.setOutput('image-uri', redactSas(o.artifactId || o.artifactUri || ''));
            report.setOutput('image-id', o.artifactId ?? '');
            report.setOutput('vhd-uri', isVhd(o, template) ? redactSas(o.artifactUri ?? '') : '');
            report.info(`Run output ${o.name}: ${redactSas(o.artifactId || o.artifactUri || '(no artifact)')}`);
          } else if (pick.error) {
            result.failureMessage = pick.error;
            title = 'Run output not found';
          } else {
            report.warning('The run has no run outputs: image-uri, image-id and vhd-uri are empty.');
          }
        }
      } finally {
        report.endGroup?.();
      }
      if (state === 'PartiallySucceeded' && result.failureMessage === undefined) {
        const msg = `The build partially succeeded: ${status.message ?? 'some distribute targets failed'}`;
        if (settings.partialSuccess === 'fail') {
          result.failureMessage = `${msg} (partial-success: fail; set partial-success: warn to accept it).`;
          title = 'Image build partially succeeded';
        } else {
          report.warning(`${msg} (partial-success: warn).`);
        }
      }
    } else if (state === 'Failed') {
      result.failureMessage = `The image build failed (${stateLine(status)}): ${status.message ?? 'no message from the service'}`;
    } else if (state === 'Canceled') {
      result.failureMessage = `The image build was canceled${attached ? '' : ' (by someone else, or by the service)'}: ${status.message ?? 'no message from the service'}`;
      title = 'Image build canceled';
    }
    if (result.failureMessage === undefined && state === 'Succeeded') {
      report.info(`Build succeeded${duration !== undefined ? ` in ${formatDuration(duration * 1000)}` : ''}.`);
    }
    await finishAndReport(settings, deps, logs, summary, result, title);
    return result;
  } finally {
    endGroup();
  }
}

/** Runs the logs and summary seams (their failures are warnings), sets the log outputs. */
async function finishLogs(
  settings: Settings,
  deps: ActionDeps,
  logs: BuildLogHooks,
  summary: SummaryWriter,
  result: ActionResult,
): Promise<BuildLogOutcome> {
  const { report } = deps;
  let outcome: BuildLogOutcome = {};
  try {
    outcome = (await logs.finish(result)) ?? {};
  } catch (err) {
    report.warning(`Build logs: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
  }
  if (outcome.logUri) report.setOutput('log-uri', redactSas(outcome.logUri));
  if (outcome.artifactId) report.setOutput('logs-artifact-id', outcome.artifactId);
  if (outcome.artifactUrl) report.setOutput('logs-artifact-url', outcome.artifactUrl);
  if (settings.jobSummary) {
    try {
      await summary.write(result, outcome);
    } catch (err) {
      report.warning(`Job summary: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return outcome;
}

/** Lets the logs and summary seams run, then reports the failure if any, with the log's diagnosis beside it. */
async function finishAndReport(
  settings: Settings,
  deps: ActionDeps,
  logs: BuildLogHooks,
  summary: SummaryWriter,
  result: ActionResult,
  title: string,
): Promise<void> {
  const { report } = deps;
  let outcome: BuildLogOutcome = {};
  if (deps.signal?.aborted) {
    report.warning('Build logs skipped: the step was interrupted.');
  } else {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<'late' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deps.logsFinishDeadlineMs ?? LOGS_FINISH_DEADLINE_MS);
      timer.unref?.();
      onAbort = () => resolve('aborted');
      deps.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const got = await Promise.race([finishLogs(settings, deps, logs, summary, result), stop]);
    clearTimeout(timer);
    if (onAbort) deps.signal?.removeEventListener('abort', onAbort);
    if (got === 'late') report.warning(`Build logs incomplete: not done after ${formatDuration(deps.logsFinishDeadlineMs ?? LOGS_FINISH_DEADLINE_MS)}; reporting the build's result without them.`);
    else if (got === 'aborted') report.warning("Build logs incomplete: the step was interrupted; reporting the build's result without them.");
    else outcome = got;
  }
  if (result.failureMessage !== undefined) {
    const a = failureAnnotation(title, result.failureMessage, outcome);
    report.error(a.message, a.title);
    report.markFailed();
  }
}

/** After a signal (the cancel already sent): logs and summary, abandoned at `deadline` (ms since epoch). */
async function logsAfterSignal(
  settings: Settings,
  deps: ActionDeps,
  logs: BuildLogHooks,
  summary: SummaryWriter,
  result: ActionResult,
  deadline: number,
): Promise<void> {
  const left = deadline - Date.now();
  if (left < 500) {
    deps.report.warning('Build logs skipped: no time left after the cancel (the runner stops the step 10 s after the signal).');
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), left);
    timer.unref?.();
  });
  const done = await Promise.race([finishLogs(settings, deps, logs, summary, result).then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (done === 'late') deps.report.warning('Build logs incomplete: no time left after the cancel (the runner stops the step 10 s after the signal).');
}
