// Workflow commands (`::name k=v,k=v::data` lines on stdout/stderr) and file commands
// (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH files) as the runner reads them.

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

// How the runner reads a step's output, after actions/runner (commit 258d6c8):
// - src/Runner.Sdk/ProcessInvoker.cs: stdout and stderr are read with StreamReader.ReadLine, which ends a
//   line at \n, \r\n or a lone \r (see LineSplitter below).
// - src/Runner.Worker/Handlers/OutputManager.cs: a line holding `##[` or `::` anywhere goes to the command
//   manager; a line it does not take is printed (masked).
// - src/Runner.Common/ActionCommand.cs: TryParseV2 (`::name k=v,k=v::data` after TrimStart) is tried
//   first, then TryParse (the legacy `##[name k=v;k=v]data`, found ANYWHERE in the line); both only
//   accept registered command names, compared without regard to case.
// - src/Runner.Worker/ActionCommandManager.cs: `stop-commands` registers its data as the resume token;
//   until a line names that token as its command every line is printed as text; the token is masked when
//   longer than 6 characters.

/** The commands the runner registers (ActionCommandManager and its extensions). */
export const REGISTERED_COMMANDS: readonly string[] = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
];

/** %25 %0D %0A in data; properties also %3A and %2C (ActionCommand's _escapeDataMappings / _escapePropertyMappings). */
export function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** The legacy form's escapes (ActionCommand's _escapeMappings). */
function unescapeLegacy(s: string): string {
  return s.replace(/%3B/g, ';').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%25/g, '%');
}

/** What .NET's String.TrimStart() skips: Char.IsWhiteSpace. */
const DOTNET_LEADING_WHITESPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function registeredName(name: string, registered: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return registered.find((r) => r.toLowerCase() === lower);
}

/**
 * One output line as the runner parses it: the `::` form first, then the legacy `##[` form; undefined when
 * neither names a registered command. The command name is returned as registered (lower case).
 */
export function parseRunnerCommand(line: string, registered: readonly string[] = REGISTERED_COMMANDS): WorkflowCommand | undefined {
  if (!line) return undefined;
  const t = line.replace(DOTNET_LEADING_WHITESPACE, '');
  if (t.startsWith('::')) {
    const end = t.indexOf('::', 2);
    if (end >= 0) {
      const info = t.slice(2, end);
      const sp = info.indexOf(' ');
      const name = registeredName(sp < 0 ? info : info.slice(0, sp), registered);
      if (name) {
        const properties: Record<string, string> = {};
        if (sp > 0) {
          for (const pair of info
            .slice(sp + 1)
            .trim()
            .split(',')
            .filter(Boolean)) {
            const eq = pair.indexOf('=');
            if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
          }
        }
        return { command: name, properties, data: unescapeData(t.slice(end + 2)) };
      }
    }
  }
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const rb = line.indexOf(']', at);
  if (rb < 0) return undefined;
  const info = line.slice(at + 3, rb);
  const sp = info.indexOf(' ');
  const name = registeredName(sp < 0 ? info : info.slice(0, sp), registered);
  if (!name) return undefined;
  const properties: Record<string, string> = {};
  if (sp > 0) {
    for (const pair of info
      .slice(sp + 1)
      .split(';')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeLegacy(pair.slice(eq + 1));
    }
  }
  return { command: name, properties, data: unescapeLegacy(line.slice(rb + 1)) };
}

/** Parses one output line as a (registered) workflow command, or returns undefined when it is not one. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  return parseRunnerCommand(line);
}

/**
 * Splits a stream's text into lines as .NET's StreamReader.ReadLine does: a line ends at \n, \r\n or a
 * lone \r. A \r at the end of a chunk waits for the next chunk (it may be the first half of \r\n).
 */
export class LineSplitter {
  private rest = '';

  push(text: string): string[] {
    const all = this.rest + text;
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < all.length; i++) {
      const c = all.charCodeAt(i);
      if (c === 10) {
        lines.push(all.slice(start, i));
        start = i + 1;
      } else if (c === 13) {
        if (i === all.length - 1) break; // decide with the next chunk
        lines.push(all.slice(start, i));
        if (all.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
    }
    this.rest = all.slice(start);
    return lines;
  }

  /** The last line (without a line break) at the end of the stream. */
  end(): string | undefined {
    const r = this.rest.replace(/\r$/, '');
    const had = this.rest.length > 0;
    this.rest = '';
    return had ? r : undefined;
  }
}

/** Builds an annotation from an error/warning/notice command. */
export function toAnnotation(cmd: WorkflowCommand): Annotation | undefined {
  if (cmd.command !== 'error' && cmd.command !== 'warning' && cmd.command !== 'notice') return undefined;
  const a: Annotation = { level: cmd.command, message: cmd.data };
  const p = cmd.properties;
  if (p['title'] !== undefined) a.title = p['title'];
  if (p['file'] !== undefined) a.file = p['file'];
  const num = (k: string): number | undefined => (p[k] !== undefined && /^\d+$/.test(p[k] ?? '') ? Number(p[k]) : undefined);
  const line = num('line');
  if (line !== undefined) a.line = line;
  const endLine = num('endLine');
  if (endLine !== undefined) a.endLine = endLine;
  const col = num('col');
  if (col !== undefined) a.col = col;
  const endColumn = num('endColumn');
  if (endColumn !== undefined) a.endColumn = endColumn;
  return a;
}

/**
 * Parses a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file: `name=value` lines and
 * `name<<DELIMITER` ... `DELIMITER` heredocs (the form @actions/core writes). Throws like the runner
 * on a malformed file.
 */
export function parseKeyValueFile(text: string, label: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const eq = line.indexOf('=');
    const hd = line.indexOf('<<');
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const key = line.slice(0, eq);
      if (!key) throw new Error(`${label}: invalid format '${line}': name must not be empty`);
      out[key] = line.slice(eq + 1);
    } else if (hd >= 0) {
      const key = line.slice(0, hd);
      const delimiter = line.slice(hd + 2);
      if (!key) throw new Error(`${label}: invalid format '${line}': name must not be empty`);
      if (!delimiter) throw new Error(`${label}: invalid format '${line}': delimiter must not be empty`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i] ?? '');
      }
      if (!closed) throw new Error(`${label}: invalid value: matching delimiter not found '${delimiter}'`);
      out[key] = value.join('\n');
    } else {
      throw new Error(`${label}: invalid format '${line}'`);
    }
  }
  return out;
}

/** GITHUB_PATH: one directory per line. */
export function parsePathFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '');
}

/** Replaces every registered secret in a line with ***, longest first. */
export function applyMasks(line: string, masks: readonly string[]): string {
  let out = line;
  for (const m of [...masks].sort((a, b) => b.length - a.length)) {
    if (m) out = out.split(m).join('***');
  }
  return out;
}
