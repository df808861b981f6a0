// The Azure half of the loopback simulator: Entra ID, ARM (Image Builder + Storage), and a blob front
// over Azurite, all on https with the simulator's throwaway certificate, so the real SDKs run unmodified.
//
// API (all times are real milliseconds; phases are scaled down: a second stands for minutes):
//
//   startAzureSim(opts: AzureSimOptions): Promise<AzureSim>
//
//   AzureSimOptions {
//     cert: Certificate; journal: Journal; workDir: string;
//     tenantId?, clientId?, subscriptionId?, objectId?: string;          // defaults: the fixed GUIDs below
//     entra?: { accessTokenLifetimeSec?: number (3599); federatedSubject?: string;
//               federatedAudience?: string | string[] ('api://AzureADTokenExchange'); federatedIssuer?: string };
//     armAudiences?: string[];                                            // extra token audiences ARM accepts (sovereign clouds' ARM)
//     managedIdentity?: { systemAssigned?: boolean (true); userAssigned?: number (1) };  // the runner VM's identities (IMDS)
//     throttle?: { capacity: number; refillPerSec: number };             // per-subscription bucket on ARM
//     faults?: Fault[];                                                   // see faults.ts
//     storageAccountPool?: number (8);                                    // accounts Azurite starts with; one per template
//     resourceGroups?: string[];                                          // extra (empty) resource groups that exist
//     lroRetryAfterSec?: number (1);                                      // Retry-After on 202 answers
//     createMs?: number (100); deleteMs?: number (100);                   // template create / delete durations
//   }
//   AzureSim {
//     tenantId, clientId, subscriptionId, objectId: string;
//     armEndpoint, authorityHost, blobFrontOrigin, azuriteOrigin: string; // https://127.0.0.1:PORT, no trailing slash
//     imdsHost: string;                                                   // http://127.0.0.1:PORT: AZURE_POD_IDENTITY_AUTHORITY_HOST for the SDK
//     managedIdentities: { systemAssigned?: ManagedIdentity; userAssigned: ManagedIdentity[] };
//     addTemplate(s: TemplateScenario): TemplateHandle;                   // see templates.ts; any time, many per sim
//                                                                         // (handle.logWrites: each log append with offset, size, time)
//     addFault(f: Fault): FaultState;                                     // FaultState.hits counts matches
//     setThrottle(t?: { capacity; refillPerSec }): void;                  // change the ARM token bucket at run time
//     mintAccessToken(claims?: {...}): string;                            // a token as Entra would issue (tests: expired/wrong aud)
//     blobResponses: ServedBlob[];                                        // blob front answers from Azurite, with body sizes
//     network: NetworkStore;  authorization: AuthorizationStore;          // preflight reads: see network.ts, authorization.ts
//     stop(): Promise<void>;                                              // servers and Azurite (whole process group)
//   }
//
// Journal services: 'entra', 'arm', 'blob' (blob requests keep their Range / x-ms-range headers), 'imds'.
//
// Behaviour notes (where the real service's exact wording was not available, the sim's is "real-looking"):
// - ARM checks in order: faults, Authorization (401 AuthenticationFailed / InvalidAuthenticationToken /
//   ExpiredAuthenticationToken / InvalidAuthenticationTokenAudience, with WWW-Authenticate), api-version (400
//   MissingApiVersionParameter), throttle (429 TooManyRequests + Retry-After), subscription (404
//   SubscriptionNotFound), resource group (404 ResourceGroupNotFound), access.forbiddenActions (403
//   AuthorizationFailed), then the resource (404 ResourceNotFound).
// - 409s: PUT with a different body -> Conflict "Update/Upgrade of image templates is currently not supported...";
//   run while Running/Canceling -> Conflict; cancel with nothing running -> Conflict; DELETE while running ->
//   OperationNotAllowed.
// - Operations: run's completes with the build (Succeeded; Failed + error {InternalOperationError, message} for
//   Failed and PartiallySucceeded; Canceled). cancel's completes when the build reaches Canceled (or, for a build
//   that ignores cancel, when it ends). Template body ids use 'resourcegroups' (lower case) as the service does.
// - Deployments (deployments.ts): PUT/GET .../Microsoft.Resources/deployments/{name} and its operationStatuses; a
//   changed image template fails the deployment with DeploymentFailed > Conflict. A template created by a PUT or a
//   deployment takes the behaviour of a scenario added beforehand with exists: false (else the defaults); deleting
//   it removes its staging group (404 ResourceGroupNotFound afterwards).
// - Each template takes its own staging account from the pool; the log of each run is
//   packerlogs/<guid>/customization.log (append blob), written before the run's final state is published.
import { randomBytes } from 'node:crypto';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startHttpServer, startHttpsServer, type Journal, type RunningServer } from '../server.ts';
import { trustInThisProcess, type Certificate } from '../tls.ts';
import { armHandler, type ArmWorld } from './arm.ts';
import { startAzurite, makeAccounts, type Azurite } from './azurite.ts';
import { blobFrontHandler, type ServedBlob } from './blobfront.ts';
import { guid, signJwt } from './common.ts';
import { issueSecret as recordedSecret } from '../secrets.ts';
import { entraHandler } from './entra.ts';
import { imdsHandler, type ManagedIdentity } from './imds.ts';
import { FaultSet, TokenBucket, type Fault, type FaultState } from './faults.ts';
import { SimTemplate, type Operation, type TemplateHandle, type TemplateScenario } from './templates.ts';
import { NetworkStore } from './network.ts';
import { AuthorizationStore } from './authorization.ts';

