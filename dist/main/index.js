import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 40157:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   JJ: () => (/* binding */ CLOUDS),
/* harmony export */   ZT: () => (/* binding */ isUnderStorageSuffix),
/* harmony export */   e3: () => (/* binding */ blobEndpointFor),
/* harmony export */   pg: () => (/* binding */ STORAGE_SCOPE),
/* harmony export */   vD: () => (/* binding */ CLOUD_NAMES)
/* harmony export */ });
/** Endpoints of the Azure clouds that `environment` can name. */
/**
 * Token scope for Azure Storage data access. The same resource ID in every cloud (Microsoft's answer in
 * https://github.com/MicrosoftDocs/azure-docs/issues/22400: "use the same resource id in all environments").
 */
const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const CLOUDS = {
    AzureCloud: {
        resourceManagerEndpoint: 'https://management.azure.com',
        authorityHost: 'https://login.microsoftonline.com',
        armScope: 'https://management.azure.com/.default',
        tokenExchangeAudience: 'api://AzureADTokenExchange',
        storageSuffix: 'core.windows.net',
    },
    AzureUSGovernment: {
        resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
        authorityHost: 'https://login.microsoftonline.us',
        armScope: 'https://management.usgovcloudapi.net/.default',
        tokenExchangeAudience: 'api://AzureADTokenExchangeUSGov',
        storageSuffix: 'core.usgovcloudapi.net',
    },
    AzureChinaCloud: {
        resourceManagerEndpoint: 'https://management.chinacloudapi.cn',
        authorityHost: 'https://login.chinacloudapi.cn',
        armScope: 'https://management.chinacloudapi.cn/.default',
        tokenExchangeAudience: 'api://AzureADTokenExchangeChina',
        storageSuffix: 'core.chinacloudapi.cn',
    },
};
const CLOUD_NAMES = Object.keys(CLOUDS);
/** `https://<account>.blob.<suffix>/`: the blob endpoint of a storage account in a cloud. */
function blobEndpointFor(account, storageSuffix) {
    return `https://${account.toLowerCase()}.blob.${storageSuffix}/`;
}
/** Whether a URL's host is `<something>.<suffix>` (https only), i.e. a storage host of that cloud. */
function isUnderStorageSuffix(url, storageSuffix) {
    let u;
    try {
        u = new URL(url);
    }
    catch {
        return false;
    }
    const host = u.hostname.toLowerCase();
    const suffix = `.${storageSuffix.toLowerCase().replace(/^\.+/, '')}`;
    return u.protocol === 'https:' && host.endsWith(suffix) && host.length > suffix.length;
}


/***/ }),

/***/ 77607:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E9: () => (/* binding */ parseDuration),
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   ec: () => (/* binding */ DURATION_FORM)
/* harmony export */ });
/* unused harmony export MAX_DURATION_MS */
/** Durations as users write them: `45s`, `90m`, `2h30m`, `1h`, `500ms`, `1.5h`, or a bare number of minutes. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_RANK = { h: 3, m: 2, s: 1, ms: 0 };
function isUnit(u) {
    return u === 'ms' || u === 's' || u === 'm' || u === 'h';
}
/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_DURATION_MS = 2 ** 31 - 1;
const DURATION_FORM = 'a positive duration such as 45s, 90m, 2h30m, 1h or 500ms, or a plain number of minutes';
/** Parses a duration into milliseconds; returns undefined when the text is not a valid positive duration. */
function parseDuration(text) {
    const s = text.trim().toLowerCase();
    if (s === '')
        return undefined;
    let ms;
    if (/^\d+(\.\d+)?$/.test(s)) {
        ms = Number(s) * UNIT_MS.m;
    }
    else {
        const part = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*/y;
        ms = 0;
        let seen = 0;
        let lastRank = Infinity;
        while (part.lastIndex < s.length) {
            const match = part.exec(s);
            const unit = match?.[2];
            if (!match || !isUnit(unit))
                return undefined;
            // units must go from larger to smaller, each at most once: 2h30m, not 30m2h or 1m1m
            if (UNIT_RANK[unit] >= lastRank)
                return undefined;
            lastRank = UNIT_RANK[unit];
            ms += Number(match[1]) * UNIT_MS[unit];
            seen++;
        }
        if (seen === 0)
            return undefined;
    }
    ms = Math.round(ms);
    if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_DURATION_MS)
        return undefined;
    return ms;
}
/** Formats milliseconds for people: `450ms`, `42s`, `3m05s`, `2h04m05s` (seconds always shown above a minute). */
function formatDuration(ms) {
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        return `${Math.round(ms)}ms`;
    const totalSeconds = Math.round(ms / 1000);
    if (totalSeconds < 60)
        return `${totalSeconds}s`;
    const h = Math.floor(totalSeconds / 3600);
    const m = Math.floor((totalSeconds % 3600) / 60);
    const sec = totalSeconds % 60;
    const pad = (n) => String(n).padStart(2, '0');
    if (h === 0)
        return `${m}m${pad(sec)}s`;
    return `${h}h${pad(m)}m${pad(sec)}s`;
}


/***/ }),

/***/ 83916:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   fH: () => (/* binding */ errorInfo),
/* harmony export */   l1: () => (/* binding */ isSignInError),
/* harmony export */   pv: () => (/* binding */ describeAzureError)
/* harmony export */ });
/* unused harmony exports REQUIRED_ACTIONS, aadstsCode, oidcIssuer, entraHint, parseAuthorizationFailed */
/** Turns Azure errors into messages that say what to do. */
/** The actions a principal needs to run a template and follow it. */
const REQUIRED_ACTIONS = [
    'Microsoft.VirtualMachineImages/imageTemplates/read',
    'Microsoft.VirtualMachineImages/imageTemplates/run/action',
    'Microsoft.VirtualMachineImages/imageTemplates/cancel/action',
    'Microsoft.VirtualMachineImages/imageTemplates/runOutputs/read',
    'Microsoft.VirtualMachineImages/locations/operations/read',
];
/** Status code and service error code of an Azure SDK error (RestError, AuthenticationError, ...) or anything alike. */
function errorInfo(err) {
    const e = err;
    const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
    // Storage puts its error code in details.errorCode; ARM and Entra errors carry it in code.
    const detailCode = typeof e?.details?.errorCode === 'string' ? e.details.errorCode : undefined;
    const code = detailCode ?? (typeof e?.code === 'string' ? e.code : undefined);
    const message = typeof e?.message === 'string' ? e.message : String(err);
    return { status, code, message };
}
/** The AADSTS code in an Entra error message, e.g. `700213`. */
function aadstsCode(message) {
    return /AADSTS(\d+)/.exec(message)?.[1];
}
function expectedSubjects() {
    const repo = process.env.GITHUB_REPOSITORY ?? '<owner>/<repo>';
    return [
        `repo:${repo}:ref:refs/heads/<branch>`,
        `repo:${repo}:environment:<environment>`,
        `repo:${repo}:pull_request`,
        `repo:${repo}:ref:refs/tags/<tag>`,
    ].join(', ');
}
/**
 * The issuer of this server's GitHub Actions OIDC tokens: github.com's, or on GitHub Enterprise Server
 * `https://HOSTNAME/_services/token` (docs.github.com, enterprise-server OIDC reference, claim `iss`).
 * Undefined for GHE.com (data residency), whose issuer form we have not confirmed.
 */
