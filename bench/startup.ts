// 3. Start-up cost of the bundle.
//    a) Time from spawning `node dist/main/index.js` (valid inputs, default auth-type: OIDC) to its first
//       request arriving at a loopback OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), beside `node -e ''`
//       (spawn to exit), interleaved. The action is killed once its request arrives: nothing else is contacted.
//    b) Time to fail on a bad input (it stops in parseSettings, before any credential or request).
//    c) Per file of dist/main: size, and the cost of compiling it (vm.SourceTextModule: V8's parse and
//       top-level compile, nothing run) and, for the lazy chunks, of import() in a fresh node.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

export interface ChunkCost {
  file: string;
  bytes: number;
  /** Median ms to compile the file as a module (parse + top-level compile). */
  compileMs: number;
  /** Median ms of import() in a fresh node (lazy chunks only: the entry would run the action). */
  importMs?: number;
}

export interface StartupFigures {
  firstRequestMs: number[];
  nodeMs: number[];
  /** The processes' own view (bench/startup-probe.mjs): ms since start and CPU ms at the first request's creation, or at exit for `node -e ''`. */
  probed: { action: Array<{ ms: number; cpuMs: number }>; node: Array<{ ms: number; cpuMs: number }> };
  badInputMs: number[];
  chunks: ChunkCost[];
  /** Every run's first request was the OIDC token request with the action's audience. */
  requestedAsExpected: boolean;
  failedAsExpected: boolean;
}

const GUID = (n: number): string => `${String(n).repeat(8)}-1111-2222-3333-444455556666`;

/** A loopback OIDC endpoint: calls back on each request, answers nothing (the caller kills the action). */
async function oidcEndpoint(onRequest: (url: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req) => onRequest(req.url ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/_apis/distributedtask/token?api-version=2.0` };
}

/** A minimal runner-like environment for the bundle, with valid inputs (only the OIDC endpoint is real). */
function actionEnv(oidcUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    'INPUT_SUBSCRIPTION-ID': GUID(1),
    'INPUT_RESOURCE-GROUP': 'rg-images',
    'INPUT_TEMPLATE-NAME': 'tpl',
    'INPUT_CLIENT-ID': GUID(2),
    'INPUT_TENANT-ID': GUID(3),
    // Never reached: the action is killed at its first request.
    'INPUT_RESOURCE-MANAGER-ENDPOINT': 'https://127.0.0.1:9/',
    'INPUT_AUTHORITY-HOST': 'https://127.0.0.1:9/',
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bench-request-token',
    NO_PROXY: '*',
  };
}

const PROBE = ['--import', './bench/startup-probe.mjs'];

/** What bench/startup-probe.mjs wrote. */
function probeOf(stderr: string): { ms: number; cpuMs: number } | undefined {
  const m = /startup-probe \w+ ([\d.]+) ([\d.]+)/.exec(stderr);
  return m ? { ms: Number(m[1]), cpuMs: Number(m[2]) } : undefined;
}

/** ms from spawn to the first request at the endpoint (the process is then killed), that request's URL, and what the process wrote. */
function timeToFirstRequest(
  env: NodeJS.ProcessEnv,
  arrivals: Array<(url: string) => void>,
  nodeArgs: string[] = [],
): Promise<{ ms: number; url: string; output: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, 'dist/main/index.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let arrived: { ms: number; url: string } | undefined;
    arrivals.push((url) => {
      arrived = { ms: performance.now() - t0, url };
      child.kill('SIGKILL');
    });
    child.on('close', () => {
      if (arrived) resolve({ ...arrived, output: out });
      else reject(new Error(`the action exited before any request:\n${out}`));
    });
  });
}

function timeToExit(args: string[], env: NodeJS.ProcessEnv): { ms: number; status: number | null; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  return { ms: performance.now() - t0, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Compile (and for lazy chunks import) each file of dist/main in a fresh node, `runs` times each. */
function chunkCosts(runs: number): ChunkCost[] {
  const dir = join(root, 'dist/main');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : a.localeCompare(b)));
  const probe = `
    const { readFileSync } = await import('node:fs');
    const vm = await import('node:vm');
    const [file, mode] = process.argv.slice(1);
    const src = readFileSync(file, 'utf8');
    const t0 = performance.now();
    if (mode === 'compile') new vm.SourceTextModule(src, { identifier: file });
    else await import(file);
    console.log(performance.now() - t0);`;
  const measure = (file: string, mode: 'compile' | 'import'): number => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(
        process.execPath,
        ['--experimental-vm-modules', '--no-warnings', '--input-type=module', '-e', probe, join(dir, file), mode],
        { encoding: 'utf8' },
      );
      const v = Number(r.stdout.trim());
      if (r.status !== 0 || !Number.isFinite(v)) throw new Error(`chunk probe failed for ${file}: ${r.stderr}`);
      ms.push(v);
    }
    return median(ms);
  };
  return files.map((file) => ({
    file: `dist/main/${file}`,
    bytes: statSync(join(dir, file)).size,
    compileMs: measure(file, 'compile'),
    ...(file === 'index.js' ? {} : { importMs: measure(file, 'import') }),
  }));
}

export async function startup(runs: number): Promise<StartupFigures> {
  const arrivals: Array<(url: string) => void> = [];
  const { server, url } = await oidcEndpoint((u) => arrivals.shift()?.(u));
  try {
    const env = actionEnv(url);
    const bad: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, 'INPUT_SUBSCRIPTION-ID': 'not-a-guid' };
    const empty = ['-e', ''];
    // Warm the page cache.
    await timeToFirstRequest(env, arrivals);
    timeToExit(empty, bad);
    const firstRequestMs: number[] = [];
    const nodeMs: number[] = [];
    const probed: StartupFigures['probed'] = { action: [], node: [] };
    const badInputMs: number[] = [];
    let requestedAsExpected = true;
    let failedAsExpected = true;
    for (let i = 0; i < runs; i++) {
      nodeMs.push(timeToExit(empty, bad).ms);
      const r = await timeToFirstRequest(env, arrivals);
      firstRequestMs.push(r.ms);
      if (!r.url.includes('audience=api%3A%2F%2FAzureADTokenExchange')) requestedAsExpected = false;
      const b = timeToExit(['dist/main/index.js'], bad);
      badInputMs.push(b.ms);
      if (b.status !== 1 || !/::error .*invalid input.*subscription-id/s.test(b.stdout)) failedAsExpected = false;
    }
    // The processes' own view, in runs of their own (the probe is not in the figures above).
    for (let i = 0; i < runs; i++) {
      const n = probeOf(timeToExit([...PROBE, ...empty], bad).stderr);
      const a = probeOf((await timeToFirstRequest(env, arrivals, PROBE)).output);
      if (n && a) {
        probed.node.push(n);
        probed.action.push(a);
      }
    }
    const chunks = chunkCosts(Math.max(3, Math.min(runs, 5)));
    return { firstRequestMs, nodeMs, probed, badInputMs, chunks, requestedAsExpected, failedAsExpected };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