export type { Fault, FaultState } from './faults.ts';
export type { ServedBlob } from './blobfront.ts';
export type { NetworkStore, VnetSpec, SubnetSpec, NsgSpec, SecurityRuleSpec } from './network.ts';
export type { AuthorizationStore, RoleDefinitionSpec, ResourceGroupSpec } from './authorization.ts';
export type { ManagedIdentity } from './imds.ts';
export type {
  TemplateScenario,
  TemplateHandle,
  LastRunStatus,
  RunSubState,
  RunState,
  PhaseSpec,
  DistributeSpec,
  RunOutput,
  LogWrite,
} from './templates.ts';

export const DEFAULT_TENANT_ID = '5c3e0f4e-8d7a-4b61-9f0e-2a6b1d9c7e01';
export const DEFAULT_CLIENT_ID = '0b8f3a2c-6e4d-4f1a-8c9b-7d2e5f1a3b02';
export const DEFAULT_SUBSCRIPTION_ID = '9e1d7c4b-3a2f-4e8d-b6c5-1f0a9e8d7c03';
export const DEFAULT_OBJECT_ID = 'd4c3b2a1-9f8e-4d7c-a6b5-4e3d2c1b0a04';

/** The ARM token bucket: capacity, refill per second, and whether 429s carry Retry-After. */
export interface ThrottleOptions {
  capacity: number;
  refillPerSec: number;
  retryAfter?: 'always' | 'never' | 'alternate';
}

export interface AzureSimOptions {
  cert: Certificate;
  journal: Journal;
  workDir: string;
  tenantId?: string;
  clientId?: string;
  subscriptionId?: string;
  /** Object id of the service principal (appears in tokens and AuthorizationFailed messages). */
  objectId?: string;
  entra?: { accessTokenLifetimeSec?: number; federatedSubject?: string; federatedAudience?: string | string[]; federatedIssuer?: string };
  /** Token audiences ARM accepts besides the public cloud's (to run a sovereign cloud's sign-in against it). */
  armAudiences?: string[];
  /** The runner VM's managed identities, served by the IMDS endpoint (default: a system-assigned one and one user-assigned). */
  managedIdentity?: { systemAssigned?: boolean; userAssigned?: number };
  throttle?: ThrottleOptions;
  faults?: Fault[];
  storageAccountPool?: number;
  resourceGroups?: string[];
  lroRetryAfterSec?: number;
  createMs?: number;
  deleteMs?: number;
}

