export const id = 380;
export const ids = [380];
export const modules = {

/***/ 53923:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   jJ: () => (/* binding */ apiVersionFallbackPolicy)
/* harmony export */ });
/* unused harmony exports API_VERSION_POLICY, supportedVersions, newestVersion */
const API_VERSION_POLICY = 'apiVersionFallback';
const REFUSAL_CODES = [
    'NoRegisteredProviderFound',
    'InvalidResourceType',
    'InvalidApiVersionParameter',
    'NoRegisteredProviderFoundForApiVersion',
];
/** The versions an api-version refusal lists, or undefined when the body is not one. */
function supportedVersions(body) {
    if (!body)
        return undefined;
    let error;
    try {
        const parsed = JSON.parse(body);
        error = parsed.error;
    }
    catch {
        return undefined;
    }
    if (typeof error?.code !== 'string' || typeof error.message !== 'string' || !REFUSAL_CODES.includes(error.code))
        return undefined;
    const m = /supported (?:api-)?versions are '([^']*)'/i.exec(error.message);
    if (!m?.[1])
        return undefined;
    const versions = m[1]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => /^\d{4}-\d{2}-\d{2}(-[a-z0-9]+)?$/i.test(v));
    return versions.length > 0 ? versions : undefined;
}
/** The newest version listed: a stable one if there is any, else the newest preview. */
function newestVersion(versions) {
    const stable = versions.filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v));
    const pool = stable.length > 0 ? stable : versions;
    return [...pool].sort().at(-1);
}
function withApiVersion(url, version) {
    const u = new URL(url);
    u.searchParams.set('api-version', version);
    return u.toString();
}
function apiVersionFallbackPolicy(o = {}) {
    /** Per resource provider namespace: the version it accepted in place of ours. */
    const chosen = new Map();
    const providerOf = (url) => /\/providers\/([^/?]+)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? '';
    return {
        name: API_VERSION_POLICY,
        async sendRequest(request, next) {
            const provider = providerOf(request.url);
            const sent = new URL(request.url).searchParams.get('api-version');
            const known = chosen.get(provider);
            if (known && sent === known.from)
                request.url = withApiVersion(request.url, known.to);
            const response = await next(request);
            if (response.status !== 400 || sent === null || known)
                return response;
            const newest = newestVersion(supportedVersions(response.bodyAsText) ?? []);
            if (newest === undefined || newest === sent)
                return response;
            chosen.set(provider, { from: sent, to: newest });
            o.onFallback?.(sent, newest, provider);
            request.url = withApiVersion(request.url, newest);
            return next(request);
        },
    };
}


/***/ }),

/***/ 66776:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $Q: () => (/* binding */ clip),
/* harmony export */   Sq: () => (/* binding */ shortMessage),
/* harmony export */   fE: () => (/* binding */ messageCore)
/* harmony export */ });
/* unused harmony export MAX_LINE */
/**
 * The service's failure messages: without the wrappers and boilerplate that say where a failure was reported
 * rather than what it was, and shortened to one line. No dependencies: the action's own error uses it too.
 */
/** Longest line shown in an annotation or summary. */
const MAX_LINE = 300;
/** A line longer than MAX_LINE, shortened so that the part at `at` (an error code, a family's words) stays. */
function clip(text, at = 0, max = MAX_LINE) {
    if (text.length <= max)
        return text;
    if (at < max - 80)
        return `${text.slice(0, max - 2).trimEnd()} …`;
    const head = text.slice(0, Math.floor(max / 2) - 10).trimEnd();
    const from = Math.max(at - 40, head.length);
    const rest = max - head.length - 6;
    const tail = text.slice(from, from + rest).trim();
    return `${head} … ${tail}${from + rest < text.length ? ' …' : ''}`;
}
/** Wrappers and boilerplate of the service's messages: they say where the failure was reported, not what it was. */
const MESSAGE_WRAPPERS = [
    /Deployment failed\.\s+Correlation ID:?\s*\S+\s*/gi,
    /Failed in (?:building\/customizing|customizing) image:\s*/gi,
    /Failed while waiting for packerizer:\s*/gi,
    /Microservice has failed:\s*/gi,
    /Failed while processing request:\s*/gi,
    /Error when executing packerizer:\s*/gi,
];
const MESSAGE_TAIL = /\s*(?:During the image build,? a failure has occurred|Please review the build log|Packer build logs are at location|Image Build log location:|For more troubleshooting steps go to|OperationId:|Use this operation ?ID)[\s\S]*$/i;
/** The service's message without its wrappers and trailing boilerplate (log location, operation ID, links). */
function messageCore(message) {
    if (!message)
        return '';
    let s = message;
    for (const w of MESSAGE_WRAPPERS)
        s = s.replace(w, '');
    return s.replace(MESSAGE_TAIL, '').trim();
}
/** The service's message, shortened to one line. */
function shortMessage(message) {
    const core = messageCore(message).replace(/\s+/g, ' ');
    return clip(core);
}


/***/ }),

/***/ 70665:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hk: () => (/* reexport safe */ _redact_js__WEBPACK_IMPORTED_MODULE_1__.Hk),
/* harmony export */   b4: () => (/* binding */ coreReporter),
/* harmony export */   nL: () => (/* binding */ redactSas)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(91659);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76670);
/** Outputs, annotations and masking, behind a small interface so run() can be tested without @actions/core. */



/** Kept for the modules that import it from here: the same as `redactSecrets` (see redact.ts). */
const redactSas = _redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactSecrets */ .fp;
const coreReporter = {
    // Every message may quote the build log or a service's answer: no secret, and no line the runner would
    // take as a command (contract 10, 11).
    info: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.info((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    warning: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    error: (m, title) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.error((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m), title ? { title: (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactSecrets */ .fp)(title) } : {}),
    debug: (m) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.debug((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(m)),
    setOutput: (n, v) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput(n, (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactSecrets */ .fp)(v)),
    saveState: (n, v) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.saveState(n, (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactSecrets */ .fp)(v)),
    setSecret: (s) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.setSecret(s),
    markFailed: () => {
        process.exitCode = _actions_core__WEBPACK_IMPORTED_MODULE_0__.ExitCode.Failure;
    },
    startGroup: (n) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.startGroup((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .safeText */ .Hk)(n)),
    endGroup: () => _actions_core__WEBPACK_IMPORTED_MODULE_0__.endGroup(),
};


/***/ }),

/***/ 49809:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   JN: () => (/* binding */ backoff),
/* harmony export */   dg: () => (/* binding */ isTransient),
/* harmony export */   jh: () => (/* binding */ retryTransient)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/** Which failed Azure calls are worth asking again, and how long to wait before the next try. */

/**
 * A failure that may go away: 408, 429, 5xx, a dropped connection, a timeout, an unreadable body.
 * 4xx answers other than 408 and 429 will not get better by asking again.
 */
function isTransient(err) {
    const { status } = (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorInfo */ .fH)(err);
    const name = err instanceof Error ? err.name : '';
    // A missing or refused sign-in is final; an aborted call was stopped on purpose.
    if (name === 'CredentialUnavailableError' || name === 'AbortError')
        return false;
    if (name === 'AuthenticationError' && (status === undefined || (status < 500 && status !== 429)))
        return false;
    if (status === undefined)
        return true;
    if (status === 408 || status === 429)
        return true;
    if (status >= 500)
        return true;
    // A 2xx whose body could not be read (the SDK's parse error carries the response status).
    return status < 400;
}
function backoff(firstMs, maxMs, random = Math.random) {
    let attempt = 0;
    return {
        next() {
            const base = Math.min(maxMs, firstMs * 2 ** attempt);
            attempt++;
            return Math.max(1, Math.round(base * (0.75 + random() * 0.5)));
        },
        reset() {
            attempt = 0;
        },
    };
}
/** Calls fn until it succeeds, a failure is not transient, or the deadline passes (then the last error is thrown). */
async function retryTransient(fn, o) {
    const delays = backoff(o.firstDelayMs ?? 1000, o.maxDelayMs ?? 30_000, o.random);
    const told = new Set();
    for (;;) {
        try {
            return await fn();
        }
        catch (err) {
            if (!isTransient(err) || o.signal?.aborted)
                throw err;
            const delay = delays.next();
            if (o.clock.now() + delay > o.deadline)
                throw err;
            const msg = (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorInfo */ .fH)(err).message;
            if (!told.has(msg)) {
                told.add(msg);
                o.onRetry?.(msg, delay);
            }
            await o.clock.sleep(delay, o.signal);
        }
    }
}


/***/ }),

/***/ 88236:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   g0: () => (/* binding */ isKnownRunState),
/* harmony export */   qK: () => (/* binding */ isOwnRun),
/* harmony export */   vI: () => (/* binding */ normalizeRunStatus)
/* harmony export */ });
/* unused harmony export CLOCK_SKEW_MS */
const RUN_STATES = ['Running', 'Canceling', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];
const SUB_STATES = ['Queued', 'Building', 'Customizing', 'Optimizing', 'Validating', 'Distributing'];
/** The service's clock (startTime) and the runner's (when we sent the POST) may differ by this much. */
const CLOCK_SKEW_MS = 2 * 60_000;
function canonical(value, known) {
    return known.find((k) => k.toLowerCase() === value.toLowerCase()) ?? value;
}
/** A real time, or undefined for a missing, unreadable or zero (year 1) one. */
function realTime(d) {
    const t = d instanceof Date ? d : typeof d === 'string' ? new Date(d) : undefined;
    if (t === undefined || !Number.isFinite(t.getTime()) || t.getUTCFullYear() < 2000)
        return undefined;
    return t;
}
function normalizeRunStatus(s) {
    const out = {};
    if (typeof s.runState === 'string' && s.runState !== '')
        out.runState = canonical(s.runState, RUN_STATES);
    if (typeof s.runSubState === 'string' && s.runSubState !== '')
        out.runSubState = canonical(s.runSubState, SUB_STATES);
    if (typeof s.message === 'string' && s.message !== '')
        out.message = s.message;
    const start = realTime(s.startTime);
    const end = realTime(s.endTime);
    if (start)
        out.startTime = start;
    if (end && (!start || end.getTime() >= start.getTime()))
        out.endTime = end;
    return out;
}
function isKnownRunState(state) {
    return state !== undefined && RUN_STATES.includes(state);
}
/**
 * Whether a status read after our POST is our run's: not the run the template showed before (same start),
 * and not older than the POST (allowing for clock skew). A run without a start time counts while in progress.
 */
function isOwnRun(s, postedAt, previousStart) {
    if (s.startTime === undefined)
        return s.runState === 'Running' || s.runState === 'Canceling';
    const start = s.startTime.getTime();
    return start !== previousStart && start >= postedAt - CLOCK_SKEW_MS;
}


/***/ }),

/***/ 22380:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runSession: () => (/* binding */ runSession)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 11 modules
var core = __webpack_require__(91659);
// EXTERNAL MODULE: ./src/duration.ts
var src_duration = __webpack_require__(77607);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/logs/message.ts
var message = __webpack_require__(66776);
;// CONCATENATED MODULE: ./src/annotation.ts
/**
 * The failure annotation, composed once from the action's title, the service's message and what the logs
 * said: a title that names the cause, then the failing step, the cause lines, the fix, the service's message
 * (once, shortened, and only where it adds something), the last lines before the error and where the whole
 * log is. No line appears twice.
 */

