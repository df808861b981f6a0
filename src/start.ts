/** The phases before the wait: read the template, then start this step's run or attach to the one in progress. */
import { formatDuration } from './duration.js';
import { describeAzureError, errorInfo } from './errors.js';
import { backoff, isTransient, retryTransient } from './retry.js';
import { isOwnRun } from './runstatus.js';
import {
  ActionError,
  START_RETRY_LIMIT_MS,
  azureFailure,
  errorContext,
  mayCancel,
  setPhase,
  startText,
  stateLine,
  timeLeft,
  type RunContext,
} from './runContext.js';
import { STATE_KEY, STATE_PREVIOUS_START, STATE_RUN_POSTED, STATE_RUN_START, savedContext } from './state.js';
import type { RunStatus, TemplateInfo } from './types.js';
import { waitForRun } from './wait.js';

/** Deadline (clock ms) for getting past an outage before the wait: the timeout, at most START_RETRY_LIMIT_MS. */
function startDeadline(c: RunContext): number {
  return c.clock.now() + Math.min(timeLeft(c), START_RETRY_LIMIT_MS);
}

/** One template read, riding out transient failures (each told once). */
export async function fetchTemplate(c: Omit<RunContext, 'template'>): Promise<TemplateInfo> {
  const deadline = c.clock.now() + Math.min(Math.max(0, c.startedAt + c.settings.timeoutMs - c.clock.now()), START_RETRY_LIMIT_MS);
  try {
    return await retryTransient(() => c.ops.getTemplate(c.deps.signal), {
      clock: c.clock,
      deadline,
      firstDelayMs: Math.min(c.settings.pollIntervalMs, 5000),
      signal: c.deps.signal,
      ...(c.deps.random ? { random: c.deps.random } : {}),
      onRetry: (msg) => c.report.warning(`Reading image template '${c.settings.templateName}' failed: ${msg} (retrying)`),
    });
  } catch (err) {
    throw azureFailure(c, `Could not read image template '${c.settings.templateName}'`, err);
  }
}

/** Signs in (on the first request), reads the template and says which one it is. */
export async function readTemplate(c: Omit<RunContext, 'template'>): Promise<TemplateInfo> {
  const template = await fetchTemplate(c);
  c.report.info(`Image template ${template.id}${template.location ? ` (${template.location})` : ''}`);
  if (template.stagingResourceGroupId) c.report.setOutput('staging-resource-group', template.stagingResourceGroupId);
  c.logs.start?.(template);
  return template;
}

const inProgress = (s: RunStatus | undefined): s is RunStatus => s?.runState === 'Running' || s?.runState === 'Canceling';
const isRefusedBecauseRunning = (err: unknown): boolean => {
  const { status, code } = errorInfo(err);
  return code === 'OperationNotAllowed' || status === 409;
};

/** A run in progress that is not ours: refuse (if-running: fail) or follow it. */
function refuseOrAttach(c: RunContext, st: RunStatus): void {
  const { settings } = c;
  const since = startText(st.startTime);
  if (settings.ifRunning === 'fail') {
    throw new ActionError(
      `Template '${settings.templateName}' already has a run in progress (${stateLine(st)}, started ${since}). ` +
        'if-running is fail: wait for it to end, cancel it (az image builder cancel), or set if-running: attach to follow it.',
      'A run is already in progress',
    );
  }
  c.attached = true;
  c.runStart = st.startTime?.getTime();
  c.report.saveState(STATE_KEY, JSON.stringify(savedContext(settings)));
  // The post step cancels an attached run only when the user allowed it.
  setPhase(c, mayCancel(c) ? 'started' : 'attached');
  if (c.runStart !== undefined) c.report.saveState(STATE_RUN_START, new Date(c.runStart).toISOString());
  c.report.info(
    `Attaching to the run in progress (${stateLine(st)}, started ${since}); if-running is attach. ` +
      (settings.cancelAttached
        ? 'This step did not start it; cancel-attached is true, so the timeout or a workflow cancel cancels it.'
        : 'This step did not start it, so the timeout or a workflow cancel leaves it running (cancel-attached: false).'),
  );
}

/**
 * A previous run is being canceled (by someone else): a new run cannot start until it is Canceled. Wait for
 * that within the timeout, sending no cancel of our own, and never take its end for this step's result.
 */
