/**
 * Small interfaces shared by the build-logs modules. Nothing here touches the network.
 */
import * as core from '@actions/core';
import { redactSas } from '../report.js';

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

/** The job log through @actions/core; no SAS, account key or auth header reaches it (contract 10). */
export const coreSink: LogSink = {
  info: (m) => core.info(redactSas(m)),
  warning: (m) => core.warning(redactSas(m)),
  debug: (m) => core.debug(redactSas(m)),
  startGroup: (n) => core.startGroup(n),
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
 * How far the local copy of a blob has got. A replaced blob is told by its length (shorter than `offset`)
 * and creation time, not by ETag: an append blob's ETag changes with every append, so it cannot tell growth
 * from replacement.
 */
export interface TailState {
  offset: number;
  createdOn?: Date;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export { errorInfo } from '../errors.js';
