// Finds every title the action can give an error annotation, by reading src/ with the TypeScript parser,
// so docs/TROUBLESHOOTING.md can be checked against the code (`node scripts/error-titles.ts` lists them).
//
// A title is any expression in a title position:
//   - the second argument of an `error(message, title)` call (the Reporter), or a `title` property of an
//     object passed to `error(...)` / `warning(...)` / `notice(...)` (core's AnnotationProperties);
//   - the `title` argument of `new SomeError(...)` for any class whose constructor has a `title` parameter
//     (and that parameter's default), and of a call to any function declared with a `title` parameter;
//   - any `title:` property of an object literal (diagnoses carry their title that way).
// Expressions are followed through string literals, templates, conditionals, `??` / `||` / `+`, and
// variables or parameters of the same file (every string assigned to a name counts). What is only known at
// run time becomes a gap; the fixed text between gaps is what the documentation must contain.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Marks text computed at run time inside a title pattern. */
export const GAP = '\u0000';

export interface ErrorTitle {
  /** The title with GAP where a part is computed at run time. */
  pattern: string;
  /** Where it is produced: path relative to the scanned root, and 1-based line. */
  file: string;
  line: number;
}

export interface SourceFile {
  path: string;
  text: string;
}

const MAX_VARIANTS = 64;

/** Reads every .ts file under `dir` (recursively). */
export function readSources(dir: string, root = dir): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...readSources(p, root));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts'))
      out.push({ path: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });
  }
  return out;
}

function nameOf(n: ts.Node | undefined): string | undefined {
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) return n.text;
  if (ts.isStringLiteral(n)) return n.text;
  if (ts.isPropertyAccessExpression(n)) return n.name.text;
  return undefined;
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

/** Classes with a constructor parameter named `title`: class name -> parameter index and default. */
function titleClasses(files: ts.SourceFile[]): Map<string, { index: number; fallback?: ts.Expression; sf: ts.SourceFile }> {
  const out = new Map<string, { index: number; fallback?: ts.Expression; sf: ts.SourceFile }>();
  for (const sf of files) {
    walk(sf, (n) => {
      if (!ts.isClassDeclaration(n) || !n.name) return;
      for (const m of n.members) {
        if (!ts.isConstructorDeclaration(m)) continue;
        const index = m.parameters.findIndex((p) => nameOf(p.name) === 'title');
        if (index >= 0) {
          const p = m.parameters[index];
          out.set(n.name.text, { index, sf, ...(p?.initializer ? { fallback: p.initializer } : {}) });
        }
      }
    });
  }
  return out;
}

/**
 * Functions with a parameter named `title` (any file): function name -> parameter index. Their callers' arguments
 * at that index are titles, wherever the call is (a title handed from one module to another).
 */
function titleFunctions(files: ts.SourceFile[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const sf of files) {
    walk(sf, (n) => {
      if (!ts.isFunctionDeclaration(n) || !n.name) return;
      const index = n.parameters.findIndex((p) => nameOf(p.name) === 'title');
      if (index >= 0) out.set(n.name.text, index);
    });
  }
  return out;
}

/**
 * Every expression assigned to `name` in the file: declarations, parameters' defaults, plain assignments,
 * and for a parameter of a named function, the arguments its calls in the file pass at that position.
 */
function assignments(sf: ts.SourceFile, name: string): ts.Expression[] {
  const out: ts.Expression[] = [];
  const callers: Array<{ fn: string; index: number }> = [];
  walk(sf, (n) => {
    if (ts.isParameter(n) && nameOf(n.name) === name && ts.isFunctionDeclaration(n.parent) && n.parent.name) {
      callers.push({ fn: n.parent.name.text, index: n.parent.parameters.indexOf(n) });
    }
  });
  walk(sf, (n) => {
    if (ts.isCallExpression(n)) {
      for (const c of callers) {
        const arg = nameOf(n.expression) === c.fn ? n.arguments[c.index] : undefined;
        if (arg) out.push(arg);
      }
    }
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && nameOf(n.name) === name && n.initializer) out.push(n.initializer);
    else if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(n.left) &&
      n.left.text === name
    )
      out.push(n.right);
  });
  return out;
}

function cross(parts: string[][]): string[] {
  let acc = [''];
  for (const p of parts) {
    const next: string[] = [];
    for (const a of acc) for (const b of p) next.push(a + b);
    acc = next.length > MAX_VARIANTS ? [...next.slice(0, MAX_VARIANTS)] : next;
  }
  return acc;
}

