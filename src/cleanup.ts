/** The post step's logic: cancel a run the main step left running (killed, interrupted, or cancel not confirmed). */
import type { ImageBuilderOps } from './imagebuilder.js';
import { isOwnRun } from './runstatus.js';
import {
  STATE_KEY,
  STATE_PHASE,
  STATE_PREVIOUS_START,
  STATE_RUN_POSTED,
  STATE_RUN_START,
  parseSavedContext,
  type SavedContext,
} from './state.js';

/** startTime is the service's clock, the saved POST time the runner's: a run that started this much before it is still ours. */
export { CLOCK_SKEW_MS } from './runstatus.js';

export interface CleanupDeps {
  getState(name: string): string;
  /** Builds the operations for the saved context (signs in again). */
  makeOps(ctx: SavedContext): ImageBuilderOps;
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

export type CleanupOutcome = 'nothing-to-do' | 'not-running' | 'other-run' | 'unknown-run' | 'canceling' | 'canceled';

const time = (iso: string): number | undefined => {
  const t = iso === '' ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

export async function cleanup(deps: CleanupDeps): Promise<CleanupOutcome> {
  const phase = deps.getState(STATE_PHASE);
  if (phase === 'attached') {
    deps.info('The main step followed a run it did not start (cancel-attached is false): the post step leaves it alone.');
    return 'nothing-to-do';
  }
  if (phase === 'lost') {
    deps.info(
      'The main step lost sight of the build (its status could not be read): the post step leaves it running rather than cancel a build that may be healthy.',
    );
    return 'nothing-to-do';
  }
  if (phase === '' || phase === 'finished') {
    deps.debug(`post: main step phase '${phase}': nothing to do`);
    return 'nothing-to-do';
  }
  const ctx = parseSavedContext(deps.getState(STATE_KEY));
  if (ctx === undefined) {
    deps.debug('post: no saved context: nothing to do');
    return 'nothing-to-do';
  }
  const ops = deps.makeOps(ctx);
  const template = await ops.getTemplate();
  const s = template.lastRunStatus;
  const savedStart = time(deps.getState(STATE_RUN_START));
  const postedAt = time(deps.getState(STATE_RUN_POSTED));
  const previousStart = time(deps.getState(STATE_PREVIOUS_START));
  if (s?.runState === 'Running') {
    const start = s.startTime?.getTime();
    // Ours: the run start the main step saw, or (not seen) a run that started after our POST and is not the previous run.
    const ours =
      start !== undefined &&
      (savedStart !== undefined ? start === savedStart : postedAt !== undefined && isOwnRun(s, postedAt, previousStart));
    if (!ours) {
      if (start === undefined || (savedStart === undefined && postedAt === undefined)) {
        const why =
          start === undefined
            ? 'the service gives no start time for it'
            : "the main step saved neither its run's start nor the time it requested the run";
        deps.info(
          `The template shows a run in progress, but ${why}: the post step cannot tell whether it is this job's run, so it leaves it alone. ` +
            `Check it with az image builder show -g ${ctx.resourceGroup} -n ${ctx.templateName}.`,
        );
        return 'unknown-run';
      }
      deps.info(
        `The template shows another run (started ${new Date(start).toISOString()}), not the one this job followed: leaving it alone.`,
      );
      return 'other-run';
    }
    deps.info(`The build of '${ctx.templateName}' is still running after the main step ended (${phase}): canceling it.`);
    await ops.cancelRun();
    deps.info('Cancel sent.');
    return 'canceled';
  }
  if (s?.runState === 'Canceling') {
    deps.info(`The build of '${ctx.templateName}' is being canceled.`);
    return 'canceling';
  }
  deps.info(`The build of '${ctx.templateName}' is not running (${s?.runState ?? 'no run'}).`);
  return 'not-running';
}
