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

/** %25 %0D %0A in data; properties also %3A and %2C. */
export function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

export function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

/** Parses one output line as a workflow command, or returns undefined when it is not one. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const t = line.replace(/\r$/, '').trimStart();
  if (!t.startsWith('::')) return undefined;
  const end = t.indexOf('::', 2);
  if (end < 0) return undefined;
  const head = t.slice(2, end);
  const data = t.slice(end + 2);
  const sp = head.indexOf(' ');
  const command = (sp < 0 ? head : head.slice(0, sp)).trim();
  if (!command) return undefined;
  const properties: Record<string, string> = {};
  if (sp >= 0) {
    for (const pair of head.slice(sp + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { command, properties, data: unescapeData(data) };
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