export interface AzureSim {
  tenantId: string;
  clientId: string;
  subscriptionId: string;
  objectId: string;
  armEndpoint: string;
  authorityHost: string;
  blobFrontOrigin: string;
  azuriteOrigin: string;
  /** http://127.0.0.1:PORT of the IMDS endpoint (AZURE_POD_IDENTITY_AUTHORITY_HOST). */
  imdsHost: string;
  managedIdentities: { systemAssigned?: ManagedIdentity; userAssigned: ManagedIdentity[] };
  addTemplate(s: TemplateScenario): TemplateHandle;
  addFault(f: Fault): FaultState;
  /** Replaces (or with undefined removes) the ARM token bucket. */
  setThrottle(t: ThrottleOptions | undefined): void;
  /** 429s the ARM token bucket answered so far (0 without one). */
  throttled(): number;
  mintAccessToken(claims?: { aud?: string; expiresInSec?: number; tid?: string }): string;
  /** Answers the blob front passed through from Azurite, with their body sizes (bytes actually fetched). */
  readonly blobResponses: ServedBlob[];
  /** VNets, subnets and NSGs (Microsoft.Network reads). */
  readonly network: NetworkStore;
  /** Identities, role definitions and assignments, user-made resource groups (ManagedIdentity, Authorization, Resources reads). */
  readonly authorization: AuthorizationStore;
  stop(): Promise<void>;
}

