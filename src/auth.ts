/**
 * Credential selection: OIDC (GitHub ID token exchanged with Entra, refreshed as needed), an Azure CLI session
 * (switching to our own OIDC sign-in when the session dies and the job can mint ID tokens), or a managed identity.
 */
import { execFile } from 'node:child_process';
import type { AccessToken, GetTokenOptions } from '@azure/core-auth';
import { AzureCliCredential, ClientAssertionCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
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
  /** Runs `az` with these arguments and resolves with its stdout (default: the az on PATH). */
  runAz?: (args: string[]) => Promise<string>;
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

function oidcCredential(auth: AuthSettings, clientId: string, tenantId: string, deps: AssertionDeps): TokenCredential {
  const getAssertion = createAssertionProvider(auth.audience, deps);
  return new ClientAssertionCredential(tenantId, clientId, getAssertion, {
    authorityHost: auth.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** Picks the credential for the settings. Throws AuthSetupError for a setup the runner cannot satisfy. */
export function createCredential(auth: AuthSettings, deps: CredentialDeps): TokenCredential {
  if (auth.type === 'managed-identity') {
    // IMDS on an Azure VM; the SDK also honours the platform's own variables (IDENTITY_ENDPOINT on App Service
    // and Arc, AZURE_POD_IDENTITY_AUTHORITY_HOST for pod identity). client-id picks a user-assigned identity.
    return new ManagedIdentityCredential(auth.clientId !== undefined ? { clientId: auth.clientId } : {});
  }
  if (auth.type === 'azure-cli') {
    return new LastingCliCredential(new AzureCliCredential(), auth, deps);
  }
  if (!canMintIdTokens(deps.env)) throw new AuthSetupError(NO_ID_TOKEN);
  if (auth.clientId === undefined || auth.tenantId === undefined) {
    throw new AuthSetupError('OIDC sign-in needs both client-id and tenant-id (inputs or env AZURE_CLIENT_ID and AZURE_TENANT_ID).');
  }
  return oidcCredential(auth, auth.clientId, auth.tenantId, deps);
}

/** An Azure CLI session that can no longer give tokens, with what to do about it. Final: retrying cannot help. */
export class CliSessionLostError extends Error {
  override name = 'CliSessionLostError';
  /** Read by the wait loop: a 4xx is not retried. */
  readonly statusCode = 401;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The service principal of an `az account show` answer (user.type servicePrincipal, user.name its client ID). */
export function servicePrincipalOf(accountShowJson: string): { clientId: string; tenantId: string } | undefined {
  let v: { user?: { type?: unknown; name?: unknown }; tenantId?: unknown };
  try {
    v = JSON.parse(accountShowJson) as typeof v;
  } catch {
    return undefined;
  }
  const clientId = typeof v.user?.name === 'string' ? v.user.name : '';
  const tenantId = typeof v.tenantId === 'string' ? v.tenantId : '';
  if (v.user?.type !== 'servicePrincipal' || !GUID.test(clientId) || !GUID.test(tenantId)) return undefined;
  return { clientId: clientId.toLowerCase(), tenantId: tenantId.toLowerCase() };
}

function defaultRunAz(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('az', args, { timeout: 30_000, shell: process.platform === 'win32', windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr || err.message).trim()));
      else resolve(String(stdout));
    });
  });
}

/**
 * An Azure CLI session that lasts the build. After azure/login with OIDC the CLI cannot renew its tokens once
 * the GitHub ID token it was given has expired (AADSTS700024, about an hour in; Azure/login#180, #372,
 * Azure/azure-cli#28708). When the CLI fails, the job can mint ID tokens and `az account show` names a service
 * principal, this signs in as that principal with our own refreshing assertion instead (and says so). Otherwise a
 * session that stopped working is a CliSessionLostError naming the fix.
 */
export class LastingCliCredential implements TokenCredential {
  private replacement: Promise<TokenCredential | undefined> | undefined;
  private switched: TokenCredential | undefined;
  private worked = false;

  constructor(
    private readonly cli: TokenCredential,
    private readonly auth: AuthSettings,
    private readonly deps: CredentialDeps,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    if (this.switched) return this.switched.getToken(scopes, options);
    let cliError: unknown;
    try {
      const token = await this.cli.getToken(scopes, options);
      this.worked = true;
      return token;
    } catch (err) {
      cliError = err;
    }
    this.replacement ??= this.findReplacement();
    const replacement = await this.replacement;
    if (replacement) {
      this.switched = replacement;
      return replacement.getToken(scopes, options);
    }
    const text = cliError instanceof Error ? cliError.message : String(cliError);
    if (this.worked || /AADSTS700024|expired/i.test(text))
      throw new CliSessionLostError(sessionLostMessage(text, canMintIdTokens(this.deps.env)));
    throw cliError;
  }

  private async findReplacement(): Promise<TokenCredential | undefined> {
    if (!canMintIdTokens(this.deps.env)) return undefined;
    let principal: { clientId: string; tenantId: string } | undefined;
    try {
      principal = servicePrincipalOf(await (this.deps.runAz ?? defaultRunAz)(['account', 'show', '--output', 'json']));
    } catch {
      return undefined;
    }
    if (!principal) return undefined;
    this.deps.info(
      `The Azure CLI session stopped giving tokens (a session made by azure/login with OIDC cannot renew itself after an hour). ` +
        `Signing in as its service principal ${principal.clientId} (tenant ${principal.tenantId}) with the action's own GitHub OIDC ` +
        `token (audience ${this.auth.audience}), renewed as needed.`,
    );
    return oidcCredential(this.auth, principal.clientId, principal.tenantId, this.deps);
  }
}

function sessionLostMessage(cliError: string, canMint: boolean): string {
  const first =
    cliError
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? cliError;
  return (
    `The Azure CLI session (auth-type: azure-cli) can no longer get tokens: ${first} ` +
    'A session that azure/login made with OIDC cannot renew itself once the GitHub ID token it was given has expired ' +
    '(AADSTS700024, about an hour after the login), so long builds outlive it. ' +
    (canMint
      ? "The action could not take over: 'az account show' does not name a service principal. "
      : 'The action could take over with its own OIDC sign-in, but this job cannot mint GitHub ID tokens. ') +
    "Fix: add 'permissions: id-token: write' to the job, and either keep auth-type: azure-cli after azure/login with OIDC " +
    '(the action then signs in as the same service principal when the session dies) or set client-id and tenant-id ' +
    '(auth-type: auto or oidc) so the action signs in itself from the start.'
  );
}
