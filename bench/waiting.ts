// RSS of the bundled action while it waits on a build (figure 5): the simulator runs a build of ~20 s whose
// customization.log grows; the action runs with its default inputs but for a 2 s poll interval (so the live tail
// reads a few times within the build) and no artifact upload, as the runner runs it (sim/runner.ts). VmRSS of the
// main step's process is sampled from /proc every 100 ms between the start of the run and its end.
//   node --experimental-strip-types bench/waiting.ts [actionDir]   (one run, prints the figures)
import { readFileSync } from 'node:fs';
import { startSimulator } from '../sim/index.ts';
import type { PhaseSpec } from '../sim/azure/index.ts';

export interface WaitingFigures {
  /** VmRSS samples (MiB) taken while the build ran (after the run request, before the end). */
  waitingRss: number[];
  /** VmHWM (MiB) at the last sample: the peak since the process started, start-up included. */
  hwm: number;
  exitCode: number | null;
  logLinesPrinted: number;
}

const MiB = 1024 * 1024;

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function phases(): PhaseSpec[] {
  const lines = (phase: string, n: number): string[] =>
    Array.from(
      { length: n },
      (_, i) => `PACKER OUT     azure-arm: ${phase} step ${i + 1}: apt-get install -y package-${i} (${'x'.repeat(60)})`,
    );
  return [
    { subState: 'Queued', durationMs: 1000 },
    { subState: 'Building', durationMs: 3000, lines: lines('Building', 100) },
    { subState: 'Customizing', durationMs: 12_000, lines: lines('Customizing', 2000) },
    { subState: 'Optimizing', durationMs: 1000 },
    { subState: 'Validating', durationMs: 1000 },
    { subState: 'Distributing', durationMs: 2000, lines: lines('Distributing', 50) },
  ];
}

export async function waitingRss(actionDir?: string): Promise<WaitingFigures> {
  const sim = await startSimulator({ ...(actionDir ? { actionDir } : {}), azure: { storageAccountPool: 2 } });
  try {
    const t = sim.azure.addTemplate({ resourceGroup: 'rg-images', name: `wait-rss-${process.pid}`, phases: phases() });
    let pid: number | undefined;
    const samples: number[] = [];
    let hwm = 0;
    let waiting = false;
    void t.runStarted().then(() => (waiting = true));
    void t.finished().then(() => (waiting = false));
    const timer = setInterval(() => {
      if (pid === undefined || !waiting) return;
      const rss = statusKb(pid, 'VmRSS');
      const peak = statusKb(pid, 'VmHWM');
      if (rss !== undefined) samples.push((rss * 1024) / MiB);
      if (peak !== undefined) hwm = (peak * 1024) / MiB;
    }, 100);
    try {
      const r = await sim.run(t, {
        with: { 'poll-interval': '2s', 'upload-logs': 'never' },
        // Experiments only (e.g. V8 flags): the runner itself passes no NODE_OPTIONS.
        ...(process.env.BENCH_WAIT_NODE_OPTIONS ? { env: { NODE_OPTIONS: process.env.BENCH_WAIT_NODE_OPTIONS } } : {}),
        onStart: (phase, p) => {
          if (phase === 'main') pid = p;
        },
        runPost: false,
        timeoutMs: 120_000,
      });
      return {
        waitingRss: samples,
        hwm,
        exitCode: r.main.exitCode,
        logLinesPrinted: r.main.log.split('\n').filter((l) => l.includes('PACKER OUT')).length,
      };
    } finally {
      clearInterval(timer);
    }
  } finally {
    await sim.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = await waitingRss(process.argv[2]);
  const s = [...f.waitingRss].sort((a, b) => a - b);
  const med = s[s.length >> 1] ?? NaN;
  console.log(
    `RSS while waiting: median ${med.toFixed(1)} MiB, max ${(s.at(-1) ?? NaN).toFixed(1)} MiB over ${s.length} samples; ` +
      `VmHWM ${f.hwm.toFixed(1)} MiB; exit ${f.exitCode}; ${f.logLinesPrinted} log lines printed`,
  );
}
