// 3. Start-up cost of the bundle: `node dist/main/index.js` failing on a bad input (it stops in
//    parseSettings, before any credential or request), against `node -e ''`, interleaved.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

export interface StartupFigures {
  bundleMs: number[];
  nodeMs: number[];
  sizes: Array<{ file: string; bytes: number }>;
  failedAsExpected: boolean;
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv): { ms: number; status: number | null; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  return { ms: performance.now() - t0, status: r.status, stdout: r.stdout };
}

export function startup(runs: number): StartupFigures {
  // A minimal runner-like environment: no GITHUB_* files, no proxy, one invalid input.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, 'INPUT_SUBSCRIPTION-ID': 'not-a-guid' };
  const bundle = ['dist/main/index.js'];
  const empty = ['-e', ''];
  timeOnce(bundle, env); // warm the page cache
  timeOnce(empty, env);
  const bundleMs: number[] = [];
  const nodeMs: number[] = [];
  let failedAsExpected = true;
  for (let i = 0; i < runs; i++) {
    const n = timeOnce(empty, env);
    const b = timeOnce(bundle, env);
    nodeMs.push(n.ms);
    bundleMs.push(b.ms);
    if (b.status !== 1 || !/::error .*invalid input.*subscription-id/s.test(b.stdout)) failedAsExpected = false;
  }
  const dir = join(root, 'dist/main');
  const sizes = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ file: `dist/main/${f}`, bytes: statSync(join(dir, f)).size }));
  return { bundleMs, nodeMs, sizes, failedAsExpected };
}
