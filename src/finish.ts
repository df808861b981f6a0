/** The phases after the wait: a signal, the timeout, or the run's own end; then the logs, the summary and the verdict. */
import { failureAnnotation } from './annotation.js';
import { formatDuration } from './duration.js';
import { describeAzureError, errorInfo } from './errors.js';
import { redactSas } from './report.js';
import { retryTransient } from './retry.js';
import { isVhd, selectRunOutput } from './runOutputs.js';
import {
  LOGS_FINISH_DEADLINE_MS,
  errorContext,
  mayCancel,
  newResult,
  setPhase,
  startText,
  stateLine,
  type ActionResult,
  type RunContext,
} from './runContext.js';
import type { BuildLogOutcome, FinalRunState, RunStatus } from './types.js';
import { waitForRun, type WaitOptions, type WaitResult } from './wait.js';

function durationSeconds(status: RunStatus | undefined): number | undefined {
  if (!status?.startTime || !status.endTime) return undefined;
  const s = (status.endTime.getTime() - status.startTime.getTime()) / 1000;
  // An end before the start is no end (normalizeRunStatus drops it); a build never lasts zero seconds.
  return Number.isFinite(s) && s > 0 ? Math.max(1, Math.round(s)) : undefined;
}

/** Longest time spent getting the run outputs through throttling or an outage. */
const RUN_OUTPUTS_RETRY_MS = 5 * 60_000;

/**
 * After a signal, logs and the summary must be done (or abandoned) well before the runner's SIGTERM at 7.5 s:
 * writing the last lines and exiting takes a second or more on a loaded runner.
 */
const SIGNAL_LOGS_DEADLINE_MS = 5500;

const whoseRun = (c: RunContext): string =>
  `it was not started by this step (it started ${startText(c.runStart)}; attached with if-running: attach)`;

/**
 * Sends the cancel (through throttling and outages until `retryUntil`, when given); a refusal because the run is
 * already Canceling counts as sent (no second cancel).
 */
async function sendCancel(c: RunContext, signal?: AbortSignal, retryUntil?: number): Promise<{ sent: boolean; error?: string }> {
  try {
    if (retryUntil === undefined) await c.ops.cancelRun(signal);
    else {
      await retryTransient(() => c.ops.cancelRun(signal), {
        clock: c.clock,
        deadline: retryUntil,
        firstDelayMs: Math.min(c.settings.pollIntervalMs, 5000),
        ...(signal ? { signal } : {}),
        ...(c.deps.random ? { random: c.deps.random } : {}),
        onRetry: (msg) => c.report.warning(`The cancel request failed: ${msg} (retrying)`),
      });
    }
    return { sent: true };
  } catch (err) {
    if (errorInfo(err).code === 'OperationNotAllowed') {
      try {
        const now = (await c.ops.getTemplate(signal)).lastRunStatus;
        if (now?.runState === 'Canceling' || now?.runState === 'Canceled') return { sent: true };
      } catch {
        // Fall through: report the refusal.
      }
    }
    return { sent: false, error: describeAzureError(err, errorContext(c)) };
  }
}

