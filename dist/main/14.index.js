export const id = 14;
export const ids = [14];
export const modules = {

/***/ 4014:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  annotationOf: () => (/* reexport */ annotationOf),
  createBuildLogs: () => (/* binding */ createBuildLogs),
  defaultArtifactName: () => (/* reexport */ defaultArtifactName),
  excerpt: () => (/* reexport */ excerpt)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
;// CONCATENATED MODULE: ./src/logs/artifact.ts
/** Characters the artifact service refuses in a name. */
const FORBIDDEN = /[":<>|*?\r\n\\/]/g;
/** Make `name` acceptable to the artifact service: forbidden characters become `-`, at most 200 characters. */
function sanitizeArtifactName(name) {
    const s = name
        .replace(FORBIDDEN, '-')
        .replace(/[\u0000-\u001f\u007f]/g, '-')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200)
        .replace(/[ .]+$/, '');
    return s.length > 0 ? s : 'image-builder-logs';
}
/** `image-builder-logs-<template>-<job>-<attempt>`: unique across a matrix of templates and re-runs. */
function defaultArtifactName(template, env = process.env) {
    const parts = ['image-builder-logs', template, env['GITHUB_JOB'], env['GITHUB_RUN_ATTEMPT']].filter((p) => typeof p === 'string' && p.length > 0);
    return sanitizeArtifactName(parts.join('-'));
}
/** Why artifacts cannot be uploaded here, or undefined when they can. */
function artifactUnavailableReason(env = process.env) {
    const server = env['GITHUB_SERVER_URL'] || 'https://github.com';
    let host = '';
    try {
        host = new URL(server).hostname.toLowerCase();
    }
    catch {
        host = server;
    }
    // Same rule as @actions/artifact: github.com, *.ghe.com and *.localhost only.
    if (host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')) {
        return `workflow artifacts of this kind are not available on GitHub Enterprise Server (${server})`;
    }
    const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !env[k]);
    if (missing.length > 0)
        return `${missing.join(' and ')} not set (not running in a GitHub Actions job?)`;
    return undefined;
}
function shouldUpload(policy, failed) {
    return policy === 'always' || (policy === 'on-failure' && failed);
}
/**
 * Upload the files as ONE artifact. Never throws: where the service is unavailable or refuses, a warning.
 */
async function uploadLogsArtifact(req) {
    const env = req.env ?? process.env;
    if (req.files.length === 0)
        return undefined;
    if (!req.client) {
        const reason = artifactUnavailableReason(env);
        if (reason) {
            req.sink.warning(`Build logs not uploaded as an artifact: ${reason}. The log-uri output still points at them.`);
            return undefined;
        }
    }
    try {
        const client = req.client ?? new (await Promise.all(/* import() */[__webpack_require__.e(644), __webpack_require__.e(94)]).then(__webpack_require__.bind(__webpack_require__, 40094))).DefaultArtifactClient();
        const opts = req.retentionDays !== undefined ? { retentionDays: req.retentionDays } : {};
        const res = await client.uploadArtifact(req.name, req.files, req.rootDir, opts);
        if (res.id === undefined) {
            req.sink.warning(`Build logs artifact '${req.name}': the upload returned no artifact ID.`);
            return undefined;
        }
        return { id: res.id, url: artifactUrl(res.id, env) };
    }
    catch (err) {
        req.sink.warning(`Build logs not uploaded as artifact '${req.name}': ${err?.message ?? String(err)}`);
        return undefined;
    }
}
function artifactUrl(id, env = process.env) {
    const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
    const repo = env['GITHUB_REPOSITORY'];
    const run = env['GITHUB_RUN_ID'];
    if (!repo || !run)
        return undefined;
    return `${server}/${repo}/actions/runs/${run}/artifacts/${id}`;
}

// EXTERNAL MODULE: external "node:readline"
var external_node_readline_ = __webpack_require__(80481);
// EXTERNAL MODULE: ./src/report.ts
var report = __webpack_require__(70665);
;// CONCATENATED MODULE: ./src/logs/diagnose.ts
/**
 * Finding why a build failed: the failing customizer, its error lines and the last lines before them.
 * The log is read line by line with bounded buffers; it is never held whole in memory.
 */



