/**
 * Small interfaces shared by the build-logs modules. Nothing here touches the network.
 */
import * as core from '@actions/core';

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

/** The job log through @actions/core. */
export const coreSink: LogSink = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  startGroup: (n) => core.startGroup(n),
  endGroup: () => core.endGroup(),
  mask: (s) => core.setSecret(s),
};

/** What a blob looks like right now; `undefined` from `properties()` means it does not exist (yet). */
export interface BlobInfo {
  /** Current length in bytes. */
  length: number;
  etag?: string;
  /** Creation time: changes when the blob is deleted and written again (replaced). */
  createdOn?: Date;
}

/** Ranged reads of one blob: the tail is written against this, so tests can use an in-memory fake. */
export interface RangeReader {
  properties(): Promise<BlobInfo | undefined>;
  /** Bytes [offset, offset + count). May return fewer bytes; an empty array when nothing is there. */
  read(offset: number, count: number): Promise<Uint8Array>;
}

/** A blob that can also be streamed from an offset to its end (for the final download). */
export interface LogBlob extends RangeReader {
  /** Readable stream of bytes [offset, end). */
  stream(offset: number): Promise<NodeJS.ReadableStream>;
  /** Blob URL without SAS or key. */
  readonly url: string;
}

/** How far the local copy of a blob has got. */
export interface TailState {
  offset: number;
  etag?: string;
  createdOn?: Date;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Status code and service error code of an Azure SDK error (RestError) or anything alike. */
export function errorInfo(err: unknown): { status?: number; code?: string; message: string } {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { errorCode?: unknown } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const detailCode = typeof e?.details?.errorCode === 'string' ? e.details.errorCode : undefined;
  const code = detailCode ?? (typeof e?.code === 'string' ? e.code : undefined);
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { status, code, message };
}
