export const id = 79;
export const ids = [79];
export const modules = {

/***/ 72079:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  STATE_TEMPLATE: () => (/* binding */ STATE_TEMPLATE),
  TemplateError: () => (/* reexport */ template_file/* TemplateError */.$w),
  TemplateFileError: () => (/* reexport */ template_file/* TemplateFileError */.Hl),
  createArmClient: () => (/* reexport */ createArmClient),
  createTemplateFromFile: () => (/* binding */ createTemplateFromFile),
  createVhdKeeper: () => (/* reexport */ createVhdKeeper),
  deleteLeftoverTemplate: () => (/* binding */ deleteLeftoverTemplate),
  prepareTemplateFile: () => (/* binding */ prepareTemplateFile)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/template/arm.ts
const IMAGEBUILDER_API_VERSION = '2025-10-01';
const DEPLOYMENTS_API_VERSION = '2024-03-01';
/** An error shaped like the SDK's RestError (statusCode, code), so the action's error messages apply. */
class ArmRequestError extends Error {
    statusCode;
    code;
    details;
    name = 'ArmRequestError';
    constructor(message, statusCode, code, details) {
        super(message);
        this.statusCode = statusCode;
        this.code = code;
        this.details = details;
    }
}
function armErrorOf(res, what) {
    const b = res.body;
    return new ArmRequestError(b?.error?.message ?? `${what} answered HTTP ${res.status}`, res.status, b?.error?.code, b?.error?.details);
}
function createArmClient(credential, endpoint, scope) {
    const base = endpoint.replace(/\/+$/, '');
    let client;
    const make = async () => {
        const { ServiceClient } = await Promise.all(/* import() */[__webpack_require__.e(818), __webpack_require__.e(738)]).then(__webpack_require__.bind(__webpack_require__, 95738));
        return new ServiceClient({
            credential,
            credentialScopes: scope,
            endpoint: base,
            userAgentOptions: { userAgentPrefix: 'image-builder-run' },
        });
    };
    return {
        async send(method, pathOrUrl, body, signal) {
            client ??= make();
            const c = await client;
            const { createPipelineRequest } = await __webpack_require__.e(/* import() */ 818).then(__webpack_require__.bind(__webpack_require__, 1818));
            const url = /^https?:/i.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}`;
            const req = createPipelineRequest({ url, method, ...(signal ? { abortSignal: signal } : {}) });
            if (body !== undefined) {
                req.headers.set('content-type', 'application/json');
                req.body = JSON.stringify(body);
            }
            const res = await c.sendRequest(req);
            let parsed;
            try {
                parsed = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
            }
            catch {
                parsed = undefined;
            }
            return { status: res.status, body: parsed, header: (n) => res.headers.get(n) ?? undefined };
        },
    };
}
/**
 * Follows a long-running operation from its first answer (Azure-AsyncOperation, else Location) to its end.
 * Resolves on success; throws ArmRequestError with the operation's error on failure, or on timeout.
 */
async function waitForOperation(arm, first, what, o) {
    const url = first.header('azure-asyncoperation') ?? first.header('location');
    if (!url)
        return;
    const useLocation = first.header('azure-asyncoperation') === undefined;
    const deadline = o.now() + o.timeoutMs;
    let wait = retryAfterMs(first) ?? o.intervalMs;
    for (;;) {
        if (o.now() + wait > deadline)
            throw new ArmRequestError(`${what} did not finish within ${Math.round(o.timeoutMs / 1000)} s.`, undefined, 'OperationTimedOut');
        await o.sleep(wait, o.signal);
        const res = await arm.send('GET', url, undefined, o.signal);
        if (useLocation) {
            if (res.status === 202) {
                wait = retryAfterMs(res) ?? o.intervalMs;
                continue;
            }
            if (res.status >= 200 && res.status < 300)
                return;
            throw armErrorOf(res, what);
        }
        if (res.status >= 400) {
            // A failed read of the status is not a failed operation: read again (bounded by the deadline).
            wait = o.intervalMs;
            continue;
        }
        const b = (res.body ?? {});
        const status = (b.status ?? '').toLowerCase();
        if (status === 'succeeded')
            return;
        if (status === 'failed' || status === 'canceled') {
            throw new ArmRequestError(b.error?.message ?? `${what} ended ${b.status}.`, undefined, b.error?.code ?? b.status, b.error?.details);
        }
        wait = retryAfterMs(res) ?? o.intervalMs;
    }
}
function retryAfterMs(res) {
    const v = res.header('retry-after');
    if (v === undefined)
        return undefined;
    const s = Number(v);
    return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, 60_000) : undefined;
}
/** Every message in an error and its nested details (deployment errors nest the resource's error, sometimes as JSON text). */
function allMessages(err) {
    const out = [];
    const visit = (e, depth) => {
        if (depth > 6 || e === null || typeof e !== 'object')
            return;
        const x = e;
        if (typeof x.message === 'string') {
            out.push(x.message);
            const t = x.message.trim();
            if (t.startsWith('{')) {
                try {
                    visit(JSON.parse(t), depth + 1);
                }
                catch {
                    // not JSON
                }
            }
        }
        if (x.error)
            visit(x.error, depth + 1);
        if (Array.isArray(x.details))
            for (const d of x.details)
                visit(d, depth + 1);
    };
    visit(err, 0);
    return out;
}

// EXTERNAL MODULE: ./src/template/file.ts
var template_file = __webpack_require__(60558);
;// CONCATENATED MODULE: ./src/template/validate.ts
/**
 * Checks a template body against the shape the service accepts (api-version 2025-10-01), before any call.
 * Each problem names its JSON path. In an ARM template, values that are expressions (`[...]`) are left to ARM.
 */

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const NAME_FORM = '1-64 letters, digits, hyphens, underscores or periods';
const TOP_KEYS = [
    'name',
    'type',
    'id',
    'apiVersion',
    'location',
    'identity',
    'properties',
    'tags',
    'systemData',
    'dependsOn',
    'comments',
    'condition',
];
const PROPERTY_KEYS = [
    'source',
    'customize',
    'optimize',
    'validate',
    'distribute',
    'errorHandling',
    'buildTimeoutInMinutes',
    'vmProfile',
    'additionalDataDisks',
    'stagingResourceGroup',
    'autoRun',
    'managedResourceTags',
    // Read-only: the service fills them; a body copied from a GET may carry them (they are not sent).
    'provisioningState',
    'provisioningError',
    'lastRunStatus',
    'exactStagingResourceGroup',
];
const READ_ONLY_PROPERTIES = ['provisioningState', 'provisioningError', 'lastRunStatus', 'exactStagingResourceGroup'];
const SOURCE_TYPES = { PlatformImage: [], ManagedImage: ['imageId'], SharedImageVersion: ['imageVersionId'] };
const CUSTOMIZER_TYPES = ['Shell', 'PowerShell', 'WindowsRestart', 'WindowsUpdate', 'File'];
const VALIDATOR_TYPES = ['Shell', 'PowerShell', 'File'];
const DISTRIBUTOR_TYPES = { ManagedImage: ['imageId', 'location'], SharedImage: ['galleryImageId'], VHD: [] };
/** Checks one image template: a resource body, or the resource of an ARM template (`arm` true: expressions allowed). */
function validateTemplateBody(body, arm) {
    const problems = [];
    const add = (path, message) => {
        problems.push({ path, message });
    };
    const skip = (v) => arm && (0,template_file/* isExpression */.BH)(v);
    const str = (v, path, what, required = true) => {
        if (v === undefined) {
            if (required)
                add(path, `missing: expected ${what}`);
        }
        else if (!skip(v) && (typeof v !== 'string' || v.trim() === '')) {
            add(path, `expected ${what}, got ${JSON.stringify(v)}`);
        }
    };
    const typed = (v, path, allowed) => {
        const names = Array.isArray(allowed) ? allowed : Object.keys(allowed);
        if (!(0,template_file/* isObject */.Gv)(v)) {
            if (!skip(v))
                add(path, `expected an object with a type (${names.join(', ')}), got ${JSON.stringify(v) ?? 'nothing'}`);
            return undefined;
        }
        if (skip(v.type))
            return undefined;
        if (typeof v.type !== 'string' || !names.includes(v.type)) {
            add(`${path}.type`, `expected one of ${names.join(', ')}, got ${JSON.stringify(v.type) ?? 'nothing'}`);
            return undefined;
        }
        if (!Array.isArray(allowed))
            for (const req of allowed[v.type] ?? [])
                str(v[req], `${path}.${req}`, `a value (required for type ${v.type})`);
        return v.type;
    };
    const stringMap = (v, path) => {
        if (v === undefined || skip(v))
            return;
        if (!(0,template_file/* isObject */.Gv)(v))
            return add(path, `expected an object of string values, got ${JSON.stringify(v)}`);
        for (const [k, x] of Object.entries(v))
            if (typeof x !== 'string')
                add(`${path}.${k}`, `expected a string, got ${JSON.stringify(x)}`);
    };
    const list = (v, path, each, minOne) => {
        if (v === undefined) {
            if (minOne)
                add(path, 'missing: expected an array with at least one entry');
            return;
        }
        if (skip(v))
            return;
        if (!Array.isArray(v))
            return add(path, `expected an array, got ${JSON.stringify(v)}`);
        if (minOne && v.length === 0)
            add(path, 'expected at least one entry');
        v.forEach((x, i) => each(x, `${path}[${i}]`));
    };
    const int = (v, path, min, max) => {
        if (v === undefined || skip(v))
            return;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (max !== undefined && v > max)) {
            add(path, `expected a whole number from ${min}${max !== undefined ? ` to ${max}` : ' up'}, got ${JSON.stringify(v)}`);
        }
    };
    for (const k of Object.keys(body)) {
        if (!TOP_KEYS.includes(k) && !(arm && k.startsWith('$')))
            add(k, `unknown field (a template has ${['name', 'location', 'identity', 'properties', 'tags'].join(', ')})`);
    }
    if (arm)
        str(body.name, 'name', 'the template name');
    else if (body.name !== undefined && (typeof body.name !== 'string' || !NAME.test(body.name)))
        add('name', `expected a template name (${NAME_FORM}), got ${JSON.stringify(body.name)}`);
    str(body.location, 'location', 'an Azure region such as eastus');
    stringMap(body.tags, 'tags');
    const identity = body.identity;
    if (identity === undefined) {
        add('identity', 'missing: expected {"type": "UserAssigned", "userAssignedIdentities": {"<identity resource ID>": {}}} (the identity the build runs as)');
    }
    else if (!skip(identity)) {
        if (!(0,template_file/* isObject */.Gv)(identity))
            add('identity', `expected an object, got ${JSON.stringify(identity)}`);
        else if (!skip(identity.type) && identity.type !== 'UserAssigned' && identity.type !== 'None')
            add('identity.type', `expected UserAssigned or None, got ${JSON.stringify(identity.type) ?? 'nothing'}`);
        else if (identity.type === 'UserAssigned' && !skip(identity.userAssignedIdentities)) {
            const ids = identity.userAssignedIdentities;
            if (!(0,template_file/* isObject */.Gv)(ids) || Object.keys(ids).length === 0) {
                add('identity.userAssignedIdentities', 'expected an object with one user-assigned identity resource ID as key');
            }
            else {
                for (const k of Object.keys(ids)) {
                    if (!skip(k) &&
                        !/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i.test(k)) {
                        add(`identity.userAssignedIdentities["${k}"]`, 'expected the resource ID of a user-assigned identity (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)');
                    }
                }
            }
        }
    }
    const p = body.properties;
    if (p === undefined) {
        add('properties', 'missing: expected an object with source and distribute');
        return problems;
    }
    if (skip(p))
        return problems;
    if (!(0,template_file/* isObject */.Gv)(p)) {
        add('properties', `expected an object, got ${JSON.stringify(p)}`);
        return problems;
    }
    for (const k of Object.keys(p))
        if (!PROPERTY_KEYS.includes(k))
            add(`properties.${k}`, `unknown field (known: ${PROPERTY_KEYS.slice(0, 12).join(', ')})`);
    if (p.source === undefined)
        add('properties.source', `missing: expected an object with a type (${Object.keys(SOURCE_TYPES).join(', ')})`);
    else
        typed(p.source, 'properties.source', SOURCE_TYPES);
    list(p.customize, 'properties.customize', (x, path) => void typed(x, path, CUSTOMIZER_TYPES), false);
    if ((0,template_file/* isObject */.Gv)(p.validate))
        list(p.validate.inVMValidations, 'properties.validate.inVMValidations', (x, path) => void typed(x, path, VALIDATOR_TYPES), false);
    const outputNames = new Map();
    list(p.distribute, 'properties.distribute', (x, path) => {
        typed(x, path, DISTRIBUTOR_TYPES);
        if (!(0,template_file/* isObject */.Gv)(x))
            return;
        const n = x.runOutputName;
        if (n === undefined)
            add(`${path}.runOutputName`, `missing: expected a run output name (${NAME_FORM})`);
        else if (!skip(n) && (typeof n !== 'string' || !NAME.test(n)))
            add(`${path}.runOutputName`, `expected ${NAME_FORM}, got ${JSON.stringify(n)}`);
        else if (typeof n === 'string' && !skip(n)) {
            const seen = outputNames.get(n.toLowerCase());
            if (seen)
                add(`${path}.runOutputName`, `'${n}' is also the runOutputName of ${seen}: each distribute target needs its own`);
            outputNames.set(n.toLowerCase(), path);
        }
        stringMap(x.artifactTags, `${path}.artifactTags`);
    }, true);
    int(p.buildTimeoutInMinutes, 'properties.buildTimeoutInMinutes', 0, 960);
    if ((0,template_file/* isObject */.Gv)(p.vmProfile))
        int(p.vmProfile.osDiskSizeGB, 'properties.vmProfile.osDiskSizeGB', 0);
    if (p.stagingResourceGroup !== undefined && !skip(p.stagingResourceGroup)) {
        const g = p.stagingResourceGroup;
        if (typeof g !== 'string' || (g !== '' && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(g))) {
            add('properties.stagingResourceGroup', `expected a resource group ID (/subscriptions/<id>/resourceGroups/<name>), got ${JSON.stringify(g)}`);
        }
    }
    stringMap(p.managedResourceTags, 'properties.managedResourceTags');
    return problems;
}
/** One message listing every problem, or undefined. */
function describeProblems(where, problems) {
    if (problems.length === 0)
        return undefined;
    const lines = problems.slice(0, 20).map((x) => `  ${x.path}: ${x.message}`);
    if (problems.length > 20)
        lines.push(`  ... and ${problems.length - 20} more`);
    return `${where} is not a template the service accepts:\n${lines.join('\n')}`;
}

;// CONCATENATED MODULE: ./src/template/compare.ts
/**
 * Is an existing template the one the file describes? Compares the body we would send with the template as the
 * service returns it: every value we send must be there (ARM IDs and locations without regard to case); what the
 * service adds is accepted only when it is a default (false, 0, '', empty) or filled in by the service itself.
 */


/** Fields the service fills in on its own; never a difference. */
const SERVICE_FILLED = new Set([...READ_ONLY_PROPERTIES, 'sha256Checksum', 'exactVersion', 'principalId', 'clientId', 'systemData']);
function isDefault(v) {
    if (v === undefined || v === null || v === false || v === 0 || v === '')
        return true;
    if (Array.isArray(v))
        return v.length === 0;
    if ((0,template_file/* isObject */.Gv)(v))
        return Object.values(v).every(isDefault);
    return false;
}
function looseEqual(a, b, key) {
    if (typeof a === 'string' && typeof b === 'string') {
        // ARM IDs ('resourcegroups' vs 'resourceGroups') and regions ('East US' vs 'eastus') come back normalised.
        if (a.startsWith('/subscriptions/') || key === 'location')
            return a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
    }
    return a === b;
}
/** Paths where `actual` (the service's) differs from `wanted` (ours); empty when identical. */
function bodyDifferences(wanted, actual, path = '', key = '') {
    if (wanted === undefined)
        return isDefault(actual) || SERVICE_FILLED.has(key) ? [] : [path];
    if ((0,template_file/* isObject */.Gv)(wanted)) {
        if (!(0,template_file/* isObject */.Gv)(actual))
            return isDefault(wanted) && isDefault(actual) ? [] : [path];
        const out = [];
        const actualKeys = new Map(Object.keys(actual).map((k) => [k.toLowerCase(), k]));
        const seen = new Set();
        for (const [k, v] of Object.entries(wanted)) {
            const ak = actual[k] !== undefined ? k : (actualKeys.get(k.toLowerCase()) ?? k);
            seen.add(ak);
            out.push(...bodyDifferences(v, actual[ak], path ? `${path}.${k}` : k, k));
        }
        for (const [k, v] of Object.entries(actual)) {
            if (!seen.has(k))
                out.push(...bodyDifferences(undefined, v, path ? `${path}.${k}` : k, k));
        }
        return out;
    }
    if (Array.isArray(wanted)) {
        if (!Array.isArray(actual) || actual.length !== wanted.length)
            return isDefault(wanted) && isDefault(actual) ? [] : [path];
        return wanted.flatMap((v, i) => bodyDifferences(v, actual[i], `${path}[${i}]`, key));
    }
    if (actual === undefined || actual === null)
        return isDefault(wanted) ? [] : [path];
    return looseEqual(wanted, actual, key) ? [] : [path];
}
/** The parts of a template that decide whether it is the same one: location, identity, tags, properties. */
function comparable(body) {
    const out = {};
    for (const k of ['location', 'identity', 'tags', 'properties'])
        if (body[k] !== undefined)
            out[k] = body[k];
    return out;
}
function templateDifferences(wanted, existing) {
    return bodyDifferences(comparable(wanted), comparable(existing));
}

;// CONCATENATED MODULE: ./src/template/lifecycle.ts
/**
 * The template's life around the run: create it from the file (a PUT, or an ARM deployment), reuse an identical one,
 * replace or refuse a different one, and delete it after the run (cancelling a run still going first).
 */



/** The service's answer to a PUT that would change an existing template (409 Conflict). */
const UPDATE_NOT_SUPPORTED = /Update\/Upgrade of image templates is currently not supported/i;
/** Longest wait for a template create or delete (the service takes seconds to minutes). */
const TEMPLATE_OPERATION_TIMEOUT_MS = 30 * 60_000;
function templatePath(d, name) {
    return `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${encodeURIComponent(name)}`;
}
function lro(d, timeoutMs = TEMPLATE_OPERATION_TIMEOUT_MS) {
    return { sleep: d.sleep, now: d.now, intervalMs: d.pollIntervalMs, timeoutMs, ...(d.signal ? { signal: d.signal } : {}) };
}
/** The template as the service returns it, or undefined when it does not exist. */
async function readTemplate(d, name) {
    const res = await d.arm.send('GET', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, undefined, d.signal);
    if (res.status === 404)
        return undefined;
    if (res.status >= 400)
        throw armErrorOf(res, `GET image template '${name}'`);
    return (0,template_file/* isObject */.Gv)(res.body) ? res.body : {};
}
function props(t) {
    return t && (0,template_file/* isObject */.Gv)(t.properties) ? t.properties : {};
}
function runState(t) {
    const s = props(t).lastRunStatus;
    return (0,template_file/* isObject */.Gv)(s) && typeof s.runState === 'string' ? s.runState : undefined;
}
const running = (t) => ['running', 'canceling'].includes((runState(t) ?? '').toLowerCase());
function stagingGroup(t) {
    const g = props(t).exactStagingResourceGroup;
    return typeof g === 'string' && g !== '' ? g : undefined;
}
async function putTemplate(d, name, body) {
    const res = await d.arm.send('PUT', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, body, d.signal);
    if (res.status === 409) {
        const err = armErrorOf(res, `PUT image template '${name}'`);
        if (UPDATE_NOT_SUPPORTED.test(err.message))
            return { conflict: err.message };
        throw err;
    }
    if (res.status >= 400)
        throw armErrorOf(res, `PUT image template '${name}'`);
    await waitForOperation(d.arm, res, `Creating image template '${name}'`, lro(d));
    const after = await readTemplate(d, name);
    const state = String(props(after).provisioningState ?? '');
    if (state.toLowerCase() === 'failed') {
        const e = props(after).provisioningError;
        const msg = (0,template_file/* isObject */.Gv)(e) ? `${String(e.provisioningErrorCode ?? '')}: ${String(e.message ?? '')}` : 'no detail from the service';
        throw new template_file/* TemplateError */.$w(`Image template '${name}' failed to provision (${msg}). The failed template is left in place; fix the file and run again with replace-template: true.`, 'Template not created');
    }
    return {};
}
/** The body to PUT of a template prepared in resource form. */
function bodyOf(prepared) {
    if (!prepared.body)
        throw new Error(`internal error: template '${prepared.name}' was prepared as a resource but has no body`);
    return prepared.body;
}
async function deploy(d, prepared) {
    const dep = prepared.deployment;
    if (!dep)
        throw new Error(`internal error: template '${prepared.name}' was prepared as an ARM template but has no deployment`);
    const depName = `image-builder-run-${prepared.name}`.slice(0, 64);
    const path = `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.Resources/deployments/${encodeURIComponent(depName)}?api-version=${DEPLOYMENTS_API_VERSION}`;
    const res = await d.arm.send('PUT', path, { properties: { mode: 'Incremental', template: dep.template, parameters: dep.parameters } }, d.signal);
    const conflictOf = (err) => allMessages(err).find((m) => UPDATE_NOT_SUPPORTED.test(m) && !m.trim().startsWith('{'));
    if (res.status >= 400) {
        const err = armErrorOf(res, `Deployment '${depName}'`);
        const c = conflictOf({ message: err.message, details: err.details });
        if (c)
            return { conflict: c };
        throw err;
    }
    try {
        await waitForOperation(d.arm, res, `Deployment '${depName}'`, lro(d));
    }
    catch (err) {
        const c = conflictOf(err);
        if (c)
            return { conflict: c };
        const detail = allMessages(err)
            .filter((m) => !m.trim().startsWith('{'))
            .slice(1, 4);
        throw new template_file/* TemplateError */.$w(`Deployment '${depName}' of ${prepared.path} failed: ${d.describe(err)}${detail.length ? `\n${detail.map((m) => `  ${m}`).join('\n')}` : ''}`, 'Template not created');
    }
    return {};
}
/** `probe`: the template exists, and the service decides whether the body is unchanged (accepted) or not (409, no change). */
async function create(d, prepared, probe = false) {
    if (!probe)
        d.beforeChange?.();
    return prepared.form === 'resource' ? putTemplate(d, prepared.name, bodyOf(prepared)) : deploy(d, prepared);
}
/** Waits until the template shows no run in progress (bounded); true when it did. */
async function waitNotRunning(d, name, timeoutMs) {
    const deadline = d.now() + timeoutMs;
    for (;;) {
        const t = await readTemplate(d, name);
        if (!running(t))
            return true;
        if (d.now() + d.pollIntervalMs > deadline)
            return false;
        await d.sleep(d.pollIntervalMs, d.signal);
    }
}
/** DELETE and wait for it; resolves when the template is gone. */
async function deleteAndWait(d, name) {
    const res = await d.arm.send('DELETE', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, undefined, d.signal);
    if (res.status === 404 || res.status === 204)
        return;
    if (res.status >= 400)
        throw armErrorOf(res, `DELETE image template '${name}'`);
    await waitForOperation(d.arm, res, `Deleting image template '${name}'`, lro(d));
}
/** Makes sure the template of the file exists: create, reuse an identical one, replace (replace-template) or refuse a different one. */
async function ensureTemplate(d, prepared, replace) {
    const { name } = prepared;
    const where = `resource group '${d.resourceGroup}'`;
    let existing = await readTemplate(d, name);
    const stateOf = (t) => String(props(t).provisioningState ?? '').toLowerCase();
    if (existing && stateOf(existing) === 'deleting') {
        d.log.info(`Image template '${name}' is being deleted; waiting for it to go before creating it again.`);
        const deadline = d.now() + TEMPLATE_OPERATION_TIMEOUT_MS;
        while (existing && stateOf(existing) === 'deleting' && d.now() < deadline) {
            await d.sleep(d.pollIntervalMs, d.signal);
            existing = await readTemplate(d, name);
        }
    }
    if (!existing) {
        d.log.info(`Creating image template '${name}' in ${where} from ${prepared.path}${prepared.form === 'arm' ? ' (ARM deployment)' : ''}.`);
        const r = await create(d, prepared);
        if (r.conflict)
            throw refusal(d, prepared, undefined, r.conflict);
        return 'created';
    }
    let diffs;
    if (stateOf(existing) === 'failed')
        diffs = ['properties.provisioningState (Failed: a template that failed to provision must be deleted and created again)'];
    else if (prepared.form === 'resource')
        diffs = templateDifferences(bodyOf(prepared), existing);
    if (diffs !== undefined && diffs.length === 0) {
        d.log.info(`Image template '${name}' already exists with the same body: reusing it.`);
        return 'reused';
    }
    let conflict;
    if (diffs === undefined || stateOf(existing) !== 'failed') {
        // The service decides: an unchanged body is accepted, a changed one refused (409) without any change.
        const r = await create(d, prepared, true);
        if (!r.conflict) {
            d.log.info(`Image template '${name}' already exists; the service accepted the body unchanged: reusing it.`);
            return 'reused';
        }
        conflict = r.conflict;
    }
    if (!replace)
        throw refusal(d, prepared, diffs, conflict);
    if (running(existing)) {
        throw new template_file/* TemplateError */.$w(`Image template '${name}' must be replaced (replace-template: true), but it has a run in progress (${runState(existing)}), and a template cannot be deleted while it runs. ` +
            'Wait for that run to end (or cancel it: az image builder cancel), then run this step again; or give this template a name of its own.', 'Template not replaced');
    }
    d.log.info(`Replacing image template '${name}' (replace-template: true): deleting it${stagingGroup(existing) ? ` and its staging group ${stagingGroup(existing)}` : ''}, then creating it from ${prepared.path}.`);
    d.beforeChange?.();
    await deleteAndWait(d, name);
    const again = await create(d, prepared);
    if (again.conflict)
        throw refusal(d, prepared, diffs, again.conflict);
    return 'replaced';
}
function refusal(d, prepared, diffs, serviceMessage) {
    const differs = diffs?.length ? ` It differs at: ${diffs.slice(0, 8).join(', ')}${diffs.length > 8 ? ', ...' : ''}.` : '';
    const quote = serviceMessage ?? 'Update/Upgrade of image templates is currently not supported.';
    return new template_file/* TemplateError */.$w(`Image template '${prepared.name}' already exists in resource group '${d.resourceGroup}' with a different body than ${prepared.path}, and the service does not change a template in place: "${quote}"${differs} ` +
        'Nothing was changed. Either set replace-template: true to delete it and create it again from the file, ' +
        `or give this template a name of its own (template-name${prepared.nameFrom === 'file' ? ', or remove the name from the file to have one generated per run' : ''}).`, 'Template exists with a different body');
}
/**
 * Deletes the template after the run (its logs already fetched): a run still going is canceled first and waited
 * for; the delete is waited for. Never throws: a failure is a warning naming what is left (it costs money).
 */
async function deleteTemplate(d, name, o) {
    let staging;
    const leftover = (why) => {
        d.log.warning(`Could not delete image template '${name}' in resource group '${d.resourceGroup}': ${why}. It is left in place${staging ? ` with its staging resource group ${staging}` : ''}, ` +
            `which cost money: delete it with az image builder delete -g ${d.resourceGroup} -n ${name}.`);
        return false;
    };
    try {
        const t = await readTemplate(d, name);
        if (!t) {
            d.log.info(`Image template '${name}' is already gone.`);
            return true;
        }
        staging = stagingGroup(t);
        if (running(t)) {
            if ((runState(t) ?? '').toLowerCase() === 'running') {
                d.log.info(`Image template '${name}' still has a run going: canceling it before the delete.`);
                const res = await d.arm.send('POST', `${templatePath(d, name)}/cancel?api-version=${IMAGEBUILDER_API_VERSION}`, undefined, d.signal);
                if (res.status >= 400 && res.status !== 409)
                    throw armErrorOf(res, `Cancel of '${name}'`);
            }
            if (!(await waitNotRunning(d, name, o.cancelTimeoutMs)))
                return leftover(`its run did not stop within ${Math.round(o.cancelTimeoutMs / 1000)} s of the cancel (cancel-timeout)`);
        }
        d.log.info(`Deleting image template '${name}'${staging ? ` (and its staging resource group ${staging})` : ''}.`);
        await deleteAndWait(d, name);
        d.log.info(`Image template '${name}' deleted.`);
        return true;
    }
    catch (err) {
        return leftover(err instanceof ArmRequestError || err?.statusCode !== undefined
            ? d.describe(err)
            : err instanceof Error
                ? err.message
                : String(err));
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
;// CONCATENATED MODULE: ./src/template/name.ts
/** The template's name: the template-name input, else the file's `name`, else one generated per repository, run, attempt and job. */


const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_NAME = 64;
/**
 * `<file>-<run id>-<attempt>-<6 hex>`, at most 64 characters: readable (which file, which run, which attempt)
 * and unique per repository, run, attempt, job, step and inputs (the hash), so matrix jobs and re-runs never share one.
 */
function generateName(ctx) {
    const { env } = ctx;
    const runId = (env.GITHUB_RUN_ID ?? '').replace(/[^0-9A-Za-z]/g, '') || 'local';
    const attempt = (env.GITHUB_RUN_ATTEMPT ?? '').replace(/[^0-9]/g, '') || '1';
    const hash = (0,external_node_crypto_.createHash)('sha256')
        .update(JSON.stringify([
        env.GITHUB_REPOSITORY ?? '',
        runId,
        attempt,
        env.GITHUB_JOB ?? '',
        env.GITHUB_ACTION ?? '',
        ctx.file,
        ctx.distinguishing,
    ]))
        .digest('hex')
        .slice(0, 6);
    const tail = `-${runId}-${attempt}-${hash}`;
    let base = (0,external_node_path_.basename)(ctx.file, (0,external_node_path_.extname)(ctx.file))
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[-.]+|[-.]+$/g, '');
    if (base === '')
        base = 'template';
    base = base.slice(0, Math.max(1, MAX_NAME - tail.length)).replace(/[-.]+$/, '') || 't';
    return `${base}${tail}`.slice(0, MAX_NAME);
}

;// CONCATENATED MODULE: ./src/template/provenance.ts
/**
 * Provenance (contract behaviour 12): tags naming the repository, commit and workflow run that built an image, on the
 * template and, through each distribute target's artifactTags, on the image. Keys the file sets are kept as it sets them.
 */

/** The tags for this run, from the runner's environment; undefined outside a workflow run. */
function provenanceFromEnv(env) {
    const repo = env.GITHUB_REPOSITORY ?? '';
    const sha = env.GITHUB_SHA ?? '';
    const runId = env.GITHUB_RUN_ID ?? '';
    if (!repo || !sha || !runId)
        return undefined;
    const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
    // The run's URL without the attempt: a re-run of the same run builds the same body, so its template is reused.
    return { 'source-repository': repo, 'source-commit': sha, 'source-run': `${server}/${repo}/actions/runs/${runId}` };
}
/** Tags with the provenance keys added where the given tags do not set them. */
function withProvenance(tags, p) {
    return { ...p, ...(tags ?? {}) };
}
/** ARM expression: union(provenance, <expr>): the template's own keys win, as with a literal object. */
function unionExpression(expr, p) {
    const lit = (s) => `'${s.replace(/'/g, "''")}'`;
    const obj = `createObject(${Object.entries(p)
        .map(([k, v]) => `${lit(k)}, ${lit(v)}`)
        .join(', ')})`;
    return `[union(${obj}, ${expr.slice(1, -1)})]`;
}
function tagged(v, p) {
    if ((0,template_file/* isExpression */.BH)(v))
        return unionExpression(v, p);
    return withProvenance((0,template_file/* isObject */.Gv)(v) ? v : undefined, p);
}
/**
 * Adds provenance to a template body (a resource body or an ARM template's resource), in place.
 * Returns what could not be tagged (e.g. distribute given as one expression), for a warning.
 */