function allowLoopbackPastProxy(): void {
  // The Azure SDK honours HTTPS_PROXY with no loopback exemption; the simulator's own storage client
  // must reach Azurite directly.
  if (!process.env.HTTPS_PROXY && !process.env.https_proxy) return;
  const cur = process.env.NO_PROXY ?? process.env.no_proxy ?? '';
  if (!cur.split(',').includes('127.0.0.1')) process.env.NO_PROXY = [cur, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
}

export async function startAzureSim(opts: AzureSimOptions): Promise<AzureSim> {
  trustInThisProcess(opts.cert);
  allowLoopbackPastProxy();
  const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const subscriptionId = opts.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const objectId = opts.objectId ?? DEFAULT_OBJECT_ID;
  const secret = randomBytes(32);
  const faults = new FaultSet();
  for (const f of opts.faults ?? []) faults.add(f);
  const accounts = makeAccounts(opts.storageAccountPool ?? 8);
  const freeAccounts = [...accounts];
  const templates: SimTemplate[] = [];
  const operations = new Map<string, Operation>();
  const served: ServedBlob[] = [];
  const servers: RunningServer[] = [];
  let azurite: Azurite | undefined;

  try {
    azurite = await startAzurite(opts.cert, opts.workDir, accounts);
    const az = azurite;
    await Promise.all(
      accounts.flatMap((a) =>
        ['packerlogs', 'shell', 'vhds'].map((c) =>
          new ContainerClient(`${az.origin}/${a.name}/${c}`, new StorageSharedKeyCredential(a.name, a.key)).createIfNotExists(),
        ),
      ),
    );

    const entra = await startHttpsServer('entra', opts.cert, opts.journal, async (req, res, body) => {
      if (await faults.apply('entra', req, res)) return;
      entraHandler({
        tenantId,
        clientId,
        objectId,
        secret,
        accessTokenLifetimeSec: opts.entra?.accessTokenLifetimeSec ?? 3599,
        federatedAudiences: [opts.entra?.federatedAudience ?? 'api://AzureADTokenExchange'].flat(),
        ...(opts.entra?.federatedSubject !== undefined ? { federatedSubject: opts.entra.federatedSubject } : {}),
        ...(opts.entra?.federatedIssuer !== undefined ? { federatedIssuer: opts.entra.federatedIssuer } : {}),
      })(req, res, body);
    });
    servers.push(entra);
    const mi = opts.managedIdentity ?? {};
    const managedIdentities = {
      ...(mi.systemAssigned !== false ? { systemAssigned: { clientId: guid(), principalId: guid() } } : {}),
      userAssigned: Array.from({ length: mi.userAssigned ?? 1 }, () => ({ clientId: guid(), principalId: guid() })),
    };
    const imds = await startHttpServer(
      'imds',
      opts.journal,
      imdsHandler({
        tenantId,
        secret,
        accessTokenLifetimeSec: opts.entra?.accessTokenLifetimeSec ?? 3599,
        ...managedIdentities,
      }),
    );
    servers.push(imds);
    let blobOrigin = '';
    const blob = await startHttpsServer(
      'blob',
      opts.cert,
      opts.journal,
      blobFrontHandler({ azuriteOrigin: az.origin, cert: opts.cert, faults, templates, served }, () => blobOrigin),
    );
    blobOrigin = blob.origin;
    servers.push(blob);

    let armOrigin = '';
    const newOperation = (kind: Operation['kind'], t: SimTemplate): Operation => {
      const op: Operation = { id: guid(), kind, status: 'InProgress', startTime: Date.now(), template: t };
      operations.set(op.id.toLowerCase(), op);
      return op;
    };
    const makeTemplate = (s: TemplateScenario): SimTemplate => {
      if (
        templates.some(
          (t) => t.resourceGroup.toLowerCase() === s.resourceGroup.toLowerCase() && t.name.toLowerCase() === s.name.toLowerCase(),
        )
      ) {
        throw new Error(`azure sim: template ${s.resourceGroup}/${s.name} already added`);
      }
      const wanted = 1 + (s.extraStagingAccounts?.length ?? 0);
      if (freeAccounts.length < wanted)
        throw new Error(`azure sim: no free staging storage account (storageAccountPool is ${accounts.length})`);
      const account = freeAccounts.shift();
      if (!account) throw new Error(`azure sim: no free staging storage account (storageAccountPool is ${accounts.length})`);
      const extraAccounts = freeAccounts.splice(0, wanted - 1);
      // The other accounts of the group hold no packerlogs container (removed before the template is used).
      const removals = extraAccounts.map((a) =>
        new ContainerClient(`${az.origin}/${a.name}/packerlogs`, new StorageSharedKeyCredential(a.name, a.key)).deleteIfExists(),
      );
      const t = new SimTemplate(s, {
        subscriptionId,
        blobFrontOrigin: blob.origin,
        azuriteOrigin: az.origin,
        account,
        extraAccounts,
        newOperation,
        ready: Promise.all(removals).then(() => undefined),
      });
      templates.push(t);
      return t;
    };
    const network = new NetworkStore(subscriptionId);
    const authorization = new AuthorizationStore(subscriptionId, tenantId, templates);
    const world: ArmWorld = {
      subscriptionId,
      tenantId,
      clientId,
      objectId,
      secret,
      extraArmAudiences: opts.armAudiences ?? [],
      origin: () => armOrigin,
      templates,
      operations,
      extraResourceGroups: new Set(opts.resourceGroups ?? []),
      faults,
      ...(opts.throttle ? { throttle: new TokenBucket(opts.throttle.capacity, opts.throttle.refillPerSec, opts.throttle.retryAfter) } : {}),
      lroRetryAfterSec: opts.lroRetryAfterSec ?? 1,
      createMs: opts.createMs ?? 100,
      deleteMs: opts.deleteMs ?? 100,
      newOperation,
      addTemplateFromPut: (rg, name, location) => makeTemplate({ resourceGroup: rg, name, location, exists: false }),
      extraReads: (method, path, query) => authorization.handle(method, path, query, network),
    };
    const arm = await startHttpsServer('arm', opts.cert, opts.journal, armHandler(world));
    servers.push(arm);
    armOrigin = arm.origin;

    let stopped = false;
    return {
      tenantId,
      clientId,
      subscriptionId,
      objectId,
      armEndpoint: arm.origin,
      authorityHost: entra.origin,
      blobFrontOrigin: blob.origin,
      azuriteOrigin: az.origin,
      imdsHost: imds.origin,
      managedIdentities,
      blobResponses: served,
      network,
      authorization,
      addTemplate: (s) => makeTemplate(s),
      addFault: (f) => faults.add(f),
      setThrottle: (t) => {
        if (t) world.throttle = new TokenBucket(t.capacity, t.refillPerSec, t.retryAfter);
        else delete world.throttle;
      },
      throttled: () => world.throttle?.throttled ?? 0,
      mintAccessToken: (c = {}) => {
        const now = Math.floor(Date.now() / 1000);
        const exp = now + (c.expiresInSec ?? 3599);
        return recordedSecret(
          signJwt(
            {
              aud: c.aud ?? 'https://management.azure.com',
              iss: `https://sts.windows.net/${c.tid ?? tenantId}/`,
              iat: Math.min(now, exp) - 10,
              nbf: Math.min(now, exp) - 10,
              exp,
              appid: clientId,
              oid: objectId,
              sub: objectId,
              tid: c.tid ?? tenantId,
              ver: '1.0',
            },
            secret,
          ),
        );
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const t of templates) t.dispose();
        await Promise.all(servers.map((s) => s.close()));
        await az.stop();
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await azurite?.stop();
    throw err;
  }
}
