/**
 * The final download: fetch only what the tail has not fetched yet, streamed to disk.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { LogBlob, TailState } from './types.js';

export interface DownloadResult {
  /** Bytes in the local file afterwards. */
  length: number;
  /** Bytes fetched by this call. */
  fetched: number;
  /** True when the blob had been replaced since the tail read it, so it was fetched whole again. */
  replaced: boolean;
  /** False when the blob does not exist. */
  exists: boolean;
}

/**
 * Bring `file` up to date with `blob`. `state` is what the tail saw (offset, creation time); the
 * local file's actual size bounds the offset. One GET from that offset in the usual case: its answer
 * says the blob's length and creation time, so a blob that is shorter than the offset or was created
 * again (replaced) is fetched whole instead, and one with nothing new (416) costs no body. Memory does not
 * grow with the log: the body is piped to disk.
 */
export async function completeDownload(blob: LogBlob, file: string, state?: TailState): Promise<DownloadResult> {
  let offset = Math.min(state?.offset ?? 0, await sizeOf(file));
  let replaced = false;
  let r = await blob.stream(offset);
  if (r === 'not-found') return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
  if (offset > 0) {
    const otherBlob =
      r.totalLength < offset ||
      (state?.createdOn !== undefined && r.createdOn !== undefined && state.createdOn.getTime() !== r.createdOn.getTime());
    if (otherBlob) {
      if (r.body) destroy(r.body);
      replaced = true;
      offset = 0;
      r = await blob.stream(0);
      if (r === 'not-found') return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
    }
  }
  // Drop anything past `offset` (e.g. a half-written append), then append the rest of the blob.
  if (offset === 0) await fs.writeFile(file, '');
  else await fs.truncate(file, offset);
  if (r.totalLength <= offset || !r.body) {
    if (r.body) destroy(r.body);
    return { length: offset, fetched: 0, replaced, exists: true };
  }
  await pipeline(r.body, createWriteStream(file, { flags: 'a' }));
  const length = await sizeOf(file);
  return { length, fetched: length - offset, replaced, exists: true };
}

/** Let go of a body that will not be read (empty, or from a blob that was replaced). */
function destroy(body: NodeJS.ReadableStream): void {
  const d = (body as { destroy?: () => void }).destroy;
  if (typeof d === 'function') d.call(body);
  else body.resume();
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}