function addProvenance(body, p) {
    const missed = [];
    body.tags = tagged(body.tags, p);
    const props = body.properties;
    if (!(0,template_file/* isObject */.Gv)(props))
        return missed;
    const d = props.distribute;
    if (Array.isArray(d)) {
        d.forEach((target, i) => {
            if ((0,template_file/* isObject */.Gv)(target))
                target.artifactTags = tagged(target.artifactTags, p);
            else
                missed.push(`properties.distribute[${i}]`);
        });
    }
    else if (d !== undefined) {
        missed.push('properties.distribute');
    }
    return missed;
}

;// CONCATENATED MODULE: ./src/template/prepare.ts
/**
 * Everything about template-file that can be known before any call: the file's form, its checks, the name,
 * provenance, the VHD rule (contract behaviour 13), and the warnings to give. Local work only.
 */




const PARAM_REF = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/;
function literalDistribute(props) {
    if (!(0,template_file/* isObject */.Gv)(props) || !Array.isArray(props.distribute))
        return undefined;
    const out = [];
    for (const d of props.distribute) {
        if (!(0,template_file/* isObject */.Gv)(d) || typeof d.type !== 'string' || (0,template_file/* isExpression */.BH)(d.type))
            return undefined;
        const item = { type: d.type };
        if (typeof d.runOutputName === 'string')
            item.runOutputName = d.runOutputName;
        if (d.type.toUpperCase() === 'VHD')
            item.vhdUri = typeof d.uri === 'string' && d.uri !== '';
        out.push(item);
    }
    return out;
}
/** The name an ARM template's resource gets, resolving `[parameters('x')]`; sets the parameter when the action chooses the name. */
function armName(file, parameters, input, generated) {
    const where = `template-file '${file.path}'`;
    const expr = file.resource.name;
    if (typeof expr === 'string' && !(0,template_file/* isExpression */.BH)(expr)) {
        if (input !== '' && input !== expr)
            throw new template_file/* TemplateFileError */.Hl(`template-name '${input}' differs from the name '${expr}' that ${where} gives its image template: remove one of them.`);
        return { name: expr, from: input !== '' ? 'input' : 'file' };
    }
    const ref = typeof expr === 'string' ? PARAM_REF.exec(expr)?.[1] : undefined;
    if (ref === undefined) {
        if (input !== '')
            return { name: input, from: 'input' };
        throw new template_file/* TemplateFileError */.Hl(`${where}: the image template's name is ${JSON.stringify(expr)}, an expression the action cannot evaluate before the deployment. ` +
            `Set template-name to the name it gives, or make the name a parameter (name: "[parameters('imageTemplateName')]") so the action can pass or generate it.`);
    }
    const given = parameters[ref];
    const givenValue = (0,template_file/* isObject */.Gv)(given) ? given.value : undefined;
    if (typeof givenValue === 'string') {
        if (input !== '' && input !== givenValue)
            throw new template_file/* TemplateFileError */.Hl(`template-name '${input}' differs from parameter '${ref}' ('${givenValue}') in template-parameters, which names the template: remove one of them.`);
        return { name: givenValue, from: input !== '' ? 'input' : 'file' };
    }
    if (input !== '') {
        parameters[ref] = { value: input };
        return { name: input, from: 'input' };
    }
    const decl = (0,template_file/* isObject */.Gv)(file.template.parameters) ? file.template.parameters[ref] : undefined;
    if (!(0,template_file/* isObject */.Gv)(decl))
        throw new template_file/* TemplateFileError */.Hl(`${where}: the image template's name is parameter '${ref}', which the template does not declare.`);
    const def = decl.defaultValue;
    if (typeof def === 'string' && !(0,template_file/* isExpression */.BH)(def))
        return { name: def, from: 'file' };
    if (def !== undefined) {
        throw new template_file/* TemplateFileError */.Hl(`${where}: parameter '${ref}' names the image template, and its default ${JSON.stringify(def)} is an expression the action cannot evaluate before the deployment: set template-name (passed as '${ref}'), or give '${ref}' in template-parameters.`);
    }
    const name = generated();
    parameters[ref] = { value: name };
    return { name, from: 'generated' };
}
async function prepareTemplate(s, env, run = template_file/* runCommand */.d1) {
    const file = await (0,template_file/* readTemplateFile */.Pj)(s.templateFile, run);
    const where = file.form === 'arm' && file.compiledFrom ? `template-file '${file.path}' (compiled from Bicep)` : `template-file '${file.path}'`;
    const body = file.form === 'resource' ? file.body : file.resource;
    const problems = describeProblems(where, validateTemplateBody(body, file.form === 'arm'));
    if (problems)
        throw new template_file/* TemplateFileError */.Hl(problems);
    if (file.form === 'resource' && s.templateParameters !== undefined) {
        throw new template_file/* TemplateFileError */.Hl(`template-parameters is set, but ${where} is a template resource body, which has no parameters: pass an ARM or Bicep template, or remove template-parameters.`);
    }
    const generated = () => generateName({
        env,
        file: s.templateFile,
        distinguishing: JSON.stringify(Object.entries(env)
            .filter(([k]) => k.startsWith('INPUT_'))
            .sort(([a], [b]) => a.localeCompare(b))),
    });
    const warnings = [];
    const prepared = { form: file.form, path: file.path, name: '', nameFrom: 'generated', warnings };
    if (file.form === 'arm' && file.compiledFrom)
        prepared.compiledFrom = file.compiledFrom;
    const provenance = provenanceFromEnv(env);
    if (provenance)
        prepared.provenance = provenance;
    else
        warnings.push('Not in a GitHub workflow run (GITHUB_REPOSITORY, GITHUB_SHA or GITHUB_RUN_ID missing): no provenance tags added.');
    if (file.form === 'resource') {
        const fileName = typeof body.name === 'string' ? body.name : undefined;
        if (s.templateName !== '' && fileName !== undefined && fileName !== s.templateName) {
            throw new template_file/* TemplateFileError */.Hl(`template-name '${s.templateName}' differs from the name '${fileName}' in ${where}: remove one of them.`);
        }
        prepared.name = s.templateName || fileName || generated();
        prepared.nameFrom = s.templateName ? 'input' : fileName ? 'file' : 'generated';
        const out = without(JSON.parse(JSON.stringify(body)), ['name', 'id', 'type', 'systemData', 'apiVersion']);
        if ((0,template_file/* isObject */.Gv)(out.properties))
            out.properties = without(out.properties, READ_ONLY_PROPERTIES);
        if (provenance)
            warnings.push(...addProvenance(out, provenance).map((p) => `Provenance: ${p} is not an object; its artifactTags could not be tagged.`));
        prepared.body = out;
        if (typeof out.location === 'string')
            prepared.location = out.location;
    }
    else {
        const template = JSON.parse(JSON.stringify(file.template));
        const copy = resourceInCopy(template, file);
        const parameters = JSON.parse(JSON.stringify(s.templateParameters ?? {}));
        const declared = (0,template_file/* isObject */.Gv)(template.parameters) ? Object.keys(template.parameters) : [];
        const unknown = Object.keys(parameters).filter((k) => !declared.includes(k));
        if (unknown.length > 0) {
            throw new template_file/* TemplateFileError */.Hl(`template-parameters sets ${unknown.map((k) => `'${k}'`).join(', ')}, which ${where} does not declare (it declares: ${declared.join(', ') || 'none'}).`);
        }
        const n = armName({ ...file, template }, parameters, s.templateName, generated);
        prepared.name = n.name;
        prepared.nameFrom = n.from;
        if (provenance) {
            warnings.push(...addProvenance(copy, provenance).map((p) => `Provenance: ${p} is an expression; its artifactTags could not be tagged (give distribute as a list to have the image tagged).`));
        }
        prepared.deployment = { template, parameters };
        if (typeof copy.location === 'string' && !(0,template_file/* isExpression */.BH)(copy.location))
            prepared.location = copy.location;
    }
    if (!TEMPLATE_NAME.test(prepared.name)) {
        throw new template_file/* TemplateFileError */.Hl(`The template name '${prepared.name}' (from ${prepared.nameFrom === 'file' ? where : 'template-name'}) is not valid: expected 1-64 letters, digits, hyphens, underscores or periods.`);
    }
    const props = file.form === 'resource' ? prepared.body?.properties : (prepared.deployment && armResourceOf(prepared.deployment.template))?.properties;
    const distribute = literalDistribute(props);
    if (distribute)
        prepared.distribute = distribute;
    if (s.deleteTemplate !== 'never' && s.vhdDestination === undefined) {
        const lost = (distribute ?? []).filter((d) => d.type.toUpperCase() === 'VHD' && !d.vhdUri);
        if (lost.length > 0) {
            throw new template_file/* TemplateFileError */.Hl(`delete-template is ${s.deleteTemplate}, and ${where} has a VHD distribute target (${lost.map((d) => d.runOutputName ?? '?').join(', ')}) that writes the VHD into the template's staging resource group, ` +
                'which deleting the template deletes: the VHD would be lost. Set vhd-destination to a blob container of yours (the action copies the VHD there before the delete), give the VHD target its own uri (a blob URL in a storage account of yours), or set delete-template: never.');
        }
        if (distribute === undefined)
            warnings.push(`${where}: distribute is an expression, so the action cannot tell before the run whether a VHD target would be lost when the template is deleted.`);
    }
    const staging = (0,template_file/* isObject */.Gv)(props) ? props.stagingResourceGroup : undefined;
    if ((staging === undefined || staging === '') && s.logsWanted) {
        warnings.push(`${where} sets no properties.stagingResourceGroup, so the service makes a new IT_... staging group for this template, on which no role could be granted beforehand: ` +
            "reading the build log needs Storage Blob Data Reader (and Reader) there, or at the subscription. Point stagingResourceGroup at a group prepared once, with the roles granted on it (see the README's 'A prepared staging resource group').");
    }
    return prepared;
}
function armResourceOf(template) {
    const r = template.resources;
    const list = Array.isArray(r) ? r : (0,template_file/* isObject */.Gv)(r) ? Object.values(r) : [];
    return list.find((x) => (0,template_file/* isObject */.Gv)(x) && typeof x.type === 'string' && x.type.toLowerCase() === 'microsoft.virtualmachineimages/imagetemplates');
}
/** The imageTemplates resource inside our own copy of the template (the one we send). */
function resourceInCopy(template, file) {
    const found = armResourceOf(template);
    if (!found)
        throw new template_file/* TemplateFileError */.Hl(`template-file '${file.path}': no image template resource.`);
    return found;
}
/** A copy of `o` without the given keys (the others in their order). */
function without(o, keys) {
    return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

// EXTERNAL MODULE: ./src/clouds.ts
var clouds = __webpack_require__(40157);
;// CONCATENATED MODULE: ./src/template/vhd.ts

/** Largest range one Put Page From URL may write. */
const PAGE_CHUNK = 4 * 1024 * 1024;
const PARALLEL = 8;
/** Source tokens are fetched again after this long (a copy of a large VHD can outlast one token). */
const TOKEN_REUSE_MS = 10 * 60_000;
/** The URL without query (a SAS) or fragment. */
function withoutQuery(url) {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    return u.toString();
}
/** Where the copy of `sourceUri` goes: the destination container plus the source blob's name. */
function copyUrlFor(sourceUri, destinationContainer) {
    const name = new URL(sourceUri).pathname.split('/').filter(Boolean).pop() ?? 'image.vhd';
    return `${destinationContainer.replace(/\/+$/, '')}/${name}`;
}
/** Splits page ranges ({start, end} inclusive) into chunks of at most PAGE_CHUNK bytes. */
function chunksOf(ranges) {
    const out = [];
    for (const r of ranges) {
        for (let o = r.start; o <= r.end; o += PAGE_CHUNK)
            out.push({ offset: o, count: Math.min(PAGE_CHUNK, r.end + 1 - o) });
    }
    return out;
}
async function pageBlob(url, credential) {
    const { PageBlobClient } = await Promise.all(/* import() */[__webpack_require__.e(818), __webpack_require__.e(644), __webpack_require__.e(738), __webpack_require__.e(365)]).then(__webpack_require__.bind(__webpack_require__, 62644));
    return new PageBlobClient(url, credential, { retryOptions: { maxTries: 4 } });
}
/**
 * Copies the VHD at sourceUri to destinationContainer; resolves with the copy's URL. Throws an Error whose message
 * names both URLs on any failure (the caller keeps the template then).
 */
async function copyVhd(sourceUri, destinationContainer, o) {
    const now = o.now ?? Date.now;
    const source = withoutQuery(sourceUri);
    const target = copyUrlFor(source, destinationContainer);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`it did not finish within ${Math.round(o.timeoutMs / 1000)} s (timeout)`)), o.timeoutMs);
    const onAbort = () => controller.abort(new Error('the step was stopped'));
    if (o.signal?.aborted)
        onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const abortSignal = controller.signal;
    try {
        const src = await pageBlob(source, o.credential);
        const dst = await pageBlob(target, o.credential);
        const props = await src.getProperties({ abortSignal });
        const size = props.contentLength ?? 0;
        if (props.blobType !== 'PageBlob')
            throw new Error(`the source is a ${props.blobType ?? 'blob of unknown type'}, not the page blob a VHD run output is`);
        const ranges = [];
        for await (const r of src.listPageRanges(0, size, { abortSignal }))
            ranges.push({ start: r.start, end: r.end });
        const chunks = chunksOf(ranges);
        const total = chunks.reduce((n, c) => n + c.count, 0);
        o.log.info(`Copying VHD ${source} (${gib(size)}, ${gib(total)} written) to ${target}.`);
        await dst.create(size, { abortSignal, ...(props.contentType ? { blobHTTPHeaders: { blobContentType: props.contentType } } : {}) });
        let token;
        const bearer = async () => {
            if (!token || now() - token.at > TOKEN_REUSE_MS) {
                const t = await o.credential.getToken(clouds/* STORAGE_SCOPE */.pg, { abortSignal });
                if (!t)
                    throw new Error('no storage token for the source');
                token = { value: t.token, at: now() };
            }
            return token.value;
        };
        let next = 0;
        let copied = 0;
        let lastTenth = 0;
        const worker = async () => {
            while (next < chunks.length) {
                if (abortSignal.aborted)
                    throw abortSignal.reason;
                const c = chunks[next++];
                if (c === undefined)
                    return;
                await dst.uploadPagesFromURL(source, c.offset, c.offset, c.count, {
                    abortSignal,
                    sourceAuthorization: { scheme: 'Bearer', value: await bearer() },
                });
                copied += c.count;
                const tenth = Math.floor((copied / Math.max(total, 1)) * 10);
                if (tenth > lastTenth && tenth < 10) {
                    lastTenth = tenth;
                    o.log.info(`VHD copy: ${tenth * 10}% (${gib(copied)} of ${gib(total)}).`);
                }
            }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL, chunks.length) }, worker));
        const after = await dst.getProperties({ abortSignal });
        if (after.contentLength !== size)
            throw new Error(`the copy has ${after.contentLength ?? 0} bytes, the source ${size}`);
        o.log.info(`VHD copied to ${target}.`);
        return target;
    }
    catch (err) {
        const why = abortSignal.aborted ? abortSignal.reason.message : describe(err);
        throw new Error(`Could not copy VHD ${source} to ${target} (vhd-destination): ${why}.`, { cause: err });
    }
    finally {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
    }
}
function gib(bytes) {
    return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
function describe(err) {
    const e = err;
    // The first line, without any query string (a SAS) and without its closing period (the caller adds one).
    const first = (e.message ?? String(err))
        .split('\n', 1)[0]
        ?.replace(/\?[^\s]*/g, '')
        .replace(/\.\s*$/, '') ?? '';
    return e.statusCode ? `${e.statusCode}${e.code ? ` ${e.code}` : ''}: ${first}` : first;
}
/** A storage token goes only to the host the user named (vhd-destination) or to hosts under the cloud's storage suffix. */
function mayReceiveToken(url, destination, storageSuffix) {
    const u = new URL(url);
    if (u.protocol !== 'https:')
        return false;
    if (u.host.toLowerCase() === new URL(destination).host.toLowerCase())
        return true;
    const host = u.hostname.toLowerCase();
    return host.endsWith(`.blob.${storageSuffix.toLowerCase()}`);
}
function createVhdKeeper(settings, credential, copy = copyVhd) {
    let state = 'not-run';
    const keeper = {
        destination: settings.vhdDestination,
        state: () => state,
        async keep(outputs, isVhd, log, signal) {
            const result = [];
            if (outputs.some((o) => isVhd(o) && o.artifactUri)) {
                state = 'copying';
                keeper.onChange?.();
            }
            for (const o of outputs) {
                if (!isVhd(o) || !o.artifactUri) {
                    result.push(o);
                    continue;
                }
                const source = withoutQuery(o.artifactUri);
                if (!mayReceiveToken(source, settings.vhdDestination, settings.storageSuffix)) {
                    state = 'failed';
                    keeper.onChange?.();
                    return {
                        error: `Could not copy VHD ${source} of run output ${o.name} to ${settings.vhdDestination} (vhd-destination): the VHD is not on a blob endpoint of this cloud (*.blob.${settings.storageSuffix}), so no storage token is sent there. The template is kept.`,
                    };
                }
                try {
                    const copied = await copy(source, settings.vhdDestination, {
                        credential,
                        log,
                        timeoutMs: settings.timeoutMs,
                        ...(signal ? { signal } : {}),
                    });
                    result.push({ ...o, artifactUri: copied });
                }
                catch (err) {
                    state = 'failed';
                    keeper.onChange?.();
                    return {
                        error: `${err instanceof Error ? err.message : String(err)} The template and its VHD are kept; copy the VHD yourself before deleting the template.`,
                    };
                }
            }
            state = 'copied';
            keeper.onChange?.();
            return { outputs: result };
        },
    };
    return keeper;
}

;// CONCATENATED MODULE: ./src/template/index.ts







/** Saved for the post step: what to delete if the main step could not. */
const STATE_TEMPLATE = 'ibr-template-file';
const sleep = (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted)
        return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason);
    }, { once: true });
});
/**
 * Before any call: reads, checks and names the template of template-file, and sets settings.templateName.
 * Throws TemplateFileError (written for the user) on a problem.
 */
