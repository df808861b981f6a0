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
 * Bring `file` up to date with `blob`. `state` is what the tail saw (offset, ETag, creation time); the
 * local file's actual size bounds the offset. Memory does not grow with the log: the body is piped to disk.
 */
export async function completeDownload(blob: LogBlob, file: string, state?: TailState): Promise<DownloadResult> {
  const info = await blob.properties();
  if (!info) return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
  let offset = Math.min(state?.offset ?? 0, await sizeOf(file));
  let replaced = false;
  if (offset > 0) {
    const otherBlob =
      info.length < offset ||
      (state?.createdOn !== undefined && info.createdOn !== undefined && state.createdOn.getTime() !== info.createdOn.getTime());
    const unchanged = state?.etag !== undefined && state.etag === info.etag && info.length === offset;
    if (unchanged) return { length: offset, fetched: 0, replaced: false, exists: true };
    if (otherBlob) {
      replaced = true;
      offset = 0;
    }
  }
  if (offset === info.length && offset > 0) return { length: offset, fetched: 0, replaced, exists: true };
  // Drop anything past `offset` (e.g. a half-written append), then append the rest of the blob.
  if (offset === 0) await fs.writeFile(file, '');
  else await fs.truncate(file, offset);
  if (info.length === 0) return { length: 0, fetched: 0, replaced, exists: true };
  const body = await blob.stream(offset);
  await pipeline(body, createWriteStream(file, { flags: 'a' }));
  const length = await sizeOf(file);
  return { length, fetched: length - offset, replaced, exists: true };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}