async function waitForPreviousCancel(c: RunContext, previous: RunStatus): Promise<void> {
  const { settings, report } = c;
  report.info(
    `The template's previous run (started ${startText(previous.startTime)}) is being canceled; waiting for it to reach Canceled ` +
      "before starting this step's own run (no cancel is sent to it).",
  );
  const waited = await waitForRun({
    clock: c.clock,
    log: report,
    pollIntervalMs: settings.pollIntervalMs,
    timeoutMs: timeLeft(c),
    getStatus: async (signal) => {
      c.template = await c.ops.getTemplate(signal);
      return c.template.lastRunStatus;
    },
    isDone: (s) => s.runState !== 'Canceling',
    ...(c.deps.signal ? { signal: c.deps.signal } : {}),
    ...(c.deps.random ? { random: c.deps.random } : {}),
  });
  if (waited.outcome === 'aborted') {
    throw new ActionError(
      `The step was interrupted while waiting for the template's previous run (started ${startText(previous.startTime)}) to finish canceling; this step started no run.`,
      'Interrupted',
    );
  }
  if (waited.outcome === 'timeout') {
    report.setOutput('run-state', 'TimedOut');
    throw new ActionError(
      `The template's previous run (started ${startText(previous.startTime)}) was still ${waited.status?.runState ?? 'Canceling'} after ` +
        `${formatDuration(settings.timeoutMs)} (timeout): this step started no run of its own and sent no cancel. ` +
        `Canceling can take hours; check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, then run again.`,
      'Build timed out',
    );
  }
}

/**
 * Starts this step's run, or attaches to (or refuses) one in progress, per if-running. Saves what the post
 * step needs to tell our run from another before anything is sent.
 */
export async function startOrAttach(c: RunContext): Promise<void> {
  const { settings, report, clock } = c;
  const deadline = startDeadline(c);
  const delays = backoff(Math.min(settings.pollIntervalMs, 5000), 30_000, c.deps.random);
  /** Set once a run request may have reached the service without our knowing (no answer). */
  let uncertainPost = false;
  const told = new Set<string>();
  for (;;) {
    const current = c.template.lastRunStatus;
    const mayBeOurs = (s: RunStatus): boolean => uncertainPost && c.postedAt !== undefined && isOwnRun(s, c.postedAt, c.previousStart);
    if (current?.runState === 'Canceling' && !mayBeOurs(current)) {
      await waitForPreviousCancel(c, current);
      continue;
    }
    if (current?.runState === 'Running') {
      if (mayBeOurs(current)) {
        report.info(
          `The run request got no answer, but the template shows a run started after it (${startText(current.startTime)}): following it as this step's run.`,
        );
        return;
      }
      refuseOrAttach(c, current);
      return;
    }
    if (c.postedAt === undefined) {
      c.postedAt = clock.now();
      c.previousStart = current?.startTime?.getTime();
      // For the post step: only a run that started after this POST (and is not the previous run) is ours to cancel.
      report.saveState(STATE_KEY, JSON.stringify(savedContext(settings)));
      report.saveState(STATE_RUN_POSTED, new Date(c.postedAt).toISOString());
      if (c.previousStart !== undefined) report.saveState(STATE_PREVIOUS_START, new Date(c.previousStart).toISOString());
    }
    setPhase(c, 'started');
    try {
      c.runRequest = await c.ops.startRun();
      report.info(`Run of ${settings.templateName} requested.`);
      return;
    } catch (err) {
      const refusedBecauseRunning = isRefusedBecauseRunning(err);
      const transient = !refusedBecauseRunning && isTransient(err);
      // Refused by the service: no run of ours for the post step to cancel.
      if (!transient && !uncertainPost) setPhase(c, 'finished');
      if (!refusedBecauseRunning && !transient) {
        throw new ActionError(
          `Could not start a run of template '${settings.templateName}': ${describeAzureError(err, errorContext(c))}`,
          'Azure request failed',
        );
      }
      const delay = delays.next();
      if (clock.now() + (refusedBecauseRunning ? 0 : delay) > deadline) {
        throw new ActionError(
          `Could not start a run of template '${settings.templateName}': ${describeAzureError(err, errorContext(c))}`,
          'Azure request failed',
        );
      }
      if (transient) {
        // The request may have reached the service: the next read tells whether a run of ours started.
        const status = errorInfo(err).status;
        uncertainPost ||= status === undefined || status >= 500;
        const msg = errorInfo(err).message;
        if (!told.has(msg)) {
          told.add(msg);
          report.warning(`The run request failed: ${msg} (retrying)`);
        }
        await clock.sleep(delay, c.deps.signal);
        if (c.deps.signal?.aborted) throw new ActionError('The step was interrupted before its run request was accepted.', 'Interrupted');
      }
      // Refused because a run started meanwhile (OperationNotAllowed, whatever the HTTP status), or a request that
      // may have started a run: the template says which run is there now.
      if (!refusedBecauseRunning && !uncertainPost) continue;
      c.template = await fetchTemplate(c);
      if (refusedBecauseRunning && !inProgress(c.template.lastRunStatus)) {
        // Refused, yet nothing runs: a run that ended in between. Try once more only while time is left.
        if (clock.now() + delay > deadline) {
          throw new ActionError(
            `Could not start a run of template '${settings.templateName}': ${describeAzureError(err, errorContext(c))}`,
            'Azure request failed',
          );
        }
        await clock.sleep(delay, c.deps.signal);
      }
    }
  }
}
