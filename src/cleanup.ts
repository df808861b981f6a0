/** The post step's logic: cancel a run the main step left running (killed, interrupted, or cancel not confirmed). */
import type { ImageBuilderOps } from './imagebuilder.js';
import { STATE_KEY, STATE_PHASE, STATE_RUN_START, parseSavedContext, type SavedContext } from './state.js';

export interface CleanupDeps {
  getState(name: string): string;
  /** Builds the operations for the saved context (signs in again). */
  makeOps(ctx: SavedContext): ImageBuilderOps;
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

export type CleanupOutcome = 'nothing-to-do' | 'not-running' | 'other-run' | 'canceling' | 'canceled';

export async function cleanup(deps: CleanupDeps): Promise<CleanupOutcome> {
  const phase = deps.getState(STATE_PHASE);
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
  const savedStart = deps.getState(STATE_RUN_START);
  if (s?.runState === 'Running') {
    if (savedStart !== '' && s.startTime !== undefined && s.startTime.toISOString() !== new Date(savedStart).toISOString()) {
      deps.info(`The template shows another run (started ${s.startTime.toISOString()}), not the one this job followed: leaving it alone.`);
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
