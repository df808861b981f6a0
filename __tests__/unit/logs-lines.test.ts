import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { linesOf } from '../../src/logs/diagnose.js';

// diagnose reads the log with linesOf (a chunk's lines at a time) instead of readline's one await per line:
// the lines must be the ones readline gives (crlfDelay: Infinity), whatever falls on a read boundary (16 KiB
// reads: 65535 is the last byte of the fourth).
const dir = mkdtempSync(join(tmpdir(), 'lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function viaReadline(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) out.push(l);
  return out;
}

async function viaLinesOf(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const ls of linesOf(file)) out.push(...ls);
  return out;
}

test.each([
  ['\\r\\n across a read boundary', `${'a'.repeat(65535)}\r\nnext\r\nlast`],
  ['a lone \\r at a read boundary, then text', `${'b'.repeat(65535)}\rnext\n`],
  ['a \\r at the very end', 'one\ntwo\r'],
  ['empty lines and a final newline', '\n\nx\n\n'],
  ['a UTF-8 character cut by a read boundary', `${'c'.repeat(65535)}é日本\nend`],
  ['no line break at all', 'just text'],
  ['empty file', ''],
])('same lines as readline: %s', async (_name, text) => {
  const f = join(dir, `t${Math.random()}.log`);
  writeFileSync(f, text);
  expect(await viaLinesOf(f)).toEqual(await viaReadline(f));
});

test('a line longer than 1 MiB comes in pieces of at most 1 MiB, the text unchanged', async () => {
  const f = join(dir, 'long.log');
  const long = 'x'.repeat(2.5 * 1024 * 1024);
  writeFileSync(f, `a\n${long}\nb\n`);
  const lines = await viaLinesOf(f);
  expect(lines[0]).toBe('a');
  expect(lines.at(-1)).toBe('b');
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(1024 * 1024);
  expect(lines.slice(1, -1).join('')).toBe(long);
});