const CONTEXT_LINES = 15;
const MAX_ERROR_LINES = 8;
const MAX_LINE = 300;
const PROVISIONER_TYPES = {
    shell: 'Shell',
    'shell-local': 'Shell',
    powershell: 'PowerShell',
    'windows-restart': 'WindowsRestart',
    file: 'File',
    'windows-update': 'WindowsUpdate',
};
/** A log line without its timestamps, run-ID and `PACKER OUT/ERR` prefixes. */
function cleanLine(raw) {
    let s = raw.replace(/\r$/, '');
    s = s.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?\s+/, '');
    s = s.replace(/^\[[^\]]{1,64}\]\s*/, '');
    s = s.replace(/^PACKER (OUT|ERR) ?/, '');
    s = s.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '');
    s = s.replace(/^ui( error)?: /, '');
    s = s.replace(/^\s*(==> )?azure-arm(\.[\w-]+)?: ?/, (m) => (m.trimStart().startsWith('==>') ? '==> ' : ''));
    return s.trimEnd();
}
/** Packer's own debug chatter, not the build's output. */
function isNoise(clean) {
    return /^(\[(INFO|DEBUG|TRACE)\]|packer[-\w.]* plugin:|\(telemetry\)|waiting for all plugin)/i.test(clean) || clean.trim() === '';
}
const VERDICT = [
    /Script exited with non-zero exit status/i,
    /Build '[^']+' errored/i,
    /^--> [\w.-]+: /,
    /\d+ error\(s\) occurred/i,
    /^Timeout waiting for/i,
    /^Upload failed/i,
    /^Error (uploading|downloading|restarting|running|executing)/i,
];
const SCRIPT_ERROR = /\b(error|fatal|failed|failure|exception|unable to|cannot|not found|denied)\b|^E: |^\s*\+ CategoryInfo/i;
/** Scan one log file, line by line. */
async function scanLog(file) {
    const res = { steps: [], verdicts: [], scriptErrors: [], context: [], sawVerdict: false };
    // Provisioners are counted by `(telemetry) Starting provisioner` lines; in a log without them, by the
    // `Provisioning with ...` / `Restarting Machine` / `Uploading` lines that start a new customizer.
    const steps = [];
    let telemetry = false;
    let current;
    let snap;
    let ring = [];
    let stepErrors = [];
    let closed;
    let provisioningFailed = false;
    let errorSummary = false;
    const push = (arr, s, max) => {
        arr.push(s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)} …` : s);
        if (arr.length > max)
            arr.shift();
    };
    const rl = (0,external_node_readline_.createInterface)({ input: (0,external_node_fs_.createReadStream)(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const raw of rl) {
        const line = cleanLine(raw);
        const start = /\(telemetry\) Starting provisioner ([\w-]+)/.exec(line);
        if (start?.[1]) {
            const type = PROVISIONER_TYPES[start[1].toLowerCase()];
            current = type ? { name: start[1], type, open: true } : undefined;
            telemetry = true;
            steps.push(type);
            ring = [];
            stepErrors = [];
            closed = undefined;
            continue;
        }
        if (/\(telemetry\) ending ([\w-]+)/.test(line)) {
            if (current?.open) {
                current.open = false;
                closed = { context: ring, errors: stepErrors };
                ring = [];
                stepErrors = [];
            }
            continue;
        }
        const named = /Provisioning with shell script: (.+)$/.exec(line) ??
            /Provisioning with [Pp]ower[Ss]hell script: (.+)$/.exec(line) ??
            (/Provisioning with [Pp]owershell\.\.\./.test(line) ? ['', 'inline PowerShell'] : null);
        if (named?.[1]) {
            if (!(current?.open && current.name === (current.type === 'Shell' ? 'shell' : 'powershell'))) {
                ring = [];
                stepErrors = [];
            }
            const type = /shell script/.test(line) && !/ower[Ss]hell/.test(line) ? 'Shell' : 'PowerShell';
            current = { name: named[1].trim(), type, open: true };
            if (!telemetry)
                steps.push(type);
        }
        else if (/^==> Restarting Machine/i.test(line)) {
            if (!current || current.type !== 'WindowsRestart') {
                current = { name: 'windows-restart', type: 'WindowsRestart', open: true };
                if (!telemetry)
                    steps.push('WindowsRestart');
            }
        }
        else if (/^==> Uploading (.+) => (.+)$/.test(line) && (!current || current.type === 'File')) {
            const m = /^==> Uploading (.+) => (.+)$/.exec(line);
            current = { name: `${m[1]} => ${m[2]}`, type: 'File', open: true };
            if (!telemetry)
                steps.push('File');
        }
        if (/Provisioning step had errors|Script exited with non-zero exit status|Upload failed|Timeout waiting for machine to restart|Error (uploading|restarting)/i.test(line)) {
            provisioningFailed = true;
        }
        if (/didn't complete successfully and had errors/i.test(line))
            errorSummary = true;
        if (/^--> /.test(line) && !errorSummary)
            continue;
        if (VERDICT.some((r) => r.test(line.replace(/^==> /, '')))) {
            if (!res.sawVerdict) {
                res.sawVerdict = true;
                snap = { current: current && { ...current }, steps: steps.length, ring: ring.slice(), errors: stepErrors.slice(), closed };
            }
            const v = line.replace(/^==> /, '');
            if (!res.verdicts.includes(v) && res.verdicts.length < MAX_ERROR_LINES)
                res.verdicts.push(v);
            continue;
        }
        if (isNoise(line)) {
            if (/\[ERROR\]/.test(line) && current?.open)
                push(stepErrors, line.replace(/^.*?\[ERROR\]\s*/, ''), 3);
            continue;
        }
        if (!res.sawVerdict && !/^==> Provisioning step had errors/.test(line)) {
            push(ring, line, CONTEXT_LINES);
            if (current?.open && !line.startsWith('==> ') && SCRIPT_ERROR.test(line))
                push(stepErrors, line, 4);
        }
    }
    if (snap) {
        res.steps = steps.slice(0, snap.steps);
        if (snap.current && snap.steps > 0)
            res.failedStep = snap.steps - 1;
        if (snap.current?.open) {
            res.customizer = { name: snap.current.name, type: snap.current.type };
            res.context = snap.ring;
            res.scriptErrors = snap.errors;
        }
        else if (snap.current && provisioningFailed && snap.closed) {
            res.customizer = { name: snap.current.name, type: snap.current.type };
            res.context = snap.closed.context;
            res.scriptErrors = snap.closed.errors;
        }
        else {
            res.context = snap.ring;
            res.scriptErrors = snap.errors;
        }
    }
    return res;
}
async function exists(file) {
    if (!file)
        return false;
    try {
        return (await external_node_fs_.promises.stat(file)).size > 0;
    }
    catch {
        return false;
    }
}
function shortMessage(message) {
    if (!message)
        return '';
    const cut = message.replace(/\s+/g, ' ').replace(/\s*Image Build log location:.*$/i, '').trim();
    return cut.length > MAX_LINE ? `${cut.slice(0, MAX_LINE)} …` : cut;
}
function verdictText(verdicts) {
    const errored = verdicts.find((v) => /errored after [^:]+: /.test(v));
    if (errored)
        return errored.replace(/^.*?errored after [^:]+: /, '');
    const arrow = verdicts.find((v) => v.startsWith('--> '));
    if (arrow)
        return arrow.replace(/^--> [\w.-]+: /, '');
    return verdicts[0];
}
const TEMPLATE_TYPES = {
    shell: 'Shell',
    powershell: 'PowerShell',
    windowsrestart: 'WindowsRestart',
    file: 'File',
    windowsupdate: 'WindowsUpdate',
};
/**
 * The template customizer behind the failing provisioner. Image Builder runs `customize[]` in order, one
 * packer provisioner each, and may add its own after them; so the provisioners started up to the failure
 * must be a type-for-type prefix of the template's customizers. Anything else (more provisioners than
 * customizers, a type that differs, an unknown type) is not matched: the packer name is kept.
 */
function matchCustomizer(steps, failedStep, customizers) {
    if (!customizers?.length || failedStep === undefined || failedStep !== steps.length - 1)
        return undefined;
    if (steps.length > customizers.length)
        return undefined;
    for (let i = 0; i < steps.length; i++) {
        const want = TEMPLATE_TYPES[String(customizers[i]?.type ?? '').toLowerCase()];
        if (steps[i] === undefined || steps[i] !== want)
            return undefined;
    }
    const name = customizers[failedStep]?.name?.trim();
    return { ...(name ? { name } : {}), index: failedStep + 1, count: customizers.length };
}
function customizerLabel(c) {
    const m = c.template;
    if (!m)
        return `Customizer '${c.name}' (${c.type})`;
    const pos = `#${m.index} of ${m.count}`;
    return m.name ? `Customizer '${m.name}' (${c.type}, ${pos}, packer: '${c.name}')` : `Customizer ${pos} (${c.type}, packer: '${c.name}')`;
}
/**
 * What went wrong, from the run's status and its logs. Never throws for a missing or unreadable log.
 * Its text goes to the annotation and the job summary, so SAS tokens, account keys and auth headers that
 * log lines or the message carry are removed (contract 10).
 */