function oidcIssuer(serverUrl = process.env.GITHUB_SERVER_URL) {
    const github = 'https://token.actions.githubusercontent.com';
    if (!serverUrl)
        return github;
    let url;
    try {
        url = new URL(serverUrl);
    }
    catch {
        return github;
    }
    const host = url.hostname.toLowerCase();
    if (host === 'github.com')
        return github;
    if (host.endsWith('.ghe.com'))
        return undefined;
    return `${url.origin}/_services/token`;
}
/** A hint for an Entra ID (AADSTS) error, or undefined when the code is not one we know. */
function entraHint(message, oidcSubject) {
    const code = aadstsCode(message);
    switch (code) {
        case '700024':
            return 'The GitHub OIDC token (client assertion) had expired or was not yet valid. The action mints a fresh one for each sign-in; check the runner clock, and do not pass a stored token.';
        case '700213':
        case '70021':
            return (`No federated credential of the app matches this workflow: its subject, issuer (${oidcIssuer() ?? "the token's iss, printed above"}) and audience must equal the token's. ` +
                (oidcSubject ? `This token's subject is '${oidcSubject}'. ` : '') +
                `Expected subject forms: ${expectedSubjects()}.`);
        case '700016':
            return 'Entra does not know this client ID in this tenant: check client-id and tenant-id (the app registration or user-assigned identity must live in that tenant).';
        case '90002':
            return 'Entra does not know this tenant: check tenant-id, and environment / authority-host for sovereign clouds.';
        case '7000215':
            return 'The client secret is invalid; this action signs in with OIDC and needs no secret.';
        case '700212':
            return ("No federated credential of the app has this token's audience. The audience input must equal the federated credential's: " +
                'by default it follows environment (api://AzureADTokenExchange in AzureCloud, api://AzureADTokenExchangeUSGov in ' +
                'AzureUSGovernment, api://AzureADTokenExchangeChina in AzureChinaCloud).');
        case '50034':
        case '700027':
            return "The assertion was rejected: check the audience input matches the federated credential (by default the cloud's: api://AzureADTokenExchange in AzureCloud).";
        default:
            return undefined;
    }
}
/** Parses the action and scope out of an AuthorizationFailed message. */
function parseAuthorizationFailed(message) {
    const out = {};
    const action = /perform action '([^']+)'/.exec(message)?.[1];
    const scope = /over scope '([^']+)'/.exec(message)?.[1];
    const client = /client '([^']+)'/.exec(message)?.[1];
    if (action)
        out.action = action;
    if (scope)
        out.scope = scope;
    if (client)
        out.client = client;
    return out;
}
function templateRef(ctx) {
    return `image template '${ctx.templateName}' in resource group '${ctx.resourceGroup}' of subscription '${ctx.subscriptionId}'`;
}
/** True when the error came from getting a token (no request reached Azure Resource Manager). */
function isSignInError(err) {
    return (err instanceof Error &&
        (err.name === 'CredentialUnavailableError' || err.name === 'AuthenticationError' || err.name === 'CliSessionLostError'));
}
/** A message for any error met while talking to Azure, with what to do next. */
function describeAzureError(err, ctx) {
    const e = errorInfo(err);
    // Already says what happened and what to do.
    if (err instanceof Error && err.name === 'CliSessionLostError')
        return e.message;
    if (err instanceof Error && err.name === 'CredentialUnavailableError' && /ManagedIdentityCredential/.test(e.message)) {
        return (`Managed identity sign-in failed (auth-type: managed-identity): ${e.message.split('\n')[0]} ` +
            'This needs a runner on an Azure VM or scale set with a managed identity: the system-assigned one, or the ' +
            'user-assigned one whose client ID is given as client-id (it must be assigned to the VM). ' +
            'A GitHub-hosted runner has none: use OIDC there (client-id and tenant-id, auth-type: auto or oidc).');
    }
    if (err instanceof Error && err.name === 'CredentialUnavailableError' && /az login|Azure CLI/i.test(e.message)) {
        return (`No Azure CLI session to sign in with: ${e.message.split('\n')[0]} ` +
            'Run azure/login in an earlier step of this job, or set client-id and tenant-id (inputs, or env AZURE_CLIENT_ID and AZURE_TENANT_ID) ' +
            "to sign in with GitHub OIDC (auth-type: auto picks OIDC when both are set; the job needs 'permissions: id-token: write').");
    }
    const hint = entraHint(e.message, ctx.oidcSubject);
    if (hint !== undefined) {
        return `Sign-in to Entra ID failed: ${e.message.split('\n')[0]}\n${hint}`;
    }
    const code = e.code ?? '';
    if (code === 'SubscriptionNotFound' || (e.status === 404 && /subscription/i.test(code))) {
        return `Subscription '${ctx.subscriptionId}' was not found (${code}): ${e.message} Check subscription-id, and that the signed-in identity has a role in that subscription.`;
    }
    if (code === 'ResourceGroupNotFound') {
        return `Resource group '${ctx.resourceGroup}' was not found in subscription '${ctx.subscriptionId}' (${code}). Check resource-group and subscription-id.`;
    }
    if (e.status === 404 || code === 'ResourceNotFound' || code === 'NotFound') {
        return `The ${templateRef(ctx)} was not found (${code || 'HTTP 404'}). Check template-name, resource-group and subscription-id; the action runs an existing template.`;
    }
    if (e.status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
        const p = parseAuthorizationFailed(e.message);
        const who = p.client ? `The identity '${p.client}'` : 'The signed-in identity';
        const what = p.action ? `is missing the permission '${p.action}'` : 'was refused';
        const where = p.scope ? ` on '${p.scope}'` : ` on the ${templateRef(ctx)}`;
        return (`${who} ${what}${where} (${code || 'HTTP 403'}). ` +
            `Give it a role on resource group '${ctx.resourceGroup}' that includes ${REQUIRED_ACTIONS.join(', ')} ` +
            `(a custom role with these actions, or a broader built-in role such as Contributor). Role assignments can take a few minutes to apply.`);
    }
    if (e.status === 401) {
        return (`Azure Resource Manager refused the access token (${code || 'HTTP 401'}): ${e.message} ` +
            'Check that environment / resource-manager-endpoint match the cloud of the tenant, and that subscription-id belongs to tenant-id.');
    }
    if (e.status !== undefined) {
        return `Azure request failed with HTTP ${e.status}${code ? ` (${code})` : ''}: ${e.message}`;
    }
    return e.message;
}


/***/ }),

/***/ 96434:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   A0: () => (/* binding */ AuthSetupError),
/* harmony export */   Ay: () => (/* binding */ canMintIdTokens),
/* harmony export */   Wb: () => (/* binding */ requestFirstIdToken),
/* harmony export */   gc: () => (/* binding */ createAssertionProvider),
/* harmony export */   vJ: () => (/* binding */ oidcSetup)
/* harmony export */ });
/* unused harmony exports decodeJwtClaims, refreshMarginMs */
class AuthSetupError extends Error {
    name = 'AuthSetupError';
}
/** Decodes a JWT's payload without checking it (only to read exp and identity claims). */
function decodeJwtClaims(token) {
    const part = token.split('.')[1];
    if (part === undefined)
        return undefined;
    try {
        const json = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
        return typeof json === 'object' && json !== null ? json : undefined;
    }
    catch {
        return undefined;
    }
}
/** Refresh margin before exp: min(60 s, a third of the token's lifetime). */
function refreshMarginMs(claims) {
    if (claims.exp === undefined)
        return 0;
    const issued = claims.iat ?? claims.nbf;
    const lifetimeMs = issued !== undefined ? (claims.exp - issued) * 1000 : Infinity;
    return Math.max(0, Math.min(60_000, lifetimeMs / 3));
}
/**
 * getAssertion for ClientAssertionCredential: keeps the GitHub ID token until it is within the refresh
 * margin of its exp, then mints a fresh one. Concurrent callers share one request.
 */
