/** The template's name: the template-name input, else the file's `name`, else one generated per repository, run, attempt and job. */
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';

export const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_NAME = 64;

export interface NameContext {
  /** GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_JOB, GITHUB_ACTION from the runner. */
  env: NodeJS.ProcessEnv;
  /** template-file as given. */
  file: string;
  /**
   * Everything the step was given that could tell two steps of one run apart (the inputs, which differ across
   * a matrix that passes its values to the action): only hashed, never shown.
   */
  distinguishing: string;
}

/**
 * `<file>-<run id>-<attempt>-<6 hex>`, at most 64 characters: readable (which file, which run, which attempt)
 * and unique per repository, run, attempt, job, step and inputs (the hash), so matrix jobs and re-runs never share one.
 */
export function generateName(ctx: NameContext): string {
  const { env } = ctx;
  const runId = (env.GITHUB_RUN_ID ?? '').replace(/[^0-9A-Za-z]/g, '') || 'local';
  const attempt = (env.GITHUB_RUN_ATTEMPT ?? '').replace(/[^0-9]/g, '') || '1';
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        env.GITHUB_REPOSITORY ?? '',
        runId,
        attempt,
        env.GITHUB_JOB ?? '',
        env.GITHUB_ACTION ?? '',
        ctx.file,
        ctx.distinguishing,
      ]),
    )
    .digest('hex')
    .slice(0, 6);
  const tail = `-${runId}-${attempt}-${hash}`;
  let base = basename(ctx.file, extname(ctx.file))
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (base === '') base = 'template';
  base = base.slice(0, Math.max(1, MAX_NAME - tail.length)).replace(/[-.]+$/, '') || 't';
  return `${base}${tail}`.slice(0, MAX_NAME);
}
