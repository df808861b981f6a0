/**
 * Memory settings the runner gives no other way to set: it starts `node <file>` without flags.
 *
 * Handling a big log churns through network chunks, decoded lines and zip blocks, all short-lived. Left to its
 * defaults V8 (1) grows its young generation up to 64 MiB per semi-space on a machine with a few GiB of memory
 * and keeps it, and (2) frees dead Buffers' memory only once 64 MiB more of it is allocated than after the last
 * full collection. Both made the step's peak follow the log's size (bench figures 5d and 6, docs/benchmarks.md:
 * 242 MiB for a 300 MiB log). This process mostly waits on the network, so it trades a little CPU for a flat peak:
 *   - the young generation stays at its initial size (the growth factor is read each time V8 decides to grow);
 *   - a full collection runs when Buffers hold 16 MiB more than after the last one (checked every 50 ms, a
 *     cheap read; no collection at all while nothing is being read or written).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const BUFFER_GROWTH_LIMIT = 16 * 1024 * 1024;
const CHECK_EVERY_MS = 50;

export function boundMemory(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--expose-gc');
  // A context created after the flag has `gc`; the flag is turned off again so no other code sees a global gc.
  const collect = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  // The lowest amount seen since the last collection: V8 frees dead Buffers' memory partly after gc() returns
  // (concurrent sweeping), so the amount read right after a collection can still be high.
  let floor = process.memoryUsage().arrayBuffers;
  setInterval(() => {
    const now = process.memoryUsage().arrayBuffers;
    floor = Math.min(floor, now);
    if (now <= floor + BUFFER_GROWTH_LIMIT) return;
    collect();
    floor = process.memoryUsage().arrayBuffers;
  }, CHECK_EVERY_MS).unref();
}
