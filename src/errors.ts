/** Turns Azure errors into messages that say what to do. */

/** Where a request was aimed, to name it in messages. */
export interface ErrorContext {
  subscriptionId: string;
  resourceGroup: string;
  templateName: string;
  /** The `sub` claim of the GitHub OIDC token, when known (for subject-mismatch hints). */
  oidcSubject?: string;
}

/** The actions a principal needs to run a template and follow it. */
export const REQUIRED_ACTIONS = [
  'Microsoft.VirtualMachineImages/imageTemplates/read',
  'Microsoft.VirtualMachineImages/imageTemplates/run/action',
  'Microsoft.VirtualMachineImages/imageTemplates/cancel/action',
  'Microsoft.VirtualMachineImages/imageTemplates/runOutputs/read',
  'Microsoft.VirtualMachineImages/locations/operations/read',
] as const;

/** Status code and service error code of an Azure SDK error (RestError, AuthenticationError, ...) or anything alike. */
export function errorInfo(err: unknown): { status?: number; code?: string; message: string } {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { errorCode?: unknown } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  // Storage puts its error code in details.errorCode; ARM and Entra errors carry it in code.
  const detailCode = typeof e?.details?.errorCode === 'string' ? e.details.errorCode : undefined;
  const code = detailCode ?? (typeof e?.code === 'string' ? e.code : undefined);
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { status, code, message };
}

/** The AADSTS code in an Entra error message, e.g. `700213`. */
export function aadstsCode(message: string): string | undefined {
  return /AADSTS(\d+)/.exec(message)?.[1];
}

function expectedSubjects(): string {
  const repo = process.env.GITHUB_REPOSITORY ?? '<owner>/<repo>';
  return [
    `repo:${repo}:ref:refs/heads/<branch>`,
    `repo:${repo}:environment:<environment>`,
    `repo:${repo}:pull_request`,
    `repo:${repo}:ref:refs/tags/<tag>`,
  ].join(', ');
}

/**
 * The issuer of this server's GitHub Actions OIDC tokens: github.com's, or on GitHub Enterprise Server
 * `https://HOSTNAME/_services/token` (docs.github.com, enterprise-server OIDC reference, claim `iss`).
 * Undefined for GHE.com (data residency), whose issuer form we have not confirmed.
 */
export function oidcIssuer(serverUrl = process.env.GITHUB_SERVER_URL): string | undefined {
  const github = 'https://token.actions.githubusercontent.com';
  if (!serverUrl) return github;
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return github;
  }
  const host = url.hostname.toLowerCase();
  if (host === 'github.com') return github;
  if (host.endsWith('.ghe.com')) return undefined;
  return `${url.origin}/_services/token`;
}

/** A hint for an Entra ID (AADSTS) error, or undefined when the code is not one we know. */
export function entraHint(message: string, oidcSubject?: string): string | undefined {
  const code = aadstsCode(message);
  switch (code) {
    case '700024':
      return 'The GitHub OIDC token (client assertion) had expired or was not yet valid. The action mints a fresh one for each sign-in; check the runner clock, and do not pass a stored token.';
    case '700213':
    case '70021':
      return (
        `No federated credential of the app matches this workflow: its subject, issuer (${oidcIssuer() ?? "the token's iss, printed above"}) and audience must equal the token's. ` +
        (oidcSubject ? `This token's subject is '${oidcSubject}'. ` : '') +
        `Expected subject forms: ${expectedSubjects()}.`
      );
    case '700016':
      return 'Entra does not know this client ID in this tenant: check client-id and tenant-id (the app registration or user-assigned identity must live in that tenant).';
    case '90002':
      return 'Entra does not know this tenant: check tenant-id, and environment / authority-host for sovereign clouds.';
    case '7000215':
      return 'The client secret is invalid; this action signs in with OIDC and needs no secret.';
    case '700212':
      return (
        "No federated credential of the app has this token's audience. The audience input must equal the federated credential's: " +
        'by default it follows environment (api://AzureADTokenExchange in AzureCloud, api://AzureADTokenExchangeUSGov in ' +
        'AzureUSGovernment, api://AzureADTokenExchangeChina in AzureChinaCloud).'
      );
    case '50034':
    case '700027':
      return "The assertion was rejected: check the audience input matches the federated credential (by default the cloud's: api://AzureADTokenExchange in AzureCloud).";
    default:
      return undefined;
  }
}

