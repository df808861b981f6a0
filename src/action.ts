/**
 * The action's core, as a sequence of phases: read the template, start or attach to a run, wait for its end,
 * then handle a signal, the timeout, or the run's own outcome. Each phase is a function of its own
 * (src/start.ts, src/finish.ts) over one shared RunContext (src/runContext.ts). Work that follows the
 * logs (e.g. deleting a template) belongs after finishAndReport in src/finish.ts.
 */
import { formatDuration } from './duration.js';
import { describeAzureError } from './errors.js';
import { handleSignal, handleTimeout, reportOutcome } from './finish.js';
import { isOwnRun } from './runstatus.js';
import {
  ActionError,
  errorContext,
  makeContext,
  setPhase,
  timeLeft,
  type ActionDeps,
  type ActionResult,
  type RunContext,
} from './runContext.js';
import type { Settings } from './settings.js';
import { readTemplate, startOrAttach } from './start.js';
import { STATE_RUN_START } from './state.js';
import type { RunStatus } from './types.js';
import { waitForRun, type WaitOptions, type WaitResult } from './wait.js';

export { ActionError, LOGS_FINISH_DEADLINE_MS, type ActionDeps, type ActionResult } from './runContext.js';
export { isVhd, selectRunOutput } from './runOutputs.js';
export { savedContext } from './state.js';

export async function run(settings: Settings, deps: ActionDeps): Promise<ActionResult> {
  const base = makeContext(settings, deps);
  deps.report.startGroup?.(`Sign-in and template ${settings.templateName}`);
  let c: RunContext;
  try {
    deps.report.setOutput('template-name', settings.templateName);
    // template-file: create (or reuse, or replace) the template before it is read.
    if (deps.fromFile) await deps.fromFile.ensure(deps.report, deps.signal);
    c = { ...base, template: await readTemplate(base) };
    // `timeout` counts from here (sign-in done), and covers a wait for a previous run's cancel.
    c.startedAt = c.clock.now();
    const refused = await preflight(c);
    if (refused) return refused;
    await startOrAttach(c);
  } finally {
    deps.report.endGroup?.();
  }
  if (!settings.wait) return leaveRunning(c);
  const { waited, waitOpts, waitStart } = await waitForEnd(c);
  if (waited.outcome === 'aborted') return handleSignal(c, waited);
  if (waited.outcome === 'timeout') return handleTimeout(c, waited, waitOpts, waitStart);
  return reportOutcome(c, waited);
}

/**
 * Preflight checks (src/preflight/) of a template this step is about to run: a known trap reported (by the hook)
 * ends the step before any run request. A run in progress is not this step's to check.
 */
async function preflight(c: RunContext): Promise<ActionResult | undefined> {
  const current = c.template.lastRunStatus?.runState;
  if (!c.deps.preflight || current === 'Running' || current === 'Canceling') return undefined;
  if ((await c.deps.preflight(c.template)).ok) return undefined;
  c.report.markFailed();
  return {
    state: 'Unknown',
    status: c.template.lastRunStatus,
    template: c.template,
    attached: false,
    runOutputs: [],
    failureMessage: 'Preflight found problems (reported above); no run was started.',
  };
}

/** wait: false: the run goes on without this step; the post step leaves it alone, a later step may attach. */
function leaveRunning(c: RunContext): ActionResult {
  setPhase(c, 'finished');
  c.report.setOutput('run-state', 'Running');
  c.report.info(
    `wait is false: the run ${c.attached ? 'this step attached to' : 'started'} goes on without this step. ` +
      `Follow it with a later step on template '${c.settings.templateName}' with if-running: attach.`,
  );
  return { state: 'Unknown', status: undefined, template: c.template, attached: c.attached, runOutputs: [] };
}

/** Polls the template until the run followed ends, the timeout passes, or a signal comes. */
async function waitForEnd(c: RunContext): Promise<{ waited: WaitResult; waitOpts: WaitOptions; waitStart: number }> {
  const { settings, report, clock } = c;
  // A status is ours once the template shows a run started after our POST that is not the one it showed before.
  c.isCurrent = c.attached ? () => true : (s: RunStatus) => isOwnRun(s, c.postedAt ?? c.startedAt, c.previousStart);
  let runStartSaved = c.runStart !== undefined;
  const { runRequest } = c;
  const waitOpts: WaitOptions = {
    clock,
    log: report,
    pollIntervalMs: settings.pollIntervalMs,
    timeoutMs: timeLeft(c),
    getStatus: async (signal) => (await c.ops.getTemplate(signal)).lastRunStatus,
    isCurrent: c.isCurrent,
    onPoll: async (s) => {
      if (!runStartSaved && s.startTime) {
        runStartSaved = true;
        c.runStart = s.startTime.getTime();
        report.saveState(STATE_RUN_START, s.startTime.toISOString());
      }
      await c.logs.onPoll(s);
    },
    ...(runRequest ? { endedUnseen: (signal: AbortSignal) => runRequest.endedUnseen(signal) } : {}),
    ...(c.deps.signal ? { signal: c.deps.signal } : {}),
    ...(c.deps.random ? { random: c.deps.random } : {}),
  };
  const waitStart = clock.now();
  try {
    return { waited: await waitForRun(waitOpts), waitOpts, waitStart };
  } catch (err) {
    if (err instanceof ActionError) throw err;
    // Only an error that asking again cannot fix ends up here (outages are ridden out until the timeout). The build
    // may be healthy: the post step must not cancel it because we lost sight of it.
    setPhase(c, 'lost');
    throw new ActionError(
      `Lost track of the run of '${settings.templateName}' after ${formatDuration(clock.now() - waitStart)}: ${describeAzureError(err, errorContext(c))}\n` +
        `The run's state is unknown (run-state is not set) and it was left running: check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName} or in the portal.`,
      'Azure request failed',
    );
  }
}
