export const id = 725;
export const ids = [725];
export const modules = {

/***/ 84725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bn: () => (/* binding */ ArmJson),
/* harmony export */   CE: () => (/* binding */ blobLog),
/* harmony export */   Hf: () => (/* binding */ parseLogPath),
/* harmony export */   LN: () => (/* binding */ siblingValidationPath),
/* harmony export */   XL: () => (/* binding */ sameBlobEndpoint),
/* harmony export */   jI: () => (/* binding */ stripQuery),
/* harmony export */   sX: () => (/* binding */ openLogContainer),
/* harmony export */   tC: () => (/* binding */ findNewestCustomizationLog)
/* harmony export */ });
/* unused harmony exports LOGS_CONTAINER, parseResourceGroup, ARM_REQUEST_TIMEOUT_MS, listStagingAccounts, listAccountKey, isAccessRefused, isFirewallRefusal, firewallWarning, isNotFound, accessWarning, listingWarning, defaultContainerFactory, DEFAULT_STORAGE_SUFFIX, mayReceiveStorageToken */
/* harmony import */ var _apiVersion_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(53923);
/* harmony import */ var _clouds_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(40157);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(49809);
/* harmony import */ var _wait_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(40910);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9458);





const LOGS_CONTAINER = 'packerlogs';
const STORAGE_API_VERSION = '2023-05-01';
/**
 * The log's location as embedded in a run's failure message, in URL form
 * (`https://<acct>.blob.core.windows.net/packerlogs/<guid>/customization.log`, any cloud suffix, or a
 * path-style `https://host/<acct>/packerlogs/...`) or ARM path form
 * (`.../storageAccounts/<acct>/blobServices/default/containers/packerlogs/<guid>/customization.log`).
 */
