// Azure Resource Manager: Microsoft.VirtualMachineImages image templates (api-version 2025-10-01),
// their long-running operations, and the two Microsoft.Storage calls used to find and read build logs.
import { issueSecret } from '../secrets.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../server.ts';
import { armError, armUtc, azTime, guid, verifyJwt, decodeJwt } from './common.ts';
import type { FaultSet, TokenBucket } from './faults.ts';
import type { Operation, SimTemplate } from './templates.ts';
import type { ExtraRead } from './authorization.ts';
import { CONFLICT_MESSAGE, deploymentsHandler } from './deployments.ts';

export const IMAGEBUILDER_API_VERSION = '2025-10-01';

export interface ArmWorld {
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  objectId: string;
  secret: Buffer;
  origin(): string;
  templates: SimTemplate[];
  operations: Map<string, Operation>;
  extraResourceGroups: Set<string>;
  faults: FaultSet;
  /** Token audiences ARM accepts besides the public cloud's (a sovereign cloud's ARM, for its tests). */
  extraArmAudiences: string[];
  throttle?: TokenBucket;
  /** Seconds in the Retry-After of 202 answers (default 1). */
  lroRetryAfterSec: number;
  /** Simulated durations of template create and delete. */
  createMs: number;
  deleteMs: number;
  newOperation(kind: Operation['kind'], t: SimTemplate): Operation;
  addTemplateFromPut(rg: string, name: string, location: string): SimTemplate;
  /** Reads of other providers (Network, ManagedIdentity, Authorization, staging groups): see authorization.ts. */
  extraReads?: (method: string, path: string, query: URLSearchParams) => ExtraRead | undefined;
}

const ARM_AUDIENCES = [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
];

function wwwAuthenticate(tenantId: string, description: string): string {
  return `Bearer authorization_uri="https://login.windows.net/${tenantId}", error="invalid_token", error_description="${description}"`;
}

function rateKind(method: string): 'reads' | 'writes' | 'deletes' {
  return method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';
}

