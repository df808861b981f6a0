/**
 * GitHub OIDC ID tokens for the Entra sign-in, with nothing of the Azure SDK: the set-up check, the token request
 * sent at start-up (before the SDK is loaded), and the refreshing assertion provider that uses it.
 */
import type { AuthSettings } from './settings.js';

export class AuthSetupError extends Error {
  override name = 'AuthSetupError';
}

export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nbf?: number;
}

/** Decodes a JWT's payload without checking it (only to read exp and identity claims). */
export function decodeJwtClaims(token: string): TokenClaims | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null ? (json as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

/** Refresh margin before exp: min(60 s, a third of the token's lifetime). */
export function refreshMarginMs(claims: TokenClaims): number {
  if (claims.exp === undefined) return 0;
  const issued = claims.iat ?? claims.nbf;
  const lifetimeMs = issued !== undefined ? (claims.exp - issued) * 1000 : Infinity;
  return Math.max(0, Math.min(60_000, lifetimeMs / 3));
}

export interface AssertionDeps {
  /** Mints a GitHub OIDC token (core.getIDToken). */
  getIDToken(audience: string): Promise<string>;
  /** Current time in ms since the epoch. */
  now(): number;
  /** Prints a line to the log. */
  info(message: string): void;
  /** Registers a secret for masking. */
  setSecret(secret: string): void;
  /** Called with the token's subject on the first mint (for error hints). */
  onSubject?: (sub: string) => void;
  /**
   * An ID token for the same audience, requested at start-up: the first assertion uses it (unless it is
   * already within its refresh margin); every later one is minted as usual.
   */
  prefetchedIdToken?: Promise<string>;
}

/**
 * getAssertion for ClientAssertionCredential: keeps the GitHub ID token until it is within the refresh
 * margin of its exp, then mints a fresh one. Concurrent callers share one request.
 */
export function createAssertionProvider(audience: string, deps: AssertionDeps): () => Promise<string> {
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let prefetched = deps.prefetchedIdToken;
  let printed = false;

  const accept = (token: string): { token: string; refreshAt: number } => {
    deps.setSecret(token);
    const claims = decodeJwtClaims(token) ?? {};
    if (!printed) {
      printed = true;
      const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud;
      deps.info(`GitHub OIDC token: iss=${claims.iss ?? '?'} sub=${claims.sub ?? '?'} aud=${aud ?? '?'}`);
      if (claims.sub !== undefined) deps.onSubject?.(claims.sub);
    }
    return { token, refreshAt: claims.exp === undefined ? 0 : claims.exp * 1000 - refreshMarginMs(claims) };
  };

  const request = async (pending: Promise<string>): Promise<string> => {
    try {
      return await pending;
    } catch (err) {
      throw new AuthSetupError(
        `Could not get a GitHub OIDC token for audience '${audience}': ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };

  const mint = async (): Promise<string> => {
    if (prefetched !== undefined) {
      const early = accept(await request(prefetched).finally(() => (prefetched = undefined)));
      // A token with no exp (refreshAt 0) counts as fresh once, as a minted one does.
      if (early.refreshAt === 0 || deps.now() < early.refreshAt) {
        cached = early;
        return early.token;
      }
    }
    cached = accept(await request(deps.getIDToken(audience)));
    return cached.token;
  };

  return async (): Promise<string> => {
    if (cached !== undefined && deps.now() < cached.refreshAt) return cached.token;
    inFlight ??= mint().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** True when this job can mint GitHub ID tokens (`permissions: id-token: write`). */
export function canMintIdTokens(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

const NO_ID_TOKEN =
  'OIDC sign-in needs a GitHub ID token, but this job cannot request one (ACTIONS_ID_TOKEN_REQUEST_URL is not set). ' +
  "Add 'permissions: id-token: write' to the workflow or job. " +
  'Pull requests from forks and Dependabot runs get no ID token even then: skip this step for them ' +
  "(for example if: github.event.pull_request.head.repo.fork != true && github.actor != 'dependabot[bot]').";

/** OIDC sign-in's client and tenant, once the job is known to be able to mint ID tokens. Throws AuthSetupError. */
export function oidcSetup(auth: AuthSettings, env: NodeJS.ProcessEnv): { clientId: string; tenantId: string } {
  if (!canMintIdTokens(env)) throw new AuthSetupError(NO_ID_TOKEN);
  if (auth.clientId === undefined || auth.tenantId === undefined) {
    throw new AuthSetupError('OIDC sign-in needs both client-id and tenant-id (inputs or env AZURE_CLIENT_ID and AZURE_TENANT_ID).');
  }
  return { clientId: auth.clientId, tenantId: auth.tenantId };
}

/**
 * Checks the sign-in set-up (OIDC: see oidcSetup) and, for OIDC, sends the first ID token request now, before the
 * Azure SDK is loaded. The token promise carries the request's own failure, if any, to the first assertion; it is
 * never left unhandled.
 */
export function requestFirstIdToken<R extends { token: Promise<string> }>(
  auth: AuthSettings,
  env: NodeJS.ProcessEnv,
  send: (audience: string) => R,
): R | undefined {
  if (auth.type !== 'oidc') return undefined;
  oidcSetup(auth, env);
  const request = send(auth.audience);
  request.token.catch(() => undefined);
  return request;
}
