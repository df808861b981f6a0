/**
 * A pipeline policy for clouds whose resource provider lags behind the public cloud: when ARM refuses the
 * request's api-version and its error lists the versions it supports, send the request once more with the
 * newest of them, say so once, and use that version for the rest of the client's requests.
 *
 * The refusals look like (HTTP 400):
 *   NoRegisteredProviderFound: "No registered resource provider found for location 'usgovvirginia' and API version
 *     '2025-10-01' for type 'imageTemplates'. The supported api-versions are '2020-02-14, 2022-07-01'. The supported
 *     locations are '...'."
 *   InvalidResourceType: "... for api version '...'. The supported api-versions are '...'."
 *   InvalidApiVersionParameter: "The api-version '...' is invalid. The supported versions are '...'."
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';

export const API_VERSION_POLICY = 'apiVersionFallback';
const REFUSAL_CODES = [
  'NoRegisteredProviderFound',
  'InvalidResourceType',
  'InvalidApiVersionParameter',
  'NoRegisteredProviderFoundForApiVersion',
];

/** The versions an api-version refusal lists, or undefined when the body is not one. */
export function supportedVersions(body: string | null | undefined): string[] | undefined {
  if (!body) return undefined;
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    error = parsed.error;
  } catch {
    return undefined;
  }
  if (typeof error?.code !== 'string' || typeof error.message !== 'string' || !REFUSAL_CODES.includes(error.code)) return undefined;
  const m = /supported (?:api-)?versions are '([^']*)'/i.exec(error.message);
  if (!m?.[1]) return undefined;
  const versions = m[1]
    .split(',')
    .map((v) => v.trim())
    .filter((v) => /^\d{4}-\d{2}-\d{2}(-[a-z0-9]+)?$/i.test(v));
  return versions.length > 0 ? versions : undefined;
}

/** The newest version listed: a stable one if there is any, else the newest preview. */
export function newestVersion(versions: string[]): string | undefined {
  const stable = versions.filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v));
  const pool = stable.length > 0 ? stable : versions;
  return [...pool].sort().at(-1);
}

function withApiVersion(url: string, version: string): string {
  const u = new URL(url);
  u.searchParams.set('api-version', version);
  return u.toString();
}

export interface ApiVersionPolicyOptions {
  /** Told once, when the client moves to another api-version. */
  onFallback?: (from: string, to: string, provider: string) => void;
}

export function apiVersionFallbackPolicy(o: ApiVersionPolicyOptions = {}): PipelinePolicy {
  /** Per resource provider namespace: the version it accepted in place of ours. */
  const chosen = new Map<string, { from: string; to: string }>();
  const providerOf = (url: string): string => /\/providers\/([^/?]+)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? '';
  return {
    name: API_VERSION_POLICY,
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const provider = providerOf(request.url);
      const sent = new URL(request.url).searchParams.get('api-version');
      const known = chosen.get(provider);
      if (known && sent === known.from) request.url = withApiVersion(request.url, known.to);
      const response = await next(request);
      if (response.status !== 400 || sent === null || known) return response;
      const newest = newestVersion(supportedVersions(response.bodyAsText) ?? []);
      if (newest === undefined || newest === sent) return response;
      chosen.set(provider, { from: sent, to: newest });
      o.onFallback?.(sent, newest, provider);
      request.url = withApiVersion(request.url, newest);
      return next(request);
    },
  };
}