async function diagnose(input) {
    const d = await diagnoseRaw(input);
    return {
        ...d,
        ...(d.customizer ? { customizer: { ...d.customizer, name: (0,report/* redactSas */.n)(d.customizer.name) } } : {}),
        errorLines: d.errorLines.map(report/* redactSas */.n),
        context: d.context.map(report/* redactSas */.n),
        title: (0,report/* redactSas */.n)(d.title),
    };
}
async function diagnoseRaw(input) {
    const phase = input.runSubState;
    const where = phase ? ` during ${phase}` : '';
    if (input.runState === 'TimedOut') {
        return { phase, errorLines: [], context: [], title: `The build timed out${where}.` };
    }
    if (input.runState === 'Canceled' || input.runState === 'Canceling') {
        return { phase, errorLines: [], context: [], title: `The build was canceled${where}.` };
    }
    const msg = shortMessage(input.message);
    const validating = phase === 'Validating' || /validat/i.test(input.message ?? '');
    const distributing = phase === 'Distributing' || /distribut/i.test(input.message ?? '');
    if (validating && (await exists(input.validationLog))) {
        const scan = await safeScan(input.validationLog);
        if (scan?.sawVerdict) {
            const why = verdictText(scan.verdicts) ?? msg;
            const who = scan.customizer ? ` in validator '${scan.customizer.name}' (${scan.customizer.type})` : '';
            return {
                customizer: scan.customizer,
                phase: 'Validating',
                errorLines: [...scan.scriptErrors, ...scan.verdicts].slice(0, MAX_ERROR_LINES),
                context: scan.context,
                title: `Validation failed${who}: ${why}`,
            };
        }
    }
    if (await exists(input.customizationLog)) {
        const scan = await safeScan(input.customizationLog);
        if (scan?.sawVerdict) {
            const why = verdictText(scan.verdicts) ?? msg;
            // Only when the provisioner counted last is the one blamed (same type).
            const counted = scan.failedStep !== undefined && scan.steps[scan.failedStep] === scan.customizer?.type;
            const match = scan.customizer && counted ? matchCustomizer(scan.steps, scan.failedStep, input.customizers) : undefined;
            const customizer = scan.customizer && (match ? { ...scan.customizer, template: match } : scan.customizer);
            const title = customizer ? `${customizerLabel(customizer)} failed: ${why}` : `The build failed${where}: ${why}`;
            return {
                customizer,
                phase: phase ?? 'Customizing',
                errorLines: [...scan.scriptErrors, ...scan.verdicts].slice(0, MAX_ERROR_LINES),
                context: scan.context,
                title,
            };
        }
    }
    if (distributing && !validating) {
        return { phase: 'Distributing', errorLines: msg ? [msg] : [], context: [], title: prefixed('Distribution failed', msg) };
    }
    if (validating) {
        return { phase: 'Validating', errorLines: msg ? [msg] : [], context: [], title: prefixed('Validation failed', msg) };
    }
    return {
        phase,
        errorLines: msg ? [msg] : [],
        context: [],
        title: `The build ${input.runState === 'PartiallySucceeded' ? 'partially succeeded' : 'failed'}${where}${msg ? `: ${msg}` : '.'}`,
    };
}
function prefixed(head, msg) {
    if (!msg)
        return `${head}: no message from the service.`;
    return msg.toLowerCase().startsWith(head.toLowerCase()) ? msg : `${head}: ${msg}`;
}
async function safeScan(file) {
    try {
        return await scanLog(file);
    }
    catch {
        return undefined;
    }
}
/** Annotation body: the error lines and the last lines before them, bounded in size. */
function excerpt(d, maxChars = 3500) {
    const parts = [];
    if (d.context.length > 0)
        parts.push('Last lines before the error:', ...d.context.slice(-10).map((l) => `  ${l}`));
    if (d.errorLines.length > 0)
        parts.push('Errors:', ...d.errorLines.map((l) => `  ${l}`));
    let text = parts.join('\n');
    if (text.length > maxChars)
        text = `…${text.slice(text.length - maxChars + 1)}`;
    return text;
}
/**
 * Title and message for `core.error(message, { title })`: one-line title (at most 200 characters) and a
 * message of at most `maxChars` (GitHub truncates long annotations).
 */