/** Parses the action and scope out of an AuthorizationFailed message. */
export function parseAuthorizationFailed(message: string): { action?: string; scope?: string; client?: string } {
  const out: { action?: string; scope?: string; client?: string } = {};
  const action = /perform action '([^']+)'/.exec(message)?.[1];
  const scope = /over scope '([^']+)'/.exec(message)?.[1];
  const client = /client '([^']+)'/.exec(message)?.[1];
  if (action) out.action = action;
  if (scope) out.scope = scope;
  if (client) out.client = client;
  return out;
}

function templateRef(ctx: ErrorContext): string {
  return `image template '${ctx.templateName}' in resource group '${ctx.resourceGroup}' of subscription '${ctx.subscriptionId}'`;
}

/** True when the error came from getting a token (no request reached Azure Resource Manager). */
export function isSignInError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'CredentialUnavailableError' || err.name === 'AuthenticationError' || err.name === 'CliSessionLostError')
  );
}

/** A message for any error met while talking to Azure, with what to do next. */
export function describeAzureError(err: unknown, ctx: ErrorContext): string {
  const e = errorInfo(err);
  // Already says what happened and what to do.
  if (err instanceof Error && err.name === 'CliSessionLostError') return e.message;
  if (err instanceof Error && err.name === 'CredentialUnavailableError' && /ManagedIdentityCredential/.test(e.message)) {
    return (
      `Managed identity sign-in failed (auth-type: managed-identity): ${e.message.split('\n')[0]} ` +
      'This needs a runner on an Azure VM or scale set with a managed identity: the system-assigned one, or the ' +
      'user-assigned one whose client ID is given as client-id (it must be assigned to the VM). ' +
      'A GitHub-hosted runner has none: use OIDC there (client-id and tenant-id, auth-type: auto or oidc).'
    );
  }
  if (err instanceof Error && err.name === 'CredentialUnavailableError' && /az login|Azure CLI/i.test(e.message)) {
    return (
      `No Azure CLI session to sign in with: ${e.message.split('\n')[0]} ` +
      'Run azure/login in an earlier step of this job, or set client-id and tenant-id (inputs, or env AZURE_CLIENT_ID and AZURE_TENANT_ID) ' +
      "to sign in with GitHub OIDC (auth-type: auto picks OIDC when both are set; the job needs 'permissions: id-token: write')."
    );
  }
  const hint = entraHint(e.message, ctx.oidcSubject);
  if (hint !== undefined) {
    return `Sign-in to Entra ID failed: ${e.message.split('\n')[0]}\n${hint}`;
  }
  const code = e.code ?? '';
  if (code === 'SubscriptionNotFound' || (e.status === 404 && /subscription/i.test(code))) {
    return `Subscription '${ctx.subscriptionId}' was not found (${code}): ${e.message} Check subscription-id, and that the signed-in identity has a role in that subscription.`;
  }
  if (code === 'ResourceGroupNotFound') {
    return `Resource group '${ctx.resourceGroup}' was not found in subscription '${ctx.subscriptionId}' (${code}). Check resource-group and subscription-id.`;
  }
  if (e.status === 404 || code === 'ResourceNotFound' || code === 'NotFound') {
    return `The ${templateRef(ctx)} was not found (${code || 'HTTP 404'}). Check template-name, resource-group and subscription-id; the action runs an existing template.`;
  }
  if (e.status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
    const p = parseAuthorizationFailed(e.message);
    const who = p.client ? `The identity '${p.client}'` : 'The signed-in identity';
    const what = p.action ? `is missing the permission '${p.action}'` : 'was refused';
    const where = p.scope ? ` on '${p.scope}'` : ` on the ${templateRef(ctx)}`;
    return (
      `${who} ${what}${where} (${code || 'HTTP 403'}). ` +
      `Give it a role on resource group '${ctx.resourceGroup}' that includes ${REQUIRED_ACTIONS.join(', ')} ` +
      `(a custom role with these actions, or a broader built-in role such as Contributor). Role assignments can take a few minutes to apply.`
    );
  }
  if (e.status === 401) {
    return (
      `Azure Resource Manager refused the access token (${code || 'HTTP 401'}): ${e.message} ` +
      'Check that environment / resource-manager-endpoint match the cloud of the tenant, and that subscription-id belongs to tenant-id.'
    );
  }
  if (e.status !== undefined) {
    return `Azure request failed with HTTP ${e.status}${code ? ` (${code})` : ''}: ${e.message}`;
  }
  return e.message;
}
