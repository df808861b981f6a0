// docs/TROUBLESHOOTING.md lists every error title the code can produce. The titles are read from src/ with
// the TypeScript parser (scripts/error-titles.ts), so a title added anywhere (a new ActionError title, an
// annotation's title property, a Reporter.error title) fails this test until the page explains it.
// `node scripts/error-titles.ts` lists them all, marking the ones missing from the page.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { extractErrorTitles, fragments, readSources, show, undocumented, type SourceFile } from '../../scripts/error-titles.ts';

const doc = readFileSync('docs/TROUBLESHOOTING.md', 'utf8');

describe('docs/TROUBLESHOOTING.md', () => {
  it('explains every error title the action can print', () => {
    const titles = extractErrorTitles(readSources('src'));
    // The extraction must see the titles at all: the entry point alone gives several.
    expect(titles.length).toBeGreaterThanOrEqual(10);
    expect(titles.map((t) => show(t.pattern))).toContain('image-builder-run: invalid input');
    const missing = undocumented(titles, doc).map((t) => `${show(t.pattern)}  (src/${t.file}:${t.line})`);
    expect(missing).toEqual([]);
  });
});

describe('error title extraction', () => {
  const source: SourceFile = {
    path: 'fixture.ts',
    text: `
      import * as core from '@actions/core';
      export class ThingError extends Error {
        constructor(message: string, readonly title = 'Thing default title') { super(message); }
      }
      function fail(kind: string): never {
        throw new ThingError('m', \`Thing \${kind} refused\`);
      }
      function report(r: { error(m: string, t?: string): void }, ok: boolean, title: string) {
        let heading = 'Alpha failed';
        if (ok) heading = 'Beta failed';
        const withCause = ok ? \`\${heading}: \${Date.now()}\` : heading;
        r.error('message', withCause.length > 9 ? \`\${withCause.slice(0, 9)}…\` : withCause);
        r.error('message', title);
        core.error('message', { title: 'Gamma annotation' });
        core.warning('message', { title: 'Delta warning' });
        return { title: \`Epsilon \${ok ? 'one' : 'two'}\` };
      }
      report(console as never, true, 'Passed along');
      core.error('no title here');
    `,
  };
  // A title chosen in one module and handed to a function of another that reports it.
  const caller: SourceFile = {
    path: 'caller.ts',
    text: `
      import { announce } from './fixture2.js';
      export function outcome(failed: boolean) {
        let heading = 'Zeta failed';
        if (!failed) heading = 'Zeta partly done';
        announce('body', heading);
      }
    `,
  };
  const callee: SourceFile = {
    path: 'fixture2.ts',
    text: `
      export function announce(message: string, title: string) {
        const a = compose(title, message);
        reporter.error(a.message, a.title);
      }
    `,
  };
  // Compared by their fixed words: variants that differ only in run-time parts count once.
  const titles = extractErrorTitles([source]).map((t) => fragments(t.pattern).join(' … '));

  it('follows constructors, reporter calls, annotation properties, variables and parameters', () => {
    for (const t of [
      'Thing default title',
      'Thing … refused',
      'Alpha failed',
      'Beta failed',
      'Gamma annotation',
      'Delta warning',
      'Epsilon one',
      'Epsilon two',
      'Passed along',
    ]) {
      expect(titles).toContain(t);
    }
    expect(titles).not.toContain('no title here');
    expect(titles).not.toContain('message');
  });

  it('follows a title passed to a function of another file that has a title parameter', () => {
    const handed = extractErrorTitles([caller, callee]).map((t) => fragments(t.pattern).join(' … '));
    expect(handed).toEqual(expect.arrayContaining(['Zeta failed', 'Zeta partly done']));
  });

  it('asks the page for the fixed words of each title, not the parts known only at run time', () => {
    expect(fragments('Thing \u0000 refused')).toEqual(['Thing', 'refused']);
    const all = extractErrorTitles([source]);
    const page =
      'Thing default title. Thing refused. Alpha failed, Beta failed, Gamma annotation, Delta\nwarning, Epsilon one, Epsilon two.';
    expect(undocumented(all, page).map((t) => show(t.pattern))).toEqual(['Passed along']);
  });
});