/** SIGINT/SIGTERM: cancel our build before the runner kills us (10 s after SIGINT), then logs if time allows. */
export async function handleSignal(c: RunContext, waited: WaitResult): Promise<ActionResult> {
  const { settings, report, deps } = c;
  const abortedAt = Date.now();
  const logsDeadline = abortedAt + (deps.signalLogsDeadlineMs ?? SIGNAL_LOGS_DEADLINE_MS);
  const result = newResult(c, waited.status);
  result.interrupted = true;
  if (!mayCancel(c)) {
    report.warning(
      `The workflow was canceled or the step timed out. The run this step followed was left running: ${whoseRun(c)}, and cancel-attached is false.`,
    );
    result.cancel = { requested: false, reachedCanceled: false };
    result.failureMessage =
      `The step was interrupted (workflow canceled or step timeout) after ${formatDuration(waited.waitedMs)}; the run it followed was left running (last state: ${stateLine(result.status)}): ${whoseRun(c)}. ` +
      `run-state is not set (the run is still going): follow it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`;
  } else {
    report.warning('The workflow was canceled or the step timed out: canceling the build.');
    const cancel = await sendCancel(c, AbortSignal.timeout(deps.signalCancelBudgetMs ?? 4000));
    const sent = cancel.sent;
    if (sent) {
      setPhase(c, 'cancel-sent');
      report.info('Cancel sent.');
      // run-state says Canceled only once Canceled is seen: watch for it while the runner leaves time.
      // Most of the time left goes to this: the logs after a signal are best-effort, the run-state is not.
      result.status = await watchForCanceled(c, waited.status, logsDeadline - 1000);
    } else {
      report.warning(`Could not send the cancel: ${cancel.error}. The post step will try again.`);
    }
    const canceled = result.status?.runState === 'Canceled';
    result.cancel = { requested: sent, reachedCanceled: canceled };
    if (canceled) {
      result.state = 'Canceled';
      report.setOutput('run-state', 'Canceled');
      setPhase(c, 'finished');
    }
    // Otherwise the build is still running or Canceling, and no contract value says that: run-state stays unset.
    result.failureMessage =
      `The step was interrupted (workflow canceled or step timeout) after ${formatDuration(waited.waitedMs)}; the build was ${sent ? 'asked to cancel' : 'not canceled yet'} (last state: ${stateLine(result.status)}).` +
      (canceled
        ? ' It reached Canceled.'
        : sent
          ? ` Canceled was not seen yet, so run-state is not set; the post step checks the build again.`
          : ` The run's state is unknown (run-state is not set): check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`);
  }
  report.error(result.failureMessage, 'Interrupted');
  report.markFailed();
  // Logs and summary only if time allows: the runner kills the step 10 s after SIGINT.
  await logsAfterSignal(c, result, logsDeadline);
  return result;
}

/** A few quick reads after a cancel, until Canceled or `until` (real time: the runner's kill does not wait). */
async function watchForCanceled(c: RunContext, last: RunStatus | undefined, until: number): Promise<RunStatus | undefined> {
  const interval = Math.min(c.settings.pollIntervalMs, 1000);
  let status = last;
  for (let reads = 0; reads < 10 && Date.now() + 500 < until; reads++) {
    try {
      const now = (await c.ops.getTemplate(AbortSignal.timeout(Math.max(500, Math.min(1500, until - Date.now()))))).lastRunStatus;
      if (now && isFollowed(c, now)) {
        status = { ...now, ...(now.runSubState ? {} : status?.runSubState ? { runSubState: status.runSubState } : {}) };
        if (
          status.runState === 'Canceled' ||
          status.runState === 'Failed' ||
          status.runState === 'Succeeded' ||
          status.runState === 'PartiallySucceeded'
        )
          break;
      }
    } catch {
      // The last status seen will do.
    }
    await c.clock.sleep(interval);
  }
  return status;
}

/** Whether a status is the run this step follows (set by waitForEnd). */
function isFollowed(c: RunContext, s: RunStatus): boolean {
  return c.isCurrent ? c.isCurrent(s) : true;
}