function parseLogPath(message) {
    if (!message)
        return undefined;
    const arm = /storageAccounts\/([a-z0-9]{3,24})\/blobServices\/default\/containers\/packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
    if (arm?.[1] && arm[2])
        return { account: arm[1].toLowerCase(), blobPath: arm[2] };
    const url = /(https?:\/\/([a-z0-9]{3,24})\.blob\.[a-z0-9.-]+(?::\d+)?\/)packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
    if (url?.[1] && url[2] && url[3])
        return { account: url[2].toLowerCase(), blobPath: url[3], blobEndpoint: url[1] };
    const pathStyle = /(https?:\/\/[^/\s]+\/([a-z0-9]{3,24})\/)packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
    if (pathStyle?.[1] && pathStyle[2] && pathStyle[3]) {
        return { account: pathStyle[2].toLowerCase(), blobPath: pathStyle[3], blobEndpoint: pathStyle[1] };
    }
    return undefined;
}
/** Whether two blob endpoints are the same (case of the host, default port and trailing slash ignored). */
function sameBlobEndpoint(a, b) {
    const norm = (u) => {
        try {
            const x = new URL(u);
            return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}`.toLowerCase();
        }
        catch {
            return u.replace(/\/+$/, '').toLowerCase();
        }
    };
    return norm(a) === norm(b);
}
/** `validation.log` beside a `customization.log`. */
function siblingValidationPath(customizationPath) {
    const slash = customizationPath.lastIndexOf('/');
    return `${slash >= 0 ? customizationPath.slice(0, slash + 1) : ''}validation.log`;
}
/** Subscription and group name from a resource group ID (or a bare name). */
function parseResourceGroup(idOrName, defaultSubscription) {
    const m = /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/?$/i.exec(idOrName.trim());
    if (m?.[1] && m[2])
        return { subscriptionId: m[1], name: m[2] };
    return { subscriptionId: defaultSubscription, name: idOrName.trim() };
}
/** Longest time one ARM request for the logs may take, its retries included. */
const ARM_REQUEST_TIMEOUT_MS = 60_000;
/** Minimal ARM JSON requests over the Azure core pipeline (retries, bearer token for ARM). */
class ArmJson {
    deps;
    client;
    constructor(deps) {
        this.deps = deps;
    }
    async request(method, path, abortSignal) {
        this.client ??= this.make();
        const client = await this.client;
        const given = abortSignal ?? this.deps.abortSignal;
        const deadline = AbortSignal.timeout(ARM_REQUEST_TIMEOUT_MS);
        const signal = given ? AbortSignal.any([given, deadline]) : deadline;
        // The pipeline retries a 429 only when it carries Retry-After; throttled reads without it (seen when many builds
        // share a subscription) and 5xx answers are tried again here, with jittered backoff, until the deadline.
        return (0,_retry_js__WEBPACK_IMPORTED_MODULE_3__/* .retryTransient */ .jh)(async () => {
            const res = await client.send(method, path, signal);
            if (res.status >= 200 && res.status < 300)
                return res.body;
            const b = res.body;
            throw Object.assign(new Error(b?.error?.message ?? `ARM ${method} ${path} answered ${res.status}`), {
                statusCode: res.status,
                code: b?.error?.code,
            });
        }, { clock: _wait_js__WEBPACK_IMPORTED_MODULE_1__/* .realClock */ .dQ, deadline: Date.now() + ARM_REQUEST_TIMEOUT_MS, signal });
    }
    async make() {
        const { ServiceClient } = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 95738));
        const { createPipelineRequest } = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 1818));
        const base = this.deps.armEndpoint.replace(/\/+$/, '');
        const client = new ServiceClient({
            credential: this.deps.credential,
            credentialScopes: this.deps.armScope ?? 'https://management.azure.com/.default',
            endpoint: base,
        });
        client.pipeline.addPolicy((0,_apiVersion_js__WEBPACK_IMPORTED_MODULE_4__/* .apiVersionFallbackPolicy */ .jJ)());
        return {
            send: async (method, path, abortSignal) => {
                const req = createPipelineRequest({ url: `${base}${path}`, method, abortSignal });
                if (method === 'POST') {
                    req.headers.set('content-type', 'application/json');
                    req.body = '{}';
                }
                const res = await client.sendRequest(req);
                let body;
                try {
                    body = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
                }
                catch {
                    body = undefined;
                }
                return { status: res.status, body };
            },
        };
    }
}
/** Storage accounts in the staging resource group (normally exactly one). */
async function listStagingAccounts(arm, group) {
    const out = [];
    let path = `/subscriptions/${encodeURIComponent(group.subscriptionId)}/resourceGroups/${encodeURIComponent(group.name)}` +
        `/providers/Microsoft.Storage/storageAccounts?api-version=${STORAGE_API_VERSION}`;
    for (let page = 0; path && page < 10; page++) {
        const body = (await arm.request('GET', path));
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
async function listAccountKey(arm, accountId) {
    const body = (await arm.request('POST', `${accountId}/listKeys?api-version=${STORAGE_API_VERSION}`));
    return body?.keys?.find((k) => k.value)?.value;
}
function isAccessRefused(err) {
    const { status, code } = (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err);
    if (status !== 403 && status !== 401)
        return false;
    return (code === undefined ||
        /^(AuthorizationPermissionMismatch|AuthorizationFailure|AuthorizationFailed|KeyBasedAuthenticationNotPermitted|AuthenticationFailed|InvalidAuthenticationInfo|NoAuthenticationInformation)$/.test(code));
}
/**
 * A storage firewall's (or network security perimeter's) refusal: 403 `AuthorizationFailure`, "This request is not
 * authorized to perform this operation." RBAC refuses with `AuthorizationPermissionMismatch` instead. Seen in
 * microsoft/AzureStorageExplorer#8183, #8769, #8979 (error bodies with code AuthorizationFailure and the firewall hint).
 */
function isFirewallRefusal(err) {
    const { status, code } = (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err);
    return status === 403 && code === 'AuthorizationFailure';
}
function firewallWarning(account, stagingGroup) {
    return (`Cannot read the build logs in storage account '${account}' (staging resource group '${stagingGroup}'): the account's ` +
        `network rules refused this runner (403 AuthorizationFailure: "This request is not authorized to perform this operation"). ` +
        `This is the storage firewall ('Firewalls and virtual networks', or a network security perimeter), not a missing role: ` +
        `granting roles will not help. Let the runner reach the account: run the job on a self-hosted runner in a network the ` +
        `account allows (or through its private endpoint), or allow the runner's public IP addresses in the account's firewall. ` +
        `The build's result is not affected.`);
}
function isNotFound(err) {
    return (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err).status === 404;
}
function accessWarning(account, stagingGroup, entraError, keyError) {
    return (`Cannot read the build logs in storage account '${account}' (staging resource group '${stagingGroup}'). ` +
        `Entra ID was refused (${entraError}) and so was the account key (${keyError}). ` +
        `Grant the workflow's identity either the 'Storage Blob Data Reader' role on the staging resource group or ` +
        `the storage account, or the permission to list its keys ('Microsoft.Storage/storageAccounts/listKeys/action', ` +
        `e.g. through 'Storage Account Key Operator Service Role'); finding the account also needs ` +
        `'Microsoft.Storage/storageAccounts/read' (e.g. 'Reader') there. Rights on the template's own resource group do not ` +
        `reach the staging '${stagingGroup}' group, which Image Builder creates. The build's result is not affected.`);
}
function listingWarning(stagingGroup, error) {
    return (`Cannot find the build logs: listing the storage accounts in the staging resource group '${stagingGroup}' was ` +
        `refused (${error}). Grant the workflow's identity 'Reader' (Microsoft.Storage/storageAccounts/read) on that group, ` +
        `plus 'Storage Blob Data Reader' on it (or the permission 'Microsoft.Storage/storageAccounts/listKeys/action'). ` +
        `Rights on the template's own resource group do not reach the staging '${stagingGroup}' group, which Image Builder ` +
        `creates. The build's result is not affected.`);
}
/** The `packerlogs` container client, with Entra ID (scope `https://storage.azure.com/.default`) or a shared key. */
const defaultContainerFactory = async (blobEndpoint, auth) => {
    const { BlobServiceClient, StorageSharedKeyCredential } = await __webpack_require__.e(/* import() */ 644).then(__webpack_require__.bind(__webpack_require__, 62644));
    const cred = auth.kind === 'entra' ? auth.credential : new StorageSharedKeyCredential(auth.account, auth.key);
    // Few, short retries: the tail asks again at the next poll anyway, and an unreachable host must not hold the step.
    return new BlobServiceClient(blobEndpoint, cred, {
        retryOptions: { maxTries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 8000 },
    }).getContainerClient(LOGS_CONTAINER);
};
const DEFAULT_STORAGE_SUFFIX = 'core.windows.net';
/** Where a storage token may go: an endpoint ARM listed for the group, or an https host under the cloud's storage suffix. */
function mayReceiveStorageToken(endpoint, listed, storageSuffix) {
    return listed.some((a) => sameBlobEndpoint(a.blobEndpoint, endpoint)) || (0,_clouds_js__WEBPACK_IMPORTED_MODULE_0__/* .isUnderStorageSuffix */ .ZT)(endpoint, storageSuffix);
}
/** Image Builder's own accounts first (tag `createdby: AzureVMImageBuilder`, key and value in any case), then the rest. */
function byImageBuilderTag(a, b) {
    const mine = (x) => Object.entries(x.tags ?? {}).some(([k, v]) => k.toLowerCase() === 'createdby' && /^AzureVMImageBuilder$/i.test(v)) ? 0 : 1;
    return mine(a) - mine(b);
}
/**
 * Open the logs container: Entra ID first, then an account key. Among several accounts in the staging group, the
 * one whose `packerlogs` container exists is used (the message's account first, then Image Builder's tagged ones).
 * Returns `'no-account'` when no account holds `packerlogs` (yet: nothing is remembered, ask again later),
 * `'refused'` when access was refused (after ONE warning through `sink`).
 */
