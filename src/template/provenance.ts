/**
 * Provenance (contract behaviour 12): tags naming the repository, commit and workflow run that built an image, on the
 * template and, through each distribute target's artifactTags, on the image. Keys the file sets are kept as it sets them.
 */
import { isExpression, isObject, type JsonObject } from './file.js';

export type Provenance = Record<'source-repository' | 'source-commit' | 'source-run', string>;

/** The tags for this run, from the runner's environment; undefined outside a workflow run. */
export function provenanceFromEnv(env: NodeJS.ProcessEnv): Provenance | undefined {
  const repo = env.GITHUB_REPOSITORY ?? '';
  const sha = env.GITHUB_SHA ?? '';
  const runId = env.GITHUB_RUN_ID ?? '';
  if (!repo || !sha || !runId) return undefined;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  // The run's URL without the attempt: a re-run of the same run builds the same body, so its template is reused.
  return { 'source-repository': repo, 'source-commit': sha, 'source-run': `${server}/${repo}/actions/runs/${runId}` };
}

/** Tags with the provenance keys added where the given tags do not set them. */
export function withProvenance(tags: JsonObject | undefined, p: Provenance): JsonObject {
  return { ...p, ...(tags ?? {}) };
}

/** ARM expression: union(provenance, <expr>): the template's own keys win, as with a literal object. */
function unionExpression(expr: string, p: Provenance): string {
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const obj = `createObject(${Object.entries(p)
    .map(([k, v]) => `${lit(k)}, ${lit(v)}`)
    .join(', ')})`;
  return `[union(${obj}, ${expr.slice(1, -1)})]`;
}

function tagged(v: unknown, p: Provenance): JsonObject | string {
  if (isExpression(v)) return unionExpression(v as string, p);
  return withProvenance(isObject(v) ? v : undefined, p);
}

/**
 * Adds provenance to a template body (a resource body or an ARM template's resource), in place.
 * Returns what could not be tagged (e.g. distribute given as one expression), for a warning.
 */
export function addProvenance(body: JsonObject, p: Provenance): string[] {
  const missed: string[] = [];
  body.tags = tagged(body.tags, p);
  const props = body.properties;
  if (!isObject(props)) return missed;
  const d = props.distribute;
  if (Array.isArray(d)) {
    d.forEach((target, i) => {
      if (isObject(target)) target.artifactTags = tagged(target.artifactTags, p);
      else missed.push(`properties.distribute[${i}]`);
    });
  } else if (d !== undefined) {
    missed.push('properties.distribute');
  }
  return missed;
}