/** The texts an expression can take, with GAP for what is computed at run time. */
function texts(e: ts.Expression, sf: ts.SourceFile, seen: Set<string>): string[] {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) return texts(e.expression, sf, seen);
  if (ts.isTemplateExpression(e)) {
    const parts: string[][] = [[e.head.text]];
    for (const span of e.templateSpans) parts.push(texts(span.expression, sf, seen), [span.literal.text]);
    return cross(parts);
  }
  if (ts.isConditionalExpression(e)) return [...texts(e.whenTrue, sf, seen), ...texts(e.whenFalse, sf, seen)];
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken)
      return [...texts(e.left, sf, seen), ...texts(e.right, sf, seen)];
    if (op === ts.SyntaxKind.PlusToken) return cross([texts(e.left, sf, seen), texts(e.right, sf, seen)]);
    return [GAP];
  }
  if (ts.isIdentifier(e)) {
    const key = `${sf.fileName}:${e.text}`;
    if (seen.has(key)) return [GAP];
    seen.add(key);
    const found = assignments(sf, e.text).flatMap((a) => texts(a, sf, seen));
    seen.delete(key);
    return found.length > 0 ? found : [GAP];
  }
  if (ts.isCallExpression(e)) {
    // A string method (`x.slice(...)`, `x.replace(...)`) keeps the words of x; a helper that builds a title
    // from a fixed head (`prefixed('Distribution failed', msg)`) shows that head.
    if (ts.isPropertyAccessExpression(e.expression)) return texts(e.expression.expression, sf, seen);
    const literal = e.arguments.filter((a) => ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a) || ts.isTemplateExpression(a));
    if (literal.length > 0) return literal.flatMap((a) => texts(a, sf, seen)).map((t) => `${t}${GAP}`);
    const first = e.arguments[0];
    return first ? texts(first, sf, seen) : [GAP];
  }
  return [GAP];
}

function titleProperty(o: ts.Node): ts.Expression | undefined {
  if (!ts.isObjectLiteralExpression(o)) return undefined;
  for (const p of o.properties) {
    if (ts.isPropertyAssignment(p) && nameOf(p.name) === 'title') return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === 'title') return p.name;
  }
  return undefined;
}

/** Every error title the sources can produce, deduplicated by pattern. */
export function extractErrorTitles(sources: SourceFile[]): ErrorTitle[] {
  const files = sources.map((s) => ts.createSourceFile(s.path, s.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  const classes = titleClasses(files);
  const functions = titleFunctions(files);
  const found = new Map<string, ErrorTitle>();
  const add = (e: ts.Expression, sf: ts.SourceFile): void => {
    for (const raw of texts(e, sf, new Set())) {
      const pattern = raw.replace(new RegExp(`${GAP}+`, 'g'), GAP);
      // Variants that differ only in their gaps or punctuation ask the same of the documentation.
      const key = fragments(pattern).join(GAP);
      if (key !== '' && !found.has(key))
        found.set(key, { pattern, file: sf.fileName, line: sf.getLineAndCharacterOfPosition(e.getStart(sf)).line + 1 });
    }
  };
  for (const c of classes.values()) if (c.fallback) add(c.fallback, c.sf);
  for (const sf of files) {
    walk(sf, (n) => {
      if (ts.isCallExpression(n) && ['error', 'warning', 'notice'].includes(nameOf(n.expression) ?? '')) {
        const second = n.arguments[1];
        if (nameOf(n.expression) === 'error' && second && !ts.isObjectLiteralExpression(second)) add(second, sf);
      } else if (ts.isCallExpression(n) && functions.has(nameOf(n.expression) ?? '')) {
        const arg = n.arguments[functions.get(nameOf(n.expression) ?? '') ?? -1];
        if (arg) add(arg, sf);
      } else if (ts.isNewExpression(n)) {
        const c = classes.get(nameOf(n.expression) ?? '');
        const arg = c ? n.arguments?.[c.index] : undefined;
        if (arg) add(arg, sf);
      } else if (ts.isObjectLiteralExpression(n)) {
        const t = titleProperty(n);
        if (t) add(t, sf);
      }
    });
  }
  return [...found.values()];
}

/** The fixed pieces of a pattern a reader would search for: the text between gaps, edges trimmed, with a word in it. */
export function fragments(pattern: string): string[] {
  return pattern
    .split(GAP)
    .map((f) => f.replace(/^[\s.:;,…'"()\-–]+|[\s.:;,…'"()\-–]+$/g, ''))
    .filter((f) => /[A-Za-z]{3,}/.test(f));
}

/** Titles whose fixed pieces do not all appear in the document (case and line wrapping ignored). */
export function undocumented(titles: ErrorTitle[], doc: string): ErrorTitle[] {
  const norm = (x: string): string => x.toLowerCase().replace(/\s+/g, ' ');
  const text = norm(doc);
  return titles.filter((t) => fragments(t.pattern).some((f) => !text.includes(norm(f))));
}

/** How a pattern reads in a message: gaps shown as `…`. */
export function show(pattern: string): string {
  return pattern.split(GAP).join('…');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const titles = extractErrorTitles(readSources(join(root, 'src')));
  const doc = readFileSync(join(root, 'docs', 'TROUBLESHOOTING.md'), 'utf8');
  const missing = new Set(undocumented(titles, doc));
  for (const t of titles) console.log(`${missing.has(t) ? 'MISSING ' : '        '}${show(t.pattern).padEnd(70)} src/${t.file}:${t.line}`);
}