export function armHandler(w: ArmWorld) {
  const deployments = deploymentsHandler(w);
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    if (await w.faults.apply('arm', req, res)) return;
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname.replace(/\/+$/, '');
    const requestId = guid();
    const common: Record<string, string> = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': (req.headers['x-ms-correlation-request-id'] as string | undefined) ?? guid(),
      'x-ms-routing-request-id': `EASTUS:${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z:${requestId}`,
      'cache-control': 'no-cache',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    };
    for (const [k, v] of Object.entries(common)) res.setHeader(k, v);

    // --- authentication ---
    const auth = req.headers.authorization;
    if (!auth) {
      return armError(res, 401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
        'www-authenticate': wwwAuthenticate(w.tenantId, "The authentication failed because of missing 'Authorization' header."),
      });
    }
    const m = /^Bearer (.+)$/i.exec(auth);
    if (!m?.[1]) {
      return armError(
        res,
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        {
          'www-authenticate': wwwAuthenticate(w.tenantId, "The authentication failed because of an invalid 'Authorization' header format."),
        },
      );
    }
    const claims = verifyJwt(m[1], w.secret);
    if (!claims) {
      const unverified = decodeJwt(m[1]);
      return armError(
        res,
        401,
        unverified ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
        unverified ? 'The access token is invalid.' : 'Authentication failed.',
        {
          'www-authenticate': wwwAuthenticate(w.tenantId, 'The access token is invalid.'),
        },
      );
    }
    const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
    if (Date.now() >= exp) {
      return armError(
        res,
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${armUtc(exp)}' is earlier than current UTC time '${armUtc(Date.now())}'.`,
        {
          'www-authenticate': wwwAuthenticate(w.tenantId, 'The access token expiry UTC time is earlier than current UTC time.'),
        },
      );
    }
    const aud = String(claims.aud ?? '');
    const audiences = [...ARM_AUDIENCES, ...w.extraArmAudiences];
    if (!audiences.includes(aud)) {
      return armError(
        res,
        401,
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${audiences.map((a) => `'${a}'`).join(',')}.`,
        {
          'www-authenticate': wwwAuthenticate(w.tenantId, 'The access token has been obtained for wrong audience or resource.'),
        },
      );
    }
    if (String(claims.tid ?? '').toLowerCase() !== w.tenantId.toLowerCase()) {
      return armError(
        res,
        401,
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer '${String(claims.iss ?? '')}'. It must match the tenant 'https://sts.windows.net/${w.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${w.tenantId}' to get the token.`,
        {
          'www-authenticate': wwwAuthenticate(w.tenantId, 'The access token is from the wrong issuer.'),
        },
      );
    }

    // --- api-version ---
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      return armError(
        res,
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }

    // --- throttling ---
    const kind = rateKind(method);
    const sub = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1] ?? '';
    if (w.throttle) {
      const t = w.throttle.take(sub.toLowerCase());
      if (!t.ok) {
        const headers: Record<string, string> = { [`x-ms-ratelimit-remaining-subscription-${kind}`]: '0' };
        if (w.throttle.sendRetryAfter()) headers['retry-after'] = String(t.retryAfterSec);
        return armError(
          res,
          429,
          'TooManyRequests',
          `Number of '${kind.slice(0, -1)}' requests for subscription '${sub}' actor '${w.objectId}' exceeded. Please try again after '${t.retryAfterSec}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
          headers,
        );
      }
      res.setHeader(`x-ms-ratelimit-remaining-subscription-${kind}`, String(t.remaining));
    } else {
      res.setHeader(`x-ms-ratelimit-remaining-subscription-${kind}`, kind === 'reads' ? '11999' : kind === 'deletes' ? '14999' : '1199');
    }

    // --- routing ---
    if (!sub) return armError(res, 404, 'NotFound', `The requested resource path '${url.pathname}' was not found.`);
    if (sub.toLowerCase() !== w.subscriptionId.toLowerCase()) {
      return armError(res, 404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    }
    const S = `/subscriptions/${w.subscriptionId}`;
    const forbid = (action: string, scope: string): void =>
      armError(
        res,
        403,
        'AuthorizationFailed',
        `The client '${w.clientId}' with object id '${w.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    const asyncHeaders = (op: Operation, t: SimTemplate, withRetry = true): Record<string, string> => {
      const opUrl = `${w.origin()}${S}/providers/Microsoft.VirtualMachineImages/locations/${t.location}/operations/${op.id}?api-version=${apiVersion}`;
      const h: Record<string, string> = { 'azure-asyncoperation': opUrl, location: opUrl };
      if (withRetry) h['retry-after'] = String(w.lroRetryAfterSec);
      return h;
    };

    const extra = w.extraReads?.(method, path, url.searchParams);
    if (extra)
      return 'forbidden' in extra ? forbid(extra.forbidden.action, extra.forbidden.scope) : sendJson(res, extra.status, extra.body);

    // operation status
    let r = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.VirtualMachineImages\/locations\/([^/]+)\/operations\/([^/]+)$/i.exec(path);
    if (r && method === 'GET') {
      const op = w.operations.get((r[2] ?? '').toLowerCase());
      if (!op) return armError(res, 404, 'ResourceNotFound', `The operation '${r[2] ?? ''}' was not found.`);
      if (op.template.forbidden.includes('Microsoft.VirtualMachineImages/locations/operations/read')) {
        return forbid(
          'Microsoft.VirtualMachineImages/locations/operations/read',
          `${S}/providers/Microsoft.VirtualMachineImages/locations/${r[1] ?? ''}/operations/${r[2] ?? ''}`,
        );
      }
      const out: Record<string, unknown> = { name: op.id.toUpperCase(), status: op.status, startTime: azTime(op.startTime) };
      if (op.endTime !== undefined) out.endTime = azTime(op.endTime);
      if (op.error) out.error = op.error;
      return sendJson(res, 200, out);
    }

    r = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)(\/.*)?$/i.exec(path);
    if (!r) return armError(res, 404, 'NotFound', `The requested resource path '${url.pathname}' was not found.`);
    const rgName = r[1] ?? '';
    const rest = r[2] ?? '';
    // A staging group lives as long as its template: deleting the template deletes it.
    const rgKnown =
      w.templates.some(
        (t) =>
          t.resourceGroup.toLowerCase() === rgName.toLowerCase() ||
          (t.exists() && t.stagingResourceGroupName.toLowerCase() === rgName.toLowerCase()),
      ) || [...w.extraResourceGroups].some((g) => g.toLowerCase() === rgName.toLowerCase());
    if (!rgKnown) return armError(res, 404, 'ResourceGroupNotFound', `Resource group '${rgName}' could not be found.`);
    const rgScope = `${S}/resourceGroups/${rgName}`;

    if (rest === '' && method === 'GET') {
      return sendJson(res, 200, {
        id: rgScope,
        name: rgName,
        type: 'Microsoft.Resources/resourceGroups',
        location: 'eastus',
        properties: { provisioningState: 'Succeeded' },
      });
    }

    if (deployments(req, res, body, rgName, rest, apiVersion)) return;

    // Microsoft.Storage
    r = /^\/providers\/Microsoft\.Storage\/storageAccounts(?:\/([^/]+)(\/listKeys)?)?$/i.exec(rest);
    if (r) {
      const staging = w.templates.filter((t) => t.exists() && t.stagingResourceGroupName.toLowerCase() === rgName.toLowerCase());
      const forbidden = staging.flatMap((t) => t.forbidden);
      if (!r[1] && method === 'GET') {
        if (forbidden.includes('Microsoft.Storage/storageAccounts/read')) return forbid('Microsoft.Storage/storageAccounts/read', rgScope);
        const accounts = [...new Map(staging.filter((t) => t.accountListed()).map((t) => [t.storageAccount, t])).values()];
        const others = staging
          .flatMap((t) => t.extraAccounts)
          .map((a) => ({
            id: `${rgScope}/providers/Microsoft.Storage/storageAccounts/${a.name}`,
            kind: 'StorageV2',
            location: staging[0]?.location ?? 'eastus',
            name: a.name,
            properties: {
              creationTime: azTime(Date.now() - 7200_000),
              primaryEndpoints: { blob: a.blobEndpoint },
              provisioningState: 'Succeeded',
              statusOfPrimary: 'available',
              supportsHttpsTrafficOnly: true,
              minimumTlsVersion: 'TLS1_2',
            },
            sku: { name: 'Standard_LRS', tier: 'Standard' },
            ...(a.tags ? { tags: a.tags } : {}),
            type: 'Microsoft.Storage/storageAccounts',
          }));
        return sendJson(res, 200, {
          value: [
            ...others,
            ...accounts.map((t) => ({
              id: `${rgScope}/providers/Microsoft.Storage/storageAccounts/${t.storageAccount}`,
              kind: 'StorageV2',
              location: t.location,
              name: t.storageAccount,
              properties: {
                creationTime: azTime(Date.now() - 3600_000),
                primaryEndpoints: { blob: t.blobEndpoint },
                primaryLocation: t.location,
                provisioningState: 'Succeeded',
                statusOfPrimary: 'available',
                supportsHttpsTrafficOnly: true,
                allowSharedKeyAccess: t.scenario.access?.sharedKey !== 'deny',
                minimumTlsVersion: 'TLS1_2',
              },
              sku: { name: 'Standard_LRS', tier: 'Standard' },
              tags: { createdby: 'AzureVMImageBuilder' },
              type: 'Microsoft.Storage/storageAccounts',
            })),
          ],
        });
      }
      const acct = staging.find((t) => t.storageAccount.toLowerCase() === (r?.[1] ?? '').toLowerCase());
      const acctScope = `${rgScope}/providers/Microsoft.Storage/storageAccounts/${r[1] ?? ''}`;
      if (!acct) {
        return armError(
          res,
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.Storage/storageAccounts/${r[1] ?? ''}' under resource group '${rgName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        );
      }
      if (r[2] && method === 'POST') {
        if (forbidden.includes('Microsoft.Storage/storageAccounts/listKeys/action'))
          return forbid('Microsoft.Storage/storageAccounts/listKeys/action', acctScope);
        return sendJson(res, 200, {
          keys: [
            { creationTime: azTime(Date.now() - 3600_000), keyName: 'key1', permissions: 'FULL', value: acct.storageKey },
            {
              creationTime: azTime(Date.now() - 3600_000),
              keyName: 'key2',
              permissions: 'FULL',
              value: issueSecret(Buffer.from(guid() + guid()).toString('base64')),
            },
          ],
        });
      }
      return armError(res, 405, 'MethodNotAllowed', `The requested method '${method}' is not allowed.`);
    }

    // Microsoft.VirtualMachineImages/imageTemplates
    if (/^\/providers\/Microsoft\.VirtualMachineImages\/imageTemplates$/i.test(rest) && method === 'GET') {
      const value = w.templates
        .filter((t) => t.exists() && t.resourceGroup.toLowerCase() === rgName.toLowerCase())
        .map((t) => t.resource());
      return sendJson(res, 200, { value });
    }
    r = /^\/providers\/Microsoft\.VirtualMachineImages\/imageTemplates\/([^/]+)(?:\/(run|cancel|runOutputs)(?:\/([^/]+))?)?$/i.exec(rest);
    if (!r) return armError(res, 404, 'NotFound', `The requested resource path '${url.pathname}' was not found.`);
    const name = r[1] ?? '';
    const sub2 = (r[2] ?? '').toLowerCase();
    const roName = r[3];
    if (apiVersion !== IMAGEBUILDER_API_VERSION && !/^20\d\d-\d\d-\d\d(-preview)?$/.test(apiVersion)) {
      return armError(
        res,
        400,
        'InvalidApiVersionParameter',
        `The api-version '${apiVersion}' is invalid. The supported versions are '${IMAGEBUILDER_API_VERSION}'.`,
      );
    }
    let t = w.templates.find((x) => x.resourceGroup.toLowerCase() === rgName.toLowerCase() && x.name.toLowerCase() === name.toLowerCase());
    // A cloud whose resource provider does not have our api-version yet. The body's form is ARM's, as seen in
    // public reports (Azure/migAz#246, MicrosoftDocs/azure-docs#62621, Azure/azure-cli#4914).
    const supported = t?.scenario.apiVersions;
    if (t && supported && !supported.includes(apiVersion)) {
      return armError(
        res,
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location '${t.location}' and API version '${apiVersion}' for type 'imageTemplates'. ` +
          `The supported api-versions are '${supported.join(', ')}'. The supported locations are '${t.location}'.`,
      );
    }
    const tScope = `${rgScope}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}`;
    const notFound = (): void =>
      armError(
        res,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.VirtualMachineImages/imageTemplates/${name}' under resource group '${rgName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    const denied = (action: string): boolean => {
      if (t?.forbidden.includes(action)) {
        forbid(action, tScope);
        return true;
      }
      return false;
    };

    if (sub2 === '' && method === 'PUT') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/write')) return;
      let given: Record<string, unknown>;
      try {
        given = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return armError(res, 400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
      if (!given.location || !given.properties) {
        return armError(
          res,
          400,
          'InvalidRequestContent',
          "The request content was invalid: required properties 'location' and 'properties' are missing.",
        );
      }
      if (!t) t = w.addTemplateFromPut(rgName, name, String(given.location));
      if (t.provisioningState === 'Deleting') return armError(res, 409, 'Conflict', `Image template '${name}' is being deleted.`);
      const outcome = t.create(given);
      if (outcome === 'conflict') {
        return armError(res, 409, 'Conflict', CONFLICT_MESSAGE);
      }
      if (outcome === 'same') return sendJson(res, 200, t.resource());
      const op = w.newOperation('create', t);
      const created = t;
      setTimeout(() => {
        created.markCreated();
        op.status = 'Succeeded';
        op.endTime = Date.now();
      }, w.createMs);
      return sendJson(res, 201, t.resource(), asyncHeaders(op, t, false));
    }

    if (!t || !t.exists()) return notFound();

    if (sub2 === '' && method === 'GET') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/read')) return;
      return sendJson(res, 200, t.resource());
    }
    if (sub2 === '' && method === 'DELETE') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/delete')) return;
      if (t.isRunning()) {
        return armError(
          res,
          409,
          'OperationNotAllowed',
          `Deleting image template '${name}' is not allowed while a build is in progress (runState: ${t.status()?.runState ?? ''}). Cancel the build and wait for it to stop before deleting the template.`,
        );
      }
      const op = w.newOperation('delete', t);
      const deleting = t;
      deleting.markDeleting();
      setTimeout(() => {
        deleting.markDeleted();
        op.status = 'Succeeded';
        op.endTime = Date.now();
      }, w.deleteMs);
      res.setHeader('content-length', '0');
      res.writeHead(202, asyncHeaders(op, t));
      res.end();
      return;
    }
    if (sub2 === 'run' && method === 'POST') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/run/action')) return;
      if (t.provisioningState !== 'Succeeded')
        return armError(
          res,
          409,
          'Conflict',
          `Image template '${name}' is in provisioning state '${t.provisioningState}' and cannot be run.`,
        );
      // Refused with OperationNotAllowed while a run is going or being canceled; the HTTP status is not documented
      // (https://github.com/danielsollondon/azvmimagebuilder/issues/79 shows the code and message for cancel and delete).
      const refused = t;
      const refuse = (): void =>
        armError(
          res,
          refused.scenario.refusalStatus ?? 409,
          'OperationNotAllowed',
          `Operation Microsoft.VirtualMachineImages/imageTemplates/run/action is not allowed in provisioning state: provisioned or run state: ${(refused.status()?.runState ?? '').toLowerCase()}.`,
        );
      if (t.scenario.runRace && !t.raced) {
        t.raced = true;
        t.startRun(w.newOperation('run', t));
        return armError(
          res,
          t.scenario.runRace.status ?? 409,
          'OperationNotAllowed',
          `Operation Microsoft.VirtualMachineImages/imageTemplates/run/action is not allowed in provisioning state: provisioned or run state: running.`,
        );
      }
      if (t.isRunning()) return refuse();
      const op = w.newOperation('run', t);
      const unseen = t.scenario.runFailsUnseen;
      if (unseen) {
        setTimeout(() => {
          op.status = 'Failed';
          op.endTime = Date.now();
          op.error = { code: unseen.code, message: unseen.message };
        }, unseen.afterMs).unref();
      } else {
        t.startRun(op);
      }
      res.setHeader('content-length', '0');
      res.writeHead(202, asyncHeaders(op, t));
      res.end();
      return;
    }
    if (sub2 === 'cancel' && method === 'POST') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/cancel/action')) return;
      if (!t.isRunning()) {
        return armError(
          res,
          409,
          'Conflict',
          `No build of image template '${name}' is in progress: there is nothing to cancel (last runState: ${t.status()?.runState ?? 'none'}).`,
        );
      }
      const op = w.newOperation('cancel', t);
      if (t.requestCancel(op) === 'conflict') {
        return armError(
          res,
          t.scenario.refusalStatus ?? 409,
          'OperationNotAllowed',
          'Operation Microsoft.VirtualMachineImages/imageTemplates/cancel/action is not allowed in provisioning state: provisioned or run state: canceling.',
        );
      }
      res.setHeader('content-length', '0');
      res.writeHead(202, asyncHeaders(op, t));
      res.end();
      return;
    }
    if (sub2 === 'runoutputs' && method === 'GET') {
      if (denied('Microsoft.VirtualMachineImages/imageTemplates/runOutputs/read')) return;
      const owner = t;
      const mk = (o: ReturnType<SimTemplate['runOutputs']>[number]): Record<string, unknown> => ({
        name: o.name,
        type: 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs',
        id: `${S}/resourcegroups/${owner.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${owner.name}/runOutputs/${o.name}`,
        properties: {
          ...(o.artifactId !== undefined ? { artifactId: o.artifactId } : {}),
          ...(o.artifactUri !== undefined ? { artifactUri: o.artifactUri } : {}),
          provisioningState: o.provisioningState,
        },
      });
      if (roName === undefined) return sendJson(res, 200, { value: t.runOutputs().map(mk) });
      const o = t.runOutputs().find((x) => x.name.toLowerCase() === roName.toLowerCase());
      if (!o) {
        return armError(
          res,
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.VirtualMachineImages/imageTemplates/${name}/runOutputs/${roName}' under resource group '${rgName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        );
      }
      return sendJson(res, 200, mk(o));
    }
    return armError(res, 405, 'MethodNotAllowed', `The requested method '${method}' is not allowed on '${url.pathname}'.`);
  };
}
