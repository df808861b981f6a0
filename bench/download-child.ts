// Child process of the memory benchmark: downloads one blob to disk with completeDownload and prints
// JSON with its memory before (after loading everything, before any request) and at peak.
// Run: node --experimental-strip-types --import ./bench/hooks.ts bench/download-child.ts <sasUrl> <file>
// (NODE_EXTRA_CA_CERTS names the simulator's certificate.)
const [url, file] = process.argv.slice(2);
if (!url || !file) throw new Error('usage: download-child.ts <blobUrlWithSas> <file>');
const { BlobClient } = await import('@azure/storage-blob');
const { blobLog } = await import('../src/logs/locate.ts');
const { completeDownload } = await import('../src/logs/download.ts');
const blob = blobLog(new BlobClient(url));

globalThis.gc?.();
const base = process.memoryUsage();
const baseMaxRss = process.resourceUsage().maxRSS * 1024;
let peakHeap = base.heapUsed;
let peakRss = base.rss;
let peakBuffers = base.arrayBuffers;
const sample = (): void => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
  peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
};
const timer = setInterval(sample, 20);
const t0 = performance.now();
const result = await completeDownload(blob, file);
const ms = performance.now() - t0;
sample();
clearInterval(timer);
globalThis.gc?.();
const after = process.memoryUsage();
process.stdout.write(
  JSON.stringify({
    ms,
    length: result.length,
    fetched: result.fetched,
    baseRss: base.rss,
    baseMaxRss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    peakRss,
    baseHeap: base.heapUsed,
    peakHeap,
    baseBuffers: base.arrayBuffers,
    peakBuffers,
    /** After a full GC at the end: what the download left alive. */
    afterGcBuffers: after.arrayBuffers,
    afterGcHeap: after.heapUsed,
  }) + '\n',
);
