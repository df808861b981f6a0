// A reader for the small YAML subset action.yml files use: nested mappings, scalars (plain,
// 'single' and "double" quoted), block scalars (| and > with chomping), simple sequences and
// comments. Anchors, flow collections and multi-document streams are not supported.

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  /** 1-based line number, for error messages. */
  no: number;
}

function stripComment(s: string): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && s[i + 1] === "'") i++;
        else quote = null;
      } else if (quote === '"' && c === '\\') i++;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:,[{-]/.test(s[i - 1] ?? '')) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1] ?? ''))) {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

function unquote(raw: string, no: number): string | null {
  const s = raw.trim();
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new Error(`line ${no}: unterminated single-quoted string`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new Error(`line ${no}: unterminated double-quoted string`);
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0' };
    return s
      .slice(1, -1)
      .replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) =>
        e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (esc[e] ?? e),
      );
  }
  if (s === '' || s === '~' || s === 'null') return null;
  return s;
}

/** Splits `key: value` at the first colon followed by a space or the end, outside quotes. */
function splitKey(text: string): [string, string] | undefined {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if ((c === '"' || c === "'") && i === 0) quote = c;
    else if (c === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return [text.slice(0, i), text.slice(i + 1)];
  }
  return undefined;
}

export function parseYaml(source: string): YamlValue {
  const raw = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;

  const peek = (): Line | undefined => {
    while (i < raw.length) {
      const r = raw[i] ?? '';
      const t = stripComment(r);
      if (t.trim() === '' || r.trim() === '---') {
        i++;
        continue;
      }
      if (/^\s*\t/.test(r)) throw new Error(`line ${i + 1}: tabs are not allowed for indentation`);
      return { indent: r.length - r.trimStart().length, text: t.trim(), no: i + 1 };
    }
    return undefined;
  };

  const blockScalar = (header: string, parentIndent: number): string => {
    const m = /^([|>])([+-]?)(\d?)([+-]?)$/.exec(header);
    if (!m) throw new Error(`line ${i}: bad block scalar header ${header}`);
    const folded = m[1] === '>';
    const chomp = m[2] || m[4] || '';
    const lines: string[] = [];
    let indent = m[3] ? parentIndent + Number(m[3]) : -1;
    while (i < raw.length) {
      const r = raw[i] ?? '';
      if (r.trim() === '') {
        lines.push('');
        i++;
        continue;
      }
      const ind = r.length - r.trimStart().length;
      if (indent < 0) indent = ind;
      if (ind < indent || ind <= parentIndent) break;
      lines.push(r.slice(indent));
      i++;
    }
    let trailing = 0;
    while (lines.length && lines[lines.length - 1] === '') {
      lines.pop();
      trailing++;
    }
    let body = '';
    if (folded) {
      for (let k = 0; k < lines.length; k++) {
        const l = lines[k] ?? '';
        if (k === 0) body = l;
        else if (l === '' || /^\s/.test(l) || /^\s/.test(lines[k - 1] ?? '') || lines[k - 1] === '') body += `\n${l}`;
        else body += ` ${l}`;
      }
    } else body = lines.join('\n');
    if (lines.length === 0) return '';
    if (chomp === '-') return body;
    if (chomp === '+') return `${body}\n${'\n'.repeat(trailing)}`;
    return `${body}\n`;
  };

  const parseValue = (rest: string, indent: number): YamlValue => {
    const v = rest.trim();
    if (/^[|>]/.test(v)) return blockScalar(v, indent);
    if (v === '') {
      const next = peek();
      if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')))) return parseNode(next.indent);
      return null;
    }
    if (v.startsWith('[') || v.startsWith('{')) {
      if (v === '[]') return [];
      if (v === '{}') return {};
      throw new Error(`line ${i}: flow collections are not supported`);
    }
    return unquote(v, i);
  };

  const parseNode = (indent: number): YamlValue => {
    const first = peek();
    if (!first) return null;
    if (first.text.startsWith('- ') || first.text === '-') {
      const list: YamlValue[] = [];
      for (let l = peek(); l && l.indent === indent && (l.text.startsWith('- ') || l.text === '-'); l = peek()) {
        i++;
        const item = l.text.slice(1).trim();
        if (item && splitKey(item) && !/^['"]/.test(item)) {
          throw new Error(`line ${l.no}: mappings inside sequences are not supported`);
        }
        list.push(parseValue(item, indent));
      }
      return list;
    }
    const map: { [key: string]: YamlValue } = {};
    for (let l = peek(); l && l.indent === indent; l = peek()) {
      const kv = splitKey(l.text);
      if (!kv) throw new Error(`line ${l.no}: expected "key: value", got ${l.text}`);
      i++;
      const key = unquote(kv[0], l.no) ?? '';
      map[key] = parseValue(kv[1], indent);
    }
    const after = peek();
    if (after && after.indent > indent) throw new Error(`line ${after.no}: unexpected indentation`);
    return map;
  };

  const top = peek();
  if (!top) return null;
  const doc = parseNode(top.indent);
  const left = peek();
  if (left) throw new Error(`line ${left.no}: unexpected content`);
  return doc;
}

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
  deprecationMessage?: string;
}

export interface ActionDefinition {
  name?: string;
  inputs: Record<string, ActionInput>;
  outputs: string[];
  runs: {
    using: string;
    main: string;
    pre?: string;
    post?: string;
    'pre-if'?: string;
    'post-if'?: string;
  };
}

function asMap(v: YamlValue | undefined): { [key: string]: YamlValue } {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function asString(v: YamlValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Parses an action.yml (node actions: `runs.using` node*, `runs.main`). */
export function parseActionYaml(source: string): ActionDefinition {
  const doc = asMap(parseYaml(source));
  const inputs: Record<string, ActionInput> = {};
  for (const [name, spec] of Object.entries(asMap(doc['inputs']))) {
    const s = asMap(spec);
    const input: ActionInput = {};
    const description = asString(s['description']);
    if (description !== undefined) input.description = description;
    const def = s['default'];
    if (typeof def === 'string') input.default = def;
    if (s['required'] !== undefined) input.required = asString(s['required']) === 'true';
    const dep = asString(s['deprecationMessage']);
    if (dep !== undefined) input.deprecationMessage = dep;
    inputs[name] = input;
  }
  const runs = asMap(doc['runs']);
  const using = asString(runs['using']);
  const main = asString(runs['main']);
  if (!using || !main) throw new Error('action.yml: runs.using and runs.main are required for a node action');
  const def: ActionDefinition = { inputs, outputs: Object.keys(asMap(doc['outputs'])), runs: { using, main } };
  const name = asString(doc['name']);
  if (name !== undefined) def.name = name;
  for (const k of ['pre', 'post', 'pre-if', 'post-if'] as const) {
    const v = asString(runs[k]);
    if (v !== undefined) def.runs[k] = v;
  }
  return def;
}
