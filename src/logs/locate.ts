/**
 * Finding the build logs: the template's staging resource group → its storage account (over ARM) →
 * `packerlogs/<guid>/customization.log`, read with Entra ID or, failing that, an account key.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { BlobClient, ContainerClient } from '@azure/storage-blob';
import { apiVersionFallbackPolicy } from '../apiVersion.js';
import { blobEndpointFor, isUnderStorageSuffix } from '../clouds.js';
import { retryTransient } from '../retry.js';
import { realClock } from '../wait.js';
import { errorInfo, type BlobInfo, type LogBlob, type LogSink } from './types.js';

export const LOGS_CONTAINER = 'packerlogs';
const STORAGE_API_VERSION = '2023-05-01';

/** Where a failure message says the log is. */
export interface LogPathHint {
  account: string;
  /** The account's blob endpoint when the message gives it as a URL (with a trailing slash). */
  blobEndpoint?: string;
  /** Path inside the `packerlogs` container, e.g. `<guid>/customization.log`. */
  blobPath: string;
}

/**
 * The log's location as embedded in a run's failure message, in URL form
 * (`https://<acct>.blob.core.windows.net/packerlogs/<guid>/customization.log`, any cloud suffix, or a
 * path-style `https://host/<acct>/packerlogs/...`) or ARM path form
 * (`.../storageAccounts/<acct>/blobServices/default/containers/packerlogs/<guid>/customization.log`).
 */
export function parseLogPath(message: string | undefined): LogPathHint | undefined {
  if (!message) return undefined;
  const arm = /storageAccounts\/([a-z0-9]{3,24})\/blobServices\/default\/containers\/packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
  if (arm?.[1] && arm[2]) return { account: arm[1].toLowerCase(), blobPath: arm[2] };
  const url = /(https?:\/\/([a-z0-9]{3,24})\.blob\.[a-z0-9.-]+(?::\d+)?\/)packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
  if (url?.[1] && url[2] && url[3]) return { account: url[2].toLowerCase(), blobPath: url[3], blobEndpoint: url[1] };
  const pathStyle = /(https?:\/\/[^/\s]+\/([a-z0-9]{3,24})\/)packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
  if (pathStyle?.[1] && pathStyle[2] && pathStyle[3]) {
    return { account: pathStyle[2].toLowerCase(), blobPath: pathStyle[3], blobEndpoint: pathStyle[1] };
  }
  return undefined;
}

