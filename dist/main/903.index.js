export const id = 903;
export const ids = [903];
export const modules = {

/***/ 46903:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  annotationOf: () => (/* reexport */ annotationOf),
  createBuildLogs: () => (/* binding */ createBuildLogs),
  customizerLabel: () => (/* reexport */ customizerLabel),
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
/** C0 control characters (U+0000 to U+001F) and DEL (U+007F), built from char codes so the source holds none. */
const CONTROL_CHARS = new RegExp(`[${String.fromCharCode(0x00)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]`, 'g');
/** Make `name` acceptable to the artifact service: forbidden characters become `-`, at most 200 characters. */
function sanitizeArtifactName(name) {
    const s = name
        .replace(FORBIDDEN, '-')
        .replace(CONTROL_CHARS, '-')
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
    let host;
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
        // @actions/artifact reports its own progress with core.info ("Artifact name is valid!", upload progress,
        // digest, "finalized"): kept in a collapsed group so the end of the job log reads cleanly.
        req.sink.startGroup(`Uploading the build logs as artifact '${req.name}'`);
        let res;
        try {
            res = await withUploadConcurrency(() => client.uploadArtifact(req.name, req.files, req.rootDir, opts));
        }
        finally {
            req.sink.endGroup();
        }
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
/** The @actions/artifact setting (environment only) of how many blocks of the zip are uploaded at once. */
const UPLOAD_CONCURRENCY_VAR = 'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY';
/**
 * Our value for it when the workflow sets none. @actions/artifact 6 uploads the zip through
 * BlockBlobClient.uploadStream with 8 MiB blocks and holds up to one 8 MiB buffer per block in flight: 5 by
 * default, 40 MiB. A log zips to a fraction of its size and the zip is made no faster than deflate runs, so
 * two blocks in flight (one being filled while one is sent) should keep up, for 16 MiB (not measured against
 * GitHub's storage; on loopback neither the time nor the peak changed).
 */
const UPLOAD_CONCURRENCY = 2;
/** Run `upload` with UPLOAD_CONCURRENCY unless the workflow set its own; the variable is left as it was found. */
async function withUploadConcurrency(upload) {
    if (process.env[UPLOAD_CONCURRENCY_VAR] !== undefined)
        return upload();
    process.env[UPLOAD_CONCURRENCY_VAR] = String(UPLOAD_CONCURRENCY);
    try {
        return await upload();
    }
    finally {
        delete process.env.ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY;
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

// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(46193);
// EXTERNAL MODULE: ./src/report.ts
var report = __webpack_require__(70665);
;// CONCATENATED MODULE: ./src/logs/causes.ts
/**
 * What a line of a failed build says about its cause: how much it weighs as the cause (an explicit error code
 * beats packer's generic verdict), the cause family it belongs to, and that family's one-line fix.
 * Pure functions over one cleaned line; no state, so a scan over a 1 GiB log stays line by line.
 */
const PRIVATE_HOST = /\b(10(?:\.\d{1,3}){3}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2}|[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|privatelink\.[\w.-]+))\b/i;
/** The builder's own connection to the build VM (SSH 22, WinRM 5985/5986), as opposed to a script reaching out. */
const COMMUNICATOR = /\b(SSH|WinRM)\b|:(22|5985|5986)\b/;
const UNREACHABLE = /\b(i\/o timeout|timed? ?out|connection refused|refused|unreachable|Unable to connect|Failed to connect|could not resolve|Could not connect)\b/i;
const quoted = (line, re) => re.exec(line)?.[1];
const FAMILIES = [
    {
        id: 'policy',
        label: 'Azure Policy denied the build',
        test: /RequestDisallowedByPolicy|disallowed by policy|policy violation/i,
        score: 85,
        hint: () => 'An Azure Policy denied a resource of the build: ask for an exemption for the staging resource group, or set stagingResourceGroup to a group the policy allows (the policy assignment is named in the full error).',
    },
    {
        id: 'container-quota',
        label: 'Azure Container Instances quota',
        test: /Container Instances quota|Too many Azure Container Instances/i,
        score: 85,
        hint: () => 'Request more Azure Container Instances quota for the region, or run fewer image builds at once.',
    },
    {
        id: 'vcpu-quota',
        label: 'vCPU quota exceeded',
        test: /QuotaExceeded|exceeding (?:approved )?\w* ?(?:quota|Cores quota)|quota limits? of/i,
        score: 85,
        hint: (line) => {
            const fam = quoted(line, /(?:limit of|approved) (\w+?)(?:Family)? Cores/i);
            return `Request more vCPU quota${fam ? ` for ${fam} family` : ''} in the build region (Azure portal: Quotas), or set vmProfile.vmSize to a VM family with free quota.`;
        },
    },
    {
        id: 'vm-size',
        label: 'VM size not available',
        test: /SkuNotAvailable|requested (?:VM )?size .* not available|is not available in (?:the )?location/i,
        score: 85,
        hint: () => 'That VM size cannot be used in the build region: set vmProfile.vmSize to a size offered there.',
    },
    {
        id: 'generation',
        label: 'Hyper-V generation mismatch',
        test: /Hypervisor Generation|Hyper-V (?:Generation|Version)|Generation 2 Hypervisor|cannot boot Hypervisor/i,
        score: 85,
        hint: () => "Match the generations: a Gen2 source image needs a Gen2-capable vmProfile.vmSize, and a gallery image definition's hyperVGeneration must equal the source image's.",
    },
    {
        id: 'provider',
        label: 'Resource provider not registered',
        test: /not registered (?:for|to use)|MissingSubscriptionRegistration|provider not registered/i,
        score: 85,
        hint: (line) => {
            const ns = quoted(line, /namespace '([\w.]+)'/) ?? (/Container Instances/i.test(line) ? 'Microsoft.ContainerInstance' : undefined);
            return `Register the resource provider in the subscription: az provider register -n ${ns ?? '<namespace>'} (and wait for Registered).`;
        },
    },
    {
        id: 'authorization',
        label: 'Missing permission',
        test: /AuthorizationFailed|LinkedAuthorizationFailed|AuthorizationPermissionMismatch|does(?:n't| not) have authorization to perform action|Not authorized to access|identity has the correct permissions/i,
        score: 85,
        hint: (line) => {
            const action = quoted(line, /perform action '([^']+)'/);
            return action
                ? `Grant the identity named there a role that allows '${action}' on that scope (az role assignment create --assignee <principal> --role <role> --scope <scope>).`
                : "Grant the template's user-assigned identity a role on that resource (for example Contributor, or a custom role with the actions the build needs).";
        },
    },
    {
        id: 'jwt-timeout',
        label: 'buildTimeoutInMinutes too short',
        test: /client_jwt will expire/i,
        score: 85,
        hint: () => 'buildTimeoutInMinutes is set to 1-5 minutes: set it to 0 (the default, 240) or to 6 or more.',
    },
    {
        id: 'build-timeout',
        label: 'Build timed out',
        test: /context deadline exceeded|Timeout waiting for microservice/i,
        score: 80,
        hint: (_line, ctx) => ctx.distributing
            ? 'The build ran out of time waiting for the image to replicate: raise buildTimeoutInMinutes (the replication itself goes on).'
            : 'The build ran past buildTimeoutInMinutes: raise it in the template (default 240, up to 960), or make the slow step faster.',
    },
    {
        id: 'restart-timeout',
        label: 'Restart timed out',
        test: /Timeout waiting for machine to restart/i,
        score: 80,
        hint: () => "The VM did not come back from its restart in time: raise the WindowsRestart customizer's restartTimeout (for example 30m).",
    },
    {
        id: 'connection-lost',
        label: 'Connection to the build VM lost',
        test: /Remote command exited without exit status|errored: unexpected EOF|connection reset by peer|wsarecv/i,
        score: 80,
        hint: () => 'The connection to the build VM was cut (a reboot, or a firewall/SSH/WinRM change made by the script, or a VM too small for the work): reboot with a WindowsRestart customizer (Linux: a Shell step that reboots as its last command), keep port 22 (SSH) or 5986 (WinRM) open, or use a larger vmProfile.vmSize.',
    },
    {
        id: 'communicator-timeout',
        label: 'Build VM unreachable',
        test: /Timeout waiting for (?:WinRM|SSH)|TCP connection to SSH ip\/port failed|dial tcp [\d.]+:(?:22|5985|5986)\b/i,
        score: 80,
        hint: (_line, ctx) => ctx.hasVnetConfig
            ? "The service could not reach the build VM in your network: the subnet's network security group must let AzureLoadBalancer in on TCP 60000-60001 and VirtualNetwork to VirtualNetwork on 22 (Linux) or 5986 (Windows)."
            : 'The service could not reach the build VM over SSH/WinRM: use a larger vmProfile.vmSize (the default D1_v2 is slow to boot Windows), and make sure the image or a script does not disable or firewall SSH (22) / WinRM (5986).',
    },
    {
        id: 'apt-busy',
        label: 'apt busy (cloud-init still running)',
        test: /Could not get lock|dpkg frontend lock|Unable to acquire the dpkg|Could not open file \/var\/lib\/apt\/lists|dpkg was interrupted/i,
        score: 80,
        hint: () => 'apt ran while cloud-init or unattended upgrades were still running: wait first (cloud-init status --wait) before apt-get.',
    },
    {
        id: 'apt-package',
        label: 'apt package not found',
        test: /^E: (?:Unable to locate package|Package '.*' has no installation candidate)|Failed to fetch http/,
        score: 75,
        hint: () => 'apt could not find the package: run apt-get update first and check the package name for that distribution.',
    },
    {
        id: 'deprovision',
        label: 'Deprovisioning (sysprep / waagent) failed',
        test: /waagent: not found|DeprovisioningScript|Sysprep|IMAGE_STATE_UNDEPLOYABLE|WindowsAzureGuestAgent/i,
        score: 75,
        hint: () => "The service's deprovisioning step (sysprep, or waagent -deprovision) failed: keep the Azure guest agent in the image, and on a small VM let it settle (a short sleep as the last customizer) or use a larger vmProfile.vmSize.",
    },
    {
        id: 'download',
        label: 'File download failed',
        test: /Error downloading|Downloading external file .* failed/i,
        score: 80,
        hint: () => "A customizer's file could not be downloaded: check the URL, and give the template's identity read access to it (Storage Blob Data Reader) or use a reachable location.",
    },
    {
        id: 'not-found',
        label: 'Resource not found',
        test: /\bResourceNotFound\b|\bwas not found\b/i,
        score: 70,
        hint: () => 'A resource the build needs was not found: check that the source image (version) exists in the build region, and that the identity may read it.',
    },
    {
        id: 'exit-code',
        label: 'Script failed',
        test: /exited with code:? (?!0\b)\d+|non-zero exit status: \d+/i,
        score: 45,
        hint: (line) => {
            const code = quoted(line, /(?:exited with code:?|exit status:) (\d+)/i);
            if (code && ['1115', '1190', '1641', '3010'].includes(code)) {
                return `Exit code ${code} means a restart is pending or under way: end the script without restarting and add a WindowsRestart customizer after it.`;
            }
            return `The script failed${code ? ` with exit code ${code}` : ''}: its own error lines are above; fix that command, or (PowerShell) list the code in validExitCodes if it means success.`;
        },
    },
];
const BY_ID = new Map(FAMILIES.map((f) => [f.id, f]));
/** `ERROR: -> Code : message` (also nested `ERROR:   -> Code : message`), as packer prints ARM errors. */
const ARM_ERROR = /ERROR:\s+->\s*(\w+)\s*:\s*\S/;
/** An Azure error code in a JSON body or an SDK error (`"code":"X"`, `Code="X"`). */
const CODE_FIELD = /\\?"code\\?"\s*:\s*\\?"(\w+)|\bCode=\\?"(\w+)/;
/** Error codes that only wrap the real one (details follow). */
const WRAPPER_CODE = /^(DeploymentFailed|InvalidTemplateDeployment|ResourceDeploymentFailure|InternalOperationError|BadRequest|Conflict)$/;
/** Every line rateLine can weigh contains one of these. */
const MAYBE = /err|fail|fatal|denied|unable|cannot|can't|could not|not |timeout|timed? ?out|refused|unreachable|exit|quota|polic|regist|authori|generation|deadline|lock|Sysprep|waagent|IMAGE_STATE|GuestAgent|Deprovision|EOF|reset|wsarecv|jwt|download|Sku|exceed|^E: |code|\+ |Exception|Too many|Hyper-V|found|No such file|Permission|line \d+:/i;
const ERROR_WORDS = /\b(error|cannot|can't|could not|failed|failure|not found|exception|denied|unable|refused)\b/i;
/** Packer's generic verdicts: they say that something failed, rarely what. */
const VERDICT = /Script exited with non-zero exit status|Build '[^']+' errored|^--> [\w.-]+: |\d+ error\(s\) occurred|^Error: Failed to prepare build|Provisioning step had errors|Packer build command has failed/i;
/** Lines that look like errors but are not the cause: retried clean-up, cancellation echoes, packer's own bookkeeping. */
const NOT_A_CAUSE = /Error deleting|deleting individual resources|Retryable error|CannotBeDeleted|NicInUseWithPrivateEndpoint|machine readable:|Some builds didn't complete|Cancelling (?:build|builder|hook|provisioning)|Communicator ended with: 0\b|Running the cleanup provisioner|exited with code: 0\b|bytes written for|RPC (?:endpoint|client): Communicator ended|Packer exited with code/i;
function familyOf(line) {
    for (const f of FAMILIES) {
        const m = f.test.exec(line);
        if (m)
            return { family: f, at: m.index };
    }
    // A customizer (not the builder's own SSH/WinRM) reaching a private address and timing out or refused.
    const host = PRIVATE_HOST.exec(line);
    if (host && UNREACHABLE.test(line) && !COMMUNICATOR.test(line))
        return { family: PRIVATE_ADDRESS, at: host.index };
    return undefined;
}
const PRIVATE_ADDRESS = {
    id: 'private-address',
    label: 'Private address unreachable',
    test: /$^/,
    score: 75,
    hint: (line, ctx) => {
        const host = PRIVATE_HOST.exec(line)?.[1] ?? 'that address';
        return ctx.hasVnetConfig
            ? `The build VM could not reach ${host} from its subnet: check the route, DNS and network security group between them.`
            : `The build VM runs in a network the service creates and cannot reach private addresses such as ${host}: set vmProfile.vnetConfig (subnetId) to a subnet that can reach it.`;
    },
};
BY_ID.set(PRIVATE_ADDRESS.id, PRIVATE_ADDRESS);
/**
 * How much `line` (cleaned of its prefixes) weighs as the cause of a failure, or undefined when it says
 * nothing about one. `inStep`: the line is output of a running customizer (its own error lines count).
 */
function rateLine(line, inStep = false) {
    // Most lines of a log are plain output: one cheap test lets them through without the families' patterns.
    if (!MAYBE.test(line))
        return undefined;
    const text = line.trim();
    if (text === '' || NOT_A_CAUSE.test(text))
        return undefined;
    const arm = ARM_ERROR.exec(text);
    const code = CODE_FIELD.exec(text);
    const fam = familyOf(text);
    if (arm) {
        const generic = WRAPPER_CODE.test(arm[1] ?? '') && !fam;
        return { score: fam ? fam.family.score + 10 : generic ? 42 : 80, family: fam?.family.id, at: fam?.at ?? arm.index };
    }
    if (/ERROR:\s+->\s*\w+\s*$/.test(text))
        return undefined; // `ERROR:   -> BadRequest` with nothing after it
    if (code) {
        const c = code[1] ?? code[2] ?? '';
        const generic = WRAPPER_CODE.test(c) && !fam;
        return { score: fam ? fam.family.score + 5 : generic ? 42 : 70, family: fam?.family.id, at: fam?.at ?? code.index };
    }
    if (fam) {
        // Packer's verdict naming a family (Timeout waiting for WinRM) weighs less than the same family's own line,
        // and a line of the family that reports an error more than one that only mentions its subject.
        const verdict = VERDICT.test(text.replace(/^==> /, ''));
        const bonus = verdict ? -5 : ERROR_WORDS.test(text) ? 5 : 0;
        return { score: fam.family.score + bonus, family: fam.family.id, at: fam.at };
    }
    if (VERDICT.test(text.replace(/^==> /, '')))
        return { score: 30, at: 0 };
    // Packer's plugins tag what they saw go wrong.
    if (/^\[ERROR\]/.test(text))
        return { score: 70, at: 0 };
    // PowerShell's error record decoration (`+ CategoryInfo ...`, `+ ~~~~`) comes after the message that matters.
    if (/^\s*\+ (?:CategoryInfo|FullyQualifiedErrorId)\b/.test(text))
        return inStep ? { score: 35, at: 0 } : undefined;
    if (/^\s*\+ /.test(text))
        return undefined;
    if (inStep && /^E: |^\S+: line \d+: |command not found|No such file or directory|Permission denied/.test(text))
        return { score: 60, at: 0 };
    if (inStep && /\b(error|fatal|failed|failure|exception|unable to|cannot|denied)\b/i.test(text))
        return { score: 50, at: 0 };
    return undefined;
}
/** The one-line fix for a cause family, or undefined for an unknown family. */
function hintFor(family, line, ctx = {}) {
    if (!family)
        return undefined;
    return BY_ID.get(family)?.hint(line, ctx);
}
/** Cheap first test: false means rateLine would find nothing in the line. */
function mayRate(line) {
    return MAYBE.test(line);
}
/** A few words naming a cause family, for a title. */
function familyLabel(family) {
    return family ? BY_ID.get(family)?.label : undefined;
}
/** The family of a free text (e.g. the service's message), without weighing it. */
function causes_familyOfText(text) {
    return familyOf(text)?.family.id;
}

// EXTERNAL MODULE: ./src/logs/message.ts
var logs_message = __webpack_require__(66776);
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
    s = s.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?:?\s+/, '');
    s = s.replace(/^\[[^\]]{1,64}\]\s*/, '');
    s = s.replace(/^PACKER(?: (?:OUT|ERR))? ?/, '');
    s = s.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '');
    s = s.replace(/^ui( error)?: /, '');
    s = s.replace(/^\s*(==> )?azure-arm(\.[\w-]+)?: ?/, (m) => (m.trimStart().startsWith('==>') ? '==> ' : ''));
    return s.trimEnd();
}
/** Packer's own debug chatter, not the build's output. */
function isNoise(clean) {
    return /^(\[(INFO|DEBUG|TRACE)\]|packer[-\w.]* plugin:|\(telemetry\)|waiting for all plugin)/i.test(clean) || clean.trim() === '';
}
const diagnose_VERDICT = [
    /Script exited with non-zero exit status/i,
    /Build '[^']+' errored/i,
    /^--> [\w.-]+: /,
    /\d+ error\(s\) occurred/i,
    /^Timeout waiting for/i,
    /^Upload failed/i,
    /^Error (uploading|downloading|restarting|running|executing)/i,
];
const SCRIPT_ERROR = /\b(error|fatal|failed|failure|exception|unable to|cannot|not found|denied)\b|^E: |^\s*\+ CategoryInfo/i;
const MAX_CANDIDATES = 12;
/** The line as shown: without packer's plugin and debug tags (`packer-builder-azure-arm plugin: [INFO] `). */
function displayLine(clean) {
    return clean
        .replace(/^(?:(?:packer[-\w.]*(?: plugin)?|packer\.exe):\s*)+/i, '')
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '')
        .replace(/^\[(?:INFO|DEBUG)\]\s*/, '')
        .replace(/^==> /, '')
        .trim();
}
/** What two lines saying the same thing have in common (packer repeats its verdict as `--> name: ...` and `Build 'name' errored ...: ...`). */
function sameKey(text) {
    return text
        .replace(/^--> [\w.-]+: /, '')
        .replace(/^.*?Build '[^']+' errored(?: after [^:]+)?: /, '')
        .replace(/^[\w.-]*azure-arm[\w.-]*: /, '')
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase();
}
/** Keeps the best candidates in a bounded list. */
function addCandidate(list, c) {
    const key = sameKey(c.text);
    if (!key)
        return;
    const same = list.find((x) => x.key === key);
    if (same) {
        if (c.score > same.score)
            Object.assign(same, { score: c.score, family: c.family ?? same.family });
        return;
    }
    list.push({ ...c, key });
    if (list.length > MAX_CANDIDATES) {
        let worst = 0;
        list.forEach((x, i) => {
            const w = list[worst];
            if (w && (x.score < w.score || (x.score === w.score && x.order > w.order)))
                worst = i;
        });
        list.splice(worst, 1);
    }
}
function rankCandidates(list) {
    return [...list].sort((a, b) => b.score - a.score || a.order - b.order);
}
/**
 * Bytes read from the log at a time. What is in hand when V8 collects its young generation (the chunk's text
 * and lines) is copied, and the more it copies the larger V8 grows that generation and keeps it: measured on
 * a 300 MiB log, 64 KiB reads grew it to 64 MiB, 16 KiB reads left it at 32 MiB (the peak RSS 23 MiB above
 * the baseline instead of 52), at the same speed.
 */
