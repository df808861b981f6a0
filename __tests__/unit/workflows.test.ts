// Every workflow under .github/workflows parses, has the shape GitHub requires, and uses the action itself
// (`uses: ./`) only with inputs action.yml declares (and with every required one). The runner only warns
// about an undeclared input ("Unexpected input(s)"), so a typo would otherwise pass unnoticed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

type Map = Record<string, unknown>;
const isMap = (v: unknown): v is Map => typeof v === 'object' && v !== null && !Array.isArray(v);

const DIR = '.github/workflows';
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, { required?: boolean; default?: unknown }> };

/** Every string value in a parsed YAML node. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (isMap(v)) return Object.values(v).flatMap(strings);
  return [];
}

/** Problems with one workflow; empty when it is sound. */
export function workflowProblems(text: string, actionInputs: typeof action.inputs, exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  const wf: unknown = parse(text);
  if (!isMap(wf)) return ['not a mapping'];
  if (!('on' in wf)) problems.push("no 'on:' trigger");
  if (!isMap(wf['jobs']) || Object.keys(wf['jobs']).length === 0) return [...problems, "no 'jobs:'"];
  const jobs = wf['jobs'];
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isMap(job)) {
      problems.push(`job ${jobId}: not a mapping`);
      continue;
    }
    const needs = typeof job['needs'] === 'string' ? [job['needs']] : Array.isArray(job['needs']) ? job['needs'] : [];
    for (const n of needs) if (!(String(n) in jobs)) problems.push(`job ${jobId}: needs unknown job '${String(n)}'`);
    if (typeof job['uses'] === 'string') {
      const ref = job['uses'];
      if (ref.startsWith('./')) {
        const called = ref.slice(2);
        if (!exists(called)) problems.push(`job ${jobId}: calls missing workflow ${ref}`);
        else if (!/^\s*workflow_call\s*:/m.test(readFileSync(called, 'utf8')))
          problems.push(`job ${jobId}: ${ref} has no workflow_call trigger`);
      }
      continue;
    }
    if (job['runs-on'] === undefined) problems.push(`job ${jobId}: no runs-on`);
    if (!Array.isArray(job['steps']) || job['steps'].length === 0) {
      problems.push(`job ${jobId}: no steps`);
      continue;
    }
    const ids = new Set(
      job['steps']
        .filter(isMap)
        .map((s) => s['id'])
        .filter((x): x is string => typeof x === 'string'),
    );
    job['steps'].forEach((step: unknown, i: number) => {
      const where = `job ${jobId} step ${i + 1}`;
      if (!isMap(step)) {
        problems.push(`${where}: not a mapping`);
        return;
      }
      if ('uses' in step === 'run' in step) problems.push(`${where}: needs exactly one of uses / run`);
      for (const text of strings(step)) {
        for (const m of text.matchAll(/steps\.([A-Za-z_][\w-]*)\./g))
          if (!ids.has(m[1] ?? '')) problems.push(`${where}: refers to unknown step id '${m[1]}'`);
        if ((text.match(/\$\{\{/g) ?? []).length !== (text.match(/\}\}/g) ?? []).length)
          problems.push(`${where}: unbalanced \${{ }} in '${text}'`);
      }
      if (step['uses'] === './') {
        const given = isMap(step['with']) ? Object.keys(step['with']) : [];
        for (const k of given) if (!(k in actionInputs)) problems.push(`${where}: input '${k}' is not declared in action.yml`);
        for (const [k, spec] of Object.entries(actionInputs)) {
          if (spec.required && (spec.default === undefined || spec.default === '') && !given.includes(k))
            problems.push(`${where}: required input '${k}' missing`);
        }
      }
    });
  }
  return problems;
}

describe('.github/workflows', () => {
  it('has the CI and release workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
  });

  it.each(files)('%s is a valid workflow', (f) => {
    expect(workflowProblems(readFileSync(join(DIR, f), 'utf8'), action.inputs, existsSync)).toEqual([]);
  });

  it('CI runs the action itself with `uses: ./`', () => {
    expect(readFileSync(join(DIR, 'ci.yml'), 'utf8')).toMatch(/^\s*uses: \.\/\s*$/m);
  });
});

describe('the workflow check', () => {
  const wf = (steps: string): string => `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
  const inputs = { 'resource-group': { required: true }, 'template-name': { default: '' } };

  it('refuses an undeclared input of `uses: ./`, and a missing required one', () => {
    expect(workflowProblems(wf('      - uses: ./\n        with:\n          resource-grup: rg\n'), inputs, () => true)).toEqual([
      "job a step 1: input 'resource-grup' is not declared in action.yml",
      "job a step 1: required input 'resource-group' missing",
    ]);
  });

  it('refuses unknown step ids, unknown needs, and a step with both uses and run', () => {
    const text = `on: push\njobs:\n  a:\n    needs: b\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v5\n        run: echo\n      - run: echo \${{ steps.nope.outputs.x }}\n`;
    expect(workflowProblems(text, inputs, () => true)).toEqual([
      "job a: needs unknown job 'b'",
      'job a step 1: needs exactly one of uses / run',
      "job a step 2: refers to unknown step id 'nope'",
    ]);
  });

  it('accepts a sound workflow', () => {
    expect(
      workflowProblems(
        wf('      - id: s\n        run: echo\n      - uses: ./\n        with:\n          resource-group: ${{ steps.s.outputs.rg }}\n'),
        inputs,
        () => true,
      ),
    ).toEqual([]);
  });
});