const MAX_TITLE = 200;
const MAX_MESSAGE = 4000;
const norm = (s) => s
    .replace(/\s*…\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
function oneLine(s, max) {
    const t = s.replace(/\s+/g, ' ').trim();
    return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
/**
 * The step's failure message, once and short: `The image build failed (Failed, sub-state X): <message>` with the
 * service message's wrappers and boilerplate removed. The action's own trailing note (`(partial-success: fail;
 * ...)`) and the operation ID (what support asks for) stay; the message itself is left out where a cause line
 * already says it.
 */
function serviceLine(failureMessage, causeLines) {
    const note = /\s(\([^()]*\))\.?\s*$/.exec(failureMessage)?.[1];
    const base = note ? failureMessage.slice(0, failureMessage.lastIndexOf(note)).trim() : failureMessage;
    const short = (0,message/* shortMessage */.Sq)(base);
    const cut = short.indexOf(': ');
    const head = cut > 0 && cut < 80 ? short.slice(0, cut) : '';
    const rest = head ? short.slice(cut + 2) : short;
    const r = norm(rest);
    const covered = r === '' ||
        causeLines.some((l) => {
            const c = norm(l);
            return c.includes(r) || r.includes(c) || (c.length > 40 && r.startsWith(c.slice(0, 40)));
        });
    const op = /OperationId:?\s*([\w-]+)/i.exec(failureMessage)?.[1];
    const extra = `${note ? ` ${note}.` : ''}${op ? ` OperationId: ${op}.` : ''}`;
    const main = covered ? (head ? `${head}.` : '') : (0,message/* clip */.$Q)(short);
    const line = `${main}${extra}`.trim();
    return line || undefined;
}
function whereLogs(o) {
    const parts = [];
    if (o.artifactName)
        parts.push(`artifact '${o.artifactName}'${o.artifactUrl ? ` (${o.artifactUrl})` : ''}`);
    if (o.logUri)
        parts.push(`log-uri ${o.logUri}`);
    return parts.length ? `Full build log: ${parts.join(', ')}` : undefined;
}
/**
 * Title and message of the step's `::error` for a failure: `actionTitle` is the action's own (e.g. `Image build
 * failed`), `failureMessage` the message the step fails with, `outcome` what the logs seam found.
 */
function failureAnnotation(actionTitle, failureMessage, outcome) {
    const d = outcome.diagnosisDetail;
    const where = whereLogs(outcome);
    if (!d) {
        // No structured diagnosis: the service's message as it is, the logs seam's text (if any) and where the log is.
        const parts = [failureMessage, outcome.diagnosis, where].filter((p) => Boolean(p));
        const title = outcome.diagnosisTitle ? `${actionTitle}: ${outcome.diagnosisTitle}` : actionTitle;
        return { title: oneLine(title, MAX_TITLE), message: parts.join('\n\n').slice(0, MAX_MESSAGE) };
    }
    const causeLines = d.causeLines ?? d.errorLines;
    const head = [];
    if (d.customizer)
        head.push(`Failed step: ${d.customizer}`);
    if (causeLines.length)
        head.push(...causeLines);
    else
        head.push(d.title);
    if (d.verdict)
        head.push(`Packer: ${d.verdict}`);
    if (d.hint)
        head.push(`Fix: ${d.hint}`);
    const service = serviceLine(failureMessage, causeLines.length ? causeLines : [d.title]);
    if (service)
        head.push(`Service: ${service}`);
    const tail = where ? [where] : [];
    const shown = new Set(head.map(norm));
    const context = d.context
        .slice(-10)
        .filter((l) => !shown.has(norm(l)) && !causeLines.some((c) => norm(c).includes(norm(l)) && l.trim().length > 20));
    let body = '';
    // Context lines go first when the annotation is too long; the cause, the fix and the log's place stay.
    for (let n = context.length; n >= 0; n--) {
        const ctx = n > 0 ? ['Last lines before the error:', ...context.slice(-n).map((l) => `  ${l}`)] : [];
        body = [...head, ...ctx, ...tail].join('\n');
        if (body.length <= MAX_MESSAGE)
            break;
    }
    if (body.length > MAX_MESSAGE)
        body = `${body.slice(0, MAX_MESSAGE - 1)}…`;
    return { title: oneLine(`${actionTitle}: ${d.title}`, MAX_TITLE), message: body };
}

// EXTERNAL MODULE: ./src/report.ts
var src_report = __webpack_require__(70665);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(49809);
;// CONCATENATED MODULE: ./src/runOutputs.ts
/** Picks the run output that feeds image-uri / image-id / vhd-uri. */
function selectRunOutput(outputs, template, wanted) {
    if (wanted !== undefined) {
        const found = outputs.find((o) => o.name === wanted);
        if (found)
            return { selected: found };
        return {
            error: `run-output-name '${wanted}' is not among the run outputs of template '${template.name}' (${outputs.map((o) => o.name).join(', ') || 'none'}).`,
        };
    }
    const first = template.runOutputNames[0];
    const byTemplate = first !== undefined ? outputs.find((o) => o.name === first) : undefined;
    const selected = byTemplate ?? outputs[0];
    return selected ? { selected } : {};
}
function isVhd(output, template) {
    const i = template.runOutputNames.indexOf(output.name);
    const type = i >= 0 ? template.distributeTypes[i] : undefined;
    if (type !== undefined && type !== '')
        return type.toUpperCase() === 'VHD';
    return !output.artifactId && !!output.artifactUri;
}

// EXTERNAL MODULE: ./src/runContext.ts
var runContext = __webpack_require__(21507);
// EXTERNAL MODULE: ./src/wait.ts
var wait = __webpack_require__(40910);
;// CONCATENATED MODULE: ./src/finish.ts
/** The phases after the wait: a signal, the timeout, or the run's own end; then the logs, the summary and the verdict. */








function durationSeconds(status) {
    if (!status?.startTime || !status.endTime)
        return undefined;
    const s = (status.endTime.getTime() - status.startTime.getTime()) / 1000;
    // An end before the start is no end (normalizeRunStatus drops it); a build never lasts zero seconds.
    return Number.isFinite(s) && s > 0 ? Math.max(1, Math.round(s)) : undefined;
}
/** Longest time spent getting the run outputs through throttling or an outage. */
const RUN_OUTPUTS_RETRY_MS = 5 * 60_000;
/**
 * After a signal, logs and the summary must be done (or abandoned) well before the runner's SIGTERM at 7.5 s:
 * writing the last lines and exiting takes a second or more on a loaded runner.
 */
const SIGNAL_LOGS_DEADLINE_MS = 5500;
const whoseRun = (c) => `it was not started by this step (it started ${(0,runContext/* startText */.qK)(c.runStart)}; attached with if-running: attach)`;
/**
 * Sends the cancel (through throttling and outages until `retryUntil`, when given); a refusal because the run is
 * already Canceling counts as sent (no second cancel).
 */
async function sendCancel(c, signal, retryUntil) {
    try {
        if (retryUntil === undefined)
            await c.ops.cancelRun(signal);
        else {
            await (0,retry/* retryTransient */.jh)(() => c.ops.cancelRun(signal), {
                clock: c.clock,
                deadline: retryUntil,
                firstDelayMs: Math.min(c.settings.pollIntervalMs, 5000),
                ...(signal ? { signal } : {}),
                ...(c.deps.random ? { random: c.deps.random } : {}),
                onRetry: (msg) => c.report.warning(`The cancel request failed: ${msg} (retrying)`),
            });
        }
        return { sent: true };
    }
    catch (err) {
        if ((0,errors/* errorInfo */.fH)(err).code === 'OperationNotAllowed') {
            try {
                const now = (await c.ops.getTemplate(signal)).lastRunStatus;
                if (now?.runState === 'Canceling' || now?.runState === 'Canceled')
                    return { sent: true };
            }
            catch {
                // Fall through: report the refusal.
            }
        }
        return { sent: false, error: (0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c)) };
    }
}
/** SIGINT/SIGTERM: cancel our build before the runner kills us (10 s after SIGINT), then logs if time allows. */
async function handleSignal(c, waited) {
    const { settings, report, deps } = c;
    const abortedAt = Date.now();
    const logsDeadline = abortedAt + (deps.signalLogsDeadlineMs ?? SIGNAL_LOGS_DEADLINE_MS);
    const result = (0,runContext/* newResult */.YT)(c, waited.status);
    result.interrupted = true;
    if (!(0,runContext/* mayCancel */._4)(c)) {
        report.warning(`The workflow was canceled or the step timed out. The run this step followed was left running: ${whoseRun(c)}, and cancel-attached is false.`);
        result.cancel = { requested: false, reachedCanceled: false };
        result.failureMessage =
            `The step was interrupted (workflow canceled or step timeout) after ${(0,src_duration/* formatDuration */.a3)(waited.waitedMs)}; the run it followed was left running (last state: ${(0,runContext/* stateLine */.qo)(result.status)}): ${whoseRun(c)}. ` +
                `run-state is not set (the run is still going): follow it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`;
    }
    else {
        report.warning('The workflow was canceled or the step timed out: canceling the build.');
        const cancel = await sendCancel(c, AbortSignal.timeout(deps.signalCancelBudgetMs ?? 4000));
        const sent = cancel.sent;
        if (sent) {
            (0,runContext/* setPhase */.A)(c, 'cancel-sent');
            report.info('Cancel sent.');
            // run-state says Canceled only once Canceled is seen: watch for it while the runner leaves time.
            // Most of the time left goes to this: the logs after a signal are best-effort, the run-state is not.
            result.status = await watchForCanceled(c, waited.status, logsDeadline - 1000);
        }
        else {
            report.warning(`Could not send the cancel: ${cancel.error}. The post step will try again.`);
        }
        const canceled = result.status?.runState === 'Canceled';
        result.cancel = { requested: sent, reachedCanceled: canceled };
        if (canceled) {
            result.state = 'Canceled';
            report.setOutput('run-state', 'Canceled');
            (0,runContext/* setPhase */.A)(c, 'finished');
        }
        // Otherwise the build is still running or Canceling, and no contract value says that: run-state stays unset.
        result.failureMessage =
            `The step was interrupted (workflow canceled or step timeout) after ${(0,src_duration/* formatDuration */.a3)(waited.waitedMs)}; the build was ${sent ? 'asked to cancel' : 'not canceled yet'} (last state: ${(0,runContext/* stateLine */.qo)(result.status)}).` +
                (canceled
                    ? ' It reached Canceled.'
                    : sent
                        ? ` Canceled was not seen yet, so run-state is not set; the post step checks the build again.`
                        : ` The run's state is unknown (run-state is not set): check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`);
    }
    report.error(result.failureMessage, 'Interrupted');
    report.markFailed();
    // Logs and summary only if time allows: the runner kills the step 10 s after SIGINT.
    await logsAfterSignal(c, result, logsDeadline);
    return result;
}
/** A few quick reads after a cancel, until Canceled or `until` (real time: the runner's kill does not wait). */
async function watchForCanceled(c, last, until) {
    const interval = Math.min(c.settings.pollIntervalMs, 1000);
    let status = last;
    for (let reads = 0; reads < 10 && Date.now() + 500 < until; reads++) {
        try {
            const now = (await c.ops.getTemplate(AbortSignal.timeout(Math.max(500, Math.min(1500, until - Date.now()))))).lastRunStatus;
            if (now && isFollowed(c, now)) {
                status = { ...now, ...(now.runSubState ? {} : status?.runSubState ? { runSubState: status.runSubState } : {}) };
                if (status.runState === 'Canceled' ||
                    status.runState === 'Failed' ||
                    status.runState === 'Succeeded' ||
                    status.runState === 'PartiallySucceeded')
                    break;
            }
        }
        catch {
            // The last status seen will do.
        }
        await c.clock.sleep(interval);
    }
    return status;
}
/** Whether a status is the run this step follows (set by waitForEnd). */
function isFollowed(c, s) {
    return c.isCurrent ? c.isCurrent(s) : true;
}
/** The timeout: cancel (or leave) the build and say what to do next. */
async function handleTimeout(c, waited, waitOpts, waitStart) {
    const { settings, report } = c;
    const timeoutText = (0,src_duration/* formatDuration */.a3)(settings.timeoutMs);
    const last = (0,runContext/* stateLine */.qo)(waited.status) + (waited.readError ? `; the status could not be read lately (${waited.readError})` : '');
    const result = (0,runContext/* newResult */.YT)(c, waited.status);
    result.state = 'TimedOut';
    report.setOutput('run-state', 'TimedOut');
    let message;
    if (!(0,runContext/* mayCancel */._4)(c)) {
        (0,runContext/* setPhase */.A)(c, 'finished');
        result.cancel = { requested: false, reachedCanceled: false };
        message =
            `The build did not finish within ${timeoutText} (timeout); last state: ${last}. It was left running: ${whoseRun(c)}, and cancel-attached is false. ` +
                `Follow it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, or set cancel-attached: true to cancel such runs.`;
    }
    else if (settings.onTimeout === 'leave') {
        (0,runContext/* setPhase */.A)(c, 'finished');
        result.cancel = { requested: false, reachedCanceled: false };
        message =
            `The build did not finish within ${timeoutText} (timeout); last state: ${last}. It was left running (on-timeout: leave). ` +
                `Follow it in the portal or with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, or run this action again with if-running: attach.`;
    }
    else {
        report.warning(`The build did not finish within ${timeoutText}; canceling it (on-timeout: cancel).`);
        const cancel = await sendCancel(c, c.deps.signal, c.clock.now() + Math.min(settings.cancelTimeoutMs, 60_000));
        if (cancel.sent)
            (0,runContext/* setPhase */.A)(c, 'cancel-sent');
        let reached = false;
        let cancelWait = 0;
        let after = waited.status;
        if (cancel.sent) {
            try {
                const w = await (0,wait/* waitForRun */.Cs)({
                    ...waitOpts,
                    timeoutMs: settings.cancelTimeoutMs,
                    // Continue the progress output: elapsed time from the first wait, the last state not printed again.
                    progressStart: waitStart,
                    ...(waited.lastKey !== undefined ? { lastKey: waited.lastKey } : {}),
                });
                cancelWait = w.waitedMs;
                after = w.status ?? after;
                reached = w.outcome === 'done';
            }
            catch (err) {
                report.warning(`Could not follow the cancel: ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}`);
            }
            if (reached)
                (0,runContext/* setPhase */.A)(c, 'finished');
        }
        result.status = after;
        result.cancel = { requested: cancel.sent, reachedCanceled: reached && after?.runState === 'Canceled' };
        const cancelText = !cancel.sent
            ? `The cancel request failed: ${cancel.error} Cancel it yourself (az image builder cancel -g ${settings.resourceGroup} -n ${settings.templateName}).`
            : reached && after?.runState === 'Canceled'
                ? `It was canceled and reached Canceled after ${(0,src_duration/* formatDuration */.a3)(cancelWait)}.`
                : reached
                    ? `A cancel was sent, but the build ended as ${after?.runState} first (after ${(0,src_duration/* formatDuration */.a3)(cancelWait)}).`
                    : `A cancel was sent, but the build had not reached Canceled after ${(0,src_duration/* formatDuration */.a3)(cancelWait)} (cancel-timeout); check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}.`;
        message =
            `The build did not finish within ${timeoutText} (timeout); last state: ${last}. ${cancelText} ` +
                "If the build needs longer, raise timeout (and the template's buildTimeoutInMinutes); if a customizer hangs, look at customization.log.";
    }
    result.failureMessage = message;
    await finishAndReport(c, result, 'Build timed out');
    return result;
}
/** The run ended (Succeeded, PartiallySucceeded, Failed, Canceled): outputs, then the verdict. */
async function reportOutcome(c, waited) {
    const { settings, report, logs } = c;
    // A log read still going must not print inside the outputs group.
    try {
        await logs.settle?.();
    }
    catch {
        // finish() reports log problems.
    }
    const status = waited.status;
    if (!status)
        throw new Error('reportOutcome: the run ended but no status was read');
    const state = status.runState;
    const result = (0,runContext/* newResult */.YT)(c, status);
    result.state = state;
    (0,runContext/* setPhase */.A)(c, 'finished');
    report.setOutput('run-state', state);
    const duration = durationSeconds(status);
    if (duration !== undefined) {
        result.durationSeconds = duration;
        report.setOutput('duration-seconds', String(duration));
    }
    let title = 'Image build failed';
    if (state === 'Succeeded' || state === 'PartiallySucceeded') {
        const picked = await setRunOutputs(c, result);
        if (picked)
            title = picked;
        if (state === 'PartiallySucceeded' && result.failureMessage === undefined) {
            const msg = `The build partially succeeded: ${status.message ?? 'some distribute targets failed'}`;
            if (settings.partialSuccess === 'fail') {
                result.failureMessage = `${msg} (partial-success: fail; set partial-success: warn to accept it).`;
                title = 'Image build partially succeeded';
            }
            else {
                report.warning(`${msg} (partial-success: warn).`);
            }
        }
    }
    else if (state === 'Failed') {
        result.failureMessage = `The image build failed (${(0,runContext/* stateLine */.qo)(status)}): ${status.message ?? 'no message from the service'}`;
    }
    else if (state === 'Canceled') {
        result.failureMessage = `The image build was canceled${c.attached ? '' : ' (by someone else, or by the service)'}: ${status.message ?? 'no message from the service'}`;
        title = 'Image build canceled';
    }
    if (result.failureMessage === undefined && state === 'Succeeded') {
        report.info(`Build succeeded${duration !== undefined ? ` in ${(0,src_duration/* formatDuration */.a3)(duration * 1000)}` : ''}.`);
    }
    await finishAndReport(c, result, title);
    return result;
}
/** Reads the run outputs and sets run-outputs, image-uri, image-id, vhd-uri; returns a failure title if one applies. */
async function setRunOutputs(c, result) {
    const { settings, report, template } = c;
    let title;
    report.startGroup?.('Run outputs');
    try {
        try {
            // Throttling and outages are ridden out here too: the build is done, only its outputs are left to read.
            result.runOutputs = await (0,retry/* retryTransient */.jh)(() => c.ops.listRunOutputs(), {
                clock: c.clock,
                deadline: c.clock.now() + RUN_OUTPUTS_RETRY_MS,
                firstDelayMs: Math.min(settings.pollIntervalMs, 5000),
                ...(c.deps.random ? { random: c.deps.random } : {}),
                onRetry: (msg) => report.warning(`Reading the run outputs failed: ${msg} (retrying)`),
            });
        }
        catch (err) {
            result.failureMessage = `The build ${result.state === 'Succeeded' ? 'succeeded' : 'partially succeeded'}, but its run outputs could not be read: ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}`;
            title = 'Run outputs unavailable';
        }
        report.setOutput('run-outputs', JSON.stringify(result.runOutputs.map((o) => ({
            name: o.name,
            artifactId: o.artifactId ?? '',
            artifactUri: (0,src_report/* redactSas */.nL)(o.artifactUri ?? ''),
            provisioningState: o.provisioningState ?? '',
        }))));
        if (result.failureMessage === undefined && c.deps.vhds) {
            const kept = await c.deps.vhds.keep(result.runOutputs, (o) => isVhd(o, template), report, c.deps.signal);
            if ('error' in kept) {
                result.failureMessage = kept.error;
                title = 'VHD not copied';
            }
            else
                result.runOutputs = kept.outputs;
        }
        if (result.failureMessage === undefined) {
            const pick = selectRunOutput(result.runOutputs, template, settings.runOutputName);
            if (pick.selected) {
                const o = pick.selected;
                result.selectedOutput = o;
                report.setOutput('image-uri', (0,src_report/* redactSas */.nL)(o.artifactId || o.artifactUri || ''));
                report.setOutput('image-id', o.artifactId ?? '');
                report.setOutput('vhd-uri', isVhd(o, template) ? (0,src_report/* redactSas */.nL)(o.artifactUri ?? '') : '');
                report.info(`Run output ${o.name}: ${(0,src_report/* redactSas */.nL)(o.artifactId || o.artifactUri || '(no artifact)')}`);
            }
            else if (pick.error) {
                result.failureMessage = pick.error;
                title = 'Run output not found';
            }
            else {
                report.warning('The run has no run outputs: image-uri, image-id and vhd-uri are empty.');
            }
        }
    }
    finally {
        report.endGroup?.();
    }
    return title;
}
/** Runs the logs and summary seams (their failures are warnings), sets the log outputs. */
async function finishLogs(c, result, signal) {
    const { report, settings } = c;
    let outcome = {};
    try {
        outcome = (await c.logs.finish(result, signal)) ?? {};
    }
    catch (err) {
        if (!signal.aborted)
            report.warning(`Build logs: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
    }
    if (signal.aborted)
        return outcome;
    if (outcome.logUri)
        report.setOutput('log-uri', (0,src_report/* redactSas */.nL)(outcome.logUri));
    if (outcome.artifactId)
        report.setOutput('logs-artifact-id', outcome.artifactId);
    if (outcome.artifactUrl)
        report.setOutput('logs-artifact-url', outcome.artifactUrl);
    if (settings.jobSummary) {
        try {
            await c.summary.write(result, outcome);
        }
        catch (err) {
            report.warning(`Job summary: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    return outcome;
}
/**
 * Runs finishLogs for at most `ms` (and not past the step's signal). Past that its work is aborted and
 * abandoned: the result must not wait on storage.
 */
async function boundedLogs(c, result, ms, watchSignal) {
    const abandon = new AbortController();
    let timer;
    let onAbort;
    const stop = new Promise((resolve) => {
        timer = setTimeout(() => resolve('late'), Math.max(0, ms));
        timer.unref?.();
        if (watchSignal) {
            onAbort = () => resolve('aborted');
            c.deps.signal?.addEventListener('abort', onAbort, { once: true });
        }
    });
    const got = await Promise.race([finishLogs(c, result, abandon.signal), stop]);
    clearTimeout(timer);
    if (onAbort)
        c.deps.signal?.removeEventListener('abort', onAbort);
    if (got === 'late' || got === 'aborted') {
        abandon.abort(new Error('build logs abandoned'));
        result.logsAbandoned = true;
    }
    return got;
}
/** Lets the logs and summary seams run, then reports the failure if any, with the log's diagnosis beside it. */
async function finishAndReport(c, result, title) {
    const { report, deps } = c;
    let outcome = {};
    if (deps.signal?.aborted) {
        report.warning('Build logs skipped: the step was interrupted.');
    }
    else {
        const deadline = deps.logsFinishDeadlineMs ?? runContext/* LOGS_FINISH_DEADLINE_MS */.Yw;
        const got = await boundedLogs(c, result, deadline, true);
        if (got === 'late')
            report.warning(`Build logs incomplete: not done after ${(0,src_duration/* formatDuration */.a3)(deadline)}; reporting the build's result without them.`);
        else if (got === 'aborted')
            report.warning("Build logs incomplete: the step was interrupted; reporting the build's result without them.");
        else
            outcome = got;
    }
    if (result.failureMessage !== undefined) {
        const a = failureAnnotation(title, result.failureMessage, outcome);
        report.error(a.message, a.title);
        report.markFailed();
    }
}
/** After a signal (the cancel already sent): logs and summary, abandoned at `deadline` (ms since epoch). */
async function logsAfterSignal(c, result, deadline) {
    const left = deadline - Date.now();
    if (left < 500) {
        c.report.warning('Build logs skipped: no time left after the cancel (the runner stops the step 10 s after the signal).');
        return;
    }
    const got = await boundedLogs(c, result, left, false);
    if (got === 'late')
        c.report.warning('Build logs incomplete: no time left after the cancel (the runner stops the step 10 s after the signal).');
}

// EXTERNAL MODULE: ./src/runstatus.ts
var runstatus = __webpack_require__(88236);
// EXTERNAL MODULE: ./src/state.ts
var state = __webpack_require__(2462);
;// CONCATENATED MODULE: ./src/start.ts
/** The phases before the wait: read the template, then start this step's run or attach to the one in progress. */







/** Deadline (clock ms) for getting past an outage before the wait: the timeout, at most START_RETRY_LIMIT_MS. */
function startDeadline(c) {
    return c.clock.now() + Math.min((0,runContext/* timeLeft */.f$)(c), runContext/* START_RETRY_LIMIT_MS */.Z7);
}
/** One template read, riding out transient failures (each told once). */
async function fetchTemplate(c) {
    const deadline = c.clock.now() + Math.min(Math.max(0, c.startedAt + c.settings.timeoutMs - c.clock.now()), runContext/* START_RETRY_LIMIT_MS */.Z7);
    try {
        return await (0,retry/* retryTransient */.jh)(() => c.ops.getTemplate(c.deps.signal), {
            clock: c.clock,
            deadline,
            firstDelayMs: Math.min(c.settings.pollIntervalMs, 5000),
            signal: c.deps.signal,
            ...(c.deps.random ? { random: c.deps.random } : {}),
            onRetry: (msg) => c.report.warning(`Reading image template '${c.settings.templateName}' failed: ${msg} (retrying)`),
        });
    }
    catch (err) {
        throw (0,runContext/* azureFailure */.uR)(c, `Could not read image template '${c.settings.templateName}'`, err);
    }
}
/** Signs in (on the first request), reads the template and says which one it is. */
async function readTemplate(c) {
    const template = await fetchTemplate(c);
    c.report.info(`Image template ${template.id}${template.location ? ` (${template.location})` : ''}`);
    if (template.stagingResourceGroupId)
        c.report.setOutput('staging-resource-group', template.stagingResourceGroupId);
    c.logs.start?.(template);
    return template;
}
const inProgress = (s) => s?.runState === 'Running' || s?.runState === 'Canceling';
const isRefusedBecauseRunning = (err) => {
    const { status, code } = (0,errors/* errorInfo */.fH)(err);
    return code === 'OperationNotAllowed' || status === 409;
};
/** A run in progress that is not ours: refuse (if-running: fail) or follow it. */
function refuseOrAttach(c, st) {
    const { settings } = c;
    const since = (0,runContext/* startText */.qK)(st.startTime);
    if (settings.ifRunning === 'fail') {
        throw new runContext/* ActionError */.lZ(`Template '${settings.templateName}' already has a run in progress (${(0,runContext/* stateLine */.qo)(st)}, started ${since}). ` +
            'if-running is fail: wait for it to end, cancel it (az image builder cancel), or set if-running: attach to follow it.', 'A run is already in progress');
    }
    c.attached = true;
    c.runStart = st.startTime?.getTime();
    c.report.saveState(state/* STATE_KEY */.Mq, JSON.stringify((0,state/* savedContext */.fO)(settings)));
    // The post step cancels an attached run only when the user allowed it.
    (0,runContext/* setPhase */.A)(c, (0,runContext/* mayCancel */._4)(c) ? 'started' : 'attached');
    if (c.runStart !== undefined)
        c.report.saveState(state/* STATE_RUN_START */.vc, new Date(c.runStart).toISOString());
    c.report.info(`Attaching to the run in progress (${(0,runContext/* stateLine */.qo)(st)}, started ${since}); if-running is attach. ` +
        (settings.cancelAttached
            ? 'This step did not start it; cancel-attached is true, so the timeout or a workflow cancel cancels it.'
            : 'This step did not start it, so the timeout or a workflow cancel leaves it running (cancel-attached: false).'));
}
/**
 * A previous run is being canceled (by someone else): a new run cannot start until it is Canceled. Wait for
 * that within the timeout, sending no cancel of our own, and never take its end for this step's result.
 */
async function waitForPreviousCancel(c, previous) {
    const { settings, report } = c;
    report.info(`The template's previous run (started ${(0,runContext/* startText */.qK)(previous.startTime)}) is being canceled; waiting for it to reach Canceled ` +
        "before starting this step's own run (no cancel is sent to it).");
    const waited = await (0,wait/* waitForRun */.Cs)({
        clock: c.clock,
        log: report,
        pollIntervalMs: settings.pollIntervalMs,
        timeoutMs: (0,runContext/* timeLeft */.f$)(c),
        getStatus: async (signal) => {
            c.template = await c.ops.getTemplate(signal);
            return c.template.lastRunStatus;
        },
        isDone: (s) => s.runState !== 'Canceling',
        ...(c.deps.signal ? { signal: c.deps.signal } : {}),
        ...(c.deps.random ? { random: c.deps.random } : {}),
    });
    if (waited.outcome === 'aborted') {
        throw new runContext/* ActionError */.lZ(`The step was interrupted while waiting for the template's previous run (started ${(0,runContext/* startText */.qK)(previous.startTime)}) to finish canceling; this step started no run.`, 'Interrupted');
    }
    if (waited.outcome === 'timeout') {
        report.setOutput('run-state', 'TimedOut');
        throw new runContext/* ActionError */.lZ(`The template's previous run (started ${(0,runContext/* startText */.qK)(previous.startTime)}) was still ${waited.status?.runState ?? 'Canceling'} after ` +
            `${(0,src_duration/* formatDuration */.a3)(settings.timeoutMs)} (timeout): this step started no run of its own and sent no cancel. ` +
            `Canceling can take hours; check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName}, then run again.`, 'Build timed out');
    }
}
/**
 * Starts this step's run, or attaches to (or refuses) one in progress, per if-running. Saves what the post
 * step needs to tell our run from another before anything is sent.
 */
async function startOrAttach(c) {
    const { settings, report, clock } = c;
    const deadline = startDeadline(c);
    const delays = (0,retry/* backoff */.JN)(Math.min(settings.pollIntervalMs, 5000), 30_000, c.deps.random);
    /** Set once a run request may have reached the service without our knowing (no answer). */
    let uncertainPost = false;
    const told = new Set();
    for (;;) {
        const current = c.template.lastRunStatus;
        const mayBeOurs = (s) => uncertainPost && c.postedAt !== undefined && (0,runstatus/* isOwnRun */.qK)(s, c.postedAt, c.previousStart);
        if (current?.runState === 'Canceling' && !mayBeOurs(current)) {
            await waitForPreviousCancel(c, current);
            continue;
        }
        if (current?.runState === 'Running') {
            if (mayBeOurs(current)) {
                report.info(`The run request got no answer, but the template shows a run started after it (${(0,runContext/* startText */.qK)(current.startTime)}): following it as this step's run.`);
                return;
            }
            refuseOrAttach(c, current);
            return;
        }
        if (c.postedAt === undefined) {
            c.postedAt = clock.now();
            c.previousStart = current?.startTime?.getTime();
            // For the post step: only a run that started after this POST (and is not the previous run) is ours to cancel.
            report.saveState(state/* STATE_KEY */.Mq, JSON.stringify((0,state/* savedContext */.fO)(settings)));
            report.saveState(state/* STATE_RUN_POSTED */.II, new Date(c.postedAt).toISOString());
            if (c.previousStart !== undefined)
                report.saveState(state/* STATE_PREVIOUS_START */.ZG, new Date(c.previousStart).toISOString());
        }
        (0,runContext/* setPhase */.A)(c, 'started');
        try {
            c.runRequest = await c.ops.startRun();
            report.info(`Run of ${settings.templateName} requested.`);
            return;
        }
        catch (err) {
            const refusedBecauseRunning = isRefusedBecauseRunning(err);
            const transient = !refusedBecauseRunning && (0,retry/* isTransient */.dg)(err);
            // Refused by the service: no run of ours for the post step to cancel.
            if (!transient && !uncertainPost)
                (0,runContext/* setPhase */.A)(c, 'finished');
            if (!refusedBecauseRunning && !transient) {
                throw new runContext/* ActionError */.lZ(`Could not start a run of template '${settings.templateName}': ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}`, 'Azure request failed');
            }
            const delay = delays.next();
            if (clock.now() + (refusedBecauseRunning ? 0 : delay) > deadline) {
                throw new runContext/* ActionError */.lZ(`Could not start a run of template '${settings.templateName}': ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}`, 'Azure request failed');
            }
            if (transient) {
                // The request may have reached the service: the next read tells whether a run of ours started.
                const status = (0,errors/* errorInfo */.fH)(err).status;
                uncertainPost ||= status === undefined || status >= 500;
                const msg = (0,errors/* errorInfo */.fH)(err).message;
                if (!told.has(msg)) {
                    told.add(msg);
                    report.warning(`The run request failed: ${msg} (retrying)`);
                }
                await clock.sleep(delay, c.deps.signal);
                if (c.deps.signal?.aborted)
                    throw new runContext/* ActionError */.lZ('The step was interrupted before its run request was accepted.', 'Interrupted');
            }
            // Refused because a run started meanwhile (OperationNotAllowed, whatever the HTTP status), or a request that
            // may have started a run: the template says which run is there now.
            if (!refusedBecauseRunning && !uncertainPost)
                continue;
            c.template = await fetchTemplate(c);
            if (refusedBecauseRunning && !inProgress(c.template.lastRunStatus)) {
                // Refused, yet nothing runs: a run that ended in between. Try once more only while time is left.
                if (clock.now() + delay > deadline) {
                    throw new runContext/* ActionError */.lZ(`Could not start a run of template '${settings.templateName}': ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}`, 'Azure request failed');
                }
                await clock.sleep(delay, c.deps.signal);
            }
        }
    }
}

;// CONCATENATED MODULE: ./src/action.ts
/**
 * The action's core, as a sequence of phases: read the template, start or attach to a run, wait for its end,
 * then handle a signal, the timeout, or the run's own outcome. Each phase is a function of its own
 * (src/start.ts, src/finish.ts) over one shared RunContext (src/runContext.ts). Work that follows the
 * logs (e.g. deleting a template) belongs after finishAndReport in src/finish.ts.
 */











async function run(settings, deps) {
    const base = (0,runContext/* makeContext */.og)(settings, deps);
    deps.report.startGroup?.(`Sign-in and template ${settings.templateName}`);
    let c;
    try {
        deps.report.setOutput('template-name', settings.templateName);
        // template-file: create (or reuse, or replace) the template before it is read.
        if (deps.fromFile)
            await deps.fromFile.ensure(deps.report, deps.signal);
        c = { ...base, template: await readTemplate(base) };
        // `timeout` counts from here (sign-in done), and covers a wait for a previous run's cancel.
        c.startedAt = c.clock.now();
        const refused = await preflight(c);
        if (refused)
            return refused;
        await startOrAttach(c);
    }
    finally {
        deps.report.endGroup?.();
    }
    if (!settings.wait)
        return leaveRunning(c);
    const { waited, waitOpts, waitStart } = await waitForEnd(c);
    if (waited.outcome === 'aborted')
        return handleSignal(c, waited);
    if (waited.outcome === 'timeout')
        return handleTimeout(c, waited, waitOpts, waitStart);
    return reportOutcome(c, waited);
}
/**
 * Preflight checks (src/preflight/) of a template this step is about to run: a known trap reported (by the hook)
 * ends the step before any run request. A run in progress is not this step's to check.
 */
async function preflight(c) {
    const current = c.template.lastRunStatus?.runState;
    if (!c.deps.preflight || current === 'Running' || current === 'Canceling')
        return undefined;
    if ((await c.deps.preflight(c.template)).ok)
        return undefined;
    c.report.markFailed();
    return {
        state: 'Unknown',
        status: c.template.lastRunStatus,
        template: c.template,
        attached: false,
        runOutputs: [],
        failureMessage: 'Preflight found problems (reported above); no run was started.',
    };
}
/** wait: false: the run goes on without this step; the post step leaves it alone, a later step may attach. */
function leaveRunning(c) {
    (0,runContext/* setPhase */.A)(c, 'finished');
    c.report.setOutput('run-state', 'Running');
    c.report.info(`wait is false: the run ${c.attached ? 'this step attached to' : 'started'} goes on without this step. ` +
        `Follow it with a later step on template '${c.settings.templateName}' with if-running: attach.`);
    return { state: 'Unknown', status: undefined, template: c.template, attached: c.attached, runOutputs: [] };
}
/** Polls the template until the run followed ends, the timeout passes, or a signal comes. */
async function waitForEnd(c) {
    const { settings, report, clock } = c;
    // A status is ours once the template shows a run started after our POST that is not the one it showed before.
    c.isCurrent = c.attached ? () => true : (s) => (0,runstatus/* isOwnRun */.qK)(s, c.postedAt ?? c.startedAt, c.previousStart);
    let runStartSaved = c.runStart !== undefined;
    const { runRequest } = c;
    const waitOpts = {
        clock,
        log: report,
        pollIntervalMs: settings.pollIntervalMs,
        timeoutMs: (0,runContext/* timeLeft */.f$)(c),
        getStatus: async (signal) => (await c.ops.getTemplate(signal)).lastRunStatus,
        isCurrent: c.isCurrent,
        onPoll: async (s) => {
            if (!runStartSaved && s.startTime) {
                runStartSaved = true;
                c.runStart = s.startTime.getTime();
                report.saveState(state/* STATE_RUN_START */.vc, s.startTime.toISOString());
            }
            await c.logs.onPoll(s);
        },
        ...(runRequest ? { endedUnseen: (signal) => runRequest.endedUnseen(signal) } : {}),
        ...(c.deps.signal ? { signal: c.deps.signal } : {}),
        ...(c.deps.random ? { random: c.deps.random } : {}),
    };
    const waitStart = clock.now();
    try {
        return { waited: await (0,wait/* waitForRun */.Cs)(waitOpts), waitOpts, waitStart };
    }
    catch (err) {
        if (err instanceof runContext/* ActionError */.lZ)
            throw err;
        // Only an error that asking again cannot fix ends up here (outages are ridden out until the timeout). The build
        // may be healthy: the post step must not cancel it because we lost sight of it.
        (0,runContext/* setPhase */.A)(c, 'lost');
        throw new runContext/* ActionError */.lZ(`Lost track of the run of '${settings.templateName}' after ${(0,src_duration/* formatDuration */.a3)(clock.now() - waitStart)}: ${(0,errors/* describeAzureError */.pv)(err, (0,runContext/* errorContext */.YP)(c))}\n` +
            `The run's state is unknown (run-state is not set) and it was left running: check it with az image builder show -g ${settings.resourceGroup} -n ${settings.templateName} or in the portal.`, 'Azure request failed');
    }
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 165 modules
var esm = __webpack_require__(73016);
// EXTERNAL MODULE: ./src/oidc.ts
var oidc = __webpack_require__(96434);
;// CONCATENATED MODULE: ./src/auth.ts
/**
 * Credential selection: OIDC (GitHub ID token exchanged with Entra, refreshed as needed), an Azure CLI session
 * (switching to our own OIDC sign-in when the session dies and the job can mint ID tokens), or a managed identity.
 */




function oidcCredential(auth, clientId, tenantId, deps) {
    const getAssertion = (0,oidc/* createAssertionProvider */.gc)(auth.audience, deps);
    return new esm/* ClientAssertionCredential */.XI(tenantId, clientId, getAssertion, {
        authorityHost: auth.authorityHost,
        disableInstanceDiscovery: true,
    });
}
/** Picks the credential for the settings. Throws AuthSetupError for a setup the runner cannot satisfy. */
function createCredential(auth, deps) {
    if (auth.type === 'managed-identity') {
        // IMDS on an Azure VM; the SDK also honours the platform's own variables (IDENTITY_ENDPOINT on App Service
        // and Arc, AZURE_POD_IDENTITY_AUTHORITY_HOST for pod identity). client-id picks a user-assigned identity.
        return new esm/* ManagedIdentityCredential */.NC(auth.clientId !== undefined ? { clientId: auth.clientId } : {});
    }
    if (auth.type === 'azure-cli') {
        return new LastingCliCredential(new esm/* AzureCliCredential */.nG(), auth, deps);
    }
    const { clientId, tenantId } = (0,oidc/* oidcSetup */.vJ)(auth, deps.env);
    return oidcCredential(auth, clientId, tenantId, deps);
}
/** An Azure CLI session that can no longer give tokens, with what to do about it. Final: retrying cannot help. */
class CliSessionLostError extends Error {
    name = 'CliSessionLostError';
    /** Read by the wait loop: a 4xx is not retried. */
    statusCode = 401;
}
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The service principal of an `az account show` answer (user.type servicePrincipal, user.name its client ID). */
function servicePrincipalOf(accountShowJson) {
    let v;
    try {
        v = JSON.parse(accountShowJson);
    }
    catch {
        return undefined;
    }
    const clientId = typeof v.user?.name === 'string' ? v.user.name : '';
    const tenantId = typeof v.tenantId === 'string' ? v.tenantId : '';
    if (v.user?.type !== 'servicePrincipal' || !GUID.test(clientId) || !GUID.test(tenantId))
        return undefined;
    return { clientId: clientId.toLowerCase(), tenantId: tenantId.toLowerCase() };
}
function defaultRunAz(args) {
    return new Promise((resolve, reject) => {
        (0,external_node_child_process_.execFile)('az', args, { timeout: 30_000, shell: process.platform === 'win32', windowsHide: true }, (err, stdout, stderr) => {
            if (err)
                reject(new Error(String(stderr || err.message).trim()));
            else
                resolve(String(stdout));
        });
    });
}
/**
 * An Azure CLI session that lasts the build. After azure/login with OIDC the CLI cannot renew its tokens once
 * the GitHub ID token it was given has expired (AADSTS700024, about an hour in; Azure/login#180, #372,
 * Azure/azure-cli#28708). When the CLI fails, the job can mint ID tokens and `az account show` names a service
 * principal, this signs in as that principal with our own refreshing assertion instead (and says so). Otherwise a
 * session that stopped working is a CliSessionLostError naming the fix.
 */
class LastingCliCredential {
    cli;
    auth;
    deps;
    replacement;
    switched;
    worked = false;
    constructor(cli, auth, deps) {
        this.cli = cli;
        this.auth = auth;
        this.deps = deps;
    }
    async getToken(scopes, options) {
        if (this.switched)
            return this.switched.getToken(scopes, options);
        let cliError;
        try {
            const token = await this.cli.getToken(scopes, options);
            this.worked = true;
            return token;
        }
        catch (err) {
            cliError = err;
        }
        this.replacement ??= this.findReplacement();
        const replacement = await this.replacement;
        if (replacement) {
            this.switched = replacement;
            return replacement.getToken(scopes, options);
        }
        const text = cliError instanceof Error ? cliError.message : String(cliError);
        if (this.worked || /AADSTS700024|expired/i.test(text))
            throw new CliSessionLostError(sessionLostMessage(text, (0,oidc/* canMintIdTokens */.Ay)(this.deps.env)));
        throw cliError;
    }
    async findReplacement() {
        if (!(0,oidc/* canMintIdTokens */.Ay)(this.deps.env))
            return undefined;
        let principal;
        try {
            principal = servicePrincipalOf(await (this.deps.runAz ?? defaultRunAz)(['account', 'show', '--output', 'json']));
        }
        catch {
            return undefined;
        }
        if (!principal)
            return undefined;
        this.deps.info(`The Azure CLI session stopped giving tokens (a session made by azure/login with OIDC cannot renew itself after an hour). ` +
            `Signing in as its service principal ${principal.clientId} (tenant ${principal.tenantId}) with the action's own GitHub OIDC ` +
            `token (audience ${this.auth.audience}), renewed as needed.`);
        return oidcCredential(this.auth, principal.clientId, principal.tenantId, this.deps);
    }
}
function sessionLostMessage(cliError, canMint) {
    const first = cliError
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? cliError;
    return (`The Azure CLI session (auth-type: azure-cli) can no longer get tokens: ${first} ` +
        'A session that azure/login made with OIDC cannot renew itself once the GitHub ID token it was given has expired ' +
        '(AADSTS700024, about an hour after the login), so long builds outlive it. ' +
        (canMint
            ? "The action could not take over: 'az account show' does not name a service principal. "
            : 'The action could take over with its own OIDC sign-in, but this job cannot mint GitHub ID tokens. ') +
        "Fix: add 'permissions: id-token: write' to the job, and either keep auth-type: azure-cli after azure/login with OIDC " +
        '(the action then signs in as the same service principal when the session dies) or set client-id and tenant-id ' +
        '(auth-type: auto or oidc) so the action signs in itself from the start.');
}

// EXTERNAL MODULE: ./node_modules/@azure/arm-imagebuilder/dist/esm/index.js + 34 modules
var dist_esm = __webpack_require__(728);
// EXTERNAL MODULE: ./src/apiVersion.ts
var apiVersion = __webpack_require__(53923);
;// CONCATENATED MODULE: ./src/imagebuilder.ts
/** The few Image Builder operations the action uses, bound to one template. */



/** Full resource ID of a staging group, whether the service gave an ID or a bare name. */
function stagingGroupId(value, subscriptionId) {
    if (value === undefined || value.trim() === '')
        return undefined;
    if (value.startsWith('/'))
        return value;
    return `/subscriptions/${subscriptionId}/resourceGroups/${value}`;
}
function toRunStatus(s) {
    if (s === undefined || s === null || typeof s !== 'object')
        return undefined;
    return (0,runstatus/* normalizeRunStatus */.vI)(s);
}
function toTemplateInfo(t, target) {
    const info = {
        id: t.id ??
            `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${target.templateName}`,
        name: t.name ?? target.templateName,
        runOutputNames: (t.distribute ?? []).map((d) => d?.runOutputName ?? ''),
        distributeTypes: (t.distribute ?? []).map((d) => d?.type ?? ''),
    };
    if (t.location)
        info.location = t.location;
    if (Array.isArray(t.customize))
        info.customizers = t.customize.map((c) => (c?.name ? { type: c.type ?? '', name: c.name } : { type: c?.type ?? '' }));
    if (t.vmProfile?.vnetConfig)
        info.hasVnetConfig = true;
    const staging = stagingGroupId(t.exactStagingResourceGroup, target.subscriptionId);
    if (staging !== undefined)
        info.stagingResourceGroupId = staging;
    const status = toRunStatus(t.lastRunStatus);
    if (status !== undefined)
        info.lastRunStatus = status;
    info.setup = toTemplateSetup(t);
    return info;
}
function toTemplateSetup(t) {
    const setup = {
        identities: Object.entries(t.identity?.userAssignedIdentities ?? {}).map(([id, v]) => v?.principalId ? { id, principalId: v.principalId } : { id }),
    };
    const vnet = t.vmProfile?.vnetConfig;
    if (vnet?.subnetId)
        setup.subnetId = vnet.subnetId;
    if (vnet?.containerInstanceSubnetId)
        setup.containerInstanceSubnetId = vnet.containerInstanceSubnetId;
    if (t.stagingResourceGroup)
        setup.stagingResourceGroup = t.stagingResourceGroup;
    const src = t.source;
    if (src)
        setup.source = {
            ...(src.type ? { type: src.type } : {}),
            ...(src.publisher ? { publisher: src.publisher } : {}),
            ...(src.offer ? { offer: src.offer } : {}),
        };
    return setup;
}
function toRunOutputInfo(o) {
    const out = { name: o.name ?? '' };
    if (o.artifactId)
        out.artifactId = o.artifactId;
    if (o.artifactUri)
        out.artifactUri = o.artifactUri;
    if (o.provisioningState)
        out.provisioningState = o.provisioningState;
    return out;
}
function createImageBuilderOps(credential, target, 
/** Extra client options (tests pass an httpClient). */
extra = {}, 
/** Told when the cloud refused our api-version and the client moved to the newest one it supports. */
onApiVersionFallback = () => { }) {
    const client = new dist_esm/* ImageBuilderClient */.Us(credential, target.subscriptionId, {
        ...extra,
        endpoint: target.resourceManagerEndpoint,
        credentials: { scopes: [target.armScope] },
        userAgentOptions: { userAgentPrefix: 'image-builder-run' },
    });
    client.pipeline.addPolicy((0,apiVersion/* apiVersionFallbackPolicy */.jJ)({ onFallback: (from, to) => onApiVersionFallback(from, to) }));
    const templates = client.virtualMachineImageTemplates;
    const { resourceGroup: rg, templateName: name } = target;
    return {
        async getTemplate(abortSignal) {
            const t = await templates.get(rg, name, abortSignal ? { abortSignal } : {});
            return toTemplateInfo(t, target);
        },
        async startRun() {
            // The poller sends POST .../run at once; submitted() settles with the initial response
            // (and rejects with its RestError). We never await the LRO itself: the wait loop reads the template.
            const poller = templates.run(rg, name);
            await poller.submitted();
            return {
                async endedUnseen(abortSignal) {
                    try {
                        await poller.poll(abortSignal ? { abortSignal } : {});
                        return undefined;
                    }
                    catch (err) {
                        // core-lro throws the operation's error for a failed or canceled operation; anything else is a failed read.
                        const status = poller.operationState?.status;
                        if (status !== 'failed' && status !== 'canceled')
                            return undefined;
                        const message = err instanceof Error ? err.message : String(err);
                        return { runState: status === 'failed' ? 'Failed' : 'Canceled', message };
                    }
                },
            };
        },
        async cancelRun(abortSignal) {
            const poller = templates.cancel(rg, name, abortSignal ? { abortSignal } : {});
            await poller.submitted();
        },
        async listRunOutputs() {
            const out = [];
            for await (const o of templates.listRunOutputs(rg, name))
                out.push(toRunOutputInfo(o));
            return out;
        },
    };
}

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(57975);
// EXTERNAL MODULE: ./node_modules/@azure/logger/dist/esm/index.js + 1 modules
var logger_dist_esm = __webpack_require__(7567);
;// CONCATENATED MODULE: ./src/sdklog.ts
/**
 * With step debug on (ACTIONS_STEP_DEBUG, which the runner passes on as RUNNER_DEBUG=1), the Azure SDK's own
 * log (requests, retries, token acquisition) goes to core.debug, redacted like everything else we print.
 */



/** Turns the Azure SDK's logging on (level info) and routes it to `debug`; does nothing unless `enabled`. */
function routeAzureSdkLog(enabled, debug) {
    if (!enabled)
        return;
    logger_dist_esm/* AzureLogger */.i2.log = (...args) => {
        debug((0,src_report/* redactSas */.nL)((0,external_node_util_.format)(...args)).trimEnd());
    };
    (0,logger_dist_esm/* setLogLevel */.He)('info');
}

;// CONCATENATED MODULE: ./src/signals.ts
/** SIGINT/SIGTERM from the runner (workflow cancel, step timeout-minutes): abort the wait so the build gets canceled. */
/**
 * On Windows the runner sends Ctrl+C, then Ctrl+Break, which Node reports as SIGINT and SIGBREAK
 * (actions/runner src/Runner.Sdk/ProcessInvoker.cs SendSIGINT / SendSIGTERM). Listening for SIGBREAK
 * elsewhere is harmless: nothing sends it.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK'];
/** Returns an AbortSignal aborted on the first SIGINT, SIGTERM or SIGBREAK, and a function to remove the handlers. */
function trapSignals(options = {}) {
    const controller = new AbortController();
    const handler = (sig) => {
        if (controller.signal.aborted)
            return;
        options.onSignal?.(sig);
        controller.abort(new Error(`received ${sig}`));
        const timer = setTimeout(() => process.exit(1), options.hardExitMs ?? 9000);
        timer.unref();
    };
    for (const s of SIGNALS)
        process.on(s, handler);
    return {
        signal: controller.signal,
        dispose: () => {
            for (const s of SIGNALS)
                process.off(s, handler);
        },
    };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./src/redact.ts
var redact = __webpack_require__(76670);
;// CONCATENATED MODULE: ./src/summary.ts
/**
 * The job summary: a pure markdown builder and a thin writer over `core.summary`.
 */




const STATE_ICON = {
    Succeeded: '✅',
    PartiallySucceeded: '⚠️',
    Failed: '❌',
    Canceled: '⏹️',
    TimedOut: '⏱️',
};
/** Text safe inside a markdown table cell. */
function cell(text) {
    return text
        .replace(/\|/g, '\\|')
        .replace(/[\r\n]+/g, ' ')
        .replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}
function code(text) {
    return `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;')}</code>`;
}
/** `YYYY-MM-DD HH:mm:ss` in UTC, matching the gantt's dateFormat. */
function ganttTime(d) {
    return d.toISOString().slice(0, 19).replace('T', ' ');
}
/** Mermaid gantt of the sub-states; empty when there is no timeline. */
function renderGantt(spans, runEnd, runState) {
    const rows = spans
        .map((s, i) => ({ name: s.name, start: s.start, end: s.end ?? spans[i + 1]?.start ?? runEnd }))
        .filter((r) => r.end !== undefined && r.end.getTime() >= r.start.getTime());
    if (rows.length === 0)
        return '';
    const failed = runState !== 'Succeeded';
    const lines = [
        '```mermaid',
        'gantt',
        '  title Image build (UTC)',
        '  dateFormat YYYY-MM-DD HH:mm:ss',
        '  axisFormat %H:%M',
        '  section Run',
    ];
    rows.forEach((r, i) => {
        const label = r.name.replace(/[:#;\n\r]/g, ' ').trim() || 'step';
        // A zero-length task is invisible: give it one second.
        const end = r.end.getTime() === r.start.getTime() ? new Date(r.start.getTime() + 1000) : r.end;
        const tag = failed && i === rows.length - 1 ? 'crit, ' : 'done, ';
        lines.push(`  ${label} :${tag}s${i}, ${ganttTime(r.start)}, ${ganttTime(end)}`);
    });
    lines.push('```');
    return lines.join('\n');
}
/** The summary's markdown. Pure: same input, same text. */
function renderSummary(input) {
    const icon = STATE_ICON[input.runState] ?? '';
    const out = [];
    out.push(`## ${icon ? `${icon} ` : ''}Image Builder: ${cell(input.template)} — ${cell(input.runState)}`, '');
    out.push('| | |', '|---|---|');
    out.push(`| Template | ${code(input.resourceGroup ? `${input.resourceGroup}/${input.template}` : input.template)} |`);
    out.push(`| Result | ${cell(input.runState)} |`);
    const duration = input.durationSeconds ?? (input.startTime && input.endTime ? (input.endTime.getTime() - input.startTime.getTime()) / 1000 : undefined);
    if (duration !== undefined)
        out.push(`| Duration | ${(0,src_duration/* formatDuration */.a3)(duration * 1000)} |`);
    if (input.startTime)
        out.push(`| Started | ${input.startTime.toISOString()} |`);
    if (input.imageId)
        out.push(`| Image ID | ${code(input.imageId)} |`);
    if (input.vhdUri)
        out.push(`| VHD URI | ${code(input.vhdUri)} |`);
    if (input.logsArtifactUrl) {
        out.push(`| Build logs | [${cell(input.logsArtifactName ?? 'logs artifact')}](${input.logsArtifactUrl}) |`);
    }
    if (input.logUri)
        out.push(`| customization.log | ${code(input.logUri)} |`);
    const gantt = input.timeline ? renderGantt(input.timeline, input.endTime, input.runState) : '';
    if (gantt)
        out.push('', '### Timeline', '', gantt);
    const d = input.diagnosis;
    if (d && input.runState !== 'Succeeded') {
        // Log lines and the service's message may carry a SAS or a key: none reaches the summary (contract 10).
        out.push('', '### What went wrong', '', `**${cell((0,src_report/* redactSas */.nL)(d.title))}**`);
        if (d.customizer)
            out.push('', `Failed step: ${code((0,src_report/* redactSas */.nL)(d.customizer))}`);
        if (d.hint)
            out.push('', `**Fix:** ${cell((0,src_report/* redactSas */.nL)(d.hint))}`);
        const causes = [...(d.causeLines ?? d.errorLines), ...(d.verdict ? [d.verdict] : [])].map(src_report/* redactSas */.nL);
        const key = (l) => l.replace(/\s+/g, ' ').trim().toLowerCase();
        const shown = new Set(causes.map(key));
        // The same line once: the last lines before the error leave out the cause lines above them.
        const context = d.context
            .slice(-10)
            .map(src_report/* redactSas */.nL)
            .filter((l) => !shown.has(key(l)));
        // Lines end where the runner (and CommonMark) end them: a lone \r too.
        const body = [...causes, ...(context.length ? ['---', ...context] : [])].flatMap((l) => l.split(redact/* RUNNER_LINE_BREAK */.QC));
        if (body.length > 0) {
            const text = body.join('\n');
            const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
            out.push('', `${fence}text`, text, fence);
        }
    }
    return `${out.join('\n')}\n`;
}
function longestRun(text, ch) {
    let best = 0;
    let cur = 0;
    for (const c of text) {
        cur = c === ch ? cur + 1 : 0;
        if (cur > best)
            best = cur;
    }
    return best;
}
/** Append the summary to the job summary file. Never throws. */
async function writeSummary(input) {
    try {
        await core.summary.addRaw(renderSummary(input)).write();
    }
    catch (err) {
        core.warning(`Could not write the job summary: ${err?.message ?? String(err)}`);
    }
}

;// CONCATENATED MODULE: ./src/wiring.ts
/**
 * Adapters between the action's seams (BuildLogHooks, SummaryWriter, Reporter) and src/logs + src/summary.ts.
 * src/logs (and through it @azure/storage-blob and @actions/artifact) is loaded with import() only when needed:
 * on the first poll when stream-logs is on, or at the end when the logs are to be uploaded or diagnosed.
 */






/**
 * The preflight hook for run(): src/preflight is loaded with import() when a template is checked, never with
 * `preflight: false`. A failure of the checks themselves is a warning: it never stops a run.
 */
function createPreflightHook(settings, credential, report, load = () => Promise.all(/* import() */[__webpack_require__.e(725), __webpack_require__.e(92)]).then(__webpack_require__.bind(__webpack_require__, 11092))) {
    if (settings.preflight === 'false')
        return undefined;
    return async (template) => {
        try {
            const m = await load();
            const arm = m.armReader({
                credential,
                armEndpoint: settings.resourceManagerEndpoint,
                armScope: settings.armScope,
                subscriptionId: settings.subscriptionId,
            });
            return await m.runPreflight(template, settings, { arm, report });
        }
        catch (err) {
            report.warning(`Preflight checks could not run: ${err instanceof Error ? err.message : String(err)} (the run goes on)`);
            return { ok: true };
        }
    };
}
/** `$RUNNER_TEMP/image-builder-logs/<template>-<hash>-<pid>`: one per template (and per step), never shared. */
function logsWorkDir(settings, env = process.env, pid = process.pid) {
    const base = env['RUNNER_TEMP'] || (0,external_node_os_.tmpdir)();
    const id = `${settings.subscriptionId}/${settings.resourceGroup}/${settings.templateName}`.toLowerCase();
    const hash = (0,external_node_crypto_.createHash)('sha256').update(id).digest('hex').slice(0, 8);
    const safe = settings.templateName.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60);
    return (0,external_node_path_.join)(base, 'image-builder-logs', `${safe}-${hash}-${pid}`);
}
const phaseOf = (s) => (s.runState === 'Running' ? (s.runSubState ?? 'Running') : (s.runState ?? '?'));
/** BuildLogHooks over src/logs, loaded lazily. Never throws. */
function createLogHooks(o) {
    const { settings } = o;
    const env = o.env ?? process.env;
    const load = o.load ?? (() => Promise.all(/* import() */[__webpack_require__.e(725), __webpack_require__.e(903)]).then(__webpack_require__.bind(__webpack_require__, 46903)));
    let staging;
    let mod;
    let logs;
    let tailing;
    let latest = { runState: 'Running' };
    /** Poll fields read when the module uses them (after loading and locating), not when the read was started. */
    const latestPoll = () => ({
        get runState() {
            return latest.runState ?? '';
        },
        get runSubState() {
            return latest.runSubState;
        },
        get message() {
            return latest.message;
        },
        get startTime() {
            return latest.startTime;
        },
        get stagingResourceGroup() {
            return staging;
        },
    });
    let tailWarned = false;
    // The one timeline (src/logs keeps none): the summary needs it even when src/logs is never loaded.
    const timeline = [];
    const get = async () => {
        mod ??= load().catch((err) => {
            o.report.warning(`Build logs unavailable: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
            return undefined;
        });
        const m = await mod;
        if (!m)
            return undefined;
        logs ??= m.createBuildLogs({
            credential: o.credential,
            armEndpoint: settings.resourceManagerEndpoint,
            armScope: settings.armScope,
            storageSuffix: settings.storageSuffix,
            subscriptionId: settings.subscriptionId,
            templateName: settings.templateName,
            workDir: logsWorkDir(settings, env),
            streamLogs: settings.streamLogs,
            uploadLogs: settings.uploadLogs,
            pollIntervalMs: settings.pollIntervalMs,
            // Default name with the resource group: a matrix over groups may use one template name (GITHUB_JOB is shared).
            artifactName: settings.logsArtifactName ?? m.defaultArtifactName(`${settings.resourceGroup}-${settings.templateName}`, env),
            ...(settings.logsRetentionDays !== undefined ? { retentionDays: settings.logsRetentionDays } : {}),
            env,
            ...o.extra,
        });
        return { m, logs };
    };
    return {
        start(template) {
            staging = template.stagingResourceGroupId;
        },
        async settle() {
            await tailing;
        },
        closeGroup() {
            try {
                logs?.closeGroup();
            }
            catch {
                // Never let the log group stop the action's own lines.
            }
        },
        async onPoll(status) {
            const phase = phaseOf(status);
            if (timeline.at(-1)?.name !== phase)
                timeline.push({ name: phase, start: new Date() });
            if (!settings.streamLogs)
                return;
            latest = status;
            // The poll waits for the log read only a short while (and not at all after a signal): a slow storage
            // account must not delay status lines, the timeout or a cancel. One read at a time; a read that outlasts
            // the wait goes on beside the polling, and names its group after the newest status when it reads.
            if (!tailing) {
                tailing = (async () => {
                    const l = await get();
                    await l?.logs.onPoll(latestPoll());
                })()
                    .catch((err) => {
                    if (!tailWarned)
                        o.report.warning(`Build log tail: ${err instanceof Error ? err.message : String(err)} (the build's result is not affected)`);
                    tailWarned = true;
                })
                    .finally(() => {
                    tailing = undefined;
                });
            }
            await boundedWait(tailing, o.pollWaitMs ?? 3000, o.signal);
        },
        async finish(result, signal) {
            const failed = result.state !== 'Succeeded';
            const wanted = settings.streamLogs || failed || settings.uploadLogs === 'always';
            const out = timeline.length > 0 ? { timeline } : {};
            if (!wanted)
                return out;
            await untilAborted(tailing, signal);
            const l = await untilAborted(get(), signal);
            if (!l)
                return out;
            // The staging group reaches src/logs one way only: with each poll's status (and the final one).
            staging ??= result.template.stagingResourceGroupId;
            const f = await l.logs.finish({
                runState: result.state,
                failed,
                ...pollFields(result.status, staging),
                ...(result.template.customizers ? { customizers: result.template.customizers } : {}),
                ...(result.template.hasVnetConfig !== undefined ? { hasVnetConfig: result.template.hasVnetConfig } : {}),
            }, signal);
            if (f.logUri)
                out.logUri = f.logUri;
            if (f.artifactId !== undefined)
                out.artifactId = String(f.artifactId);
            if (f.artifactUrl)
                out.artifactUrl = f.artifactUrl;
            if (f.artifactName)
                out.artifactName = f.artifactName;
            if (f.diagnosis) {
                const d = f.diagnosis;
                out.diagnosisDetail = {
                    title: d.title,
                    errorLines: d.errorLines,
                    context: d.context,
                    causeLines: d.causeLines,
                    ...(d.hint ? { hint: d.hint } : {}),
                    ...(d.verdict ? { verdict: d.verdict } : {}),
                    ...(d.customizer
                        ? {
                            customizer: d.phase === 'Validating' ? `Validator '${d.customizer.name}' (${d.customizer.type})` : l.m.customizerLabel(d.customizer),
                        }
                        : {}),
                };
            }
            return out;
        },
    };
}
/** `p`, or undefined as soon as `signal` aborts. */
async function untilAborted(p, signal) {
    if (!signal)
        return p;
    if (signal.aborted)
        return undefined;
    let onAbort;
    const aborted = new Promise((resolve) => {
        onAbort = () => resolve(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
        return await Promise.race([p, aborted]);
    }
    finally {
        if (onAbort)
            signal.removeEventListener('abort', onAbort);
    }
}
/** Waits for `p`, at most `ms`, and not past `signal`'s abort. */
async function boundedWait(p, ms, signal) {
    if (signal?.aborted)
        return;
    let timer;
    let onAbort;
    await Promise.race([
        p,
        new Promise((resolve) => {
            timer = setTimeout(resolve, ms);
            onAbort = resolve;
            signal?.addEventListener('abort', onAbort, { once: true });
        }),
    ]);
    clearTimeout(timer);
    if (onAbort)
        signal?.removeEventListener('abort', onAbort);
}
function pollFields(s, staging) {
    const f = {};
    if (s?.runSubState)
        f.runSubState = s.runSubState;
    if (s?.message)
        f.message = s.message;
    if (s?.startTime)
        f.startTime = s.startTime;
    if (staging)
        f.stagingResourceGroup = staging;
    return f;
}
/** The summary's input, from the run's result and what the logs gave back. */
function summaryInput(settings, result, logs, now = new Date()) {
    const s = result.status;
    const input = { template: settings.templateName, resourceGroup: settings.resourceGroup, runState: result.state };
    // The service's zero time (year 1) and an end before the start are no times at all.
    const real = (d) => (d && Number.isFinite(d.getTime()) && d.getUTCFullYear() >= 2000 ? d : undefined);
    const start = real(s?.startTime);
    const end = real(s?.endTime);
    if (start)
        input.startTime = start;
    // A run stopped by our timeout or a signal has no end time yet: the timeline ends now.
    if (end && (!start || end.getTime() >= start.getTime()))
        input.endTime = end;
    else if (start || logs.timeline?.length)
        input.endTime = start && now.getTime() < start.getTime() ? start : now;
    if (result.durationSeconds !== undefined)
        input.durationSeconds = result.durationSeconds;
    const o = result.selectedOutput;
    if (o?.artifactId)
        input.imageId = o.artifactId;
    if (o?.artifactUri && isVhd(o, result.template))
        input.vhdUri = (0,src_report/* redactSas */.nL)(o.artifactUri);
    if (logs.artifactUrl)
        input.logsArtifactUrl = logs.artifactUrl;
    if (logs.artifactName)
        input.logsArtifactName = logs.artifactName;
    if (logs.logUri)
        input.logUri = (0,src_report/* redactSas */.nL)(logs.logUri);
    if (logs.timeline?.length)
        input.timeline = logs.timeline;
    if (logs.diagnosisDetail)
        input.diagnosis = logs.diagnosisDetail;
    return input;
}
/** SummaryWriter over src/summary.ts (`write` injectable for tests). */
function createSummaryWriter(settings, write) {
    return {
        async write(result, logs) {
            await (write ?? writeSummary)(summaryInput(settings, result, logs));
        },
    };
}
/** A Reporter that closes the log tail's group before anything of its own is printed, so groups never nest. */
function groupSafeReporter(inner, closeLogGroup) {
    const before = (fn) => (...a) => {
        closeLogGroup();
        fn(...a);
    };
    return {
        ...inner,
        info: before((m) => inner.info(m)),
        warning: before((m) => inner.warning(m)),
        error: before((m, t) => inner.error(m, t)),
        startGroup: before((n) => inner.startGroup?.(n)),
        endGroup: () => inner.endGroup?.(),
        setOutput: (n, v) => inner.setOutput(n, v),
        saveState: (n, v) => inner.saveState(n, v),
        setSecret: (s) => inner.setSecret(s),
        debug: (m) => inner.debug(m),
        markFailed: () => inner.markFailed(),
    };
}

;// CONCATENATED MODULE: ./src/session.ts
/**
 * The main step after its light start (src/launch.ts): sign-in, the Image Builder client, signals, logs, preflight,
 * template-file, and run(). Loaded with import() while the first ID token request is in flight.
 */









async function runSession({ settings, prepared, idToken }) {
    routeAzureSdkLog(core.isDebug(), (m) => core.debug(m));
    let subject;
    const credential = createCredential(settings.auth, {
        getIDToken: (aud) => core.getIDToken(aud),
        ...(idToken ? { prefetchedIdToken: idToken } : {}),
        now: () => Date.now(),
        info: (m) => core.info((0,src_report/* safeText */.Hk)(m)),
        setSecret: (s) => core.setSecret(s),
        onSubject: (s) => {
            subject = s;
        },
        env: process.env,
    });
    const ops = createImageBuilderOps(credential, settings, {}, (from, to) => core.info(`This cloud's Image Builder does not accept api-version ${from}; using ${to}, the newest version it lists.`));
    const trap = trapSignals({ onSignal: (sig) => core.info(`Received ${sig}.`) });
    const logs = createLogHooks({ settings, credential, report: src_report/* coreReporter */.b4, signal: trap.signal });
    const report = groupSafeReporter(src_report/* coreReporter */.b4, () => logs.closeGroup());
    const preflight = createPreflightHook(settings, credential, {
        error: (m, title) => core.error((0,src_report/* safeText */.Hk)(m), title ? { title } : {}),
        warning: (m, title) => core.warning((0,src_report/* safeText */.Hk)(m), title ? { title } : {}),
        notice: (m, title) => core.notice((0,src_report/* safeText */.Hk)(m), title ? { title } : {}),
        info: (m) => core.info((0,src_report/* safeText */.Hk)(m)),
    });
    // src/template is loaded only for template-file or vhd-destination.
    const template = prepared || settings.vhdDestination ? await __webpack_require__.e(/* import() */ 79).then(__webpack_require__.bind(__webpack_require__, 72079)) : undefined;
    const vhds = template && settings.vhdDestination
        ? template.createVhdKeeper({ ...settings, vhdDestination: settings.vhdDestination }, credential)
        : undefined;
    const fromFile = template && prepared ? template.createTemplateFromFile(prepared, settings, credential, (0,state/* savedContext */.fO)(settings), vhds) : undefined;
    let result;
    try {
        result = await run(settings, {
            ops,
            clock: wait/* realClock */.dQ,
            report,
            logs,
            summary: createSummaryWriter(settings),
            signal: trap.signal,
            oidcSubject: () => subject,
            ...(preflight ? { preflight } : {}),
            ...(fromFile ? { fromFile } : {}),
            ...(vhds ? { vhds } : {}),
        });
        // Log work still going (a slow storage account) must not keep the process alive once the result is reported.
        if (result.interrupted || result.logsAbandoned)
            await exitAfterFlush(result.interrupted ? 1 : undefined);
    }
    finally {
        // After the run and its logs (delete-template); after a signal the post step deletes instead.
        if (fromFile && !trap.signal.aborted)
            await fromFile.afterRun(result?.state, report);
        trap.dispose();
    }
}
/** Exits once stdout has taken everything written so far (the last annotation must reach the runner). */
async function exitAfterFlush(code) {
    await new Promise((resolve) => process.stdout.write('', () => resolve()));
    process.exit(code ?? (typeof process.exitCode === 'number' ? process.exitCode : 0));
}


/***/ }),

/***/ 40910:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Cs: () => (/* binding */ waitForRun),
/* harmony export */   Mu: () => (/* binding */ raceAbort),
/* harmony export */   dQ: () => (/* binding */ realClock)
/* harmony export */ });
/* unused harmony export STALE_POLLS_BEFORE_CHECK */
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77607);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(83916);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(49809);
/* harmony import */ var _runstatus_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(88236);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(38522);
/** The polling loop: one template read per poll, progress printed once per change, timeout, outages ridden out. */





const realClock = {
    now: () => Date.now(),
    sleep: (ms, signal) => new Promise((resolve) => {
        if (signal?.aborted)
            return resolve();
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
    }),
};
/** `p`, or a rejection as soon as `signal` aborts (even if the work behind `p` ignores the signal). */
function raceAbort(p, signal) {
    if (signal.aborted)
        return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        p.then((v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
        }, (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
        });
    });
}
function describe(status) {
    return status.runSubState ? `${status.runState ?? '?'} / ${status.runSubState}` : `${status.runState ?? '?'}`;
}
/** Stale polls (template still showing the previous run) between two reads of the run's own operation. */
const STALE_POLLS_BEFORE_CHECK = 4;
async function waitForRun(opts) {
    const { clock, log } = opts;
    const isDone = opts.isDone ?? ((s) => _types_js__WEBPACK_IMPORTED_MODULE_1__/* .TERMINAL_STATES */ .kl.includes(s.runState ?? ''));
    const isCurrent = opts.isCurrent ?? (() => true);
    const start = clock.now();
    const progressStart = opts.progressStart ?? start;
    const deadline = start + opts.timeoutMs;
    const retryDelays = (0,_retry_js__WEBPACK_IMPORTED_MODULE_2__/* .backoff */ .JN)(opts.pollIntervalMs, opts.maxRetryDelayMs ?? Math.max(60_000, 4 * opts.pollIntervalMs), opts.random);
    let lastKey = opts.lastKey;
    let last;
    /** The last sub-state seen: a terminal status often comes without one, and a failure should still name its phase. */
    let lastSubState;
    let hookWarnings = 0;
    let stalePolls = 0;
    /** The current outage: when it began, how many reads failed, the errors already told. */
    let outage;
    const unknownStates = new Set();
    for (;;) {
        const end = (outcome, status) => ({
            outcome,
            status,
            waitedMs: clock.now() - start,
            ...(lastKey !== undefined ? { lastKey } : {}),
            ...(outage ? { readError: outage.last } : {}),
        });
        if (opts.signal?.aborted)
            return end('aborted', last);
        let status;
        let ok = false;
        // A hung read (or a long Retry-After inside the client) must not carry the wait past the timeout.
        const readTimeout = AbortSignal.timeout(Math.max(1000, deadline - clock.now()));
        const readSignal = opts.signal ? AbortSignal.any([opts.signal, readTimeout]) : readTimeout;
        try {
            status = await raceAbort(opts.getStatus(readSignal), readSignal);
            ok = true;
        }
        catch (err) {
            if (opts.signal?.aborted)
                return end('aborted', last);
            if (readTimeout.aborted) {
                outage ??= { since: clock.now(), failures: 0, told: new Set(), last: '' };
                outage.last = `no answer within the timeout`;
                return end('timeout', last);
            }
            if (!(0,_retry_js__WEBPACK_IMPORTED_MODULE_2__/* .isTransient */ .dg)(err))
                throw err;
            const msg = (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorInfo */ .fH)(err).message;
            outage ??= { since: clock.now(), failures: 0, told: new Set(), last: msg };
            outage.failures++;
            outage.last = msg;
            // Each distinct error once: an outage of an hour must not print a warning per poll.
            if (!outage.told.has(msg)) {
                outage.told.add(msg);
                log.warning(`Reading the run status failed: ${msg} (the build is not affected; retrying until the timeout)`);
            }
        }
        if (ok) {
            if (outage) {
                log.info(`Run status readable again after ${outage.failures} failed read${outage.failures === 1 ? '' : 's'} over ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(clock.now() - outage.since)}.`);
                outage = undefined;
                retryDelays.reset();
            }
            if (status !== undefined && isCurrent(status)) {
                // Printed as it came; returned with the last sub-state seen when it has none (a failure names its phase).
                if (status.runSubState)
                    lastSubState = status.runSubState;
                last =
                    status.runSubState || lastSubState === undefined || status.runState === 'Running'
                        ? status
                        : { ...status, runSubState: lastSubState };
                if (status.runState !== undefined && !(0,_runstatus_js__WEBPACK_IMPORTED_MODULE_4__/* .isKnownRunState */ .g0)(status.runState) && !unknownStates.has(status.runState)) {
                    unknownStates.add(status.runState);
                    log.warning(`The service reports a run state this action does not know: '${status.runState}'. Waiting for a known one (until the timeout).`);
                }
                const key = `${status.runState ?? ''}/${status.runSubState ?? ''}`;
                if (key !== lastKey) {
                    lastKey = key;
                    const now = clock.now();
                    log.info(`${new Date(now).toISOString().slice(11, 19)}Z  ${describe(status)}  (+${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(now - progressStart)})`);
                }
                if (opts.onPoll) {
                    try {
                        await opts.onPoll(status);
                    }
                    catch (err) {
                        hookWarnings++;
                        if (hookWarnings <= 3) {
                            log.warning(`Build log tail: ${err instanceof Error ? err.message : String(err)}${hookWarnings === 3 ? ' (further errors of the log tail are not shown)' : ''}`);
                        }
                    }
                }
                if (isDone(status))
                    return end('done', last);
            }
            else {
                stalePolls++;
                if (stalePolls === 1)
                    log.info('Waiting for the template to show the new run...');
                if (opts.endedUnseen && stalePolls % STALE_POLLS_BEFORE_CHECK === 0) {
                    const ended = await opts.endedUnseen(readSignal).catch(() => undefined);
                    if (ended) {
                        log.info(`The run ended before the template showed it: ${describe(ended)}`);
                        return end('done', ended);
                    }
                }
            }
        }
        const remaining = deadline - clock.now();
        if (remaining <= 0)
            return end('timeout', last);
        const delay = outage ? retryDelays.next() : opts.pollIntervalMs;
        await clock.sleep(Math.min(delay, remaining), opts.signal);
    }
}


/***/ })

};
