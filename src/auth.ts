/**
 * Credential selection: OIDC (GitHub ID token exchanged with Entra, refreshed as needed), an Azure CLI session
 * (switching to our own OIDC sign-in when the session dies and the job can mint ID tokens), or a managed identity.
 */
import { execFile } from 'node:child_process';
import type { AccessToken, GetTokenOptions } from '@azure/core-auth';
import { AzureCliCredential, ClientAssertionCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { canMintIdTokens, createAssertionProvider, oidcSetup, type AssertionDeps } from './oidc.js';
import type { AuthSettings } from './settings.js';

export {
  AuthSetupError,
  canMintIdTokens,
  createAssertionProvider,
  decodeJwtClaims,
  refreshMarginMs,
  type AssertionDeps,
  type TokenClaims,
} from './oidc.js';

export interface CredentialDeps extends AssertionDeps {
  env: NodeJS.ProcessEnv;
  /** Runs `az` with these arguments and resolves with its stdout (default: the az on PATH). */
  runAz?: (args: string[]) => Promise<string>;
}

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
  const { clientId, tenantId } = oidcSetup(auth, deps.env);
  return oidcCredential(auth, clientId, tenantId, deps);
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
