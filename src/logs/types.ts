/**
 * Small interfaces shared by the build-logs modules. Nothing here touches the network.
 */
import * as core from '@actions/core';
import { safeText } from '../redact.js';

/** Where the logs modules write what they have to say (the job log, or a test's array). */
export interface LogSink {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  /** Register a secret so it is masked in the job log. */
  mask(secret: string): void;
}

/**
 * The job log through @actions/core: no secret reaches it (contract 10), and no line of it is a workflow
 * command, whatever a build log line quoted in it says (contract 11).
 */
export const coreSink: LogSink = {
  info: (m) => core.info(safeText(m)),
  warning: (m) => core.warning(safeText(m)),
  debug: (m) => core.debug(safeText(m)),
  startGroup: (n) => core.startGroup(safeText(n)),
  endGroup: () => core.endGroup(),
  mask: (s) => core.setSecret(s),
};

/** What one read said about the blob as a whole (from `Content-Range`, `ETag`, `x-ms-creation-time`). */
export interface BlobInfo {
  /** The blob's length in bytes when it was read. */
  totalLength: number;
  /** Absent when the answer was a 416 (nothing past the end), which carries no ETag. */
  etag?: string;
  /** Creation time: changes when the blob is deleted and written again (replaced). Absent on a 416. */
  createdOn?: Date;
}

/** One ranged read: the bytes and what the same answer said about the blob. */
export interface RangeRead extends BlobInfo {
  /** Bytes [offset, offset + count) or fewer; empty when there is nothing past `offset`. */
  bytes: Uint8Array;
}

/** One streamed read from an offset to the end, and what the same answer said about the blob. */
export interface StreamRead extends BlobInfo {
  /** Bytes [offset, totalLength); absent when there is nothing past `offset` (a 416). */
  body?: NodeJS.ReadableStream;
}

/**
 * Ranged reads of one blob, one request each: the tail is written against this, so tests can use an
 * in-memory fake. There is no separate "properties" call: every answer says the blob's current length
 * and identity, so growth, truncation (`totalLength < offset`) and replacement (`createdOn` changed) are
 * seen without a HEAD.
 */
export interface RangeReader {
  /** One GET of bytes [offset, offset + count); `'not-found'` when the blob does not exist (yet). */
  read(offset: number, count: number): Promise<RangeRead | 'not-found'>;
}

/** A blob that can also be streamed from an offset to its end (for the final download). */
export interface LogBlob extends RangeReader {
  /** One GET of bytes [offset, end) as a stream; `'not-found'` when the blob does not exist. */
  stream(offset: number): Promise<StreamRead | 'not-found'>;
  /** Blob URL without SAS or key. */
  readonly url: string;
}

/**
 * How far the local copy of a blob has got. The copy has secrets redacted (contract 10), so its size is not
 * the blob's: `offset` counts the blob's bytes read, `fileBytes` the file's. The blob's last line, until it
 * ends, is held in `pending` (not yet in the file): a secret split between two reads is redacted whole.
 * Whether the blob seen next is this one grown or another one is told by its length, its creation time and,
 * when that changed (a block blob re-uploaded whole has a new one), by its content: `head` and `window` are
 * its first bytes and the bytes just before `offset`. Not by ETag: an append blob's ETag changes with every
 * append.
 */
export interface TailState {
  /** Bytes of the blob read so far. */
  offset: number;
  /** Bytes in the local file: the redacted lines of the blob's first `offset - pending.length` bytes. */
  fileBytes: number;
  /** The blob's bytes after its last line break read so far (at most a line's length). */
  pending: Uint8Array;
  /** The blob's first bytes (up to 512). */
  head: Uint8Array;
  /** The blob's bytes just before `offset` (up to 512). */
  window: Uint8Array;
  createdOn?: Date;
}

/** Bytes of the blob's head and of the window before the offset kept to recognise it. */
export const CONTENT_PROBE_BYTES = 512;

/** A state of nothing read. */
export function emptyTailState(): TailState {
  return { offset: 0, fileBytes: 0, pending: new Uint8Array(0), head: new Uint8Array(0), window: new Uint8Array(0) };
}

/**
 * Whether the blob `reader` reads now starts with what `st` read (its head and the bytes before its offset
 * are the same): one or two small ranged reads. A blob shorter than `st.offset` is another one.
 */
export async function sameLogContent(reader: RangeReader, st: TailState, totalLength: number): Promise<boolean> {
  if (st.offset === 0) return true;
  if (totalLength < st.offset) return false;
  const same = async (from: number, want: Uint8Array): Promise<boolean> => {
    if (want.length === 0) return true;
    const r = await reader.read(from, want.length);
    return r !== 'not-found' && r.totalLength >= st.offset && Buffer.from(r.bytes).equals(Buffer.from(want));
  };
  if (!(await same(0, st.head))) return false;
  if (st.offset <= st.head.length) return true;
  return same(st.offset - st.window.length, st.window);
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export { errorInfo } from '../errors.js';
