/** Credential selection: OIDC (GitHub ID token exchanged with Entra, refreshed as needed) or an Azure CLI session. */
import { AzureCliCredential, ClientAssertionCredential, type TokenCredential } from '@azure/identity';
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
}

/**
 * getAssertion for ClientAssertionCredential: keeps the GitHub ID token until it is within the refresh
 * margin of its exp, then mints a fresh one. Concurrent callers share one request.
 */
export function createAssertionProvider(audience: string, deps: AssertionDeps): () => Promise<string> {
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let printed = false;

  const mint = async (): Promise<string> => {
    let token: string;
    try {
      token = await deps.getIDToken(audience);
    } catch (err) {
      throw new AuthSetupError(
        `Could not get a GitHub OIDC token for audience '${audience}': ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    deps.setSecret(token);
    const claims = decodeJwtClaims(token) ?? {};
    if (!printed) {
      printed = true;
      const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud;
      deps.info(`GitHub OIDC token: iss=${claims.iss ?? '?'} sub=${claims.sub ?? '?'} aud=${aud ?? '?'}`);
      if (claims.sub !== undefined) deps.onSubject?.(claims.sub);
    }
    const refreshAt = claims.exp === undefined ? 0 : claims.exp * 1000 - refreshMarginMs(claims);
    cached = { token, refreshAt };
    return token;
  };

  const provider = async (): Promise<string> => {
    if (cached !== undefined && deps.now() < cached.refreshAt) return cached.token;
    inFlight ??= mint().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return provider;
}

export interface CredentialDeps extends AssertionDeps {
  env: NodeJS.ProcessEnv;
}

/** Picks the credential for the settings. Throws AuthSetupError for a setup the runner cannot satisfy. */
export function createCredential(auth: AuthSettings, deps: CredentialDeps): TokenCredential {
  if (auth.type === 'azure-cli') {
    return new AzureCliCredential();
  }
  if (!deps.env.ACTIONS_ID_TOKEN_REQUEST_URL || !deps.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new AuthSetupError(
      'OIDC sign-in needs a GitHub ID token, but this job cannot request one (ACTIONS_ID_TOKEN_REQUEST_URL is not set). ' +
        "Add 'permissions: id-token: write' to the workflow or job. " +
        'Pull requests from forks and Dependabot runs get no ID token even then: skip this step for them ' +
        "(for example if: github.event.pull_request.head.repo.fork != true && github.actor != 'dependabot[bot]').",
    );
  }
  const getAssertion = createAssertionProvider(auth.audience, deps);
  return new ClientAssertionCredential(auth.tenantId!, auth.clientId!, getAssertion, {
    authorityHost: auth.authorityHost,
    disableInstanceDiscovery: true,
  });
}