function annotationOf(d, maxChars = 4000) {
    const oneLine = d.title.replace(/\s+/g, ' ').trim();
    const title = oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
    const body = excerpt(d, Math.max(0, maxChars - oneLine.length - 2));
    const message = body ? `${oneLine}\n${body}` : oneLine;
    return { title, message: message.length > maxChars ? message.slice(0, maxChars) : message };
}

// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(46466);
;// CONCATENATED MODULE: ./src/logs/download.ts
/**
 * The final download: fetch only what the tail has not fetched yet, streamed to disk.
 */


/**
 * Bring `file` up to date with `blob`. `state` is what the tail saw (offset, creation time); the
 * local file's actual size bounds the offset. One GET from that offset in the usual case: its answer
 * says the blob's length and creation time, so a blob that is shorter than the offset or was created
 * again (replaced) is fetched whole instead, and one with nothing new (416) costs no body. Memory does not
 * grow with the log: the body is piped to disk.
 */
async function completeDownload(blob, file, state) {
    let offset = Math.min(state?.offset ?? 0, await sizeOf(file));
    let replaced = false;
    let r = await blob.stream(offset);
    if (r === 'not-found')
        return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
    if (offset > 0) {
        const otherBlob = r.totalLength < offset ||
            (state?.createdOn !== undefined && r.createdOn !== undefined && state.createdOn.getTime() !== r.createdOn.getTime());
        if (otherBlob) {
            if (r.body)
                destroy(r.body);
            replaced = true;
            offset = 0;
            r = await blob.stream(0);
            if (r === 'not-found')
                return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
        }
    }
    // Drop anything past `offset` (e.g. a half-written append), then append the rest of the blob.
    if (offset === 0)
        await external_node_fs_.promises.writeFile(file, '');
    else
        await external_node_fs_.promises.truncate(file, offset);
    if (r.totalLength <= offset || !r.body) {
        if (r.body)
            destroy(r.body);
        return { length: offset, fetched: 0, replaced, exists: true };
    }
    await (0,promises_.pipeline)(r.body, (0,external_node_fs_.createWriteStream)(file, { flags: 'a' }));
    const length = await sizeOf(file);
    return { length, fetched: length - offset, replaced, exists: true };
}
/** Let go of a body that will not be read (empty, or from a blob that was replaced). */
function destroy(body) {
    const d = body.destroy;
    if (typeof d === 'function')
        d.call(body);
    else
        body.resume();
}
async function sizeOf(file) {
    try {
        return (await external_node_fs_.promises.stat(file)).size;
    }
    catch {
        return 0;
    }
}

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 13 modules
var core = __webpack_require__(77094);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/logs/types.ts
/**
 * Small interfaces shared by the build-logs modules. Nothing here touches the network.
 */


/** The job log through @actions/core; no SAS, account key or auth header reaches it (contract 10). */
const coreSink = {
    info: (m) => core/* info */.pq((0,report/* redactSas */.n)(m)),
    warning: (m) => core/* warning */.$e((0,report/* redactSas */.n)(m)),
    debug: (m) => core/* debug */.Yz((0,report/* redactSas */.n)(m)),
    startGroup: (n) => core/* startGroup */.Oh(n),
    endGroup: () => core/* endGroup */.N4(),
    mask: (s) => core/* setSecret */.Pq(s),
};
const systemClock = { now: () => Date.now() };