/** The timeout: cancel (or leave) the build and say what to do next. */
export async function handleTimeout(c: RunContext, waited: WaitResult, waitOpts: WaitOptions, waitStart: number): Promise<ActionResult> {
  const { settings, report } = c;
  const timeoutText = formatDuration(settings.timeoutMs);
  const last = stateLine(waited.status) + (waited.readError ? `; the status could not be read lately (${waited.readError})` : '');
  const result = newResult(c, waited.status);
  result.state = 'TimedOut';
  report.setOutput('run-state', 'TimedOut');
  let message: string;
  if (!mayCancel(c)) {
    setPhase(c, 'finished');
    result.cancel = { requested: false, reachedCanceled: false };
    message =
      `The build did not finish within ${timeoutText} (timeout); last state: ${last}. It was left running: ${whoseRun(c)}, and cancel-attached is false. ` +
      `Follow it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, or set cancel-attached: true to cancel such runs.`;
  } else if (settings.onTimeout === 'leave') {
    setPhase(c, 'finished');
    result.cancel = { requested: false, reachedCanceled: false };
    message =
      `The build did not finish within ${timeoutText} (timeout); last state: ${last}. It was left running (on-timeout: leave). ` +
      `Follow it in the portal or with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, or run this action again with if-running: attach.`;
  } else {
    report.warning(`The build did not finish within ${timeoutText}; canceling it (on-timeout: cancel).`);
    const cancel = await sendCancel(c, c.deps.signal, c.clock.now() + Math.min(settings.cancelTimeoutMs, 60_000));
    if (cancel.sent) setPhase(c, 'cancel-sent');
    let reached = false;
    let cancelWait = 0;
    let after: RunStatus | undefined = waited.status;
    if (cancel.sent) {
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
        report.warning(`Could not follow the cancel: ${describeAzureError(err, errorContext(c))}`);
      }
      if (reached) setPhase(c, 'finished');
    }
    result.status = after;
    result.cancel = { requested: cancel.sent, reachedCanceled: reached && after?.runState === 'Canceled' };
    const cancelText = !cancel.sent
      ? `The cancel request failed: ${cancel.error} Cancel it yourself (az image builder cancel -g ${settings.resourceGroup} -n ${settings.templateName}).`
      : reached && after?.runState === 'Canceled'
        ? `It was canceled and reached Canceled after ${formatDuration(cancelWait)}.`
        : reached
          ? `A cancel was sent, but the build ended as ${after?.runState} first (after ${formatDuration(cancelWait)}).`
          : `A cancel was sent, but the build had not reached Canceled after ${formatDuration(cancelWait)} (cancel-timeout); check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`;
    message =
      `The build did not finish within ${timeoutText} (timeout); last state: ${last}. ${cancelText} ` +
      "If the build needs longer, raise timeout (and the template's buildTimeoutInMinutes); if a customizer hangs, look at customization.log.";
  }
  result.failureMessage = message;
  await finishAndReport(c, result, 'Build timed out');
  return result;
}

/** The run ended (Succeeded, PartiallySucceeded, Failed, Canceled): outputs, then the verdict. */
export async function reportOutcome(c: RunContext, waited: WaitResult): Promise<ActionResult> {
  const { settings, report, logs } = c;
  // A log read still going must not print inside the outputs group.
  try {
    await logs.settle?.();
  } catch {
    // finish() reports log problems.
  }
  const status = waited.status;
  if (!status) throw new Error('reportOutcome: the run ended but no status was read');
  const state = status.runState as FinalRunState;
  const result = newResult(c, status);
  result.state = state;
  setPhase(c, 'finished');
  report.setOutput('run-state', state);
  const duration = durationSeconds(status);
  if (duration !== undefined) {
    result.durationSeconds = duration;
    report.setOutput('duration-seconds', String(duration));
  }
  let title = 'Image build failed';
  if (state === 'Succeeded' || state === 'PartiallySucceeded') {
    const picked = await setRunOutputs(c, result);
    if (picked) title = picked;
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
    result.failureMessage = `The image build was canceled${c.attached ? '' : ' (by someone else, or by the service)'}: ${status.message ?? 'no message from the service'}`;
    title = 'Image build canceled';
  }
  if (result.failureMessage === undefined && state === 'Succeeded') {
    report.info(`Build succeeded${duration !== undefined ? ` in ${formatDuration(duration * 1000)}` : ''}.`);
  }
  await finishAndReport(c, result, title);
  return result;
}

