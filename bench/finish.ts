// 5. Memory while handling a big log: the whole path of src/logs (tail, download, diagnose, zip + upload
//    as an artifact) in a fresh child per run (bench/finish-child.ts), for logs of several sizes. The log
//    is an append blob in Azurite; the artifact goes to the simulator's artifact service (sim/github), so
//    the real @actions/artifact code zips and uploads it over https.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubSim, type GitHubSim } from '../sim/github/index.ts';
import { Journal } from '../sim/server.ts';
import { openZip } from '../sim/zip.ts';
import type { BenchAzurite } from './common.ts';
import type { BigBlob } from './download.ts';

export interface PhaseFigures {
  name: string;
  ms: number;
  peakRss: number;
  maxRss: number;
  peakHeap: number;
  peakBuffers: number;
  peakYoung: number;
  note: string;
}

/** What one child reports (MiB), plus the parent's checks. */
export interface FinishFigures {
  baseRss: number;
  baseMaxRss: number;
  baseHeap: number;
  baseBuffers: number;
  /** ru_maxrss at the end: the peak of the whole path. */
  maxRss: number;
  afterGcRss: number;
  afterGcBuffers: number;
  phases: PhaseFigures[];
  length: number;
  tailBytes: number;
  artifactId?: number;
  warnings: string[];
  /** The zip holds customization.log with the blob's size and CRC-32, the tail read every byte. */
  ok: boolean;
  zipBytes: number;
}

export const PHASES = ['tail', 'download', 'diagnose', 'upload'] as const;

export async function startArtifactSim(az: BenchAzurite): Promise<GitHubSim> {
  return startGitHubSim(az.cert, new Journal());
}

export async function finishInChild(az: BenchAzurite, gh: GitHubSim, big: BigBlob, tag: string): Promise<FinishFigures> {
  const dir = join(az.workDir, `finish-${tag}`);
  const name = `bench-logs-${tag}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...gh.env,
    NODE_EXTRA_CA_CERTS: az.cert.certPath,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '1',
  };
  // The product's own settings are measured, not whatever the shell running the bench has.
  delete env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'];
  // Forked by a shell, not spawned straight from here: see downloadInChild (ru_maxrss is inherited).
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      '"$0" "$@"; exit $?',
      process.execPath,
      '--experimental-strip-types',
      '--expose-gc',
      '--import',
      './bench/hooks.ts',
      'bench/finish-child.ts',
      big.sasUrl,
      dir,
      name,
    ],
    { cwd: new URL('..', import.meta.url).pathname, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`finish child exited ${code}:\n${err}\n${out.slice(-2000)}`);
  const f = JSON.parse(out.trim().split('\n').at(-1)!) as Omit<FinishFigures, 'ok' | 'zipBytes'>;
  const stored = gh.artifacts.find(name);
  let ok = false;
  let zipBytes = 0;
  if (stored && stored.id === f.artifactId) {
    zipBytes = stored.bytes.length;
    const entry = openZip(stored.bytes).entries.find((e) => e.name === 'customization.log');
    ok = entry !== undefined && entry.size === big.size && entry.crc32 === big.crc32;
    stored.bytes = Buffer.alloc(0); // the parent need not hold every zip
  }
  const phases = new Set(f.phases.map((p) => p.name));
  ok = ok || !phases.has('upload');
  ok =
    ok &&
    (f.length === big.size || !phases.has('download')) &&
    (f.tailBytes === big.size || !phases.has('tail')) &&
    f.warnings.length === 0;
  return { ...f, ok, zipBytes };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f1 = (x: number): string => x.toFixed(1);
const med = (xs: number[]): string => f1(median(xs));
const span = (xs: number[]): string => `${f1(Math.min(...xs))}–${f1(Math.max(...xs))}`;

/** Target of issue 12: peak RSS of the whole process while handling a 300 MiB log. */
export const PEAK_TARGET_MIB = 150;
/** Target of issue 12: peak(largest) − peak(smallest) within this. */
export const FLAT_TARGET_MIB = 10;

/**
 * Runs figure 6 and adds its rows: per size, the whole path's peak RSS (and baseline), and each phase's
 * sampled peak; then the two targets. Returns the number of failed checks.
 */
export async function finishFigures(
  az: BenchAzurite,
  sizesMb: number[],
  runs: number,
  row: (...cells: string[]) => void,
  log: (line: string) => void,
): Promise<number> {
  const { makeBigBlob } = await import('./download.ts');
  const gh = await startArtifactSim(az);
  let problems = 0;
  const peaks = new Map<number, number>();
  try {
    for (const sizeMb of sizesMb) {
      const big = await makeBigBlob(az, `finish-${sizeMb}/customization.log`, sizeMb * 1024 * 1024);
      log(`  uploaded ${sizeMb} MiB in 4 MiB appends: ${(big.uploadMs / 1000).toFixed(1)} s`);
      const figs: FinishFigures[] = [];
      for (let i = 0; i < runs; i++) {
        const f = await finishInChild(az, gh, big, `${sizeMb}-${i}`);
        figs.push(f);
        const ph = f.phases.map((p) => `${p.name} ${f1(p.peakRss)} (${(p.ms / 1000).toFixed(1)} s)`).join(', ');
        log(
          `  log ${sizeMb} MiB run ${i + 1}/${runs}: maxRSS ${f1(f.baseMaxRss)} → ${f1(f.maxRss)} MiB; phase peaks ${ph}; ` +
            `zip ${f1(f.zipBytes / 1048576)} MiB; checks ${f.ok ? 'ok' : 'FAILED'}${f.warnings.length ? ` (${f.warnings.join(' | ')})` : ''}`,
        );
        if (!f.ok) problems++;
      }
      await az.container.deleteBlob(big.name);
      const peak = median(figs.map((f) => f.maxRss));
      peaks.set(sizeMb, peak);
      const target = sizeMb === 300 ? `target ≤ ${PEAK_TARGET_MIB} MiB: ${peak <= PEAK_TARGET_MIB ? 'met' : 'NOT met'}` : '';
      row(
        `6 ${sizeMb} MiB`,
        'whole path: peak RSS (ru_maxrss), MiB',
        String(runs),
        f1(peak),
        span(figs.map((f) => f.maxRss)),
        [`baseline ${f1(median(figs.map((f) => f.baseMaxRss)))}`, target].filter(Boolean).join('; '),
      );
      for (const name of PHASES) {
        const ps = figs.flatMap((f) => f.phases.filter((p) => p.name === name));
        if (ps.length === 0) continue;
        row(
          `6 ${sizeMb} MiB`,
          `  ${name}: sampled peak RSS / heap / young gen / Buffers, MiB`,
          String(runs),
          [
            med(ps.map((p) => p.peakRss)),
            med(ps.map((p) => p.peakHeap)),
            med(ps.map((p) => p.peakYoung)),
            med(ps.map((p) => p.peakBuffers)),
          ].join(' / '),
          span(ps.map((p) => p.peakRss)),
          `${(median(ps.map((p) => p.ms)) / 1000).toFixed(1)} s`,
        );
      }
    }
  } finally {
    await gh.close();
  }
  const small = Math.min(...sizesMb);
  const large = Math.max(...sizesMb);
  if (large > small) {
    const d = peaks.get(large)! - peaks.get(small)!;
    row(
      '6',
      `peak RSS ${large} MiB − ${small} MiB log, MiB`,
      '',
      f1(d),
      '',
      `target |Δ| ≤ ${FLAT_TARGET_MIB}: ${Math.abs(d) <= FLAT_TARGET_MIB ? 'met' : 'NOT met'}`,
    );
  }
  return problems;
}