function createAssertionProvider(audience, deps) {
    let cached;
    let inFlight;
    let prefetched = deps.prefetchedIdToken;
    let printed = false;
    const accept = (token) => {
        deps.setSecret(token);
        const claims = decodeJwtClaims(token) ?? {};
        if (!printed) {
            printed = true;
            const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud;
            deps.info(`GitHub OIDC token: iss=${claims.iss ?? '?'} sub=${claims.sub ?? '?'} aud=${aud ?? '?'}`);
            if (claims.sub !== undefined)
                deps.onSubject?.(claims.sub);
        }
        return { token, refreshAt: claims.exp === undefined ? 0 : claims.exp * 1000 - refreshMarginMs(claims) };
    };
    const request = async (pending) => {
        try {
            return await pending;
        }
        catch (err) {
            throw new AuthSetupError(`Could not get a GitHub OIDC token for audience '${audience}': ${err instanceof Error ? err.message : String(err)}`);
        }
    };
    const mint = async () => {
        if (prefetched !== undefined) {
            const early = accept(await request(prefetched).finally(() => (prefetched = undefined)));
            // A token with no exp (refreshAt 0) counts as fresh once, as a minted one does.
            if (early.refreshAt === 0 || deps.now() < early.refreshAt) {
                cached = early;
                return early.token;
            }
        }
        cached = accept(await request(deps.getIDToken(audience)));
        return cached.token;
    };
    return async () => {
        if (cached !== undefined && deps.now() < cached.refreshAt)
            return cached.token;
        inFlight ??= mint().finally(() => {
            inFlight = undefined;
        });
        return inFlight;
    };
}
/** True when this job can mint GitHub ID tokens (`permissions: id-token: write`). */
function canMintIdTokens(env) {
    return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}
const NO_ID_TOKEN = 'OIDC sign-in needs a GitHub ID token, but this job cannot request one (ACTIONS_ID_TOKEN_REQUEST_URL is not set). ' +
    "Add 'permissions: id-token: write' to the workflow or job. " +
    'Pull requests from forks and Dependabot runs get no ID token even then: skip this step for them ' +
    "(for example if: github.event.pull_request.head.repo.fork != true && github.actor != 'dependabot[bot]').";
/** OIDC sign-in's client and tenant, once the job is known to be able to mint ID tokens. Throws AuthSetupError. */
function oidcSetup(auth, env) {
    if (!canMintIdTokens(env))
        throw new AuthSetupError(NO_ID_TOKEN);
    if (auth.clientId === undefined || auth.tenantId === undefined) {
        throw new AuthSetupError('OIDC sign-in needs both client-id and tenant-id (inputs or env AZURE_CLIENT_ID and AZURE_TENANT_ID).');
    }
    return { clientId: auth.clientId, tenantId: auth.tenantId };
}
/**
 * Checks the sign-in set-up (OIDC: see oidcSetup) and, for OIDC, sends the first ID token request now, before the
 * Azure SDK is loaded. The token promise carries the request's own failure, if any, to the first assertion; it is
 * never left unhandled.
 */
function requestFirstIdToken(auth, env, send) {
    if (auth.type !== 'oidc')
        return undefined;
    oidcSetup(auth, env);
    const request = send(auth.audience);
    request.token.catch(() => undefined);
    return request;
}


/***/ }),

/***/ 76670:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Bo: () => (/* binding */ urlForDisplay),
/* harmony export */   Fq: () => (/* binding */ inertLine),
/* harmony export */   Hk: () => (/* binding */ safeText),
/* harmony export */   QC: () => (/* binding */ RUNNER_LINE_BREAK),
/* harmony export */   fp: () => (/* binding */ redactSecrets)
/* harmony export */ });
/* unused harmony export inertText */
/**
 * Secrets out of text, and untrusted text made unable to command the runner (contract 10 and 11).
 *
 * `redactSecrets` removes SAS signatures, account keys, bearer tokens, JWTs, client assertions and URL
 * user-info in their plain, JSON-escaped (`\u0026sig=`) and URL-encoded (`%26sig%3D`) forms. Its patterns
 * use ASCII classes only and never cross a line break, so it works the same on text decoded as UTF-8 and on
 * bytes read as latin1 (how the log file is redacted byte-exactly, see logs/redacted-lines.ts), and one call
 * on many lines equals one call per line.
 *
 * `inertText` makes text safe to print to the job log: the runner reads a step's output with .NET's
 * `StreamReader.ReadLine` (a line ends at `\n`, `\r\n` or a lone `\r`), takes a line whose start (after
 * `String.TrimStart()`) is `::` as a command, and a line holding `##[` anywhere as a legacy command
 * (actions/runner src/Runner.Worker/Handlers/OutputManager.cs, src/Runner.Common/ActionCommand.cs
 * TryParseV2 / TryParse).
 */
