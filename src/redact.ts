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
const EQ = String.raw`(?:=|%3[Dd]|%253[Dd]|\\u003[dD])`;
/** A label's separator: `=` or `:` in any of those forms, with optional quotes (escaped or not) and blanks. */
const SEP = String.raw`(?:\\?["']?[ \t]*(?:[=:]|%3[DdAa]|%253[DdAa]|\\u003[dD])[ \t]*\\?["']?)`;
/** Where a label may start: not inside a word (an encoded separator such as `%3B` or `%3F` before it is fine). */
const LABEL_START = String.raw`(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z]))`;
/** One character of an encoded secret: base64(url) and URL escapes, but no encoded separator (`&`, space, quote, `,`, `;`). */
const VCHAR = String.raw`(?:[A-Za-z0-9+/=_.~-]|%(?!(?:25)?(?:2[0267Cc]|3[Bb]))[0-9A-Fa-f]{2}|\\/)`;

interface Rule {
  re: RegExp;
  to: string | ((m: string, ...groups: string[]) => string);
}

const RULES: Rule[] = [
  // URL user-info: https://user:pass@host
  { re: /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^ \t\r\n/@'"<>]+@/g, to: '$1***@' },
  // The query of a URL that carries a SAS: the whole query goes.
  {
    re: /(https?:\/\/[^ \t\r\n?'"<>\\]+)\?(?:[^ \t\r\n'"<>]*?&)?(?:sig|sv|se|skoid)=[^ \t\r\n'"<>]*?(?=[.,;:)\]]*(?:[ \t\r\n'"<>]|$))/gi,
    to: '$1',
  },
  // SAS signature in any encoding: `sig=`, `\u0026sig=`, `%26sig%3D`, `sig%3D`.
  { re: new RegExp(String.raw`${LABEL_START}(sig${EQ})${VCHAR}+`, 'gi'), to: '$1***' },
  // Connection-string and labelled storage keys.
  {
    re: new RegExp(
      String.raw`${LABEL_START}((?:Account|Storage|Shared(?:Access)?|Primary|Secondary)_?Key|AZURE_STORAGE_(?:ACCOUNT_)?KEY)(${SEP})${VCHAR}+`,
      'gi',
    ),
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
    re: new RegExp(
      String.raw`${LABEL_START}((?:access|refresh|id)_?token|client_?secret|client_?assertion|password)(${SEP})(?![*]{3})${VCHAR}+`,
      'gi',
    ),
    to: '$1$2***',
  },
  // A 64-byte key in base64 (a storage account key) next to a label saying it is a key.
  {
    re: /(?<![A-Za-z0-9+/%])(?:[A-Za-z0-9+/]|%2[BbFf]){86}(?:==|%3[Dd]%3[Dd])(?![A-Za-z0-9+/=%])/g,
    to: (m: string, ...rest: unknown[]) => {
      const at = rest.at(-2) as number;
      const whole = rest.at(-1) as string;
      return /(?:key|value|secret|credential)/i.test(whole.slice(Math.max(0, at - 40), at)) ? '***' : m;
    },
  },
];

/** Cheap test for text no rule can match: most log lines. */
const MAYBE = /sig|key|auth|bearer|eyJ|token|secret|assertion|password|[?&]s[ev]=|:\/\/[^ \t\r\n/@]*@/i;

/** Text with every secret it carries replaced by `***`. Idempotent; keeps everything else as it is. */
export function redactSecrets(text: string): string {
  if (!MAYBE.test(text)) return text;
  let out = text;
  for (const r of RULES) out = out.replace(r.re, r.to as (m: string) => string);
  return out;
}

/** The line breaks of .NET's StreamReader.ReadLine, which is how the runner splits a step's output. */
export const RUNNER_LINE_BREAK = /\r\n|\r|\n/;

/**
 * One line (no line break in it) that the runner will not read as a command: a zero-width space goes
 * between the colons of a leading `::` (after what .NET's TrimStart skips: JS `\s` plus U+0085) and into
 * every `##[`.
 */
export function inertLine(line: string): string {
  let s = line.includes('##[') ? line.replace(/##\[/g, '##\u200b[') : line;
  s = s.replace(/^([\s\u0085]*):(?=:)/, '$1:\u200b');
  return s;
}

/** Text, split where the runner splits it, each line made inert, joined with `\n`. */
export function inertText(text: string): string {
  if (!/[\r\n]/.test(text)) return inertLine(text);
  return text.split(RUNNER_LINE_BREAK).map(inertLine).join('\n');
}

/** Untrusted (or possibly secret-bearing) text as it may be printed to the job log. */
export function safeText(text: string): string {
  return inertText(redactSecrets(text));
}

/** A URL (e.g. an input echoed in an error) without user-info, query or fragment. */
export function urlForDisplay(value: string): string {
  try {
    const u = new URL(value);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return redactSecrets(value.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//'));
  }
}