async function openLogContainer(deps) {
    const arm = deps.arm ?? new ArmJson(deps);
    const group = parseResourceGroup(deps.stagingResourceGroup, deps.subscriptionId);
    const suffix = deps.storageSuffix ?? DEFAULT_STORAGE_SUFFIX;
    let listed;
    let accounts;
    try {
        listed = await listStagingAccounts(arm, group);
        accounts = listed;
    }
    catch (err) {
        if (!isAccessRefused(err))
            throw err;
        if (!deps.preferAccount) {
            deps.sink.warning(listingWarning(group.name, describe(err)));
            return 'refused';
        }
        // Only the account's name is trusted from the message: its endpoint is the cloud's, whatever host the message shows.
        const endpoint = deps.preferEndpoint !== undefined && (0,_clouds_js__WEBPACK_IMPORTED_MODULE_0__/* .isUnderStorageSuffix */ .ZT)(deps.preferEndpoint, suffix)
            ? deps.preferEndpoint
            : (0,_clouds_js__WEBPACK_IMPORTED_MODULE_0__/* .blobEndpointFor */ .e3)(deps.preferAccount, suffix);
        deps.sink.debug(`Listing storage accounts in ${group.name} refused (${describe(err)}); trying ${deps.preferAccount} from the run's message at ${endpoint}`);
        const id = `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}` +
            `/providers/Microsoft.Storage/storageAccounts/${deps.preferAccount}`;
        listed = [];
        accounts = [{ name: deps.preferAccount, id, blobEndpoint: endpoint }];
    }
    if (accounts.length === 0)
        return 'no-account';
    // The message's endpoint, then its account name, then Image Builder's tagged accounts, then the rest: in
    // path-style (emulator) URLs the path segment need not be the ARM name; the container+blob path is what counts.
    const named = (a) => deps.preferEndpoint !== undefined && sameBlobEndpoint(a.blobEndpoint, deps.preferEndpoint)
        ? 0
        : a.name.toLowerCase() === deps.preferAccount?.toLowerCase()
            ? 1
            : 2;
    const candidates = [...accounts].sort((a, b) => named(a) - named(b) || byImageBuilderTag(a, b));
    let refusal;
    for (const account of candidates) {
        if (!mayReceiveStorageToken(account.blobEndpoint, listed, suffix)) {
            deps.sink.debug(`Not sending a storage token to ${account.blobEndpoint}: not listed by ARM and not under ${suffix}`);
            continue;
        }
        const opened = await openAccount(deps, arm, account, group.name);
        if (typeof opened === 'object')
            return opened;
        if (opened === 'no-packerlogs') {
            deps.sink.debug(`Storage account ${account.name} has no ${LOGS_CONTAINER} container`);
            continue;
        }
        refusal ??= opened;
    }
    if (refusal === undefined)
        return 'no-account';
    deps.sink.warning(refusal);
    return 'refused';
}
/** One account: the open container, `'no-packerlogs'`, or the warning that explains a refusal. */
async function openAccount(deps, arm, account, groupName) {
    const factory = deps.containerFactory ?? defaultContainerFactory;
    const entra = await factory(account.blobEndpoint, { kind: 'entra', credential: deps.credential });
    let entraError;
    try {
        if ((await probe(entra)) === 'missing')
            return 'no-packerlogs';
        return { account, auth: 'entra', container: entra };
    }
    catch (err) {
        // A firewall refuses a key as it refuses a token: asking for the key would only add a second refusal.
        if (isFirewallRefusal(err))
            return firewallWarning(account.name, groupName);
        if (!isAccessRefused(err))
            throw err;
        entraError = describe(err);
        deps.sink.debug(`Entra ID access to ${account.name} refused: ${entraError}; trying an account key`);
    }
    let keyError;
    try {
        const key = await listAccountKey(arm, account.id);
        if (!key)
            throw Object.assign(new Error('listKeys returned no key'), { statusCode: 403 });
        deps.sink.mask(key);
        const viaKey = await factory(account.blobEndpoint, { kind: 'key', account: account.name, key });
        if ((await probe(viaKey)) === 'missing')
            return 'no-packerlogs';
        return { account, auth: 'key', container: viaKey };
    }
    catch (err) {
        if (isFirewallRefusal(err))
            return firewallWarning(account.name, groupName);
        if (!isAccessRefused(err))
            throw err;
        keyError = describe(err);
    }
    return accessWarning(account.name, groupName, entraError, keyError);
}
function describe(err) {
    const { status, code } = (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err);
    return [status, code].filter((x) => x !== undefined).join(' ') || (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err).message;
}
/** Checks the identity may read blobs, and that the container exists (`'missing'`: not this account, or not yet). */
async function probe(container) {
    try {
        await container.listBlobsFlat({ prefix: 'none/' }).byPage({ maxPageSize: 1 }).next();
        return 'ok';
    }
    catch (err) {
        if (isNotFound(err))
            return 'missing';
        throw err;
    }
}
/**
 * The newest `<guid>/customization.log` in the container, by creation time (last-modified when the listing has
 * none), ignoring ones created before `notBefore`: an earlier run's log kept in the same account was created
 * before this run started, even when it was written to since.
 */