/** `=` as it appears plain, URL-encoded once or twice, or JSON-escaped. */
const EQ = String.raw `(?:=|%3[Dd]|%253[Dd]|\\u003[dD])`;
/** A label's separator: `=` or `:` in any of those forms, with optional quotes (escaped or not) and blanks. */
const SEP = String.raw `(?:\\?["']?[ \t]*(?:[=:]|%3[DdAa]|%253[DdAa]|\\u003[dD])[ \t]*\\?["']?)`;
/** Where a label may start: not inside a word (an encoded separator such as `%3B` or `%3F` before it is fine). */
const LABEL_START = String.raw `(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z]))`;
/** One character of an encoded secret: base64(url) and URL escapes, but no encoded separator (`&`, space, quote, `,`, `;`). */
const VCHAR = String.raw `(?:[A-Za-z0-9+/=_.~-]|%(?!(?:25)?(?:2[0267Cc]|3[Bb]))[0-9A-Fa-f]{2}|\\/)`;
const RULES = [
    // URL user-info: https://user:pass@host
    { re: /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^ \t\r\n/@'"<>]+@/g, to: '$1***@' },
    // The query of a URL that carries a SAS: the whole query goes.
    {
        re: /(https?:\/\/[^ \t\r\n?'"<>\\]+)\?(?:[^ \t\r\n'"<>]*?&)?(?:sig|sv|se|skoid)=[^ \t\r\n'"<>]*?(?=[.,;:)\]]*(?:[ \t\r\n'"<>]|$))/gi,
        to: '$1',
    },
    // SAS signature in any encoding: `sig=`, `\u0026sig=`, `%26sig%3D`, `sig%3D`.
    { re: new RegExp(String.raw `${LABEL_START}(sig${EQ})${VCHAR}+`, 'gi'), to: '$1***' },
    // Connection-string and labelled storage keys.
    {
        re: new RegExp(String.raw `${LABEL_START}((?:Account|Storage|Shared(?:Access)?|Primary|Secondary)_?Key|AZURE_STORAGE_(?:ACCOUNT_)?KEY)(${SEP})${VCHAR}+`, 'gi'),
        to: '$1$2***',
    },
    // Authorization headers, whatever the scheme, in header, JSON or Go-map form.
    {
        re: /(\bAuthorization\\?["']?[ \t]*[:=][ \t]*\[?\\?["']?[ \t]*)(Bearer|Basic|SharedKey(?:Lite)?|SharedAccessSignature|PoP)[ \t]+[^ \t\r\n'",\]\\]+/gi,
        to: '$1$2 ***',
    },
    // A token after an auth scheme anywhere else (long enough to be one, so prose is left alone).
    { re: /\b(Bearer|SharedKey(?:Lite)?)(?:[ \t]+|%20|\+)(?![*]{3})[A-Za-z0-9._~+/=:%-]{16,}/g, to: '$1 ***' },
    // JWTs (GitHub ID tokens, Entra tokens, client assertions): three base64url parts, the first `{"...`.
    { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, to: '***' },
    // Labelled tokens and secrets (form bodies, JSON answers, key=value dumps).
    {
        re: new RegExp(String.raw `${LABEL_START}((?:access|refresh|id)_?token|client_?secret|client_?assertion|password)(${SEP})(?![*]{3})${VCHAR}+`, 'gi'),
        to: '$1$2***',
    },
    // A 64-byte key in base64 (a storage account key) next to a label saying it is a key.
    {
        re: /(?<![A-Za-z0-9+/%])(?:[A-Za-z0-9+/]|%2[BbFf]){86}(?:==|%3[Dd]%3[Dd])(?![A-Za-z0-9+/=%])/g,
        to: (m, ...rest) => {
            const at = rest.at(-2);
            const whole = rest.at(-1);
            return /(?:key|value|secret|credential)/i.test(whole.slice(Math.max(0, at - 40), at)) ? '***' : m;
        },
    },
];
/** Cheap test for text no rule can match: most log lines. */
const MAYBE = /sig|key|auth|bearer|eyJ|token|secret|assertion|password|[?&]s[ev]=|:\/\/[^ \t\r\n/@]*@/i;
/** Text with every secret it carries replaced by `***`. Idempotent; keeps everything else as it is. */
function redactSecrets(text) {
    if (!MAYBE.test(text))
        return text;
    let out = text;
    for (const r of RULES)
        out = out.replace(r.re, r.to);
    return out;
}
/** The line breaks of .NET's StreamReader.ReadLine, which is how the runner splits a step's output. */
const RUNNER_LINE_BREAK = /\r\n|\r|\n/;
/**
 * One line (no line break in it) that the runner will not read as a command: a zero-width space goes
 * between the colons of a leading `::` (after what .NET's TrimStart skips: JS `\s` plus U+0085) and into
 * every `##[`.
 */
function inertLine(line) {
    let s = line.includes('##[') ? line.replace(/##\[/g, '##\u200b[') : line;
    s = s.replace(/^([\s\u0085]*):(?=:)/, '$1:\u200b');
    return s;
}
/** Text, split where the runner splits it, each line made inert, joined with `\n`. */
function inertText(text) {
    if (!/[\r\n]/.test(text))
        return inertLine(text);
    return text.split(RUNNER_LINE_BREAK).map(inertLine).join('\n');
}
/** Untrusted (or possibly secret-bearing) text as it may be printed to the job log. */
function safeText(text) {
    return inertText(redactSecrets(text));
}
/** A URL (e.g. an input echoed in an error) without user-info, query or fragment. */
function urlForDisplay(value) {
    try {
        const u = new URL(value);
        u.username = '';
        u.password = '';
        u.search = '';
        u.hash = '';
        return u.toString();
    }
    catch {
        return redactSecrets(value.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//'));
    }
}


/***/ }),

/***/ 21507:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   A: () => (/* binding */ setPhase),
/* harmony export */   YP: () => (/* binding */ errorContext),
/* harmony export */   YT: () => (/* binding */ newResult),
/* harmony export */   Yw: () => (/* binding */ LOGS_FINISH_DEADLINE_MS),
/* harmony export */   Z7: () => (/* binding */ START_RETRY_LIMIT_MS),
/* harmony export */   _4: () => (/* binding */ mayCancel),
/* harmony export */   f$: () => (/* binding */ timeLeft),
/* harmony export */   lZ: () => (/* binding */ ActionError),
/* harmony export */   og: () => (/* binding */ makeContext),
/* harmony export */   qK: () => (/* binding */ startText),
/* harmony export */   qo: () => (/* binding */ stateLine),
/* harmony export */   uR: () => (/* binding */ azureFailure)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(83916);
/* harmony import */ var _state_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2462);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(38522);



/** An error whose message is already written for the user (no prefix, no stack). */
class ActionError extends Error {
    title;
    name = 'ActionError';
    constructor(message, title = 'Image Builder run failed') {
        super(message);
        this.title = title;
    }
}
/**
 * Longest wait for the build logs (download, upload, diagnosis) and the summary once the run is over. The step's own
 * result must not wait on a slow storage account: past this, the build's error is reported without the diagnosis.
 */
const LOGS_FINISH_DEADLINE_MS = 5 * 60_000;
/** Longest time spent reading the template and sending the run request through an outage, before the wait starts. */
const START_RETRY_LIMIT_MS = 10 * 60_000;
function makeContext(settings, deps) {
    return {
        settings,
        deps,
        ops: deps.ops,
        clock: deps.clock,
        report: deps.report,
        logs: deps.logs ?? _types_js__WEBPACK_IMPORTED_MODULE_0__/* .noopLogHooks */ .Z7,
        summary: deps.summary ?? _types_js__WEBPACK_IMPORTED_MODULE_0__/* .noopSummary */ .$k,
        startedAt: deps.clock.now(),
        attached: false,
    };
}
function errorContext(c) {
    const ctx = {
        subscriptionId: c.settings.subscriptionId,
        resourceGroup: c.settings.resourceGroup,
        templateName: c.settings.templateName,
    };
    const sub = c.deps.oidcSubject?.();
    if (sub !== undefined)
        ctx.oidcSubject = sub;
    return ctx;
}
/** The error of an Azure call, as the message the step fails with. */
function azureFailure(c, what, err) {
    if (err instanceof ActionError)
        return err;
    if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .isSignInError */ .l1)(err))
        return new ActionError((0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .describeAzureError */ .pv)(err, errorContext(c)), 'sign-in');
    return new ActionError(`${what}: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .describeAzureError */ .pv)(err, errorContext(c))}`, 'Azure request failed');
}
function setPhase(c, phase) {
    c.report.saveState(_state_js__WEBPACK_IMPORTED_MODULE_2__/* .STATE_PHASE */ .m5, phase);
}
/** Time left before `timeout` (ms, never negative). */
function timeLeft(c) {
    return Math.max(0, c.startedAt + c.settings.timeoutMs - c.clock.now());
}
/** Whether a run that is not ours may be canceled (by the timeout, a signal or the post step). */
function mayCancel(c) {
    return !c.attached || c.settings.cancelAttached;
}
function stateLine(status) {
    if (!status)
        return 'no run status seen';
    return status.runSubState ? `${status.runState}, sub-state ${status.runSubState}` : `${status.runState}`;
}
function startText(start) {
    return start === undefined ? 'an unknown time' : new Date(start).toISOString();
}
function newResult(c, status) {
    // Each phase sets state (and the run-state output, where a contract value is honest) explicitly.
    return { state: 'Unknown', status, template: c.template, attached: c.attached, runOutputs: [] };
}


/***/ }),

/***/ 2462:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   II: () => (/* binding */ STATE_RUN_POSTED),
/* harmony export */   Mq: () => (/* binding */ STATE_KEY),
/* harmony export */   ZG: () => (/* binding */ STATE_PREVIOUS_START),
/* harmony export */   fO: () => (/* binding */ savedContext),
/* harmony export */   m5: () => (/* binding */ STATE_PHASE),
/* harmony export */   vc: () => (/* binding */ STATE_RUN_START)
/* harmony export */ });
/* unused harmony export parseSavedContext */
const STATE_KEY = 'ibr-context';
const STATE_PHASE = 'ibr-phase';
const STATE_RUN_START = 'ibr-run-start';
/** When the main step was about to send the run POST (ISO time, runner's clock). */
const STATE_RUN_POSTED = 'ibr-run-posted';
/** startTime of the template's previous run, read before the run POST (ISO time; absent when it had none). */
const STATE_PREVIOUS_START = 'ibr-previous-start';
function parseSavedContext(text) {
    if (text === '')
        return undefined;
    try {
        const v = JSON.parse(text);
        if (typeof v.subscriptionId !== 'string' || typeof v.templateName !== 'string' || typeof v.auth?.type !== 'string')
            return undefined;
        return v;
    }
    catch {
        return undefined;
    }
}
function savedContext(settings) {
    const auth = {
        type: settings.auth.type,
        audience: settings.auth.audience,
        authorityHost: settings.auth.authorityHost,
    };
    if (settings.auth.clientId)
        auth.clientId = settings.auth.clientId;
    if (settings.auth.tenantId)
        auth.tenantId = settings.auth.tenantId;
    return {
        subscriptionId: settings.subscriptionId,
        resourceGroup: settings.resourceGroup,
        templateName: settings.templateName,
        resourceManagerEndpoint: settings.resourceManagerEndpoint,
        armScope: settings.armScope,
        auth,
    };
}


