// The GitHub Actions OIDC token endpoint, as `@actions/core` getIDToken(audience) uses it:
// GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=<aud> (the URL already carries ?api-version=2.0),
// Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>, answered {"value": "<jwt>"}.
import { recordSecret } from '../secrets.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startHttpsServer, type Journal, type RunningServer } from '../server.ts';
import type { Certificate } from '../tls.ts';
import { bearerOf, createSigningKey, signJwt, type SigningKey } from './jwt.ts';

export interface OidcClaimsOptions {
  /** owner/name; default octo-org/octo-repo. */
  repository?: string;
  /** default refs/heads/main. */
  ref?: string;
  /** Deployment environment; when set, `sub` becomes repo:<repo>:environment:<env> as on GitHub. */
  environment?: string;
  /** Overrides the computed `sub`. */
  subject?: string;
  runId?: string;
  runNumber?: string;
  runAttempt?: string;
  actor?: string;
  workflow?: string;
  eventName?: string;
  sha?: string;
  /** Token lifetime in seconds; GitHub's are 300. Tests use a few seconds. */
  lifetimeSeconds?: number;
  /** Merged over the computed claims. */
  extraClaims?: Record<string, unknown>;
}

export interface OidcOptions extends OidcClaimsOptions {
  /** The request token the endpoint accepts (the runner uses the job's ACTIONS_RUNTIME_TOKEN). */
  requestToken: string;
  /** Signing key; one is made when absent. */
  key?: SigningKey;
  /** Plan and job IDs used in the endpoint path (cosmetic). */
  planId?: string;
  jobId?: string;
}

export interface MintedToken {
  at: number;
  /** The audience requested, or undefined when the client sent none. */
  requestedAudience: string | undefined;
  claims: Record<string, unknown>;
  token: string;
}

export interface OidcService {
  server: RunningServer;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL (with ?api-version=2.0). */
  requestUrl: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Every token minted, oldest first. */
  readonly mints: MintedToken[];
  /** Live settings: change lifetime or claims between requests. */
  readonly settings: OidcClaimsOptions;
  /** The next `count` token requests are answered `status` (default 500) instead of a token. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

export async function startOidcService(cert: Certificate, journal: Journal, opts: OidcOptions): Promise<OidcService> {
  const key = opts.key ?? createSigningKey();
  const settings: OidcClaimsOptions = { ...opts };
  const mints: MintedToken[] = [];
  const planId = opts.planId ?? randomUUID();
  const jobId = opts.jobId ?? randomUUID();
  const path = `/_apis/distributedtask/hubs/Actions/plans/${planId}/jobs/${jobId}/idtoken`;
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname !== path) return sendJson(res, 404, { message: 'Not Found' });
    if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { message: 'Method Not Allowed' });
    if (bearerOf(req.headers.authorization) !== opts.requestToken) {
      return sendJson(res, 401, { message: "Unauthorized: the bearer token is not this job's request token" });
    }
    if (url.searchParams.get('api-version') !== '2.0') return sendJson(res, 400, { message: 'api-version=2.0 is required' });
    if (failures.count > 0) {
      failures.count--;
      return sendJson(res, failures.status, { message: 'simulated failure' });
    }
    const requestedAudience = url.searchParams.get('audience') ?? undefined;
    const claims = oidcClaims(settings, requestedAudience);
    const token = signJwt(claims, key, { x5t: key.kid.slice(0, 27) });
    mints.push({ at: Date.now(), requestedAudience, claims, token });
    recordSecret(token);
    sendJson(res, 200, { value: token });
  };

  const server = await startHttpsServer('github-oidc', cert, journal, handler);
  return {
    server,
    requestUrl: `${server.origin}${path}?api-version=2.0`,
    requestToken: opts.requestToken,
    mints,
    settings,
    failNext(count: number, status = 500) {
      failures = { count, status };
    },
    close: () => server.close(),
  };
}

/** The claims GitHub puts in an Actions ID token (names and formats as documented by GitHub). */
export function oidcClaims(o: OidcClaimsOptions, audience: string | undefined, nowMs = Date.now()): Record<string, unknown> {
  const repository = o.repository ?? 'octo-org/octo-repo';
  const owner = repository.split('/')[0] ?? repository;
  const ref = o.ref ?? 'refs/heads/main';
  const iat = Math.floor(nowMs / 1000);
  const sub = o.subject ?? (o.environment ? `repo:${repository}:environment:${o.environment}` : `repo:${repository}:ref:${ref}`);
  const workflowFile = '.github/workflows/build-image.yml';
  return {
    jti: randomUUID(),
    sub,
    aud: audience ?? `https://github.com/${owner}`,
    ref,
    sha: o.sha ?? 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    repository,
    repository_owner: owner,
    repository_owner_id: '65',
    repository_id: '74',
    repository_visibility: 'private',
    run_id: o.runId ?? '1658821493',
    run_number: o.runNumber ?? '10',
    run_attempt: o.runAttempt ?? '1',
    runner_environment: 'github-hosted',
    actor: o.actor ?? 'octocat',
    actor_id: '12',
    workflow: o.workflow ?? 'Build image',
    head_ref: '',
    base_ref: '',
    event_name: o.eventName ?? 'push',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ref_protected: 'false',
    workflow_ref: `${repository}/${workflowFile}@${ref}`,
    workflow_sha: o.sha ?? 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    job_workflow_ref: `${repository}/${workflowFile}@${ref}`,
    job_workflow_sha: o.sha ?? 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    ...(o.environment ? { environment: o.environment } : {}),
    iss: 'https://token.actions.githubusercontent.com',
    nbf: iat - 5,
    iat,
    exp: iat + (o.lifetimeSeconds ?? 300),
    ...o.extraClaims,
  };
}
