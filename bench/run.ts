// npm run bench: prints the figures of docs/benchmarks.md. Knobs (environment):
//   BENCH_TAIL_RUNS (5), BENCH_BIG_MB (500), BENCH_SMALL_MB (100), BENCH_DL_RUNS (5), BENCH_STARTUP_RUNS (10),
//   BENCH_FINISH_MB (30,300,1024), BENCH_FINISH_RUNS (1), BENCH_FINISH_PHASES (tail,download,diagnose,upload),
//   BENCH_ONLY=tail,download,finish,startup,waiting,action (the default); crowd (opt-in: twenty throttled builds at once, 1-3 min).
//   action: the bundled action against the simulator (bench/action.ts, its own BENCH_ACTION_* knobs).
import './hooks.ts'; // before anything that imports src/ (hence the dynamic imports below)

const { MiB, median, startBenchAzurite } = await import('./common.ts');
const num = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const only = new Set((process.env.BENCH_ONLY ?? 'tail,download,finish,startup,waiting,action').split(','));
const f2 = (x: number): string => x.toFixed(2);
const mb = (bytes: number): string => (bytes / MiB).toFixed(1);
const range = (xs: number[], fmt: (x: number) => string): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

const rows: string[][] = [];
const row = (...cells: string[]): void => void rows.push(cells);
const notes: string[] = [];
let problems = 0;