/** Whether two blob endpoints are the same (case of the host, default port and trailing slash ignored). */
export function sameBlobEndpoint(a: string, b: string): boolean {
  const norm = (u: string): string => {
    try {
      const x = new URL(u);
      return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}`.toLowerCase();
    } catch {
      return u.replace(/\/+$/, '').toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

/** `validation.log` beside a `customization.log`. */
export function siblingValidationPath(customizationPath: string): string {
  const slash = customizationPath.lastIndexOf('/');
  return `${slash >= 0 ? customizationPath.slice(0, slash + 1) : ''}validation.log`;
}

/** Subscription and group name from a resource group ID (or a bare name). */
export function parseResourceGroup(idOrName: string, defaultSubscription: string): { subscriptionId: string; name: string } {
  const m = /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/?$/i.exec(idOrName.trim());
  if (m?.[1] && m[2]) return { subscriptionId: m[1], name: m[2] };
  return { subscriptionId: defaultSubscription, name: idOrName.trim() };
}

export interface ArmDeps {
  credential: TokenCredential;
  /** Aborts every request still going (the action stopped waiting for the logs). */
  abortSignal?: AbortSignal;
  /** ARM base URL, e.g. `https://management.azure.com`. */
  armEndpoint: string;
  /** Token scope for ARM; default `https://management.azure.com/.default` (set it for sovereign clouds). */
  armScope?: string;
  subscriptionId: string;
}

export interface StorageAccountRef {
  name: string;
  id: string;
  /** `primaryEndpoints.blob`, with a trailing slash. */
  blobEndpoint: string;
  /** The account's tags (Image Builder tags what it creates with `createdby: AzureVMImageBuilder`). */
  tags?: Record<string, string>;
}

/** Longest time one ARM request for the logs may take, its retries included. */
export const ARM_REQUEST_TIMEOUT_MS = 60_000;

/** Minimal ARM JSON requests over the Azure core pipeline (retries, bearer token for ARM). */
export class ArmJson {
  private client:
    | Promise<{ send(method: 'GET' | 'POST', path: string, abortSignal: AbortSignal): Promise<{ status: number; body: unknown }> }>
    | undefined;
  constructor(private readonly deps: ArmDeps) {}

  async request(method: 'GET' | 'POST', path: string, abortSignal?: AbortSignal): Promise<unknown> {
    this.client ??= this.make();
    const client = await this.client;
    const given = abortSignal ?? this.deps.abortSignal;
    const deadline = AbortSignal.timeout(ARM_REQUEST_TIMEOUT_MS);
    const signal = given ? AbortSignal.any([given, deadline]) : deadline;
    // The pipeline retries a 429 only when it carries Retry-After; throttled reads without it (seen when many builds
    // share a subscription) and 5xx answers are tried again here, with jittered backoff, until the deadline.
    return retryTransient(
      async () => {
        const res = await client.send(method, path, signal);
        if (res.status >= 200 && res.status < 300) return res.body;
        const b = res.body as { error?: { code?: string; message?: string } } | undefined;
        throw Object.assign(new Error(b?.error?.message ?? `ARM ${method} ${path} answered ${res.status}`), {
          statusCode: res.status,
          code: b?.error?.code,
        });
      },
      { clock: realClock, deadline: Date.now() + ARM_REQUEST_TIMEOUT_MS, signal },
    );
  }

  private async make(): Promise<{
    send(method: 'GET' | 'POST', path: string, abortSignal: AbortSignal): Promise<{ status: number; body: unknown }>;
  }> {
    const { ServiceClient } = await import('@azure/core-client');
    const { createPipelineRequest } = await import('@azure/core-rest-pipeline');
    const base = this.deps.armEndpoint.replace(/\/+$/, '');
    const client = new ServiceClient({
      credential: this.deps.credential,
      credentialScopes: this.deps.armScope ?? 'https://management.azure.com/.default',
      endpoint: base,
    });
    client.pipeline.addPolicy(apiVersionFallbackPolicy());
    return {
      send: async (method, path, abortSignal) => {
        const req = createPipelineRequest({ url: `${base}${path}`, method, abortSignal });
        if (method === 'POST') {
          req.headers.set('content-type', 'application/json');
          req.body = '{}';
        }
        const res = await client.sendRequest(req);
        let body: unknown;
        try {
          body = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
        } catch {
          body = undefined;
        }
        return { status: res.status, body };
      },
    };
  }
}

/** Storage accounts in the staging resource group (normally exactly one). */
export async function listStagingAccounts(arm: ArmJson, group: { subscriptionId: string; name: string }): Promise<StorageAccountRef[]> {
  const out: StorageAccountRef[] = [];
  let path: string | undefined =
    `/subscriptions/${encodeURIComponent(group.subscriptionId)}/resourceGroups/${encodeURIComponent(group.name)}` +
    `/providers/Microsoft.Storage/storageAccounts?api-version=${STORAGE_API_VERSION}`;
  for (let page = 0; path && page < 10; page++) {
    const body = (await arm.request('GET', path)) as {
      value?: Array<{ name?: string; id?: string; tags?: Record<string, string>; properties?: { primaryEndpoints?: { blob?: string } } }>;
      nextLink?: string;
    };
    for (const a of body?.value ?? []) {
      const blob = a.properties?.primaryEndpoints?.blob;
      if (a.name && a.id && blob) {
        out.push({ name: a.name, id: a.id, blobEndpoint: blob.endsWith('/') ? blob : `${blob}/`, ...(a.tags ? { tags: a.tags } : {}) });
      }
    }
    path = body?.nextLink ? new URL(body.nextLink).pathname + new URL(body.nextLink).search : undefined;
  }
  return out;
}

/** First key of a storage account (`POST .../listKeys`). */
export async function listAccountKey(arm: ArmJson, accountId: string): Promise<string | undefined> {
  const body = (await arm.request('POST', `${accountId}/listKeys?api-version=${STORAGE_API_VERSION}`)) as {
    keys?: Array<{ value?: string }>;
  };
  return body?.keys?.find((k) => k.value)?.value;
}

/** An open `packerlogs` container, with how it is read. */
export interface LogContainer {
  account: StorageAccountRef;
  auth: 'entra' | 'key';
  container: ContainerClient;
}

export function isAccessRefused(err: unknown): boolean {
  const { status, code } = errorInfo(err);
  if (status !== 403 && status !== 401) return false;
  return (
    code === undefined ||
    /^(AuthorizationPermissionMismatch|AuthorizationFailure|AuthorizationFailed|KeyBasedAuthenticationNotPermitted|AuthenticationFailed|InvalidAuthenticationInfo|NoAuthenticationInformation)$/.test(
      code,
    )
  );
}

/**
 * A storage firewall's (or network security perimeter's) refusal: 403 `AuthorizationFailure`, "This request is not
 * authorized to perform this operation." RBAC refuses with `AuthorizationPermissionMismatch` instead. Seen in
 * microsoft/AzureStorageExplorer#8183, #8769, #8979 (error bodies with code AuthorizationFailure and the firewall hint).
 */
export function isFirewallRefusal(err: unknown): boolean {
  const { status, code } = errorInfo(err);
  return status === 403 && code === 'AuthorizationFailure';
}

export function firewallWarning(account: string, stagingGroup: string): string {
  return (
    `Cannot read the build logs in storage account '${account}' (staging resource group '${stagingGroup}'): the account's ` +
    `network rules refused this runner (403 AuthorizationFailure: "This request is not authorized to perform this operation"). ` +
    `This is the storage firewall ('Firewalls and virtual networks', or a network security perimeter), not a missing role: ` +
    `granting roles will not help. Let the runner reach the account: run the job on a self-hosted runner in a network the ` +
    `account allows (or through its private endpoint), or allow the runner's public IP addresses in the account's firewall. ` +
    `The build's result is not affected.`
  );
}

export function isNotFound(err: unknown): boolean {
  return errorInfo(err).status === 404;
}

export function accessWarning(account: string, stagingGroup: string, entraError: string, keyError: string): string {
  return (
    `Cannot read the build logs in storage account '${account}' (staging resource group '${stagingGroup}'). ` +
    `Entra ID was refused (${entraError}) and so was the account key (${keyError}). ` +
    `Grant the workflow's identity either the 'Storage Blob Data Reader' role on the staging resource group or ` +
    `the storage account, or the permission to list its keys ('Microsoft.Storage/storageAccounts/listKeys/action', ` +
    `e.g. through 'Storage Account Key Operator Service Role'); finding the account also needs ` +
    `'Microsoft.Storage/storageAccounts/read' (e.g. 'Reader') there. Rights on the template's own resource group do not ` +
    `reach the staging '${stagingGroup}' group, which Image Builder creates. The build's result is not affected.`
  );
}

export function listingWarning(stagingGroup: string, error: string): string {
  return (
    `Cannot find the build logs: listing the storage accounts in the staging resource group '${stagingGroup}' was ` +
    `refused (${error}). Grant the workflow's identity 'Reader' (Microsoft.Storage/storageAccounts/read) on that group, ` +
    `plus 'Storage Blob Data Reader' on it (or the permission 'Microsoft.Storage/storageAccounts/listKeys/action'). ` +
    `Rights on the template's own resource group do not reach the staging '${stagingGroup}' group, which Image Builder ` +
    `creates. The build's result is not affected.`
  );
}

export interface OpenDeps extends ArmDeps {
  /** The template's `exactStagingResourceGroup` (full ID or name). */
  stagingResourceGroup: string;
  sink: LogSink;
  /** Account name from a failure message, to pick among several accounts. */
  preferAccount?: string;
  /** Its blob endpoint (from the message's URL), to pick among the listed accounts. */
  preferEndpoint?: string;
  /**
   * The cloud's storage suffix (`core.windows.net`, ...). A storage token goes only to an endpoint ARM listed or to
   * a host under this suffix; when listing is refused, the message's account is reached at `<account>.blob.<suffix>`.
   */
  storageSuffix?: string;
  /** Injected for tests; default: the real ARM client. */
  arm?: ArmJson;
  /** Injected for tests; default: `@azure/storage-blob`, loaded when first needed. */
  containerFactory?: ContainerFactory;
}

export type ContainerAuth = { kind: 'entra'; credential: TokenCredential } | { kind: 'key'; account: string; key: string };
export type ContainerFactory = (blobEndpoint: string, auth: ContainerAuth) => Promise<ContainerClient>;

/** The `packerlogs` container client, with Entra ID (scope `https://storage.azure.com/.default`) or a shared key. */
export const defaultContainerFactory: ContainerFactory = async (blobEndpoint, auth) => {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const cred = auth.kind === 'entra' ? auth.credential : new StorageSharedKeyCredential(auth.account, auth.key);
  // Few, short retries: the tail asks again at the next poll anyway, and an unreachable host must not hold the step.
  return new BlobServiceClient(blobEndpoint, cred, {
    retryOptions: { maxTries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 8000 },
  }).getContainerClient(LOGS_CONTAINER);
};

export const DEFAULT_STORAGE_SUFFIX = 'core.windows.net';

/** Where a storage token may go: an endpoint ARM listed for the group, or an https host under the cloud's storage suffix. */
export function mayReceiveStorageToken(endpoint: string, listed: readonly StorageAccountRef[], storageSuffix: string): boolean {
  return listed.some((a) => sameBlobEndpoint(a.blobEndpoint, endpoint)) || isUnderStorageSuffix(endpoint, storageSuffix);
}

/** Image Builder's own accounts first (tag `createdby: AzureVMImageBuilder`, key and value in any case), then the rest. */
function byImageBuilderTag(a: StorageAccountRef, b: StorageAccountRef): number {
  const mine = (x: StorageAccountRef): number =>
    Object.entries(x.tags ?? {}).some(([k, v]) => k.toLowerCase() === 'createdby' && /^AzureVMImageBuilder$/i.test(v)) ? 0 : 1;
  return mine(a) - mine(b);
}

/**
 * Open the logs container: Entra ID first, then an account key. Among several accounts in the staging group, the
 * one whose `packerlogs` container exists is used (the message's account first, then Image Builder's tagged ones).
 * Returns `'no-account'` when no account holds `packerlogs` (yet: nothing is remembered, ask again later),
 * `'refused'` when access was refused (after ONE warning through `sink`).
 */
export async function openLogContainer(deps: OpenDeps): Promise<LogContainer | 'no-account' | 'refused'> {
  const arm = deps.arm ?? new ArmJson(deps);
  const group = parseResourceGroup(deps.stagingResourceGroup, deps.subscriptionId);
  const suffix = deps.storageSuffix ?? DEFAULT_STORAGE_SUFFIX;
  let listed: StorageAccountRef[];
  let accounts: StorageAccountRef[];
  try {
    listed = await listStagingAccounts(arm, group);
    accounts = listed;
  } catch (err) {
    if (!isAccessRefused(err)) throw err;
    if (!deps.preferAccount) {
      deps.sink.warning(listingWarning(group.name, describe(err)));
      return 'refused';
    }
    // Only the account's name is trusted from the message: its endpoint is the cloud's, whatever host the message shows.
    const endpoint =
      deps.preferEndpoint !== undefined && isUnderStorageSuffix(deps.preferEndpoint, suffix)
        ? deps.preferEndpoint
        : blobEndpointFor(deps.preferAccount, suffix);
    deps.sink.debug(
      `Listing storage accounts in ${group.name} refused (${describe(err)}); trying ${deps.preferAccount} from the run's message at ${endpoint}`,
    );
    const id =
      `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}` +
      `/providers/Microsoft.Storage/storageAccounts/${deps.preferAccount}`;
    listed = [];
    accounts = [{ name: deps.preferAccount, id, blobEndpoint: endpoint }];
  }
  if (accounts.length === 0) return 'no-account';
  // The message's endpoint, then its account name, then Image Builder's tagged accounts, then the rest: in
  // path-style (emulator) URLs the path segment need not be the ARM name; the container+blob path is what counts.
  const named = (a: StorageAccountRef): number =>
    deps.preferEndpoint !== undefined && sameBlobEndpoint(a.blobEndpoint, deps.preferEndpoint)
      ? 0
      : a.name.toLowerCase() === deps.preferAccount?.toLowerCase()
        ? 1
        : 2;
  const candidates = [...accounts].sort((a, b) => named(a) - named(b) || byImageBuilderTag(a, b));
  let refusal: string | undefined;
  for (const account of candidates) {
    if (!mayReceiveStorageToken(account.blobEndpoint, listed, suffix)) {
      deps.sink.debug(`Not sending a storage token to ${account.blobEndpoint}: not listed by ARM and not under ${suffix}`);
      continue;
    }
    const opened = await openAccount(deps, arm, account, group.name);
    if (typeof opened === 'object') return opened;
    if (opened === 'no-packerlogs') {
      deps.sink.debug(`Storage account ${account.name} has no ${LOGS_CONTAINER} container`);
      continue;
    }
    refusal ??= opened;
  }
  if (refusal === undefined) return 'no-account';
  deps.sink.warning(refusal);
  return 'refused';
}

/** One account: the open container, `'no-packerlogs'`, or the warning that explains a refusal. */
async function openAccount(
  deps: OpenDeps,
  arm: ArmJson,
  account: StorageAccountRef,
  groupName: string,
): Promise<LogContainer | 'no-packerlogs' | string> {
  const factory = deps.containerFactory ?? defaultContainerFactory;
  const entra = await factory(account.blobEndpoint, { kind: 'entra', credential: deps.credential });
  let entraError: string;
  try {
    if ((await probe(entra)) === 'missing') return 'no-packerlogs';
    return { account, auth: 'entra', container: entra };
  } catch (err) {
    // A firewall refuses a key as it refuses a token: asking for the key would only add a second refusal.
    if (isFirewallRefusal(err)) return firewallWarning(account.name, groupName);
    if (!isAccessRefused(err)) throw err;
    entraError = describe(err);
    deps.sink.debug(`Entra ID access to ${account.name} refused: ${entraError}; trying an account key`);
  }
  let keyError: string;
  try {
    const key = await listAccountKey(arm, account.id);
    if (!key) throw Object.assign(new Error('listKeys returned no key'), { statusCode: 403 });
    deps.sink.mask(key);
    const viaKey = await factory(account.blobEndpoint, { kind: 'key', account: account.name, key });
    if ((await probe(viaKey)) === 'missing') return 'no-packerlogs';
    return { account, auth: 'key', container: viaKey };
  } catch (err) {
    if (isFirewallRefusal(err)) return firewallWarning(account.name, groupName);
    if (!isAccessRefused(err)) throw err;
    keyError = describe(err);
  }
  return accessWarning(account.name, groupName, entraError, keyError);
}

function describe(err: unknown): string {
  const { status, code } = errorInfo(err);
  return [status, code].filter((x) => x !== undefined).join(' ') || errorInfo(err).message;
}

/** Checks the identity may read blobs, and that the container exists (`'missing'`: not this account, or not yet). */
async function probe(container: ContainerClient): Promise<'ok' | 'missing'> {
  try {
    await container.listBlobsFlat({ prefix: 'none/' }).byPage({ maxPageSize: 1 }).next();
    return 'ok';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
}

/**
 * The newest `<guid>/customization.log` in the container, by creation time (last-modified when the listing has
 * none), ignoring ones created before `notBefore`: an earlier run's log kept in the same account was created
 * before this run started, even when it was written to since.
 */
export async function findNewestCustomizationLog(container: ContainerClient, notBefore?: Date): Promise<string | undefined> {
  let best: { name: string; t: number } | undefined;
  try {
    for await (const b of container.listBlobsFlat()) {
      if (!/^[^/]+\/customization\.log$/.test(b.name)) continue;
      const t = (b.properties.createdOn ?? b.properties.lastModified)?.getTime() ?? 0;
      // Blob times have whole seconds: compare at that precision.
      if (notBefore && t < Math.floor(notBefore.getTime() / 1000) * 1000) continue;
      if (!best || t > best.t) best = { name: b.name, t };
    }
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return best?.name;
}

/**
 * The real `LogBlob` over a `BlobClient`: one GET per read, no HEAD. A 206 says the blob's length
 * (`Content-Range: bytes a-b/total`), ETag and creation time; a 416 (InvalidRange: the offset is past the
 * end) says the length (`Content-Range: bytes *\/total`) and is "nothing new"; a 404 is "not there (yet)".
 * Azurite answers a read at exactly the end with an empty 206 (`bytes L-(L-1)/L`) where Azure answers 416.
 */
export function blobLog(client: BlobClient): LogBlob {
  /** `total` of `bytes a-b/total` or `bytes *\/total`; undefined when absent or `*`. */
  const rangeTotal = (contentRange: string | undefined): number | undefined => {
    const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
    return m ? Number(m[1]) : undefined;
  };
  type Answer = { contentRange?: string; contentLength?: number; etag?: string; createdOn?: Date };
  const infoOf = (res: Answer): BlobInfo => ({
    totalLength: rangeTotal(res.contentRange) ?? res.contentLength ?? 0,
    etag: res.etag,
    createdOn: res.createdOn,
  });
  /** The length a 416 reports; without a Content-Range (not seen from Azure or Azurite), a HEAD says it. */
  const pastTheEnd = async (err: unknown, offset: number): Promise<BlobInfo | 'not-found'> => {
    const headers = (err as { response?: { headers?: { get(name: string): string | undefined } } }).response?.headers;
    const total = rangeTotal(headers?.get('content-range'));
    if (total !== undefined) return { totalLength: total };
    try {
      const p = await client.getProperties();
      return { totalLength: p.contentLength ?? offset, etag: p.etag, createdOn: p.createdOn };
    } catch (e) {
      if (isNotFound(e)) return 'not-found';
      throw e;
    }
  };
  return {
    url: stripQuery(client.url),
    async read(offset: number, count: number) {
      try {
        const res = await client.download(offset, Math.max(1, count));
        const chunks: Buffer[] = [];
        for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
        const buf = Buffer.concat(chunks);
        return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), ...infoOf(res) };
      } catch (err) {
        if (isNotFound(err)) return 'not-found';
        if (errorInfo(err).status !== 416) throw err;
        const info = await pastTheEnd(err, offset);
        return info === 'not-found' ? info : { bytes: new Uint8Array(0), ...info };
      }
    },
    async stream(offset: number) {
      try {
        const res = await client.download(offset);
        if (!res.readableStreamBody) throw new Error('the blob download returned no stream');
        return { body: res.readableStreamBody, ...infoOf(res) };
      } catch (err) {
        if (isNotFound(err)) return 'not-found';
        if (errorInfo(err).status !== 416) throw err;
        const info = await pastTheEnd(err, offset);
        return info; // no body: nothing past the end
      }
    },
  };
}

export function stripQuery(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.toString();
}