/** Reads the run outputs and sets run-outputs, image-uri, image-id, vhd-uri; returns a failure title if one applies. */
async function setRunOutputs(c: RunContext, result: ActionResult): Promise<string | undefined> {
  const { settings, report, template } = c;
  let title: string | undefined;
  report.startGroup?.('Run outputs');
  try {
    try {
      // Throttling and outages are ridden out here too: the build is done, only its outputs are left to read.
      result.runOutputs = await retryTransient(() => c.ops.listRunOutputs(), {
        clock: c.clock,
        deadline: c.clock.now() + RUN_OUTPUTS_RETRY_MS,
        firstDelayMs: Math.min(settings.pollIntervalMs, 5000),
        ...(c.deps.random ? { random: c.deps.random } : {}),
        onRetry: (msg) => report.warning(`Reading the run outputs failed: ${msg} (retrying)`),
      });
    } catch (err) {
      result.failureMessage = `The build ${result.state === 'Succeeded' ? 'succeeded' : 'partially succeeded'}, but its run outputs could not be read: ${describeAzureError(err, errorContext(c))}`;
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
    if (result.failureMessage === undefined && c.deps.vhds) {
      const kept = await c.deps.vhds.keep(result.runOutputs, (o) => isVhd(o, template), report, c.deps.signal);
      if ('error' in kept) {
        result.failureMessage = kept.error;
        title = 'VHD not copied';
      } else result.runOutputs = kept.outputs;
    }
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
  return title;
}

/** Runs the logs and summary seams (their failures are warnings), sets the log outputs. */
async function finishLogs(c: RunContext, result: ActionResult, signal: AbortSignal): Promise<BuildLogOutcome> {
  const { report, settings } = c;
  let outcome: BuildLogOutcome = {};
  try {
    outcome = (await c.logs.finish(result, signal)) ?? {};
  } catch (err) {
    if (!signal.aborted)
      report.warning(`Build logs: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
  }
  if (signal.aborted) return outcome;
  if (outcome.logUri) report.setOutput('log-uri', redactSas(outcome.logUri));
  if (outcome.artifactId) report.setOutput('logs-artifact-id', outcome.artifactId);
  if (outcome.artifactUrl) report.setOutput('logs-artifact-url', outcome.artifactUrl);
  if (settings.jobSummary) {
    try {
      await c.summary.write(result, outcome);
    } catch (err) {
      report.warning(`Job summary: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return outcome;
}

/**
 * Runs finishLogs for at most `ms` (and not past the step's signal). Past that its work is aborted and
 * abandoned: the result must not wait on storage.
 */
async function boundedLogs(
  c: RunContext,
  result: ActionResult,
  ms: number,
  watchSignal: boolean,
): Promise<BuildLogOutcome | 'late' | 'aborted'> {
  const abandon = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'late' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
    timer.unref?.();
    if (watchSignal) {
      onAbort = () => resolve('aborted');
      c.deps.signal?.addEventListener('abort', onAbort, { once: true });
    }
  });
  const got = await Promise.race([finishLogs(c, result, abandon.signal), stop]);
  clearTimeout(timer);
  if (onAbort) c.deps.signal?.removeEventListener('abort', onAbort);
  if (got === 'late' || got === 'aborted') {
    abandon.abort(new Error('build logs abandoned'));
    result.logsAbandoned = true;
  }
  return got;
}

/** Lets the logs and summary seams run, then reports the failure if any, with the log's diagnosis beside it. */
export async function finishAndReport(c: RunContext, result: ActionResult, title: string): Promise<void> {
  const { report, deps } = c;
  let outcome: BuildLogOutcome = {};
  if (deps.signal?.aborted) {
    report.warning('Build logs skipped: the step was interrupted.');
  } else {
    const deadline = deps.logsFinishDeadlineMs ?? LOGS_FINISH_DEADLINE_MS;
    const got = await boundedLogs(c, result, deadline, true);
    if (got === 'late')
      report.warning(`Build logs incomplete: not done after ${formatDuration(deadline)}; reporting the build's result without them.`);
    else if (got === 'aborted')
      report.warning("Build logs incomplete: the step was interrupted; reporting the build's result without them.");
    else outcome = got;
  }
  if (result.failureMessage !== undefined) {
    const a = failureAnnotation(title, result.failureMessage, outcome);
    report.error(a.message, a.title);
    report.markFailed();
  }
}

/** After a signal (the cancel already sent): logs and summary, abandoned at `deadline` (ms since epoch). */
async function logsAfterSignal(c: RunContext, result: ActionResult, deadline: number): Promise<void> {
  const left = deadline - Date.now();
  if (left < 500) {
    c.report.warning('Build logs skipped: no time left after the cancel (the runner stops the step 10 s after the signal).');
    return;
  }
  const got = await boundedLogs(c, result, left, false);
  if (got === 'late')
    c.report.warning('Build logs incomplete: no time left after the cancel (the runner stops the step 10 s after the signal).');
}
