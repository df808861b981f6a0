/**
 * The final download: fetch only what the tail has not fetched yet, streamed to disk through the
 * line-by-line redaction (the file is the log without its secrets, contract 10).
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { LineRedactor, redactingTransform } from './redacted-lines.js';
import { sameLogContent, type LogBlob, type StreamRead, type TailState } from './types.js';

export interface DownloadResult {
  /** Bytes in the local file afterwards. */
  length: number;
  /** Bytes of the blob fetched by this call (content probes aside). */
  fetched: number;
  /** True when the blob had been replaced since the tail read it, so it was fetched whole again. */
  replaced: boolean;
  /** False when the blob does not exist. */
  exists: boolean;
}

/**
 * Bring `file` up to date with `blob`. `state` is what the tail saw (see TailState); a local file shorter
 * than it says means the copy cannot be trusted, and the blob is fetched whole. One GET from the offset in
 * the usual case: its answer says the blob's length and creation time, so a blob shorter than the offset,
 * or created again with other content (two small ranged reads tell), is fetched whole instead, and one with
 * nothing new (416) costs no body. Memory does not grow with the log: the body is piped to disk through a
 * redaction that holds one line at most.
 */
export async function completeDownload(blob: LogBlob, file: string, state?: TailState): Promise<DownloadResult> {
  let st = state && state.offset > 0 && (await sizeOf(file)) >= state.fileBytes ? state : undefined;
  let replaced = false;
  let r: StreamRead | 'not-found' = await blob.stream(st?.offset ?? 0);
  if (r === 'not-found') return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
  if (st) {
    const recreated = st.createdOn !== undefined && r.createdOn !== undefined && st.createdOn.getTime() !== r.createdOn.getTime();
    if ((r.totalLength < st.offset || recreated) && !(await sameLogContent(blob, st, r.totalLength))) {
      if (r.body) destroy(r.body);
      replaced = true;
      st = undefined;
      r = await blob.stream(0);
      if (r === 'not-found') return { length: await sizeOf(file), fetched: 0, replaced: false, exists: false };
    }
  }
  // Drop anything past what the state vouches for (e.g. a half-written append), then add the rest.
  if (st) await fs.truncate(file, st.fileBytes);
  else await fs.writeFile(file, '');
  const redactor = new LineRedactor(st?.pending);
  if (!r.body) {
    const rest = redactor.end();
    if (rest.length > 0) await fs.appendFile(file, rest);
    return { length: await sizeOf(file), fetched: 0, replaced, exists: true };
  }
  const transform = redactingTransform(redactor);
  await pipeline(r.body, transform, createWriteStream(file, { flags: 'a' }));
  return { length: await sizeOf(file), fetched: transform.bytesIn(), replaced, exists: true };
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
