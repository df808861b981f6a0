// Entra ID: OpenID discovery and the v2.0 token endpoint for client_credentials with a federated
// client assertion (a GitHub OIDC JWT; its signature is not checked). Access tokens are HS256 JWTs.
import { recordSecret } from '../secrets.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../server.ts';
import { decodeJwt, guid, signJwt } from './common.ts';

export interface EntraConfig {
  tenantId: string;
  clientId: string;
  objectId: string;
  secret: Buffer;
  accessTokenLifetimeSec: number;
  federatedSubject?: string;
  /** Audiences of the app's federated credentials (an app can have several, e.g. one per cloud it is used from). */
  federatedAudiences: string[];
  federatedIssuer?: string;
}

function aadTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function aadIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function aadError(res: ServerResponse, status: number, error: string, code: number, text: string): void {
  const now = Date.now();
  const traceId = guid();
  const correlationId = guid();
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${aadTime(now)}`,
    error_codes: [code],
    timestamp: aadTime(now),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function unknownTenant(res: ServerResponse, tenant: string): void {
  aadError(
    res,
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
      'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
  );
}

export function entraHandler(cfg: EntraConfig) {
  return (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? '/', 'https://x');
    const host = req.headers.host ?? '127.0.0.1';
    const segs = url.pathname.split('/').filter(Boolean);
    const tenant = segs[0] ?? '';
    const rest = segs.slice(1).join('/');
    const knownTenant = tenant.toLowerCase() === cfg.tenantId.toLowerCase();

    if (req.method === 'GET' && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
      if (!knownTenant) return unknownTenant(res, tenant);
      const base = `https://${host}/${cfg.tenantId}`;
      sendJson(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `https://${host}/${cfg.tenantId}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `https://${host}/${cfg.tenantId}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `https://${host}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      });
      return;
    }

    if (req.method === 'POST' && rest === 'oauth2/v2.0/token') {
      if (!knownTenant) return unknownTenant(res, tenant);
      const form = new URLSearchParams(body.toString('utf8'));
      const grant = form.get('grant_type');
      if (grant !== 'client_credentials') {
        return aadError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
      }
      const clientId = form.get('client_id') ?? '';
      if (clientId.toLowerCase() !== cfg.clientId.toLowerCase()) {
        return aadError(
          res,
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${cfg.tenantId}'. This can happen if the application ` +
            'has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your ' +
            'authentication request to the wrong tenant.',
        );
      }
      const assertionType = form.get('client_assertion_type');
      const assertion = form.get('client_assertion');
      if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !assertion) {
        return aadError(
          res,
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      }
      const claims = decodeJwt(assertion);
      if (!claims) {
        return aadError(res, 400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
      }
      const now = Date.now();
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
      const nbf = typeof claims.nbf === 'number' ? claims.nbf * 1000 : 0;
      if (now >= exp || now + 300_000 < nbf) {
        return aadError(
          res,
          400,
          'invalid_client',
          700024,
          `Client assertion is not within its valid time range. Current time: ${aadIso(now)}, assertion valid from ${aadIso(nbf)}, ` +
            `expiry time of assertion ${aadIso(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
        );
      }
      const iss = String(claims.iss ?? '');
      if (cfg.federatedIssuer !== undefined && iss !== cfg.federatedIssuer) {
        return aadError(
          res,
          400,
          'invalid_client',
          700211,
          `No matching federated identity record found for presented assertion issuer '${iss}'. ` +
            'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation',
        );
      }
      const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? '')];
      if (!auds.some((a) => cfg.federatedAudiences.includes(a))) {
        return aadError(
          res,
          400,
          'invalid_client',
          700212,
          `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. ` +
            'Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation',
        );
      }
      const sub = String(claims.sub ?? '');
      if (cfg.federatedSubject !== undefined && sub !== cfg.federatedSubject) {
        return aadError(
          res,
          400,
          'invalid_client',
          700213,
          `No matching federated identity record found for presented assertion subject '${sub}'. ` +
            'Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation',
        );
      }
      const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s.endsWith('/.default'));
      const scope = scopes[0];
      if (!scope) {
        return aadError(
          res,
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      const resource = scope.slice(0, -'/.default'.length).replace(/\/$/, '');
      const iat = Math.floor(now / 1000);
      const lifetime = cfg.accessTokenLifetimeSec;
      const token = signJwt(
        {
          aud: resource,
          iss: `https://sts.windows.net/${cfg.tenantId}/`,
          iat,
          nbf: iat - 5,
          exp: iat + lifetime,
          aio: guid(),
          appid: cfg.clientId,
          appidacr: '2',
          idp: `https://sts.windows.net/${cfg.tenantId}/`,
          idtyp: 'app',
          oid: cfg.objectId,
          sub: cfg.objectId,
          tid: cfg.tenantId,
          uti: guid(),
          ver: '1.0',
          xms_fic_sub: sub,
        },
        cfg.secret,
      );
      recordSecret(token);
      sendJson(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
      return;
    }

    sendJson(res, 404, {
      error: 'invalid_request',
      error_description: `AADSTS900561: The endpoint only accepts POST requests. Path: ${url.pathname}`,
    });
  };
}
