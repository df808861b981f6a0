// End to end over the corpus of real failures (__tests__/fixtures/corpus, sources in its index.json): each
// excerpt presented as the service would (its log lines written into customization.log as the build runs,
// the run's message, the failed sub-state), the bundled action run against it, and the line a user needs
// looked for in the step's error annotation. One simulator, the cases run in parallel batches; the table
// (case, cause found, hint) is printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { PhaseSpec, RunSubState } from '../../sim/azure/index.ts';
import { addTemplate, run, simulator, type RunResult, type Simulator } from './helpers.ts';
import { linesOf } from './logs-helpers.ts';

interface CorpusCase {
  id: string;
  source: string;
  cause: string;
  expect: string;
  log?: string;
  message?: string;
  subState?: RunSubState;
  vnetConfig?: boolean;
  customize?: Array<Record<string, unknown>>;
}

const dir = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const cases = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: CorpusCase[] }).cases;
const BATCH = 8;

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator({ azure: { storageAccountPool: cases.length + 4 } });
});
afterAll(async () => {
  await sim?.stop();
});

function scenario(c: CorpusCase) {
  const failAt: RunSubState = c.subState ?? 'Customizing';
  const lines = c.log ? linesOf(readFileSync(join(dir, c.log))) : [];
  const order: RunSubState[] = ['Queued', 'Building', 'Customizing', 'Distributing'];
  const ps: PhaseSpec[] = order.slice(0, order.indexOf(failAt) + 1).map((subState) => ({
    subState,
    durationMs: subState === failAt ? 400 : 100,
    lines: subState === failAt ? lines : [],
  }));
  const properties: Record<string, unknown> = {};
  if (c.customize) properties['customize'] = c.customize;
  if (c.vnetConfig) {
    properties['vmProfile'] = {
      vnetConfig: {
        subnetId:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/build',
      },
    };
  }
  return {
    rawLog: true,
    phases: ps,
    outcome: 'Failed' as const,
    failure: { atSubState: failAt, lines: [], ...(c.message ? { message: c.message } : {}) },
    ...(Object.keys(properties).length ? { body: { properties } } : {}),
  };
}

interface Row {
  c: CorpusCase;
  r: RunResult;
  annotation: string;
  found: boolean;
  hint: boolean;
}

async function runCase(c: CorpusCase): Promise<Row> {
  const t = addTemplate(sim, `corpus-${c.id.slice(0, 2)}`, scenario(c));
  // A generous safety net per run: eight actions at once on a shared, loaded machine. The cases present a build's
  // log, not the network it ran in: preflight (which would read the VNet of a vnetConfig case) is not what is tested.
  const r = await run(sim, t, { timeoutMs: 150_000, with: { preflight: 'false' } });
  const errs = r.main.annotations.filter((a) => a.level === 'error');
  const annotation = errs.map((a) => `${a.title ?? ''}\n${a.message}`).join('\n');
  return { c, r, annotation, found: annotation.includes(c.expect), hint: /\nFix: /.test(annotation) };
}

test('every corpus case: the line a user needs is in the error annotation', async () => {
  const rows: Row[] = [];
  for (let i = 0; i < cases.length; i += BATCH) rows.push(...(await Promise.all(cases.slice(i, i + BATCH).map(runCase))));

  const table = [
    '| case | source | cause found | hint |',
    '|---|---|---|---|',
    ...rows.map((x) => `| ${x.c.id} | ${x.c.source} | ${x.found ? 'yes' : 'NO'} | ${x.hint ? 'yes' : 'no'} |`),
    '',
    `cause found: ${rows.filter((x) => x.found).length}/${rows.length}; hint: ${rows.filter((x) => x.hint).length}/${rows.length}`,
  ].join('\n');
  console.log(table);

  expect(cases.length).toBeGreaterThanOrEqual(30);
  for (const x of rows) {
    // Each failed run ends the step with one error annotation, whose text carries the case's cause line.
    expect({ id: x.c.id, exitCode: x.r.main.exitCode, errors: x.r.main.annotations.filter((a) => a.level === 'error').length }).toEqual({
      id: x.c.id,
      exitCode: 1,
      errors: 1,
    });
    expect({ id: x.c.id, annotation: x.annotation, found: x.found }).toMatchObject({ id: x.c.id, found: true });
    // The service's generic wording is never the title when the log or the message says more.
    expect({ id: x.c.id, title: x.r.main.annotations.find((a) => a.level === 'error')?.title }).not.toMatchObject({
      title: expect.stringMatching(/Packer build command has failed/),
    });
  }
}, 900_000);