/***/ }),

/***/ 60558:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $w: () => (/* binding */ TemplateError),
/* harmony export */   BH: () => (/* binding */ isExpression),
/* harmony export */   Gv: () => (/* binding */ isObject),
/* harmony export */   Hl: () => (/* binding */ TemplateFileError),
/* harmony export */   Pj: () => (/* binding */ readTemplateFile),
/* harmony export */   d1: () => (/* binding */ runCommand)
/* harmony export */ });
/* unused harmony exports IMAGE_TEMPLATE_TYPE, parseJson, armResources */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(31421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _runContext_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(21507);
/**
 * Reads `template-file` and tells its form: a resource body (JSON), an ARM deployment template (JSON) holding one
 * Microsoft.VirtualMachineImages/imageTemplates resource, or a Bicep file compiled to one with `az bicep build`.
 * Local work only: nothing here calls Azure.
 */



const IMAGE_TEMPLATE_TYPE = 'Microsoft.VirtualMachineImages/imageTemplates';
/** An error about a template-file template, written for the user; `title` heads its annotation. */
class TemplateError extends _runContext_js__WEBPACK_IMPORTED_MODULE_2__/* .ActionError */ .lZ {
    name = 'TemplateError';
    constructor(message, title = 'template-file') {
        super(message, title);
    }
}
/** A problem with template-file (or template-parameters) found before any call. */
class TemplateFileError extends TemplateError {
    name = 'TemplateFileError';
}
const runCommand = (file, args) => new Promise((resolve, reject) => {
    (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.execFile)(file, args, { maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
        if (err) {
            Object.assign(err, { stderr: String(stderr) });
            reject(err);
        }
        else {
            resolve(String(stdout));
        }
    });
});
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** An ARM template expression (`[...]`, not the `[[` escape of a literal bracket). */
function isExpression(v) {
    return typeof v === 'string' && v.startsWith('[') && !v.startsWith('[[') && v.endsWith(']');
}
/** JSON.parse with a message naming the file, line and column. */
function parseJson(text, what) {
    const clean = text.replace(/^\uFEFF/, '');
    try {
        return JSON.parse(clean);
    }
    catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const pos = /position (\d+)/.exec(msg)?.[1];
        let where = '';
        if (pos !== undefined) {
            const before = clean.slice(0, Number(pos)).split('\n');
            where = ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
        }
        throw new TemplateFileError(`${what} is not valid JSON${where}: ${msg}`);
    }
}
function looksLikeDeploymentTemplate(o) {
    const schema = typeof o.$schema === 'string' ? o.$schema.toLowerCase() : '';
    if (schema.includes('deploymenttemplate.json'))
        return true;
    return !schema && 'resources' in o && 'contentVersion' in o;
}
/** The template's resources, whether an array or (languageVersion 2.0) an object keyed by symbolic name. */
function armResources(template) {
    const r = template.resources;
    if (Array.isArray(r))
        return r.flatMap((x, i) => (isObject(x) ? [{ path: `resources[${i}]`, resource: x }] : []));
    if (isObject(r))
        return Object.entries(r).flatMap(([k, x]) => (isObject(x) ? [{ path: `resources.${k}`, resource: x }] : []));
    return [];
}
function fromArm(path, template, compiledFrom) {
    const label = compiledFrom ? `template-file '${path}' (compiled from Bicep)` : `template-file '${path}'`;
    const all = armResources(template);
    const found = all.filter((x) => typeof x.resource.type === 'string' && x.resource.type.toLowerCase() === IMAGE_TEMPLATE_TYPE.toLowerCase());
    const [one, ...others] = found;
    if (one === undefined || others.length > 0) {
        const types = all.map((x) => String(x.resource.type)).join(', ') || 'none';
        throw new TemplateFileError(`${label} is an ARM template with ${found.length === 0 ? 'no' : found.length} ${IMAGE_TEMPLATE_TYPE} resources (resources: ${types}): ` +
            'the action runs exactly one; put each image template in a file of its own (a matrix over files runs several).');
    }
    if (one.resource.copy !== undefined) {
        throw new TemplateFileError(`${label}: ${one.path}.copy: an image template in a copy loop makes several templates; the action runs exactly one.`);
    }
    return { form: 'arm', path, ...(compiledFrom ? { compiledFrom } : {}), template, resource: one.resource };
}
/** Compiles a Bicep file with the Bicep CLI that `az` carries (installed on GitHub-hosted runners). */
async function compileBicep(path, run) {
    let out;
    try {
        out = await run('az', ['bicep', 'build', '--file', path, '--stdout']);
    }
    catch (err) {
        const e = err;
        if (e.code === 'ENOENT') {
            throw new TemplateFileError(`template-file '${path}' is a Bicep file, and compiling it needs the Azure CLI (az), which is not on PATH. ` +
                'GitHub-hosted runners have it; on a self-hosted runner install the Azure CLI (then az bicep install), or commit the compiled JSON (az bicep build --file <file>) and pass that.');
        }
        const detail = String(e.stderr ?? '').trim() || String(e.message ?? err);
        throw new TemplateFileError(`template-file '${path}': az bicep build failed: ${detail.split('\n').slice(0, 20).join('\n')}\n` +
            'If Bicep itself is missing, install it with az bicep install.');
    }
    const compiled = parseJson(out, `The output of az bicep build for '${path}'`);
    if (!isObject(compiled) || !looksLikeDeploymentTemplate(compiled)) {
        throw new TemplateFileError(`template-file '${path}': az bicep build did not print an ARM template.`);
    }
    return compiled;
}
/** Reads and classifies template-file. Throws TemplateFileError with what to fix. */
async function readTemplateFile(path, run = runCommand) {
    if (/\.bicepparam$/i.test(path)) {
        throw new TemplateFileError(`template-file '${path}' is a Bicep parameters file: pass the .bicep file as template-file and its parameters with template-parameters (JSON).`);
    }
    let text;
    try {
        text = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync)(path, 'utf8');
    }
    catch (err) {
        const code = err.code;
        throw new TemplateFileError(code === 'ENOENT'
            ? `template-file '${path}' does not exist (paths are relative to the workspace: check out the repository first, with actions/checkout).`
            : `template-file '${path}' could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (/\.bicep$/i.test(path))
        return fromArm(path, await compileBicep(path, run), 'bicep');
    const parsed = parseJson(text, `template-file '${path}'`);
    if (!isObject(parsed))
        throw new TemplateFileError(`template-file '${path}' holds JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}: expected an object (a template resource body or an ARM template).`);
    if (looksLikeDeploymentTemplate(parsed))
        return fromArm(path, parsed);
    return { form: 'resource', path, body: parsed };
}


/***/ }),

/***/ 38522:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $k: () => (/* binding */ noopSummary),
/* harmony export */   Z7: () => (/* binding */ noopLogHooks),
/* harmony export */   kl: () => (/* binding */ TERMINAL_STATES)
/* harmony export */ });
/* unused harmony export IN_PROGRESS_STATES */
/** Shared shapes: the run status we poll, the end result, and the seams for build logs and the job summary. */
const TERMINAL_STATES = ['Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];
const IN_PROGRESS_STATES = (/* unused pure expression or super */ null && (['Running', 'Canceling']));
const noopLogHooks = {
    onPoll: async () => { },
    finish: async () => ({}),
};
const noopSummary = {
    write: async () => { },
};


/***/ }),

/***/ 42613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 20181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 35317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 49140:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("constants");

/***/ }),

/***/ 76982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 24434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 79896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 91943:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs/promises");

/***/ }),

/***/ 58611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 65692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 69278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 34589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 16698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 31421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 37540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 77598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 53053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 40610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 78474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 73024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 51455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 37067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 32467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 44708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 77030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 48161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 76760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 41792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 57075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 46466:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");

/***/ }),

/***/ 46193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:string_decoder");

/***/ }),

/***/ 41692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 73136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 57975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 73429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 75919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 16141:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 70857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 16928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 13193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 53557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 64756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 52018:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tty");

/***/ }),

/***/ 87016:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("url");

/***/ }),

/***/ 39023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 43106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXTERNAL MODULE: ./src/oidc.ts
var oidc = __nccwpck_require__(96434);
// EXTERNAL MODULE: ./src/redact.ts
var redact = __nccwpck_require__(76670);
// EXTERNAL MODULE: ./src/runContext.ts
var runContext = __nccwpck_require__(21507);
// EXTERNAL MODULE: ./src/clouds.ts
var clouds = __nccwpck_require__(40157);
// EXTERNAL MODULE: ./src/duration.ts
var duration = __nccwpck_require__(77607);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(73024);
// EXTERNAL MODULE: ./src/template/file.ts
var file = __nccwpck_require__(60558);
;// CONCATENATED MODULE: ./src/template/parameters.ts
/** template-parameters: a JSON object, or the path of a parameters file; turned into the `parameters` of a deployment. */


const PARAMETERS_FORM = 'a JSON object ({"name": value, ...} or {"name": {"value": value}, ...}), or the path of an ARM parameters file (JSON with "parameters")';
/** Deployment parameters ({name: {value}}), or a string saying what is wrong. */
function parseTemplateParameters(raw) {
    let text = raw;
    if (!raw.startsWith('{')) {
        if (/\.bicepparam$/i.test(raw))
            return { error: 'a .bicepparam file is not supported: give the values as JSON' };
        try {
            text = (0,external_node_fs_.readFileSync)(raw, 'utf8').replace(/^\uFEFF/, '');
        }
        catch (err) {
            const code = err.code;
            return {
                error: code === 'ENOENT'
                    ? 'neither JSON (it does not start with {) nor an existing file'
                    : `the file could not be read (${String(code ?? err)})`,
            };
        }
    }
    let v;
    try {
        v = JSON.parse(text);
    }
    catch (err) {
        return { error: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
    }
    if (!(0,file/* isObject */.Gv)(v))
        return { error: 'JSON that is not an object' };
    // An ARM parameters file: {"$schema": ".../deploymentParameters.json#", "contentVersion": ..., "parameters": {...}}
    const source = (0,file/* isObject */.Gv)(v.parameters) && (v.$schema !== undefined || v.contentVersion !== undefined) ? v.parameters : v;
    const out = {};
    for (const [k, x] of Object.entries(source)) {
        if (k.startsWith('$'))
            continue;
        const wrapped = (0,file/* isObject */.Gv)(x) &&
            Object.keys(x).length > 0 &&
            Object.keys(x).every((key) => key === 'value' || key === 'reference' || key === 'metadata');
        out[k] = wrapped ? x : { value: x };
    }
    return { parameters: out };
}

;// CONCATENATED MODULE: ./src/settings.ts
/**
 * The action's one typed settings object, parsed once from the inputs. Nothing else reads inputs.
 * Parsing is pure and throws an InputError (naming the input, the value and the expected form)
 * before any network call.
 */




class InputError extends Error {
    input;
    value;
    expected;
    constructor(input, value, expected) {
        super(`Input '${input}' ${value === '' ? 'is empty' : `has the value '${value}'`}: expected ${expected}.`);
        this.input = input;
        this.value = value;
        this.expected = expected;
        this.name = 'InputError';
    }
}
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\p{L}\p{N}._()]{1,90}$/u;
const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
function oneOf(name, value, allowed) {
    if (allowed.includes(value))
        return value;
    throw new InputError(name, value, `one of ${allowed.join(', ')}`);
}
/** The spellings core.getBooleanInput accepts (YAML 1.2 core schema booleans). */
const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];
function bool(name, value) {
    if (TRUE_VALUES.includes(value))
        return true;
    if (FALSE_VALUES.includes(value))
        return false;
    throw new InputError(name, value, 'true or false (also True, TRUE, False or FALSE)');
}
function guid(name, value, envName) {
    if (!GUID.test(value)) {
        throw new InputError(name, value, `a GUID such as 00000000-0000-0000-0000-000000000000 (from the input or env ${envName})`);
    }
    return value.toLowerCase();
}
function settings_duration(name, value) {
    const ms = (0,duration/* parseDuration */.E9)(value);
    if (ms === undefined)
        throw new InputError(name, value, duration/* DURATION_FORM */.ec);
    return ms;
}
function httpsUrl(name, value) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new InputError(name, value, 'an https URL such as https://management.azure.com');
    }
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
        // Echoed without what may be secret: user-info, query (a SAS) and fragment.
        const shown = url.username || url.password || url.search || url.hash ? (0,redact/* urlForDisplay */.Bo)(value) : value;
        throw new InputError(name, shown, 'an https URL without credentials, query or fragment, such as https://management.azure.com');
    }
    return url.toString().replace(/\/+$/, '');
}
const CONTAINER = /^(?:\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
const VHD_DESTINATION_FORM = 'an https blob container URL without a SAS, query or user-info, such as https://<account>.blob.core.windows.net/<container> (the identity signs in to it with Entra ID)';
/** A blob container URL: https, no user-info, query (a SAS) or fragment; the container (last path segment) well formed. */
function blobContainerUrl(name, value) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new InputError(name, value, VHD_DESTINATION_FORM);
    }
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
        const shown = url.username || url.password || url.search || url.hash ? (0,redact/* urlForDisplay */.Bo)(value) : value;
        throw new InputError(name, shown, VHD_DESTINATION_FORM);
    }
    const segments = url.pathname.split('/').filter(Boolean);
    // Path-style endpoints (an emulator, or an IP address) carry the account as the first segment.
    const pathStyle = /^[\d.]+$|^\[|^localhost$/i.test(url.hostname);
    if (segments.length !== (pathStyle ? 2 : 1) || !CONTAINER.test(segments.at(-1) ?? '')) {
        throw new InputError(name, value, `${VHD_DESTINATION_FORM}; a container name is 3-63 lowercase letters, digits and single hyphens`);
    }
    return `${url.origin}/${segments.join('/')}`;
}
/** Parses and checks every input. Throws InputError on the first bad one. */
function parseSettings(getInput, env) {
    const input = (name) => getInput(name).trim();
    const orEnv = (name, envName) => input(name) || (env[envName] ?? '').trim();
    const subscriptionRaw = orEnv('subscription-id', 'AZURE_SUBSCRIPTION_ID');
    if (subscriptionRaw === '') {
        throw new InputError('subscription-id', '', 'a subscription GUID, given as the input or as env AZURE_SUBSCRIPTION_ID');
    }
    const subscriptionId = guid('subscription-id', subscriptionRaw, 'AZURE_SUBSCRIPTION_ID');
    const resourceGroup = input('resource-group');
    if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
        throw new InputError('resource-group', resourceGroup, 'a resource group name: 1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period');
    }
    const templateFile = input('template-file') || undefined;
    const templateName = input('template-name');
    if (templateName === '' && templateFile === undefined) {
        throw new InputError('template-name', '', 'the name of an existing image template (1-64 letters, digits, hyphens, underscores or periods)');
    }
    if (templateName !== '' && !TEMPLATE_NAME.test(templateName)) {
        throw new InputError('template-name', templateName, 'an image template name: 1-64 letters, digits, hyphens, underscores or periods');
    }
    const clientRaw = orEnv('client-id', 'AZURE_CLIENT_ID');
    const tenantRaw = orEnv('tenant-id', 'AZURE_TENANT_ID');
    const clientId = clientRaw === '' ? undefined : guid('client-id', clientRaw, 'AZURE_CLIENT_ID');
    const tenantId = tenantRaw === '' ? undefined : guid('tenant-id', tenantRaw, 'AZURE_TENANT_ID');
    const authTypeRaw = oneOf('auth-type', input('auth-type') || 'auto', ['auto', 'oidc', 'azure-cli', 'managed-identity']);
    let authType;
    if (authTypeRaw === 'auto') {
        authType = clientId !== undefined && tenantId !== undefined ? 'oidc' : 'azure-cli';
    }
    else {
        authType = authTypeRaw;
    }
    if (authType === 'oidc') {
        if (clientId === undefined) {
            throw new InputError('client-id', '', 'the client ID (GUID) of the app or identity with a federated credential when auth-type is oidc (input or env AZURE_CLIENT_ID)');
        }
        if (tenantId === undefined) {
            throw new InputError('tenant-id', '', 'the Entra tenant ID (GUID) when auth-type is oidc (input or env AZURE_TENANT_ID)');
        }
    }
    const envRaw = input('environment') || 'AzureCloud';
    const environment = clouds/* CLOUD_NAMES */.vD.find((c) => c.toLowerCase() === envRaw.toLowerCase());
    if (environment === undefined)
        throw new InputError('environment', envRaw, `one of ${clouds/* CLOUD_NAMES */.vD.join(', ')}`);
    const cloud = clouds/* CLOUDS */.JJ[environment];
    // Each cloud's Entra ID exchanges GitHub tokens for its own audience: the default follows `environment`.
    const audience = input('audience') || cloud.tokenExchangeAudience;
    const armRaw = input('resource-manager-endpoint');
    const resourceManagerEndpoint = armRaw === '' ? cloud.resourceManagerEndpoint : httpsUrl('resource-manager-endpoint', armRaw);
    const authorityRaw = input('authority-host') || (env.AZURE_AUTHORITY_HOST ?? '').trim();
    const authorityHost = authorityRaw === '' ? cloud.authorityHost : httpsUrl('authority-host', authorityRaw);
    const timeoutMs = settings_duration('timeout', input('timeout') || '4h');
    const onTimeout = oneOf('on-timeout', input('on-timeout') || 'cancel', ['cancel', 'leave']);
    const cancelTimeoutMs = settings_duration('cancel-timeout', input('cancel-timeout') || '10m');
    const pollIntervalMs = settings_duration('poll-interval', input('poll-interval') || '15s');
    const ifRunning = oneOf('if-running', input('if-running') || 'attach', ['attach', 'fail']);
    const cancelAttached = bool('cancel-attached', input('cancel-attached') || 'false');
    const partialSuccess = oneOf('partial-success', input('partial-success') || 'fail', ['fail', 'warn']);
    const runOutputRaw = input('run-output-name');
    if (runOutputRaw !== '' && !TEMPLATE_NAME.test(runOutputRaw)) {
        throw new InputError('run-output-name', runOutputRaw, 'a run output name: 1-64 letters, digits, hyphens, underscores or periods');
    }
    const streamLogs = bool('stream-logs', input('stream-logs') || 'true');
    const uploadLogs = oneOf('upload-logs', input('upload-logs') || 'always', ['always', 'on-failure', 'never']);
    const artifactRaw = input('logs-artifact-name');
    if (/[":<>|*?\\/\r\n]/.test(artifactRaw)) {
        throw new InputError('logs-artifact-name', artifactRaw, 'an artifact name without " : < > | * ? \\ / or line breaks');
    }
    const retentionRaw = input('logs-retention-days');
    let logsRetentionDays;
    if (retentionRaw !== '') {
        if (!/^\d+$/.test(retentionRaw) || Number(retentionRaw) < 1 || Number(retentionRaw) > 90) {
            throw new InputError('logs-retention-days', retentionRaw, 'a whole number of days from 1 to 90');
        }
        logsRetentionDays = Number(retentionRaw);
    }
    const jobSummary = bool('job-summary', input('job-summary') || 'true');
    const preflight = oneOf('preflight', input('preflight') || 'true', ['true', 'warn', 'false']);
    const deleteTemplate = oneOf('delete-template', input('delete-template') || 'never', ['never', 'on-success', 'always']);
    const paramsRaw = input('template-parameters');
    let templateParameters;
    if (paramsRaw !== '') {
        if (templateFile === undefined)
            throw new InputError('template-parameters', paramsRaw, 'no value unless template-file is set (the parameters are those of an ARM or Bicep template-file)');
        const parsed = parseTemplateParameters(paramsRaw);
        if ('error' in parsed)
            throw new InputError('template-parameters', paramsRaw.length > 200 ? `${paramsRaw.slice(0, 200)}…` : paramsRaw, `${PARAMETERS_FORM}; got ${parsed.error}`);
        templateParameters = parsed.parameters;
    }
    const replaceTemplate = bool('replace-template', input('replace-template') || 'false');
    const wait = bool('wait', input('wait') || 'true');
    const vhdRaw = input('vhd-destination');
    const vhdDestination = vhdRaw === '' ? undefined : blobContainerUrl('vhd-destination', vhdRaw);
    if (vhdDestination !== undefined && !wait) {
        throw new InputError('vhd-destination', vhdDestination, 'no value when wait is false (the VHD exists only once the build has finished, and the step ends before that)');
    }
    if (deleteTemplate !== 'never' && templateFile === undefined) {
        throw new InputError('delete-template', deleteTemplate, 'never unless template-file is set (the action deletes only templates it creates from template-file)');
    }
    if (!wait && deleteTemplate !== 'never') {
        throw new InputError('delete-template', deleteTemplate, 'never when wait is false (the step ends while the build runs, so nothing could delete the template after it; delete it in the step that waits)');
    }
    const settings = {
        subscriptionId,
        resourceGroup,
        templateName,
        auth: { type: authType, audience, authorityHost },
        environment,
        resourceManagerEndpoint,
        armScope: cloud.armScope,
        storageSuffix: cloud.storageSuffix,
        timeoutMs,
        onTimeout,
        cancelTimeoutMs,
        pollIntervalMs,
        ifRunning,
        cancelAttached,
        partialSuccess,
        streamLogs,
        uploadLogs,
        jobSummary,
        preflight,
        replaceTemplate,
        deleteTemplate,
        wait,
    };
    if (clientId !== undefined)
        settings.auth.clientId = clientId;
    if (tenantId !== undefined)
        settings.auth.tenantId = tenantId;
    if (runOutputRaw !== '')
        settings.runOutputName = runOutputRaw;
    if (artifactRaw !== '')
        settings.logsArtifactName = artifactRaw;
    if (logsRetentionDays !== undefined)
        settings.logsRetentionDays = logsRetentionDays;
    if (templateFile !== undefined)
        settings.templateFile = templateFile;
    if (templateParameters !== undefined)
        settings.templateParameters = templateParameters;
    if (vhdDestination !== undefined)
        settings.vhdDestination = vhdDestination;
    return settings;
}

;// CONCATENATED MODULE: ./src/failure.ts
/** The main step's one top-level catch: an error as the user sees it (@actions/core is loaded only then, if not yet). */




async function reportFailure(err) {
    const core = await __nccwpck_require__.e(/* import() */ 659).then(__nccwpck_require__.bind(__nccwpck_require__, 91659));
    process.exitCode = core.ExitCode.Failure;
    if (err instanceof InputError) {
        core.error((0,redact/* safeText */.Hk)(err.message), { title: 'image-builder-run: invalid input' });
    }
    else if (err instanceof oidc/* AuthSetupError */.A0) {
        core.error((0,redact/* safeText */.Hk)(err.message), { title: 'image-builder-run: sign-in' });
    }
    else if (err instanceof runContext/* ActionError */.lZ) {
        // TemplateError (template-file) is an ActionError too.
        core.error((0,redact/* safeText */.Hk)(err.message), { title: `image-builder-run: ${err.title}` });
    }
    else {
        const msg = err instanceof Error ? err.message : String(err);
        core.error((0,redact/* safeText */.Hk)(`image-builder-run failed: ${msg}`), { title: 'image-builder-run' });
        if (err instanceof Error && err.stack)
            core.debug((0,redact/* safeText */.Hk)(err.stack));
    }
}

;// CONCATENATED MODULE: external "node:v8"
const external_node_v8_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:v8");
;// CONCATENATED MODULE: external "node:vm"
const external_node_vm_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:vm");
;// CONCATENATED MODULE: ./src/heap.ts
/**
 * Memory settings the runner gives no other way to set: it starts `node <file>` without flags.
 *
 * Handling a big log churns through network chunks, decoded lines and zip blocks, all short-lived. Left to its
 * defaults V8 (1) grows its young generation up to 64 MiB per semi-space on a machine with a few GiB of memory
 * and keeps it, and (2) frees dead Buffers' memory only once 64 MiB more of it is allocated than after the last
 * full collection. Both made the step's peak follow the log's size (bench figures 5d and 6, docs/benchmarks.md:
 * 242 MiB for a 300 MiB log). This process mostly waits on the network, so it trades a little CPU for a flat peak:
 *   - the young generation stays at its initial size (the growth factor is read each time V8 decides to grow);
 *   - a full collection runs when Buffers hold 16 MiB more than after the last one (checked every 50 ms, a
 *     cheap read; no collection at all while nothing is being read or written).
 */


const BUFFER_GROWTH_LIMIT = 16 * 1024 * 1024;
const CHECK_EVERY_MS = 50;
function boundMemory() {
    (0,external_node_v8_namespaceObject.setFlagsFromString)('--semi-space-growth-factor=1');
    (0,external_node_v8_namespaceObject.setFlagsFromString)('--expose-gc');
    // A context created after the flag has `gc`; the flag is turned off again so no other code sees a global gc.
    const collect = (0,external_node_vm_namespaceObject.runInNewContext)('gc');
    (0,external_node_v8_namespaceObject.setFlagsFromString)('--no-expose-gc');
    // The lowest amount seen since the last collection: V8 frees dead Buffers' memory partly after gc() returns
    // (concurrent sweeping), so the amount read right after a collection can still be high.
    let floor = process.memoryUsage().arrayBuffers;
    setInterval(() => {
        const now = process.memoryUsage().arrayBuffers;
        floor = Math.min(floor, now);
        if (now <= floor + BUFFER_GROWTH_LIMIT)
            return;
        collect();
        floor = process.memoryUsage().arrayBuffers;
    }, CHECK_EVERY_MS).unref();
}

;// CONCATENATED MODULE: ./src/idToken.ts
const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];
const MAX_BODY = 64 * 1024;
/** Sends an ID token request: the plain request first, `library` (core.getIDToken) when that is not enough. */
function sendIdTokenRequest(audience, env, library) {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (PROXY_VARS.some((v) => env[v]) || !url || !bearer)
        return { token: library(audience), sent: Promise.resolve() };
    let onSent = () => undefined;
    const sent = new Promise((resolve) => (onSent = resolve));
    const token = plainRequest(`${url}&audience=${encodeURIComponent(audience)}`, bearer, () => onSent())
        .catch(() => undefined)
        .then((t) => t ?? library(audience))
        .finally(() => onSent());
    return { token, sent };
}
/** The token, or undefined for any answer but a 200 with {"value": "<non-empty string>"}. */
async function plainRequest(url, bearer, onSent) {
    const target = new URL(url);
    const { request } = target.protocol === 'https:' ? await Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 44708, 23)) : await Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 37067, 23));
    return new Promise((resolve, reject) => {
        const req = request(target, { method: 'GET', headers: { Accept: 'application/json', Authorization: `Bearer ${bearer}`, 'User-Agent': 'image-builder-run' } }, (res) => {
            if (res.statusCode !== 200) {
                res.resume();
                return resolve(undefined);
            }
            const chunks = [];
            let size = 0;
            res.on('data', (c) => {
                size += c.length;
                if (size > MAX_BODY)
                    req.destroy(new Error('ID token answer too large'));
                else
                    chunks.push(c);
            });
            res.on('error', reject);
            res.on('end', () => {
                try {
                    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')).value;
                    resolve(typeof value === 'string' && value !== '' ? value : undefined);
                }
                catch {
                    resolve(undefined);
                }
            });
        });
        req.on('error', reject);
        req.on('finish', onSent);
        req.end();
    });
}

;// CONCATENATED MODULE: ./src/launch.ts
/**
 * The light start of the main step: everything up to the first request, and that request. The inputs (and a
 * template-file) are parsed and checked, the sign-in set-up is checked, and with OIDC the first GitHub ID token
 * request is sent, all without @actions/core or the Azure SDK: src/session.ts (those and the rest of the action)
 * is loaded while that request is in flight.
 */



/** An input as the runner passes it (INPUT_<NAME>, spaces as underscores, upper case), trimmed like core.getInput. */
function readInput(name, env) {
    return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}
/**
 * Throws InputError, TemplateFileError or AuthSetupError, each before any network call. Returns once the first ID
 * token request is on the wire: loading the rest any earlier would hold it back (one thread).
 */
async function launch(env = process.env) {
    const settings = parseSettings((name) => readInput(name, env), env);
    const prepared = settings.templateFile !== undefined ? await (await __nccwpck_require__.e(/* import() */ 79).then(__nccwpck_require__.bind(__nccwpck_require__, 72079))).prepareTemplateFile(settings, env) : undefined;
    const first = (0,oidc/* requestFirstIdToken */.Wb)(settings.auth, env, (audience) => sendIdTokenRequest(audience, env, async (aud) => (await __nccwpck_require__.e(/* import() */ 659).then(__nccwpck_require__.bind(__nccwpck_require__, 91659))).getIDToken(aud)));
    await first?.sent;
    return { settings, ...(prepared ? { prepared } : {}), ...(first ? { idToken: first.token } : {}) };
}

;// CONCATENATED MODULE: ./src/main.ts
/**
 * Entry point of the main step. The light start (src/launch.ts: inputs, checks, the first sign-in request) is
 * all this bundle loads before its first request; the rest (src/session.ts) is a chunk of its own, loaded while
 * that request is in flight.
 */



async function main() {
    boundMemory();
    const started = await launch();
    const { runSession } = await Promise.all(/* import() */[__nccwpck_require__.e(818), __nccwpck_require__.e(738), __nccwpck_require__.e(659), __nccwpck_require__.e(329), __nccwpck_require__.e(380)]).then(__nccwpck_require__.bind(__nccwpck_require__, 22380));
    await runSession(started);
}
main().catch(reportFailure);