async function findNewestCustomizationLog(container, notBefore) {
    let best;
    try {
        for await (const b of container.listBlobsFlat()) {
            if (!/^[^/]+\/customization\.log$/.test(b.name))
                continue;
            const t = (b.properties.createdOn ?? b.properties.lastModified)?.getTime() ?? 0;
            // Blob times have whole seconds: compare at that precision.
            if (notBefore && t < Math.floor(notBefore.getTime() / 1000) * 1000)
                continue;
            if (!best || t > best.t)
                best = { name: b.name, t };
        }
    }
    catch (err) {
        if (isNotFound(err))
            return undefined;
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
function blobLog(client) {
    /** `total` of `bytes a-b/total` or `bytes *\/total`; undefined when absent or `*`. */
    const rangeTotal = (contentRange) => {
        const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
        return m ? Number(m[1]) : undefined;
    };
    const infoOf = (res) => ({
        totalLength: rangeTotal(res.contentRange) ?? res.contentLength ?? 0,
        etag: res.etag,
        createdOn: res.createdOn,
    });
    /** The length a 416 reports; without a Content-Range (not seen from Azure or Azurite), a HEAD says it. */
    const pastTheEnd = async (err, offset) => {
        const headers = err.response?.headers;
        const total = rangeTotal(headers?.get('content-range'));
        if (total !== undefined)
            return { totalLength: total };
        try {
            const p = await client.getProperties();
            return { totalLength: p.contentLength ?? offset, etag: p.etag, createdOn: p.createdOn };
        }
        catch (e) {
            if (isNotFound(e))
                return 'not-found';
            throw e;
        }
    };
    return {
        url: stripQuery(client.url),
        async read(offset, count) {
            try {
                const res = await client.download(offset, Math.max(1, count));
                const chunks = [];
                for await (const c of res.readableStreamBody ?? [])
                    chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
                const buf = Buffer.concat(chunks);
                return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), ...infoOf(res) };
            }
            catch (err) {
                if (isNotFound(err))
                    return 'not-found';
                if ((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err).status !== 416)
                    throw err;
                const info = await pastTheEnd(err, offset);
                return info === 'not-found' ? info : { bytes: new Uint8Array(0), ...info };
            }
        },
        async stream(offset) {
            try {
                const res = await client.download(offset);
                if (!res.readableStreamBody)
                    throw new Error('the blob download returned no stream');
                return { body: res.readableStreamBody, ...infoOf(res) };
            }
            catch (err) {
                if (isNotFound(err))
                    return 'not-found';
                if ((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorInfo */ .fH)(err).status !== 416)
                    throw err;
                const info = await pastTheEnd(err, offset);
                return info; // no body: nothing past the end
            }
        },
    };
}
function stripQuery(url) {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    return u.toString();
}