const READ_CHUNK = 16 * 1024;
/** A line longer than this (no line break) is taken in pieces of this size: what is held stays bounded. */
const MAX_HELD_LINE = 1024 * 1024;
/**
 * The lines of a file as readline gives them (a break is \n, \r\n or a lone \r), a chunk's worth at a time:
 * one await per read, not one per line.
 */
async function* linesOf(file) {
    const decoder = new external_node_string_decoder_.StringDecoder('utf8');
    let held = '';
    for await (const chunk of (0,external_node_fs_.createReadStream)(file, { highWaterMark: READ_CHUNK })) {
        // A \r at the very end may be the first half of a \r\n: it waits for the next chunk.
        const parts = (held + decoder.write(chunk)).split(/\r\n|\n|\r(?!$)/);
        held = parts.pop() ?? '';
        while (held.length > MAX_HELD_LINE) {
            parts.push(held.slice(0, MAX_HELD_LINE));
            held = held.slice(MAX_HELD_LINE);
        }
        if (parts.length > 0)
            yield parts;
    }
    held = (held + decoder.end()).replace(/\r$/, '');
    if (held.length > 0)
        yield [held];
}
/** Scan one log file, line by line. */
async function scanLog(file) {
    const res = { steps: [], verdicts: [], scriptErrors: [], context: [], sawVerdict: false, candidates: [] };
    const pending = [];
    let lineNo = 0;
    // A provisioner that is followed by another one succeeded (packer stops at the first failing one): what its
    // output looked like an error is not the cause.
    const stepStarted = () => {
        for (let i = pending.length - 1; i >= 0; i--) {
            const p = pending[i];
            if (p?.inStep && p.step === steps.length)
                pending.splice(i, 1);
        }
    };
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
    // One line at a time, synchronously: per line nothing is awaited, so little outlives a young-generation GC.
    const take = (raw) => {
        const line = cleanLine(raw);
        const start = /\(telemetry\) Starting provisioner ([\w-]+)/.exec(line);
        if (start?.[1]) {
            const type = PROVISIONER_TYPES[start[1].toLowerCase()];
            current = type ? { name: start[1], type, open: true } : undefined;
            telemetry = true;
            stepStarted();
            steps.push(type);
            ring = [];
            stepErrors = [];
            closed = undefined;
            return;
        }
        if (/\(telemetry\) ending ([\w-]+)/.test(line)) {
            if (current?.open) {
                current.open = false;
                closed = { context: ring, errors: stepErrors };
                ring = [];
                stepErrors = [];
            }
            return;
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
            if (!telemetry) {
                stepStarted();
                steps.push(type);
            }
        }
        else if (/^==> Restarting Machine/i.test(line)) {
            if (!current || current.type !== 'WindowsRestart') {
                current = { name: 'windows-restart', type: 'WindowsRestart', open: true };
                if (!telemetry) {
                    stepStarted();
                    steps.push('WindowsRestart');
                }
            }
        }
        else if (/^==> Uploading (.+) => (.+)$/.test(line) && (!current || current.type === 'File')) {
            const [, from, to] = /^==> Uploading (.+) => (.+)$/.exec(line) ?? [];
            current = { name: `${from} => ${to}`, type: 'File', open: true };
            if (!telemetry) {
                stepStarted();
                steps.push('File');
            }
        }
        lineNo++;
        if (mayRate(line)) {
            const shown = displayLine(line);
            const inStep = Boolean(current?.open) && !res.sawVerdict;
            // `--> name: ...` lists artifacts after a success; only after packer's error summary is it a verdict.
            const r = /^--> /.test(line) && !errorSummary && !/didn't complete/.test(line) ? undefined : rateLine(shown, inStep);
            // A step's own generic error output counts only before packer's verdict (after it comes the clean-up).
            if (r && (r.family || r.score !== 50 || inStep)) {
                addCandidate(pending, { text: (0,logs_message/* clip */.$Q)(shown, r.at), score: r.score, family: r.family, order: lineNo, step: steps.length, inStep });
            }
        }
        if (/Provisioning step had errors|Script exited with non-zero exit status|Upload failed|Timeout waiting for machine to restart|Error (uploading|restarting)/i.test(line)) {
            provisioningFailed = true;
        }
        if (/didn't complete successfully and had errors/i.test(line))
            errorSummary = true;
        if (/^--> /.test(line) && !errorSummary)
            return;
        if (diagnose_VERDICT.some((r) => r.test(line.replace(/^==> /, '')))) {
            if (!res.sawVerdict) {
                res.sawVerdict = true;
                snap = { current: current && { ...current }, steps: steps.length, ring: ring.slice(), errors: stepErrors.slice(), closed };
            }
            const v = line.replace(/^==> /, '');
            if (!res.verdicts.includes(v) && res.verdicts.length < MAX_ERROR_LINES)
                res.verdicts.push(v);
            return;
        }
        if (isNoise(line)) {
            if (/\[ERROR\]/.test(line) && current?.open)
                push(stepErrors, line.replace(/^.*?\[ERROR\]\s*/, ''), 3);
            return;
        }
        if (!res.sawVerdict && !/^==> Provisioning step had errors/.test(line)) {
            push(ring, line, CONTEXT_LINES);
            if (current?.open && !line.startsWith('==> ') && SCRIPT_ERROR.test(line))
                push(stepErrors, line, 4);
        }
    };
    for await (const lines of linesOf(file))
        for (const raw of lines)
            take(raw);
    res.candidates = rankCandidates(pending).map(({ text, score, family, order }) => ({ text, score, ...(family ? { family } : {}), order }));
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
/** Lines of the service's message that may name the cause (ordered after every log line). */
function messageCandidates(message, after) {
    const core = (0,logs_message/* messageCore */.fE)(message);
    if (!core)
        return [];
    const out = [];
    core
        .split(/\r?\n/)
        .map((l) => l.replace(/\s+/g, ' ').trim())
        .filter(Boolean)
        .forEach((line, i) => {
        const r = rateLine(line);
        if (r)
            out.push({ text: (0,logs_message/* clip */.$Q)(line, r.at), score: r.score, ...(r.family ? { family: r.family } : {}), order: after + 1 + i });
    });
    // A message with nothing recognisable is still the service's own account of the failure.
    if (out.length === 0)
        out.push({ text: (0,logs_message/* clip */.$Q)(core.replace(/\s+/g, ' ')), score: 20, order: after + 1 });
    return out;
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
        ...(d.customizer ? { customizer: { ...d.customizer, name: (0,report/* redactSas */.nL)(d.customizer.name) } } : {}),
        errorLines: d.errorLines.map(report/* redactSas */.nL),
        context: d.context.map(report/* redactSas */.nL),
        causeLines: d.causeLines.map(report/* redactSas */.nL),
        ...(d.hint ? { hint: (0,report/* redactSas */.nL)(d.hint) } : {}),
        ...(d.verdict ? { verdict: (0,report/* redactSas */.nL)(d.verdict) } : {}),
        title: (0,report/* redactSas */.nL)(d.title),
    };
}
async function diagnoseRaw(input) {
    const phase = input.runSubState;
    const where = phase ? ` during ${phase}` : '';
    if (input.runState === 'TimedOut') {
        return { phase, errorLines: [], context: [], causeLines: [], title: `The build timed out${where}.` };
    }
    if (input.runState === 'Canceled' || input.runState === 'Canceling') {
        return { phase, errorLines: [], context: [], causeLines: [], title: `The build was canceled${where}.` };
    }
    const validating = phase === 'Validating' || /validat/i.test((0,logs_message/* messageCore */.fE)(input.message));
    const distributing = phase === 'Distributing' || /distribut/i.test((0,logs_message/* messageCore */.fE)(input.message));
    const ctx = { ...(input.hasVnetConfig !== undefined ? { hasVnetConfig: input.hasVnetConfig } : {}), distributing };
    let scan;
    let inValidation = false;
    const { validationLog, customizationLog } = input;
    if (validating && validationLog && (await exists(validationLog))) {
        scan = await safeScan(validationLog);
        inValidation = Boolean(scan?.sawVerdict || scan?.candidates.length);
        if (!inValidation)
            scan = undefined;
    }
    if (!scan && customizationLog && (await exists(customizationLog)))
        scan = await safeScan(customizationLog);
    const logCandidates = scan?.candidates ?? [];
    const lastOrder = logCandidates.reduce((m, c) => Math.max(m, c.order), 0);
    const ranked = rankCandidates([...logCandidates, ...messageCandidates(input.message, lastOrder)]);
    const best = ranked[0];
    // The best line, and the next ones that weigh nearly as much (a quota line and the ARM error around it).
    const causes = best ? ranked.filter((c) => c.score >= best.score - 10).slice(0, 3) : [];
    const causeLines = causes.map((c) => c.text);
    const family = best?.family ?? causes.find((c) => c.family)?.family;
    const hint = hintFor(family, causes
        .filter((c) => c.family === family)
        .map((c) => c.text)
        .join(' '), ctx);
    // The failing customizer, as the template names it.
    let customizer;
    if (scan?.sawVerdict && scan.customizer) {
        const counted = scan.failedStep !== undefined && scan.steps[scan.failedStep] === scan.customizer.type;
        const match = counted && !inValidation ? matchCustomizer(scan.steps, scan.failedStep, input.customizers) : undefined;
        customizer = match ? { ...scan.customizer, template: match } : scan.customizer;
    }
    const cause = best?.text ?? (scan?.sawVerdict ? verdictText(scan.verdicts) : undefined) ?? (0,logs_message/* shortMessage */.Sq)(input.message);
    let title;
    if (inValidation)
        title = `Validation failed${customizer ? ` in validator '${customizer.name}' (${customizer.type})` : ''}: ${cause}`;
    else if (customizer)
        title = `${customizerLabel(customizer)} failed: ${cause}`;
    else if (distributing && !validating)
        title = prefixed('Distribution failed', cause);
    else if (validating)
        title = prefixed('Validation failed', cause);
    else if (cause) {
        const label = familyLabel(family);
        const named = label && !cause.toLowerCase().startsWith(label.toLowerCase()) ? `${label}: ${cause}` : cause;
        title = input.runState === 'PartiallySucceeded' ? `The build partially succeeded: ${named}` : named;
    }
    else
        title = `The build ${input.runState === 'PartiallySucceeded' ? 'partially succeeded' : 'failed'}${where}.`;
    const seen = new Set(causeLines.map(sameKey));
    const more = [...(scan?.scriptErrors ?? []), ...(scan?.verdicts ?? [])].filter((l) => {
        const k = sameKey(l);
        if (seen.has(k))
            return false;
        seen.add(k);
        return true;
    });
    const verdict = scan?.sawVerdict ? verdictText(scan.verdicts) : undefined;
    const verdictShown = verdict === undefined || causeLines.some((l) => sameKey(l).includes(sameKey(verdict)));
    return {
        ...(customizer ? { customizer } : {}),
        ...(verdict && !verdictShown ? { verdict } : {}),
        phase: inValidation
            ? 'Validating'
            : distributing && !validating && !customizer
                ? 'Distributing'
                : (phase ?? (scan?.sawVerdict ? 'Customizing' : undefined)),
        errorLines: [...causeLines, ...more].slice(0, MAX_ERROR_LINES),
        context: scan?.context ?? [],
        causeLines,
        ...(family ? { family } : {}),
        ...(hint ? { hint } : {}),
        title,
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
/** The family of the service's message alone (for callers without a log). */
function messageFamily(message) {
    return familyOfText(messageCore(message));
}
/** Annotation body: the cause lines, the fix, and the last lines before them (not repeating any), bounded in size. */
function excerpt(d, maxChars = 3500) {
    const shown = new Set(d.causeLines.map(sameKey));
    const parts = [...d.causeLines];
    if (d.hint)
        parts.push(`Fix: ${d.hint}`);
    const context = d.context.slice(-10).filter((l) => !shown.has(sameKey(l)));
    if (context.length > 0)
        parts.push('Last lines before the error:', ...context.map((l) => `  ${l}`));
    let text = parts.join('\n');
    if (text.length > maxChars)
        text = `${text.slice(0, maxChars - 1)}…`;
    return text;
}
/**
 * Title and message for `core.error(message, { title })`: one-line title (at most 200 characters) and a
 * message of at most `maxChars` (GitHub truncates long annotations).
 */
function annotationOf(d, maxChars = 4000) {
    const oneLine = d.title.replace(/\s+/g, ' ').trim();
    const title = oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
    const body = excerpt(d, maxChars);
    const message = body || oneLine;
    return { title, message: message.length > maxChars ? message.slice(0, maxChars) : message };
}

// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(46466);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(57075);
// EXTERNAL MODULE: ./src/redact.ts
var redact = __webpack_require__(76670);
;// CONCATENATED MODULE: ./src/logs/redacted-lines.ts
/**
 * The log's bytes with secrets removed, line by line, keeping everything else byte for byte: the local copy
 * that becomes the artifact (contract 10). Bytes are read as latin1 (one char per byte, so any byte
 * sequence, valid UTF-8 or not, comes back unchanged) and only whole lines are redacted, so a secret split
 * between two reads is still seen. A line longer than `maxLine` is cut where no secret can straddle the cut.
 */


const EMPTY = Buffer.alloc(0);
/** Default longest run of bytes held while waiting for a line's end. */
const MAX_PENDING_LINE = 256 * 1024;
class LineRedactor {
    maxLine;
    pending;
    /** `pending`: the unfinished last line of an earlier pass (see TailState.pending). */
    constructor(pending = EMPTY, maxLine = MAX_PENDING_LINE) {
        this.maxLine = maxLine;
        this.pending = Buffer.from(pending.buffer, pending.byteOffset, pending.length).toString('latin1');
    }
    /** The redacted bytes of the lines `chunk` completes (and of an over-long line's head). */
    push(chunk) {
        let text = this.pending + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1');
        let done = '';
        const nl = text.lastIndexOf('\n');
        if (nl >= 0) {
            done = text.slice(0, nl + 1);
            text = text.slice(nl + 1);
        }
        while (text.length > this.maxLine) {
            const cut = safeCut(text, this.maxLine);
            done += text.slice(0, cut);
            text = text.slice(cut);
        }
        this.pending = text;
        return done ? Buffer.from((0,redact/* redactSecrets */.fp)(done), 'latin1') : EMPTY;
    }
    /** The redacted unfinished last line; the redactor is empty afterwards. */
    end() {
        const rest = this.pending;
        this.pending = '';
        return rest ? Buffer.from((0,redact/* redactSecrets */.fp)(rest), 'latin1') : EMPTY;
    }
    /** The unfinished last line, raw. */
    get pendingBytes() {
        return Buffer.from(this.pending, 'latin1');
    }
}
/** What may come right before a secret (its label): a cut must not fall between the two. */
const LABEL_AT_END = /(?:sig|key|token|secret|assertion|password|bearer|basic|sharedkey(?:lite)?|signature|authorization|pop)[^A-Za-z0-9]{0,16}$/i;
const SEPARATOR = /[ \t"'<>,;()[\]{}|]/;
/**
 * Where to cut an over-long line: after the last separator (blank, quote, bracket ...) before `max` that
 * does not directly follow a label; at `max` when there is none in the last 4 KiB (no secret is that long).
 */
function safeCut(text, max) {
    const floor = Math.max(1, max - 4096);
    for (let i = max; i > floor; i--) {
        if (!SEPARATOR.test(text.charAt(i - 1)))
            continue;
        if (LABEL_AT_END.test(text.slice(Math.max(0, i - 64), i)))
            continue;
        return i;
    }
    return max;
}
/** A stream transform: raw log bytes in, redacted log bytes out; counts the bytes it took in. */
function redactingTransform(redactor) {
    let bytesIn = 0;
    const t = new external_node_stream_.Transform({
        transform(chunk, _enc, cb) {
            bytesIn += chunk.length;
            const out = redactor.push(chunk);
            cb(null, out.length > 0 ? out : undefined);
        },
        flush(cb) {
            const out = redactor.end();
            cb(null, out.length > 0 ? out : undefined);
        },
    });
    return Object.assign(t, { bytesIn: () => bytesIn });
}

// EXTERNAL MODULE: ./src/logs/types.ts
var types = __webpack_require__(9458);
;// CONCATENATED MODULE: ./src/logs/download.ts
/**
 * The final download: fetch only what the tail has not fetched yet, streamed to disk through the
 * line-by-line redaction (the file is the log without its secrets, contract 10).
 */




/**
 * Bring `file` up to date with `blob`. `state` is what the tail saw (see TailState); a local file shorter
 * than it says means the copy cannot be trusted, and the blob is fetched whole. One GET from the offset in
 * the usual case: its answer says the blob's length and creation time, so a blob shorter than the offset,
 * or created again with other content (two small ranged reads tell), is fetched whole instead, and one with
 * nothing new (416) costs no body. Memory does not grow with the log: the body is piped to disk through a
 * redaction that holds one line at most.
 */
async function completeDownload(blob, file, state) {
    let st = state && state.offset > 0 && (await sizeOf(file)) >= state.fileBytes ? state : undefined;
    let replaced = false;
    let r = await blob.stream(st?.offset ?? 0);
    if (r === 'not-found')
        return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
    if (st) {
        const recreated = st.createdOn !== undefined && r.createdOn !== undefined && st.createdOn.getTime() !== r.createdOn.getTime();
        if ((r.totalLength < st.offset || recreated) && !(await (0,types/* sameLogContent */.Oc)(blob, st, r.totalLength))) {
            if (r.body)
                destroy(r.body);
            replaced = true;
            st = undefined;
            r = await blob.stream(0);
            if (r === 'not-found')
                return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
        }
    }
    // Drop anything past what the state vouches for (e.g. a half-written append), then add the rest.
    if (st)
        await external_node_fs_.promises.truncate(file, st.fileBytes);
    else
        await external_node_fs_.promises.writeFile(file, '');
    const redactor = new LineRedactor(st?.pending);
    if (!r.body) {
        const rest = redactor.end();
        if (rest.length > 0)
            await external_node_fs_.promises.appendFile(file, rest);
        return { length: await sizeOf(file), fetched: 0, replaced, exists: true };
    }
    const transform = redactingTransform(redactor);
    await (0,promises_.pipeline)(r.body, transform, (0,external_node_fs_.createWriteStream)(file, { flags: 'a' }));
    return { length: await sizeOf(file), fetched: transform.bytesIn(), replaced, exists: true };
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

// EXTERNAL MODULE: ./src/logs/locate.ts
var logs_locate = __webpack_require__(84725);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(49809);
;// CONCATENATED MODULE: ./src/logs/schedule.ts
/**
 * When to ask ARM again for the staging group's storage account while it is not there yet.
 *
 * The first look is at once; after each look that found nothing the next waits longer: from about one poll
 * interval, doubling, up to LOOK_CAP_POLLS poll intervals (with the same ±25 % jitter as every other backoff
 * here, so that many builds started together do not ask together). At the cap a look costs one ARM read per
 * LOOK_CAP_POLLS polls: the template GET of each poll stays the bulk of the ARM reads (at most 1.1 per poll).
 * Once the account is known, looking for the log is a blob listing (storage, not ARM) and this is not asked.
 */

/** The longest wait between two ARM looks, in poll intervals. */
const LOOK_CAP_POLLS = 10;
function lookSchedule(pollIntervalMs, clock, random) {
    const poll = Math.max(1, pollIntervalMs);
    const delays = (0,retry/* backoff */.JN)(poll, poll * LOOK_CAP_POLLS, random);
    let nextAt = Number.NEGATIVE_INFINITY;
    return {
        due: () => clock.now() >= nextAt,
        // Half a poll early: the poll that comes about one delay later takes the look, not the one after it.
        missed: (startedAt) => {
            nextAt = startedAt + delays.next() - poll / 2;
        },
    };
}

;// CONCATENATED MODULE: ./src/logs/source.ts



/** Whether a message's log location names the open account (by name, or by endpoint for path-style URLs). */
function sameAccount(hint, open) {
    if (hint.account === open.account.name.toLowerCase())
        return true;
    return hint.blobEndpoint !== undefined && (0,logs_locate/* sameBlobEndpoint */.XL)(hint.blobEndpoint, open.account.blobEndpoint);
}
/**
 * Each `find` until the log is found: while no account with `packerlogs` is known, an ARM listing of the staging
 * group's accounts, held back by a backoff (lookSchedule); once one is known, one blob listing of its `packerlogs`
 * container and no ARM request. A container or log that does not exist yet is no error: `undefined`, ask again.
 */
function stagingLogSource(deps) {
    const arm = deps.arm ?? new logs_locate/* ArmJson */.Bn(deps);
    const clock = deps.clock ?? types/* systemClock */.ml;
    const armLooks = lookSchedule(deps.pollIntervalMs ?? 15_000, clock, deps.random);
    let container;
    let refused = false;
    let retriedWithHint = false;
    return {
        get refused() {
            return refused;
        },
        async find(hint) {
            const fromMessage = (0,logs_locate/* parseLogPath */.Hf)(hint.message);
            // After a refusal, only a message naming the account (URL or ARM path) is worth one more try.
            if (refused && (!fromMessage || retriedWithHint))
                return undefined;
            const viaArm = refused || !container || (fromMessage !== undefined && !sameAccount(fromMessage, container));
            if (viaArm && !hint.final && !armLooks.due())
                return undefined;
            if (refused) {
                retriedWithHint = true;
                container = undefined;
            }
            if (!container || (fromMessage && !sameAccount(fromMessage, container))) {
                const quiet = refused ? { ...deps.sink, warning: (m) => deps.sink.debug(m) } : deps.sink;
                const startedAt = clock.now();
                let opened;
                try {
                    opened = await (0,logs_locate/* openLogContainer */.sX)({
                        ...deps,
                        sink: quiet,
                        arm,
                        preferAccount: fromMessage?.account,
                        preferEndpoint: fromMessage?.blobEndpoint,
                    });
                }
                catch (err) {
                    armLooks.missed(startedAt);
                    throw err;
                }
                if (opened === 'refused') {
                    refused = true;
                    return undefined;
                }
                refused = false;
                if (opened === 'no-account') {
                    armLooks.missed(startedAt);
                    deps.sink.debug(`No storage account in ${deps.stagingResourceGroup} yet`);
                    return undefined;
                }
                container = opened;
                deps.sink.debug(`Build logs in ${opened.account.name} (read with ${opened.auth === 'entra' ? 'Entra ID' : 'an account key'})`);
            }
            const named = fromMessage?.blobPath.replace(/validation\.log$/, 'customization.log');
            // Listed at every poll until found, never backed off: a wait of more than two polls would print the first
            // lines later than two poll intervals after they were written. It is one storage GET (no ARM read), made only
            // until packer's first line is there; its answer grows with the earlier runs' folders kept in the container.
            const path = named ?? (await (0,logs_locate/* findNewestCustomizationLog */.tC)(container.container, hint.notBefore));
            if (!path)
                return undefined;
            return {
                customization: (0,logs_locate/* blobLog */.CE)(container.container.getBlobClient(path)),
                validation: (0,logs_locate/* blobLog */.CE)(container.container.getBlobClient((0,logs_locate/* siblingValidationPath */.LN)(path))),
            };
        },
    };
}

;// CONCATENATED MODULE: ./src/logs/tail.ts
/**
 * Live tail of a growing blob: each poll fetches only the bytes added since the last one, appends them
 * to a local file (which becomes the artifact) and prints the new whole lines once, in order. Both the
 * printed lines and the file have secrets removed (contract 10): the file keeps the log's line structure
 * and every other byte, so its size is not the blob's (TailState says both). Printed lines are split where
 * the runner splits them and cannot issue a workflow command (contract 11).
 */




/**
 * Bytes redacted, written and split at a time within one read: the strings made from a slice (up to twice
 * its size once decoded) stay regular young-generation objects, not large objects.
 */
const SLICE_BYTES = 32 * 1024;
/** A build-log line as it may be printed: no secret, no workflow command (kept for older imports). */
function safeLine(line) {
    return inertLine(redactSecrets(line));
}
class LogTail {
    o;
    st = (0,types/* emptyTailState */.nZ)();
    redactor = new LineRedactor();
    decoder = new TextDecoder('utf-8');
    /** Decoded text after the last printed line break. */
    printPending = '';
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
            // 1 MiB, not 4: a poll catching up on a fast log held 4 MiB reads long enough for V8 to keep them (bench 5d:
            // tail peak 186 → 118 MiB for a 1 GiB log); a log growing less than 1 MiB per poll still costs one read.
            chunkBytes: 1024 * 1024,
            maxLineChars: 4000,
            ...options,
        };
    }
    /** How far the blob was read and the local file written, and how to recognise the blob. */
    get state() {
        return { ...this.st, pending: this.redactor.pendingBytes };
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
            if (await this.isAnotherBlob(r)) {
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
            await this.take(r.bytes, lines);
            fetched += r.bytes.length;
            if (this.st.offset >= r.totalLength)
                break; // read up to the length this answer gave
        }
        this.print(lines, phase);
        return fetched;
    }
    /** Print a last line that never got its newline (it stays pending for the final download), and close the open group. */
    finish() {
        const rest = this.printPending + this.decoder.decode(this.redactor.pendingBytes);
        this.printPending = '';
        this.decoder = new TextDecoder('utf-8');
        if (rest.length > 0) {
            const b = new BurstBuffer(Infinity, 0);
            for (const l of rest.split(/\r\n|\r|\n/))
                b.push(l);
            this.print(b, this.group);
        }
        this.closeGroup();
    }
    /** Write the pending last line to the file (when no final download will). */
    async flushFile() {
        const rest = this.redactor.end();
        if (rest.length === 0)
            return;
        await external_node_fs_.promises.appendFile(this.o.file, rest);
        this.st.fileBytes += rest.length;
    }
    /** Close the current log group (e.g. before printing a status line outside it). */
    closeGroup() {
        if (this.groupOpen) {
            this.o.sink.endGroup();
            this.groupOpen = false;
        }
    }
    /**
     * Whether an answer is from another blob than the one read so far: shorter than the offset, or created
     * again with other content. A block blob re-uploaded whole with the same leading bytes is the same log.
     */
    async isAnotherBlob(r) {
        if (this.st.offset === 0)
            return false;
        const recreated = this.st.createdOn !== undefined && r.createdOn !== undefined && this.st.createdOn.getTime() !== r.createdOn.getTime();
        if (r.totalLength >= this.st.offset && !recreated)
            return false;
        const same = await (0,types/* sameLogContent */.Oc)(this.o.reader, this.st, r.totalLength);
        if (same)
            this.o.sink.debug(`${this.o.label} was written again with the same beginning; reading on from byte ${this.st.offset}.`);
        return !same;
    }
    /** Take new bytes of the blob: remember how it looks, write the redacted whole lines, queue them for printing. */
    async take(bytes, lines) {
        const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
        if (this.st.head.length < types/* CONTENT_PROBE_BYTES */.Hw) {
            this.st.head = Buffer.concat([this.st.head, b.subarray(0, types/* CONTENT_PROBE_BYTES */.Hw - this.st.head.length)]);
        }
        this.st.window =
            b.length >= types/* CONTENT_PROBE_BYTES */.Hw
                ? Buffer.from(b.subarray(b.length - types/* CONTENT_PROBE_BYTES */.Hw))
                : Buffer.concat([this.st.window, b]).subarray(-types/* CONTENT_PROBE_BYTES */.Hw);
        this.st.offset += b.length;
        // Slice by slice, so every string made from the bytes stays small: short-lived small strings die in
        // the young generation instead of piling up as multi-MiB large objects that only a full GC takes back.
        const outs = [];
        let written = 0;
        for (let at = 0; at < b.length; at += SLICE_BYTES) {
            const out = this.redactor.push(b.subarray(at, at + SLICE_BYTES));
            if (out.length === 0)
                continue;
            outs.push(out);
            written += out.length;
            // Past the print limit nothing more is printed: the lines need not be made at all.
            if (this.printed < this.o.maxLinesTotal)
                this.split(this.decoder.decode(out, { stream: true }), lines);
        }
        if (written > 0) {
            await external_node_fs_.promises.writeFile(this.o.file, outs, { flag: 'a' });
            this.st.fileBytes += written;
        }
    }
    async restart() {
        await external_node_fs_.promises.writeFile(this.o.file, '');
        this.st = (0,types/* emptyTailState */.nZ)();
        this.redactor = new LineRedactor();
        this.decoder = new TextDecoder('utf-8');
        this.printPending = '';
    }
    /** Lines as the runner will see them: a line ends at \n, \r\n or a lone \r (a \r at the very end waits for a \n). */
    split(text, out) {
        const parts = (this.printPending + text).split(/\r\n|\r(?!$)|\n/);
        let rest = parts.pop() ?? '';
        for (const p of parts)
            out.push(p);
        if (rest.length > this.o.maxLineChars) {
            out.push(rest);
            rest = '';
        }
        this.printPending = rest;
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
            const s = (0,redact/* redactSecrets */.fp)(line.replace(/\r$/, ''));
            return (0,redact/* inertLine */.Fq)(s.length > this.o.maxLineChars ? `${s.slice(0, this.o.maxLineChars)} …` : s);
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

// EXTERNAL MODULE: ./src/wait.ts
var wait = __webpack_require__(40910);
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
    const sink = deps.sink ?? types/* coreSink */.JQ;
    const clock = deps.clock ?? types/* systemClock */.ml;
    const customizationFile = (0,external_node_path_.join)(deps.workDir, 'customization.log');
    const validationFile = (0,external_node_path_.join)(deps.workDir, 'validation.log');
    let staging = deps.stagingResourceGroup;
    let source = deps.source;
    let found;
    let tail;
    let dirReady = false;
    /** Aborted when the action stops waiting for the logs: every ARM request made for them stops. */
    const abandon = new AbortController();
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
            // abortSignal reaches the source's ARM client (ArmDeps) through the deps object.
            const sourceDeps = {
                credential: deps.credential,
                armEndpoint: deps.armEndpoint,
                armScope: deps.armScope,
                ...(deps.storageSuffix !== undefined ? { storageSuffix: deps.storageSuffix } : {}),
                subscriptionId: deps.subscriptionId,
                stagingResourceGroup: staging,
                sink,
                abortSignal: abandon.signal,
                clock,
                ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
            };
            source = stagingLogSource(sourceDeps);
        }
        return source;
    };
    const ensureDir = async () => {
        if (!dirReady) {
            await external_node_fs_.promises.mkdir(deps.workDir, { recursive: true });
            dirReady = true;
        }
    };
    /** At every poll until found: the source decides what a look costs (storage listing, or ARM after a backoff). */
    const locate = async (status, final) => {
        if (found)
            return;
        const src = getSource();
        if (!src || src.refused)
            return;
        found = await src.find({ message: status.message, notBefore: status.startTime, ...(final ? { final } : {}) });
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
        async finish(result, signal) {
            const out = { files: [] };
            if (signal) {
                if (signal.aborted)
                    abandon.abort(signal.reason);
                else
                    signal.addEventListener('abort', () => abandon.abort(signal.reason), { once: true });
            }
            /** Each network step ends early once the caller stopped waiting (the process then exits). */
            const bounded = (p) => (0,wait/* raceAbort */.Mu)(p, abandon.signal);
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
                const hinted = await bounded(findFinal(result));
                if (hinted) {
                    out.logUri = (0,logs_locate/* stripQuery */.jI)(hinted.customization.url);
                    const sameBlob = before !== undefined && before === hinted.customization.url;
                    const dl = await bounded(completeDownload(hinted.customization, customizationFile, sameBlob ? tail?.state : undefined));
                    if (dl.exists && dl.length > 0)
                        out.files.push(customizationFile);
                    if (dl.replaced)
                        sink.info('customization.log was replaced since it was streamed; downloaded it whole.');
                    const v = await bounded(completeDownload(hinted.validation, validationFile));
                    if (v.exists && v.length > 0)
                        out.files.push(validationFile);
                }
                else if (tail && tail.state.offset > 0) {
                    await tail.flushFile();
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
                        ...(result.hasVnetConfig !== undefined ? { hasVnetConfig: result.hasVnetConfig } : {}),
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
            if (upload && out.files.length > 0 && !abandon.signal.aborted) {
                const env = deps.env ?? process.env;
                const name = deps.artifactName ?? defaultArtifactName(deps.templateName, env);
                const up = await bounded(uploadLogsArtifact({
                    name,
                    files: out.files,
                    rootDir: deps.workDir,
                    retentionDays: deps.retentionDays,
                    sink,
                    env,
                    client: deps.artifactClient,
                }));
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
            const byMessage = await src.find({ message: result.message, notBefore: result.startTime, final: true });
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
