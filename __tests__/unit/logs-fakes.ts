import type { BlobInfo, LogBlob, LogSink, RangeRead, StreamRead } from '../../src/logs/types.js';
import { Readable } from 'node:stream';

/**
 * An in-memory blob that the test grows, replaces or deletes. It answers as Azure Storage does: a read
 * within the blob gets the bytes with the blob's length, ETag and creation time (a 206); a read at or past
 * the end gets no bytes and only the length (a 416, which carries no ETag or creation time); no blob is
 * 'not-found' (a 404). It counts requests and the bytes read from it.
 */
export class FakeBlob implements LogBlob {
  data: Buffer | undefined;
  etagN = 0;
  created = new Date('2026-01-01T00:00:00Z');
  bytesRead = 0;
  /** Requests: [offset, count] of each read, [offset, bytes sent] of each stream. */
  reads: Array<[number, number]> = [];
  /** Answers that were a 416 (nothing past the end). */
  pastEnd = 0;
  readonly url = 'https://acct.blob.core.windows.net/packerlogs/g/customization.log';

  append(text: string | Buffer): void {
    const b = typeof text === 'string' ? Buffer.from(text) : text;
    this.data = this.data ? Buffer.concat([this.data, b]) : b;
    this.etagN++;
  }
  /** A block blob uploaded whole again: the same bytes and more, a new creation time. */
  reupload(more: string): void {
    this.data = Buffer.concat([this.data ?? Buffer.alloc(0), Buffer.from(more)]);
    this.etagN++;
    this.created = new Date(this.created.getTime() + 1000);
  }
  replace(text: string): void {
    this.data = Buffer.from(text);
    this.etagN++;
    this.created = new Date(this.created.getTime() + 1000);
  }
  private answer(offset: number): BlobInfo | undefined {
    const length = this.data!.length;
    if (offset >= length) {
      this.pastEnd++;
      return undefined;
    }
    return { totalLength: length, etag: `"${this.etagN}"`, createdOn: this.created };
  }
  async read(offset: number, count: number): Promise<RangeRead | 'not-found'> {
    if (!this.data) return 'not-found';
    const info = this.answer(offset);
    this.reads.push([offset, count]);
    if (!info) return { bytes: new Uint8Array(0), totalLength: this.data.length };
    const b = this.data.subarray(offset, offset + count);
    this.bytesRead += b.length;
    return { bytes: new Uint8Array(b), ...info };
  }
  async stream(offset: number): Promise<StreamRead | 'not-found'> {
    if (!this.data) return 'not-found';
    // Offset 0 with no range: a 200 with the whole blob, even an empty one.
    const info = offset === 0 && this.data.length === 0 ? { totalLength: 0 } : this.answer(offset);
    const b = this.data.subarray(offset);
    this.reads.push([offset, info ? b.length : 0]);
    if (!info) return { totalLength: this.data.length };
    this.bytesRead += b.length;
    // Several chunks, as a network stream would give.
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += 7) chunks.push(b.subarray(i, i + 7));
    return { body: Readable.from(chunks), ...info };
  }
}

export interface RecordedSink extends LogSink {
  lines: string[];
  warnings: string[];
  infos: string[];
}

/** A sink that records everything; groups are recorded as `>> name` and `<<`. */
export function recordingSink(): RecordedSink {
  const lines: string[] = [];
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    lines,
    warnings,
    infos,
    info: (m) => {
      lines.push(m);
      infos.push(m);
    },
    warning: (m) => {
      lines.push(`WARN ${m}`);
      warnings.push(m);
    },
    debug: () => {},
    startGroup: (n) => lines.push(`>> ${n}`),
    endGroup: () => lines.push('<<'),
    mask: () => {},
  };
}