/***/ }),

/***/ 9458:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hw: () => (/* binding */ CONTENT_PROBE_BYTES),
/* harmony export */   JQ: () => (/* binding */ coreSink),
/* harmony export */   Oc: () => (/* binding */ sameLogContent),
/* harmony export */   fH: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_2__.fH),
/* harmony export */   ml: () => (/* binding */ systemClock),
/* harmony export */   nZ: () => (/* binding */ emptyTailState)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(91659);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76670);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83916);
/**
 * Small interfaces shared by the build-logs modules. Nothing here touches the network.
 */


/**
 * The job log through @actions/core: no secret reaches it (contract 10), and no line of it is a workflow
 * command, whatever a build log line quoted in it says (contract 11).
 */
const coreSink = {
    info: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.info((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    warning: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    debug: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.debug((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    startGroup: (n) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.startGroup((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(n)),
    endGroup: () => _actions_core__WEBPACK_IMPORTED_MODULE_0__.endGroup(),
    mask: (s) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.setSecret(s),
};
/** Bytes of the blob's head and of the window before the offset kept to recognise it. */
const CONTENT_PROBE_BYTES = 512;
/** A state of nothing read. */
function emptyTailState() {
    return { offset: 0, fileBytes: 0, pending: new Uint8Array(0), head: new Uint8Array(0), window: new Uint8Array(0) };
}
/**
 * Whether the blob `reader` reads now starts with what `st` read (its head and the bytes before its offset
 * are the same): one or two small ranged reads. A blob shorter than `st.offset` is another one.
 */
async function sameLogContent(reader, st, totalLength) {
    if (st.offset === 0)
        return true;
    if (totalLength < st.offset)
        return false;
    const same = async (from, want) => {
        if (want.length === 0)
            return true;
        const r = await reader.read(from, want.length);
        return r !== 'not-found' && r.totalLength >= st.offset && Buffer.from(r.bytes).equals(Buffer.from(want));
    };
    if (!(await same(0, st.head)))
        return false;
    if (st.offset <= st.head.length)
        return true;
    return same(st.offset - st.window.length, st.window);
}
const systemClock = { now: () => Date.now() };



/***/ })

};
