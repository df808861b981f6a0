// Child process of the log-handling memory benchmark (figure 6): the whole path of src/logs for one big
// log, phase after phase, in one fresh process, as the action runs it after a build:
//   tail      the real LogTail polls the (complete) blob until it has read it all: ranged reads, the
//             local copy written line by line (a poll after a long quiet spell reads this much at once);
//   download  completeDownload of the whole blob to another file (what `stream-logs: false` does);
//   diagnose  diagnose() of the downloaded file (one pass, as for a failed build);
//   upload    uploadLogsArtifact() with the real @actions/artifact client (zip + block upload) against the
//             simulator's artifact service.
// Prints one JSON line: the baseline (after loading everything and a full GC) and, per phase, the peak
// RSS sampled every 10 ms and the process's RSS high-water mark (ru_maxrss) when the phase ended.
// Run: node --experimental-strip-types --expose-gc --import ./bench/hooks.ts bench/finish-child.ts <sasUrl> <dir> <artifactName>
// (NODE_EXTRA_CA_CERTS names the simulator's certificate; ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL its artifact service.)
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { boundMemory } from '../src/heap.ts';

// As the action's entry does first (src/main.ts).
boundMemory();

const [url, dir, artifactName] = process.argv.slice(2);
// BENCH_FINISH_PHASES (default all) runs only some phases, to see one alone; diagnose and upload need the download.
const only = new Set((process.env.BENCH_FINISH_PHASES ?? 'tail,download,diagnose,upload').split(','));
if (only.has('diagnose') || only.has('upload')) only.add('download');
if (!url || !dir || !artifactName) throw new Error('usage: finish-child.ts <blobUrlWithSas> <dir> <artifactName>');
const { BlobClient } = await import('@azure/storage-blob');
const { blobLog } = await import('../src/logs/locate.ts');
const { LogTail } = await import('../src/logs/tail.ts');
const { completeDownload } = await import('../src/logs/download.ts');
const { diagnose } = await import('../src/logs/diagnose.ts');
const { uploadLogsArtifact } = await import('../src/logs/artifact.ts');
// Loaded up front, as the action has it loaded (bundled) by the time it uploads: its load is not the phase's cost.
await import('@actions/artifact');
type LogSink = import('../src/logs/types.ts').LogSink;

let printed = 0;
const warnings: string[] = [];
const sink: LogSink = {
  info: () => void printed++,
  warning: (m) => void warnings.push(m),
  debug: () => {},
  startGroup: () => {},
  endGroup: () => {},
  mask: () => {},
};
const blob = blobLog(new BlobClient(url));
const tailFile = join(dir, 'tail', 'customization.log');
const logDir = join(dir, 'logs');
const file = join(logDir, 'customization.log');
await (await import('node:fs/promises')).mkdir(join(dir, 'tail'), { recursive: true });
await (await import('node:fs/promises')).mkdir(logDir, { recursive: true });

globalThis.gc?.();
const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;
const maxRss = (): number => process.resourceUsage().maxRSS * 1024;
const base = process.memoryUsage();
const baseMaxRss = maxRss();

interface Phase {
  name: string;
  ms: number;
  /** Highest sampled RSS during the phase. */
  peakRss: number;
  /** ru_maxrss at the end of the phase (the process's high-water mark so far). */
  maxRss: number;
  peakHeap: number;
  peakBuffers: number;
  /** Largest size of V8's young generation (new space + new large objects): it grows with allocation and stays. */
  peakYoung: number;
  note: string;
}
const phases: Phase[] = [];
async function phase(name: string, work: () => Promise<string>): Promise<void> {
  if (!only.has(name)) return;
  let peakRss = 0;
  let peakHeap = 0;
  let peakBuffers = 0;
  let peakYoung = 0;
  const sample = (): void => {
    const young = getHeapSpaceStatistics()
      .filter((sp) => sp.space_name.startsWith('new_'))
      .reduce((sum, sp) => sum + sp.space_size, 0);
    peakYoung = Math.max(peakYoung, young);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
  };
  sample();
  const timer = setInterval(sample, 10);
  const t0 = performance.now();
  const note = await work();
  const ms = performance.now() - t0;
  sample();
  clearInterval(timer);
  phases.push({
    name,
    ms,
    peakRss: mib(peakRss),
    maxRss: mib(maxRss()),
    peakHeap: mib(peakHeap),
    peakBuffers: mib(peakBuffers),
    peakYoung: mib(peakYoung),
    note,
  });
}

let tailBytes = 0;
await phase('tail', async () => {
  const tail = new LogTail({ reader: blob, file: tailFile, sink });
  let polls = 0;
  for (;;) {
    polls++;
    const n = await tail.poll('Customizing');
    tailBytes += n;
    if (n === 0) break;
  }
  tail.finish();
  await tail.flushFile();
  return `${polls} poll(s), ${tailBytes} B`;
});
// The tail's copy is not needed any more (and the disk is shared).
await (await import('node:fs/promises')).rm(join(dir, 'tail'), { recursive: true, force: true });

let length = 0;
await phase('download', async () => {
  const r = await completeDownload(blob, file);
  length = r.length;
  return `${r.fetched} B fetched`;
});

await phase('diagnose', async () => {
  const d = await diagnose({ runState: 'Failed', runSubState: 'Customizing', message: 'bench', customizationLog: file });
  return d.title.slice(0, 60);
});

let artifactId: number | undefined;
await phase('upload', async () => {
  const r = await uploadLogsArtifact({ name: artifactName, files: [file], rootDir: logDir, sink });
  artifactId = r?.id;
  return `artifact ${r?.id ?? 'none'}`;
});

globalThis.gc?.();
const after = process.memoryUsage();
process.stdout.write(
  '\n' +
    JSON.stringify({
      baseRss: mib(base.rss),
      baseMaxRss: mib(baseMaxRss),
      baseHeap: mib(base.heapUsed),
      baseBuffers: mib(base.arrayBuffers),
      maxRss: mib(maxRss()),
      afterGcRss: mib(after.rss),
      afterGcBuffers: mib(after.arrayBuffers),
      phases,
      length,
      tailBytes,
      artifactId,
      warnings,
    }) +
    '\n',
);