async function prepareTemplateFile(settings, env) {
    if (settings.templateFile === undefined)
        return undefined;
    const prepared = await prepareTemplate({
        templateFile: settings.templateFile,
        templateName: settings.templateName,
        ...(settings.templateParameters ? { templateParameters: settings.templateParameters } : {}),
        deleteTemplate: settings.deleteTemplate,
        logsWanted: settings.streamLogs || settings.uploadLogs !== 'never',
        ...(settings.vhdDestination !== undefined ? { vhdDestination: settings.vhdDestination } : {}),
    }, env);
    settings.templateName = prepared.name;
    return prepared;
}
function lifecycleDeps(arm, ctx, pollIntervalMs, log, signal) {
    return {
        arm,
        log,
        sleep,
        now: () => Date.now(),
        subscriptionId: ctx.subscriptionId,
        resourceGroup: ctx.resourceGroup,
        pollIntervalMs,
        ...(signal ? { signal } : {}),
        describe: (err) => (0,errors/* describeAzureError */.pv)(err, ctx),
    };
}
/** `vhds` (vhd-destination): the template is deleted only once its VHD run outputs are copied. */
function createTemplateFromFile(prepared, settings, credential, saved, vhds) {
    const arm = createArmClient(credential, settings.resourceManagerEndpoint, settings.armScope);
    let ensured = false;
    let lastPending;
    const save = (report, pending) => {
        lastPending = { report, pending };
        const s = {
            ctx: saved,
            deleteTemplate: settings.deleteTemplate,
            cancelTimeoutMs: settings.cancelTimeoutMs,
            pollIntervalMs: settings.pollIntervalMs,
            pending,
        };
        if (vhds && ['copying', 'failed'].includes(vhds.state()))
            s.vhdAtRisk = true;
        report.saveState(STATE_TEMPLATE, JSON.stringify(s));
    };
    if (vhds) {
        vhds.onChange = () => {
            if (lastPending)
                save(lastPending.report, lastPending.pending);
        };
    }
    return {
        prepared,
        async ensure(report, signal) {
            for (const w of prepared.warnings)
                report.warning(w);
            const deletes = settings.deleteTemplate !== 'never';
            // For the post step: only a template this step created, changed or went on to run is its to delete.
            const deps = {
                ...lifecycleDeps(arm, settings, settings.pollIntervalMs, report, signal),
                ...(deletes ? { beforeChange: () => save(report, true) } : {}),
            };
            let outcome;
            try {
                outcome = await ensureTemplate(deps, prepared, settings.replaceTemplate);
            }
            catch (err) {
                if (err instanceof template_file/* TemplateError */.$w)
                    throw err;
                throw new template_file/* TemplateError */.$w(`Could not create image template '${prepared.name}' from ${prepared.path}: ${deps.describe(err)}`, 'Azure request failed');
            }
            ensured = true;
            if (deletes)
                save(report, true);
            if (prepared.provenance) {
                report.info(`Provenance: ${outcome === 'reused' ? 'the template carries' : 'tagged the template and its images with'} source-repository=${prepared.provenance['source-repository']}, ` +
                    `source-commit=${prepared.provenance['source-commit']}, source-run=${prepared.provenance['source-run']}.`);
            }
        },
        async afterRun(state, report) {
            if (!ensured || settings.deleteTemplate === 'never')
                return;
            if (settings.deleteTemplate === 'on-success' && state !== 'Succeeded') {
                report.info(`delete-template is on-success and the run ended ${state ?? 'without a known state'}: keeping image template '${settings.templateName}' to look into.`);
                save(report, false);
                return;
            }
            const produced = state === 'Succeeded' || state === 'PartiallySucceeded';
            if (vhds && (vhds.state() === 'failed' || vhds.state() === 'copying' || (produced && vhds.state() === 'not-run'))) {
                report.warning(`Keeping image template '${settings.templateName}' (delete-template: ${settings.deleteTemplate}): its VHD run output was not copied to ${vhds.destination} (vhd-destination), ` +
                    `and deleting the template would delete the VHD. Copy the VHD, then delete the template: az image builder delete -g ${settings.resourceGroup} -n ${settings.templateName}.`);
                save(report, false);
                return;
            }
            await deleteTemplate(lifecycleDeps(arm, settings, settings.pollIntervalMs, report), settings.templateName, {
                cancelTimeoutMs: settings.cancelTimeoutMs,
            });
            save(report, false);
        },
    };
}
/** Post step: deletes a template-file template the main step left behind (delete-template: always, main step killed). */
async function deleteLeftoverTemplate(deps) {
    const raw = deps.getState(STATE_TEMPLATE);
    if (raw === '')
        return;
    let s;
    try {
        s = JSON.parse(raw);
    }
    catch {
        return;
    }
    if (!s.pending || !s.ctx)
        return;
    if (s.vhdAtRisk) {
        deps.warning(`The main step ended before copying the VHD to vhd-destination: keeping image template '${s.ctx.templateName}', whose delete would delete the VHD.`);
        return;
    }
    if (s.deleteTemplate !== 'always') {
        deps.info(`delete-template is ${s.deleteTemplate} and the main step did not finish: keeping image template '${s.ctx.templateName}'.`);
        return;
    }
    deps.info(`The main step ended before deleting image template '${s.ctx.templateName}' (delete-template: always): deleting it now.`);
    await deleteTemplate(lifecycleDeps(deps.makeArm(s.ctx), s.ctx, s.pollIntervalMs, deps), s.ctx.templateName, {
        cancelTimeoutMs: s.cancelTimeoutMs,
    });
}



/***/ })

};