;// CONCATENATED MODULE: ./src/logs/locate.ts

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
    const url = /(https?:\/\/([a-z0-9]{3,24})\.blob\.[a-z0-9.\-]+(?::\d+)?\/)packerlogs\/([A-Za-z0-9._\-/]+?\.log)/i.exec(message);
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
/** Minimal ARM JSON requests over the Azure core pipeline (retries, bearer token for ARM). */
class ArmJson {
    deps;
    client;
    constructor(deps) {
        this.deps = deps;
    }
    async request(method, path) {
        this.client ??= this.make();
        const res = await (await this.client).send(method, path);
        if (res.status >= 200 && res.status < 300)
            return res.body;
        const b = res.body;
        throw Object.assign(new Error(b?.error?.message ?? `ARM ${method} ${path} answered ${res.status}`), {
            statusCode: res.status,
            code: b?.error?.code,
        });
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
        return {
            send: async (method, path) => {
                const req = createPipelineRequest({ url: `${base}${path}`, method });
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
            if (a.name && a.id && blob)
                out.push({ name: a.name, id: a.id, blobEndpoint: blob.endsWith('/') ? blob : `${blob}/` });
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
    const { status, code } = (0,errors/* errorInfo */.fH)(err);
    if (status !== 403 && status !== 401)
        return false;
    return code === undefined || /^(AuthorizationPermissionMismatch|AuthorizationFailure|AuthorizationFailed|KeyBasedAuthenticationNotPermitted|AuthenticationFailed|InvalidAuthenticationInfo|NoAuthenticationInformation)$/.test(code);
}
function isNotFound(err) {
    return (0,errors/* errorInfo */.fH)(err).status === 404;
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
    return new BlobServiceClient(blobEndpoint, cred).getContainerClient(LOGS_CONTAINER);
};
/**
 * Open the logs container: Entra ID first, then an account key. Returns `'no-account'` when the staging
 * group has no storage account (yet), `'refused'` when both ways are refused (after ONE warning through `sink`).
 */
async function openLogContainer(deps) {
    const arm = deps.arm ?? new ArmJson(deps);
    const group = parseResourceGroup(deps.stagingResourceGroup, deps.subscriptionId);
    let accounts;
    try {
        accounts = await listStagingAccounts(arm, group);
    }
    catch (err) {
        if (!isAccessRefused(err))
            throw err;
        if (!deps.preferAccount || !deps.preferEndpoint) {
            deps.sink.warning(listingWarning(group.name, describe(err)));
            return 'refused';
        }
        deps.sink.debug(`Listing storage accounts in ${group.name} refused (${describe(err)}); using ${deps.preferAccount} from the run's message`);
        const id = `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}` +
            `/providers/Microsoft.Storage/storageAccounts/${deps.preferAccount}`;
        accounts = [{ name: deps.preferAccount, id, blobEndpoint: deps.preferEndpoint }];
    }
    if (accounts.length === 0)
        return 'no-account';
    // The message's endpoint, then its account name, then the listing's first: in path-style (emulator) URLs the
    // path segment need not be the ARM name; the container+blob path is what counts.
    const account = accounts.find((a) => deps.preferEndpoint !== undefined && sameBlobEndpoint(a.blobEndpoint, deps.preferEndpoint)) ??
        accounts.find((a) => a.name.toLowerCase() === deps.preferAccount?.toLowerCase()) ??
        accounts[0];
    const factory = deps.containerFactory ?? defaultContainerFactory;
    const entra = await factory(account.blobEndpoint, { kind: 'entra', credential: deps.credential });
    let entraError;
    try {
        await probe(entra);
        return { account, auth: 'entra', container: entra };
    }
    catch (err) {
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
        await probe(viaKey);
        return { account, auth: 'key', container: viaKey };
    }
    catch (err) {
        if (!isAccessRefused(err))
            throw err;
        keyError = describe(err);
    }
    deps.sink.warning(accessWarning(account.name, group.name, entraError, keyError));
    return 'refused';
}
function describe(err) {
    const { status, code } = (0,errors/* errorInfo */.fH)(err);
    return [status, code].filter((x) => x !== undefined).join(' ') || (0,errors/* errorInfo */.fH)(err).message;
}
/** Checks the identity may read blobs. A missing container (early in a build) is not a refusal. */
async function probe(container) {
    try {
        await container.listBlobsFlat({ prefix: 'none/' }).byPage({ maxPageSize: 1 }).next();
    }
    catch (err) {
        if (isNotFound(err))
            return;
        throw err;
    }
}
/**
 * The newest `<guid>/customization.log` in the container (by last-modified), ignoring ones last written
 * before `notBefore` (logs of earlier runs kept in the same staging account).
 */
async function findNewestCustomizationLog(container, notBefore) {
    let best;
    try {
        for await (const b of container.listBlobsFlat()) {
            if (!/^[^/]+\/customization\.log$/.test(b.name))
                continue;
            const t = b.properties.lastModified?.getTime() ?? 0;
            // Last-Modified has whole seconds: compare at that precision.
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
                if ((0,errors/* errorInfo */.fH)(err).status !== 416)
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
                if ((0,errors/* errorInfo */.fH)(err).status !== 416)
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

;// CONCATENATED MODULE: ./src/logs/source.ts

/** Whether a message's log location names the open account (by name, or by endpoint for path-style URLs). */
function sameAccount(hint, open) {
    if (hint.account === open.account.name.toLowerCase())
        return true;
    return hint.blobEndpoint !== undefined && sameBlobEndpoint(hint.blobEndpoint, open.account.blobEndpoint);
}
function stagingLogSource(deps) {
    const arm = new ArmJson(deps);
    let container;
    let refused = false;
    let retriedWithHint = false;
    return {
        get refused() {
            return refused;
        },
        async find(hint) {
            const fromMessage = parseLogPath(hint.message);
            // After a refusal, only a message naming the account's URL is worth one more try.
            if (refused && (!fromMessage?.blobEndpoint || retriedWithHint))
                return undefined;
            if (refused) {
                retriedWithHint = true;
                container = undefined;
            }
            if (!container || (fromMessage && !sameAccount(fromMessage, container))) {
                const quiet = refused ? { ...deps.sink, warning: (m) => deps.sink.debug(m) } : deps.sink;
                const opened = await openLogContainer({
                    ...deps,
                    sink: quiet,
                    arm,
                    preferAccount: fromMessage?.account,
                    preferEndpoint: fromMessage?.blobEndpoint,
                });
                if (opened === 'refused') {
                    refused = true;
                    return undefined;
                }
                refused = false;
                if (opened === 'no-account') {
                    deps.sink.debug(`No storage account in ${deps.stagingResourceGroup} yet`);
                    return undefined;
                }
                container = opened;
                deps.sink.debug(`Build logs in ${opened.account.name} (read with ${opened.auth === 'entra' ? 'Entra ID' : 'an account key'})`);
            }
            const named = fromMessage?.blobPath.replace(/validation\.log$/, 'customization.log');
            const path = named ?? (await findNewestCustomizationLog(container.container, hint.notBefore));
            if (!path)
                return undefined;
            return {
                customization: blobLog(container.container.getBlobClient(path)),
                validation: blobLog(container.container.getBlobClient(siblingValidationPath(path))),
            };
        },
    };
}

;// CONCATENATED MODULE: ./src/logs/tail.ts
/**
 * Live tail of a growing blob: each poll fetches only the bytes added since the last one, appends them
 * to a local file (which becomes the artifact) and prints the new whole lines once, in order. Printed lines
 * have SAS tokens, account keys and auth headers removed (contract 10); the local file keeps the blob byte
 * for byte: it is the user's own log, uploaded only to the user's own run as an artifact.
 */


/** Neutralise workflow commands (`::error::`, `##[group]` ...) that a build log might contain. */
function safeLine(line) {
    return line.replace(/^(\s*)(::|##\[)/, (_m, ws, cmd) => `${ws}${cmd[0]}\u200b${cmd.slice(1)}`);
}
class LogTail {
    o;
    st = { offset: 0 };
    decoder = new TextDecoder('utf-8');
    pending = '';
    started = false;
    printed = 0;
    capNoticed = false;
    replacedNoticed = false;
    group;
    groupOpen = false;
    constructor(options) {
        this.o = {
            label: 'customization.log',
            maxLinesPerPoll: 400,
            burstKeep: 40,
            maxLinesTotal: 20000,
            chunkBytes: 4 * 1024 * 1024,
            maxLineChars: 4000,
            ...options,
        };
    }
    /** Bytes of the blob copied to the local file so far, and the blob's identity when last seen. */
    get state() {
        return { ...this.st };
    }
    get file() {
        return this.o.file;
    }
    /**
     * Read what was added since the last poll: one ranged GET from the current offset (more only when over
     * `chunkBytes` arrived), whose answer also says the blob's length and identity. `phase` (the run
     * sub-state) names the log group the new lines go in. Returns the number of bytes fetched. Throws on
     * storage errors (the caller warns).
     */
    async poll(phase) {
        if (!this.started) {
            await external_node_fs_.promises.writeFile(this.o.file, '');
            this.started = true;
        }
        let fetched = 0;
        let restarted = false;
        const lines = new BurstBuffer(this.o.maxLinesPerPoll, Math.min(this.o.burstKeep, this.o.maxLinesPerPoll));
        for (;;) {
            const r = await this.o.reader.read(this.st.offset, this.o.chunkBytes);
            if (r === 'not-found')
                break; // not written yet: normal early in a build
            if (this.isReplaced(r.totalLength, r.createdOn)) {
                if (!this.replacedNoticed) {
                    this.o.sink.info(`${this.o.label} was replaced or truncated in storage; reading it again from the start.`);
                    this.replacedNoticed = true;
                }
                // The bytes of this answer (if any) are from the middle of the new blob: read it again from 0.
                // Once per poll: a blob replaced again meanwhile is the next poll's business.
                const again = !restarted;
                restarted = true;
                await this.restart();
                if (again)
                    continue;
                break;
            }
            if (r.createdOn !== undefined)
                this.st.createdOn = r.createdOn;
            if (r.bytes.length === 0)
                break; // nothing new (a 416 past the end)
            await external_node_fs_.promises.appendFile(this.o.file, r.bytes);
            this.st.offset += r.bytes.length;
            fetched += r.bytes.length;
            this.split(this.decoder.decode(r.bytes, { stream: true }), lines);
            if (this.st.offset >= r.totalLength)
                break; // read up to the length this answer gave
        }
        this.print(lines, phase);
        return fetched;
    }
    /** Print a last line that never got its newline, and close the open group. */
    finish() {
        const rest = this.pending + this.decoder.decode();
        this.pending = '';
        if (rest.length > 0) {
            const b = new BurstBuffer(1, 1);
            b.push(rest);
            this.print(b, this.group);
        }
        this.closeGroup();
    }
    /** Close the current log group (e.g. before printing a status line outside it). */
    closeGroup() {
        if (this.groupOpen) {
            this.o.sink.endGroup();
            this.groupOpen = false;
        }
    }
    isReplaced(length, createdOn) {
        if (length < this.st.offset)
            return true;
        if (this.st.createdOn && createdOn && this.st.createdOn.getTime() !== createdOn.getTime())
            return true;
        return false;
    }
    async restart() {
        await external_node_fs_.promises.writeFile(this.o.file, '');
        this.st = { offset: 0 };
        this.decoder = new TextDecoder('utf-8');
        this.pending = '';
    }
    split(text, out) {
        let start = 0;
        let data = this.pending + text;
        this.pending = '';
        for (;;) {
            const nl = data.indexOf('\n', start);
            if (nl < 0)
                break;
            out.push(data.slice(start, nl).replace(/\r$/, ''));
            start = nl + 1;
        }
        data = data.slice(start);
        if (data.length > this.o.maxLineChars) {
            out.push(data);
            data = '';
        }
        this.pending = data;
    }
    print(lines, phase) {
        if (lines.total === 0)
            return;
        if (this.printed >= this.o.maxLinesTotal)
            return;
        if (phase !== undefined && (phase !== this.group || !this.groupOpen)) {
            this.closeGroup();
            this.o.sink.startGroup(`Build log: ${phase}`);
            this.groupOpen = true;
            this.group = phase;
        }
        // Redact before cutting, so a cut never leaves half a signature unrecognised.
        const cut = (line) => {
            const s = (0,report/* redactSas */.n)(line);
            return safeLine(s.length > this.o.maxLineChars ? `${s.slice(0, this.o.maxLineChars)} …` : s);
        };
        const out = [];
        if (lines.skipped > 0) {
            out.push(`… ${lines.skipped} lines skipped (full text in the logs artifact)`);
        }
        for (const l of lines.kept())
            out.push(cut(l));
        for (const l of out) {
            if (this.printed >= this.o.maxLinesTotal) {
                if (!this.capNoticed) {
                    this.o.sink.info(`… ${this.o.label}: printed ${this.o.maxLinesTotal} lines, the limit; the rest is in the logs artifact.`);
                    this.capNoticed = true;
                }
                return;
            }
            this.o.sink.info(l);
            this.printed++;
        }
    }
}
/** Keeps up to `max` lines; past that, only the last `keep` and a count of the others. */
class BurstBuffer {
    max;
    keep;
    total = 0;
    lines = [];
    ring = [];
    ringPos = 0;
    constructor(max, keep) {
        this.max = max;
        this.keep = keep;
    }
    push(line) {
        this.total++;
        if (this.total <= this.max) {
            this.lines.push(line);
            if (this.total === this.max) {
                // Prepare the ring with the last `keep` lines in case more arrive.
                this.ring = this.lines.slice(-this.keep);
                this.ringPos = 0;
            }
            return;
        }
        if (this.keep === 0)
            return;
        this.lines = [];
        this.ring[this.ringPos] = line;
        this.ringPos = (this.ringPos + 1) % this.keep;
    }
    get skipped() {
        return this.total <= this.max ? 0 : this.total - Math.min(this.keep, this.total);
    }
    kept() {
        if (this.total <= this.max)
            return this.lines;
        return [...this.ring.slice(this.ringPos), ...this.ring.slice(0, this.ringPos)];
    }
}

;// CONCATENATED MODULE: ./src/logs/index.ts
/**
 * Build logs in the workflow run: the one entry point the action wires in.
 *
 *   const logs = createBuildLogs({ ... });
 *   each poll:   await logs.onPoll({ runState, runSubState, message, startTime });
 *   at the end:  const { logUri, artifactId, artifactUrl, diagnosis } = await logs.finish({ ... });
 *
 * Neither method throws: a failure to read or upload logs is a warning and never hides the build's result.
 */











function createBuildLogs(deps) {
    const sink = deps.sink ?? coreSink;
    const clock = deps.clock ?? systemClock;
    const locateInterval = deps.locateIntervalMs ?? 30_000;
    const customizationFile = (0,external_node_path_.join)(deps.workDir, 'customization.log');
    const validationFile = (0,external_node_path_.join)(deps.workDir, 'validation.log');
    let staging = deps.stagingResourceGroup;
    let source = deps.source;
    let found;
    let tail;
    let lastLocate = Number.NEGATIVE_INFINITY;
    let dirReady = false;
    const warned = new Set();
    /** Warn once per distinct cause; repeats go to the debug log. */
    const warn = (what, err) => {
        const why = err?.message ?? String(err);
        if (warned.has(why)) {
            sink.debug(`${what}: ${why}`);
            return;
        }
        warned.add(why);
        sink.warning(`${what}: ${why} (the build's own result is not affected)`);
    };
    const getSource = () => {
        if (!source && staging) {
            source = stagingLogSource({
                credential: deps.credential,
                armEndpoint: deps.armEndpoint,
                armScope: deps.armScope,
                subscriptionId: deps.subscriptionId,
                stagingResourceGroup: staging,
                sink,
            });
        }
        return source;
    };
    const ensureDir = async () => {
        if (!dirReady) {
            await external_node_fs_.promises.mkdir(deps.workDir, { recursive: true });
            dirReady = true;
        }
    };
    const locate = async (status, force) => {
        if (found)
            return;
        const now = clock.now();
        if (!force && now - lastLocate < locateInterval)
            return;
        lastLocate = now;
        const src = getSource();
        if (!src || src.refused)
            return;
        found = await src.find({ message: status.message, notBefore: status.startTime });
    };
    return {
        closeGroup() {
            tail?.closeGroup();
        },
        async onPoll(status) {
            try {
                if (status.stagingResourceGroup)
                    staging ??= status.stagingResourceGroup;
                if (!deps.streamLogs)
                    return;
                await locate(status, false);
                if (!found)
                    return;
                if (!tail) {
                    await ensureDir();
                    tail = new LogTail({ ...deps.tail, reader: found.customization, file: customizationFile, sink });
                }
                await tail.poll(status.runSubState ?? status.runState);
            }
            catch (err) {
                warn('Could not stream the build log', err);
            }
        },
        async finish(result) {
            const out = { files: [] };
            if (result.stagingResourceGroup)
                staging ??= result.stagingResourceGroup;
            const { failed } = result;
            const upload = shouldUpload(deps.uploadLogs, failed);
            // 1. Print what the tail has not printed yet.
            if (tail) {
                try {
                    await tail.poll(result.runSubState ?? result.runState);
                }
                catch (err) {
                    sink.debug(`log tail: ${err?.message ?? String(err)}`);
                }
                tail.finish();
            }
            // 2. Find the logs (the failure message may name them) and fetch what is missing.
            try {
                await ensureDir();
                const before = found?.customization.url;
                const hinted = await findFinal(result);
                if (hinted) {
                    out.logUri = stripQuery(hinted.customization.url);
                    const sameBlob = before !== undefined && before === hinted.customization.url;
                    const dl = await completeDownload(hinted.customization, customizationFile, sameBlob ? tail?.state : undefined);
                    if (dl.exists && dl.length > 0)
                        out.files.push(customizationFile);
                    if (dl.replaced)
                        sink.info('customization.log was replaced since it was streamed; downloaded it whole.');
                    const v = await completeDownload(hinted.validation, validationFile);
                    if (v.exists && v.length > 0)
                        out.files.push(validationFile);
                }
                else if (tail && tail.state.offset > 0) {
                    out.files.push(customizationFile);
                }
            }
            catch (err) {
                warn('Could not download the build logs', err);
                if (tail && tail.state.offset > 0 && !out.files.includes(customizationFile))
                    out.files.push(customizationFile);
            }
            // 3. Why it failed.
            if (failed) {
                try {
                    out.diagnosis = await diagnose({
                        runState: result.runState,
                        runSubState: result.runSubState,
                        message: result.message,
                        customizationLog: out.files.includes(customizationFile) ? customizationFile : undefined,
                        validationLog: out.files.includes(validationFile) ? validationFile : undefined,
                        customizers: result.customizers,
                    });
                }
                catch (err) {
                    warn('Could not analyse the build log', err);
                }
            }
            // 4. The artifact.
            if (upload && out.files.length === 0) {
                sink.info('No build log was found to upload (the build may have stopped before writing one).');
            }
            if (upload && out.files.length > 0) {
                const env = deps.env ?? process.env;
                const name = deps.artifactName ?? defaultArtifactName(deps.templateName, env);
                const up = await uploadLogsArtifact({
                    name,
                    files: out.files,
                    rootDir: deps.workDir,
                    retentionDays: deps.retentionDays,
                    sink,
                    env,
                    client: deps.artifactClient,
                });
                if (up) {
                    out.artifactId = up.id;
                    out.artifactUrl = up.url;
                    out.artifactName = name;
                }
            }
            return out;
        },
    };
    async function findFinal(result) {
        const src = getSource();
        if (!src)
            return found;
        // A failure message naming another blob than the one streamed wins.
        if (result.message && /packerlogs\//.test(result.message)) {
            const byMessage = await src.find({ message: result.message, notBefore: result.startTime });
            if (byMessage) {
                if (found?.customization.url !== byMessage.customization.url)
                    found = byMessage;
                return found;
            }
        }
        await locate(result, true);
        return found;
    }
}


/***/ })

};
