import type { BlobInfo, LogBlob, LogSink } from '../../src/logs/types.js';
import { Readable } from 'node:stream';

/** An in-memory blob that the test grows, replaces or deletes; it counts the bytes read from it. */
export class FakeBlob implements LogBlob {
  data: Buffer | undefined;
  etagN = 0;
  created = new Date('2026-01-01T00:00:00Z');
  bytesRead = 0;
  reads: Array<[number, number]> = [];
  readonly url = 'https://acct.blob.core.windows.net/packerlogs/g/customization.log';

  append(text: string | Buffer): void {
    const b = typeof text === 'string' ? Buffer.from(text) : text;
    this.data = this.data ? Buffer.concat([this.data, b]) : b;
    this.etagN++;
  }
  replace(text: string): void {
    this.data = Buffer.from(text);
    this.etagN++;
    this.created = new Date(this.created.getTime() + 1000);
  }
  async properties(): Promise<BlobInfo | undefined> {
    if (!this.data) return undefined;
    return { length: this.data.length, etag: `"${this.etagN}"`, createdOn: this.created };
  }
  async read(offset: number, count: number): Promise<Uint8Array> {
    if (!this.data) throw Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
    const b = this.data.subarray(offset, offset + count);
    this.bytesRead += b.length;
    this.reads.push([offset, count]);
    return new Uint8Array(b);
  }
  async stream(offset: number): Promise<NodeJS.ReadableStream> {
    if (!this.data) throw Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
    const b = this.data.subarray(offset);
    this.bytesRead += b.length;
    this.reads.push([offset, b.length]);
    // Several chunks, as a network stream would give.
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += 7) chunks.push(b.subarray(i, i + 7));
    return Readable.from(chunks);
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