console.log(
  `image-builder-run benchmarks — ${new Date().toISOString()} — node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
);

let az: Awaited<ReturnType<typeof startBenchAzurite>> | undefined;
try {
  if (only.has('tail') || only.has('download') || only.has('finish')) az = await startBenchAzurite();

  if (only.has('tail')) {
    const { tailRun } = await import('./tail.ts');
    const n = num('BENCH_TAIL_RUNS', 5);
    const runs = [];
    for (let i = 0; i < n; i++) {
      const r = await tailRun(az!, 1000 + i);
      runs.push(r);
      console.log(
        `  tail run ${i + 1}/${n}: ${mb(r.size)} MiB in ${r.appends} appends, ${r.polls} polls, fetched ${r.fetched} B ` +
          `(${r.finalFetched} B by completeDownload), ${r.gets} GETs (${r.emptyGets} with no body), ${r.heads} HEADs, file identical: ${r.identical}, ` +
          `${r.linesPrinted} lines printed once in order: ${r.linesInOrder}`,
      );
      if (!r.identical || !r.linesInOrder) problems++;
    }
    const ratios = runs.map((r) => r.fetched / r.size);
    row(
      '1 tail',
      'bytes fetched ÷ final blob size',
      String(n),
      f2(median(ratios)),
      range(ratios, (x) => x.toFixed(4)),
      'target 1.00',
    );
    // Requests per poll: the tail's polls plus the final download, each HEAD or GET counted.
    const perPoll = runs.map((r) => (r.gets + r.heads) / (r.polls + 1));
    row(
      '1 tail',
      'blob requests (GET + HEAD) per poll',
      String(n),
      f2(median(perPoll)),
      range(perPoll, f2),
      'polls + final download; target ~1.0',
    );
    row(
      '1 tail',
      'range GETs (tail + final download)',
      String(n),
      String(median(runs.map((r) => r.gets))),
      range(
        runs.map((r) => r.gets),
        String,
      ),
      `${median(runs.map((r) => r.emptyGets))} with no body (nothing new)`,
    );
    row(
      '1 tail',
      'HEADs (getProperties)',
      String(n),
      String(median(runs.map((r) => r.heads))),
      range(
        runs.map((r) => r.heads),
        String,
      ),
      `${f2(median(runs.map((r) => r.heads / (r.polls + 1))))} per poll`,
    );
    row(
      '1 tail',
      'log size (MiB) / appends / polls',
      String(n),
      `${mb(median(runs.map((r) => r.size)))} / ${median(runs.map((r) => r.appends))} / ${median(runs.map((r) => r.polls))}`,
      '',
      '',
    );
  }

  if (only.has('download')) {
    const { makeBigBlob, downloadInChild, childFile } = await import('./download.ts');
    const n = num('BENCH_DL_RUNS', 5);
    const sizes = [num('BENCH_SMALL_MB', 100), num('BENCH_BIG_MB', 500)];
    const growth: Record<number, number> = {};
    for (const sizeMb of sizes) {
      const big = await makeBigBlob(az!, `big-${sizeMb}/customization.log`, sizeMb * MiB);
      console.log(`  uploaded ${sizeMb} MiB in 4 MiB appends: ${(big.uploadMs / 1000).toFixed(1)} s`);
      const figs = [];
      for (let i = 0; i < n; i++) {
        const f = await downloadInChild(az!, big, childFile(az!, `${sizeMb}-${i}`));
        figs.push(f);
        console.log(
          `  download ${sizeMb} MiB run ${i + 1}/${n}: ${(f.ms / 1000).toFixed(2)} s, maxRSS ${mb(f.baseMaxRss)} → ${mb(f.maxRss)} MiB, ` +
            `heap ${mb(f.baseHeap)} → peak ${mb(f.peakHeap)} MiB, buffers peak ${mb(f.peakBuffers)} MiB (${mb(f.afterGcBuffers)} after GC), identical: ${f.identical}`,
        );
        if (!f.identical) problems++;
      }
      await az!.container.deleteBlob(big.name);
      const g = figs.map((f) => f.maxRss - f.baseMaxRss);
      growth[sizeMb] = median(g);
      const tp = figs.map((f) => f.length / MiB / (f.ms / 1000));
      row(
        `2 ${sizeMb} MiB`,
        'child peak RSS growth (maxRSS − baseline), MiB',
        String(n),
        mb(median(g)),
        range(g, mb),
        `${((median(g) / (sizeMb * MiB)) * 100).toFixed(1)}% of log size`,
      );
      row(
        `2 ${sizeMb} MiB`,
        'child maxRSS: baseline / peak, MiB',
        String(n),
        `${mb(median(figs.map((f) => f.baseMaxRss)))} / ${mb(median(figs.map((f) => f.maxRss)))}`,
        '',
        `sampled RSS ${mb(median(figs.map((f) => f.baseRss)))} → ${mb(median(figs.map((f) => f.peakRss)))}`,
      );
      row(
        `2 ${sizeMb} MiB`,
        'heap used: baseline → peak (sampled 20 ms), MiB',
        String(n),
        `${mb(median(figs.map((f) => f.baseHeap)))} → ${mb(median(figs.map((f) => f.peakHeap)))}`,
        '',
        `Buffers peak ${mb(median(figs.map((f) => f.peakBuffers)))}, ${mb(median(figs.map((f) => f.afterGcBuffers)))} after GC`,
      );
      row(
        `2 ${sizeMb} MiB`,
        'throughput to disk, MiB/s',
        String(n),
        median(tp).toFixed(0),
        range(tp, (x) => x.toFixed(0)),
        '',
      );
    }
    const [s, b] = sizes as [number, number];
    row(
      '2',
      `RSS growth ${b} MiB ÷ ${s} MiB log`,
      '',
      f2(growth[b]! / growth[s]!),
      '',
      `log ratio ${(b / s).toFixed(0)}; 1.00 = size-independent`,
    );
  }

  if (only.has('finish')) {
    const { finishFigures } = await import('./finish.ts');
    const sizes = (process.env.BENCH_FINISH_MB ?? '30,300,1024').split(',').map(Number);
    problems += await finishFigures(az!, sizes, num('BENCH_FINISH_RUNS', 1), row, console.log);
  }
} finally {
  await az?.stop();
}

if (only.has('startup')) {
  const { startup } = await import('./startup.ts');
  const s = await startup(num('BENCH_STARTUP_RUNS', 10));
  const first = median(s.firstRequestMs);
  const e = median(s.nodeMs);
  const bad = median(s.badInputMs);
  if (!s.requestedAsExpected) {
    problems++;
    notes.push("dist/main/index.js's first request was not the OIDC token request with the default audience.");
  }
  if (!s.failedAsExpected) {
    problems++;
    notes.push('dist/main/index.js did not fail with the expected input error on a bad input.');
  }
  const ms = (x: number): string => x.toFixed(0);
  row(
    '3 start-up',
    'spawn → first request (OIDC, valid inputs), ms',
    String(s.firstRequestMs.length),
    ms(first),
    range(s.firstRequestMs, ms),
    `${f2(first / e)}× node -e ''; target ≤ 3×`,
  );
  if (s.probed.action.length > 0) {
    const am = median(s.probed.action.map((p) => p.ms));
    const ac = median(s.probed.action.map((p) => p.cpuMs));
    const nm = median(s.probed.node.map((p) => p.ms));
    const nc = median(s.probed.node.map((p) => p.cpuMs));
    row(
      '3 start-up',
      'in-process: start → request created, ms / CPU ms',
      String(s.probed.action.length),
      `${ms(am)} / ${ms(ac)}`,
      '',
      `node -e '' to exit: ${ms(nm)} / ${ms(nc)}; ${f2(am / nm)}× / ${f2(ac / nc)}×`,
    );
  }
  row('3 start-up', "node -e '' (spawn → exit), ms", String(s.nodeMs.length), ms(e), range(s.nodeMs, ms), '');
  row('3 start-up', 'bad input → exit 1, ms', String(s.badInputMs.length), ms(bad), range(s.badInputMs, ms), `${f2(bad / e)}× node -e ''`);
  for (const c of s.chunks)
    row(
      '3 chunk',
      `${c.file} (${(c.bytes / 1024).toFixed(0)} KiB)`,
      '',
      `${c.compileMs.toFixed(1)} ms compile`,
      '',
      c.importMs !== undefined ? `import() in a fresh node ${c.importMs.toFixed(1)} ms` : 'entry (loaded at start)',
    );
}

if (only.has('waiting')) {
  const { waitingRss } = await import('./waiting.ts');
  const w = await waitingRss();
  if (w.exitCode !== 0 || w.logLinesPrinted === 0) {
    problems++;
    notes.push(`The waiting run did not succeed with its log tailed (exit ${w.exitCode}, ${w.logLinesPrinted} lines).`);
  }
  const mib = (x: number): string => x.toFixed(1);
  const rss = median(w.waitingRss);
  row(
    '7 waiting',
    'RSS of the bundled action while waiting, MiB',
    String(w.waitingRss.length),
    mib(rss),
    range(w.waitingRss, mib),
    `target ≤ 80 MiB; VmHWM ${mib(w.hwm)}`,
  );
}

if (only.has('crowd')) {
  const { crowdFigures } = await import('./crowd.ts');
  const c = await crowdFigures(num('BENCH_CROWD_COPIES', 20));
  if (c.failed > 0) {
    problems++;
    notes.push(`${c.failed} of the crowd's builds did not end Succeeded with one accepted run request.`);
  }
  row(
    '4 crowd',
    `${c.copies} throttled builds at once: wall time, s`,
    '1',
    (c.wallMs / 1000).toFixed(1),
    '',
    `each build ${(c.buildMs / 1000).toFixed(0)} s of sim time`,
  );
  row('4 crowd', '429s answered (whole crowd)', '1', String(c.throttled), '', `${f2(c.throttled / c.copies)} per build`);
  row(
    '4 crowd',
    'ARM requests per build',
    '1',
    f2(c.armRequestsPerBuild),
    range(c.perBuild, String),
    'template reads, run, run outputs, logs',
  );
}

if (only.has('action')) {
  const { actionFigures } = await import('./action.ts');
  const a = await actionFigures((l) => console.log(l));
  rows.push(...a.rows);
  notes.push(...a.notes);
  problems += a.problems;
}

const head = ['#', 'measure', 'N', 'median', 'min–max', 'ratio / note'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log();
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
for (const n of notes) console.log(`NOTE: ${n}`);
if (problems > 0) {
  console.log(`${problems} check(s) failed (see above).`);
  process.exitCode = 1;
}
