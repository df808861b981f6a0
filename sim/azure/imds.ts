// The Azure Instance Metadata Service's managed identity token endpoint, as an Azure VM serves it on
// http://169.254.169.254: GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=<resource>
// [&client_id=<user-assigned identity>] with the header `Metadata: true`.
// Wire format from Microsoft Learn, "How to use managed identities for Azure resources on an Azure VM to acquire an
// access token" (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token):
// 200 {access_token, client_id, expires_in, expires_on, ext_expires_in, not_before, resource, token_type} with the
// numbers as strings; 400 {"error":"invalid_request","error_description":"Required metadata header not specified"}
// without the header, 400 {"error":"invalid_request","error_description":"Identity not found"} for an identity the VM
// does not have. @azure/identity (through MSAL's Imds source) sends exactly this request, to the host named by
// AZURE_POD_IDENTITY_AUTHORITY_HOST when that is set (msal-node dist/client/ManagedIdentitySources/Imds.mjs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../server.ts';
import { signJwt } from './common.ts';

export interface ManagedIdentity {
  clientId: string;
  /** Object (principal) ID: the token's oid. */
  principalId: string;
}

export interface ImdsConfig {
  tenantId: string;
  secret: Buffer;
  accessTokenLifetimeSec: number;
  /** The VM's system-assigned identity; absent: the VM has none. */
  systemAssigned?: ManagedIdentity;
  /** User-assigned identities attached to the VM. */
  userAssigned: ManagedIdentity[];
}

const TOKEN_PATH = '/metadata/identity/oauth2/token';

export function imdsHandler(cfg: ImdsConfig) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://169.254.169.254');
    // MSAL sends the path with a trailing slash (`.../oauth2/token/?api-version=...`).
    if (url.pathname.replace(/\/+$/, '') !== TOKEN_PATH)
      return sendJson(res, 404, { error: 'not_found', error_description: 'The requested path was not found.' });
    if (String(req.headers.metadata ?? '').toLowerCase() !== 'true') {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    }
    const resource = url.searchParams.get('resource');
    if (!resource) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Required audience parameter not specified' });
    const clientId = url.searchParams.get('client_id');
    const identity = clientId
      ? cfg.userAssigned.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase())
      : (cfg.systemAssigned ?? (cfg.userAssigned.length === 1 ? cfg.userAssigned[0] : undefined));
    if (!identity) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
    const now = Math.floor(Date.now() / 1000);
    const exp = now + cfg.accessTokenLifetimeSec;
    const aud = resource.replace(/\/+$/, '');
    const token = signJwt(
      {
        aud,
        iss: `https://sts.windows.net/${cfg.tenantId}/`,
        iat: now,
        nbf: now - 5,
        exp,
        appid: identity.clientId,
        appidacr: '2',
        idp: `https://sts.windows.net/${cfg.tenantId}/`,
        idtyp: 'app',
        oid: identity.principalId,
        sub: identity.principalId,
        tid: cfg.tenantId,
        ver: '1.0',
        xms_mirid: `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/runners/providers/Microsoft.Compute/virtualMachines/runner-vm`,
      },
      cfg.secret,
    );
    sendJson(res, 200, {
      access_token: token,
      client_id: identity.clientId,
      expires_in: String(cfg.accessTokenLifetimeSec),
      expires_on: String(exp),
      ext_expires_in: String(cfg.accessTokenLifetimeSec),
      not_before: String(now - 5),
      resource,
      token_type: 'Bearer',
    });
  };
}
