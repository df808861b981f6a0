// The example workflows under docs/examples/ are valid YAML workflows, and every input they pass to this action
// exists in action.yml (and every required one is given).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = join(ROOT, 'docs/examples');
const ACTION = 'image-builder-run/image-builder-run';

type Step = { uses?: string; with?: Record<string, unknown>; run?: string };
type Workflow = { on?: unknown; jobs?: Record<string, { 'runs-on'?: unknown; steps?: Step[] }> };

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { required?: boolean | string }> };
const files = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f));

describe('docs/examples', () => {
  it('has the four examples of issue 10', () => {
    expect(files.sort()).toEqual(['matrix.yml', 'nightly.yml', 'pr-check.yml', 'release.yml']);
  });

  it.each(files)('%s is a workflow whose uses of the action pass only inputs action.yml declares', (file) => {
    const wf = parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Workflow;
    expect(wf.on).toBeDefined();
    const ours = Object.values(wf.jobs ?? {}).flatMap((j) => (j.steps ?? []).filter((s) => s.uses?.startsWith(`${ACTION}@`)));
    expect(ours.length).toBeGreaterThan(0);
    for (const step of ours) {
      const given = Object.keys(step.with ?? {});
      expect(given.filter((k) => !(k in action.inputs))).toEqual([]);
      const required = Object.entries(action.inputs)
        .filter(([, v]) => v.required === true || v.required === 'true')
        .map(([k]) => k);
      expect(required.filter((k) => !given.includes(k))).toEqual([]);
      expect(given.includes('template-name') || given.includes('template-file')).toBe(true);
    }
  });
});
