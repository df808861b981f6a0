/**
 * Live tail of a growing blob: each poll fetches only the bytes added since the last one, appends them
 * to a local file (which becomes the artifact) and prints the new whole lines once, in order. Both the
 * printed lines and the file have secrets removed (contract 10): the file keeps the log's line structure
 * and every other byte, so its size is not the blob's (TailState says both). Printed lines are split where
 * the runner splits them and cannot issue a workflow command (contract 11).
 */
import { promises as fs } from 'node:fs';
import { inertLine, redactSecrets } from '../redact.js';
import { LineRedactor } from './redacted-lines.js';
import {
  CONTENT_PROBE_BYTES,
  emptyTailState,
  sameLogContent,
  type LogSink,
  type RangeRead,
  type RangeReader,
  type TailState,
} from './types.js';

/**
 * Bytes redacted, written and split at a time within one read: the strings made from a slice (up to twice
 * its size once decoded) stay regular young-generation objects, not large objects.
 */
const SLICE_BYTES = 32 * 1024;

export interface TailOptions {
  reader: RangeReader;
  /** Local copy of the blob; created or truncated by the first poll. */
  file: string;
  sink: LogSink;
  /** Label used in messages, e.g. `customization.log`. */
  label?: string;
  /** A poll printing more lines than this prints only the last `burstKeep` of them. */
  maxLinesPerPoll?: number;
  burstKeep?: number;
  /** After this many printed lines the tail stops printing (the file still grows). */
  maxLinesTotal?: number;
  /** Largest single ranged read. */
  chunkBytes?: number;
  /** A line longer than this is printed cut. */
  maxLineChars?: number;
}

/** A build-log line as it may be printed: no secret, no workflow command (kept for older imports). */
export function safeLine(line: string): string {
  return inertLine(redactSecrets(line));
}

export class LogTail {
  private readonly o: Required<Omit<TailOptions, 'reader' | 'file' | 'sink'>> & Pick<TailOptions, 'reader' | 'file' | 'sink'>;
  private st: TailState = emptyTailState();
  private redactor = new LineRedactor();
  private decoder = new TextDecoder('utf-8');
  /** Decoded text after the last printed line break. */
  private printPending = '';
  private started = false;
  private printed = 0;
  private capNoticed = false;
  private replacedNoticed = false;
  private group: string | undefined;
  private groupOpen = false;

  constructor(options: TailOptions) {
    this.o = {
      label: 'customization.log',
      maxLinesPerPoll: 400,
      burstKeep: 40,
      maxLinesTotal: 20000,
      // 1 MiB, not 4: a poll catching up on a fast log held 4 MiB reads long enough for V8 to keep them (bench 5d:
      // tail peak 186 → 118 MiB for a 1 GiB log); a log growing less than 1 MiB per poll still costs one read.
      chunkBytes: 1024 * 1024,
      maxLineChars: 4000,
      ...options,
    };
  }

  /** How far the blob was read and the local file written, and how to recognise the blob. */
  get state(): TailState {
    return { ...this.st, pending: this.redactor.pendingBytes };
  }

  get file(): string {
    return this.o.file;
  }

  /**
   * Read what was added since the last poll: one ranged GET from the current offset (more only when over
   * `chunkBytes` arrived), whose answer also says the blob's length and identity. `phase` (the run
   * sub-state) names the log group the new lines go in. Returns the number of bytes fetched. Throws on
   * storage errors (the caller warns).
   */
  async poll(phase?: string): Promise<number> {
    if (!this.started) {
      await fs.writeFile(this.o.file, '');
      this.started = true;
    }
    let fetched = 0;
    let restarted = false;
    const lines = new BurstBuffer(this.o.maxLinesPerPoll, Math.min(this.o.burstKeep, this.o.maxLinesPerPoll));
    for (;;) {
      const r = await this.o.reader.read(this.st.offset, this.o.chunkBytes);
      if (r === 'not-found') break; // not written yet: normal early in a build
      if (await this.isAnotherBlob(r)) {
        if (!this.replacedNoticed) {
          this.o.sink.info(`${this.o.label} was replaced or truncated in storage; reading it again from the start.`);
          this.replacedNoticed = true;
        }
        // The bytes of this answer (if any) are from the middle of the new blob: read it again from 0.
        // Once per poll: a blob replaced again meanwhile is the next poll's business.
        const again = !restarted;
        restarted = true;
        await this.restart();
        if (again) continue;
        break;
      }
      if (r.createdOn !== undefined) this.st.createdOn = r.createdOn;
      if (r.bytes.length === 0) break; // nothing new (a 416 past the end)
      await this.take(r.bytes, lines);
      fetched += r.bytes.length;
      if (this.st.offset >= r.totalLength) break; // read up to the length this answer gave
    }
    this.print(lines, phase);
    return fetched;
  }

  /** Print a last line that never got its newline (it stays pending for the final download), and close the open group. */
  finish(): void {
    const rest = this.printPending + this.decoder.decode(this.redactor.pendingBytes);
    this.printPending = '';
    this.decoder = new TextDecoder('utf-8');
    if (rest.length > 0) {
      const b = new BurstBuffer(Infinity, 0);
      for (const l of rest.split(/\r\n|\r|\n/)) b.push(l);
      this.print(b, this.group);
    }
    this.closeGroup();
  }

  /** Write the pending last line to the file (when no final download will). */
  async flushFile(): Promise<void> {
    const rest = this.redactor.end();
    if (rest.length === 0) return;
    await fs.appendFile(this.o.file, rest);
    this.st.fileBytes += rest.length;
  }

  /** Close the current log group (e.g. before printing a status line outside it). */
  closeGroup(): void {
    if (this.groupOpen) {
      this.o.sink.endGroup();
      this.groupOpen = false;
    }
  }

  /**
   * Whether an answer is from another blob than the one read so far: shorter than the offset, or created
   * again with other content. A block blob re-uploaded whole with the same leading bytes is the same log.
   */
  private async isAnotherBlob(r: RangeRead): Promise<boolean> {
    if (this.st.offset === 0) return false;
    const recreated = this.st.createdOn !== undefined && r.createdOn !== undefined && this.st.createdOn.getTime() !== r.createdOn.getTime();
    if (r.totalLength >= this.st.offset && !recreated) return false;
    const same = await sameLogContent(this.o.reader, this.st, r.totalLength);
    if (same) this.o.sink.debug(`${this.o.label} was written again with the same beginning; reading on from byte ${this.st.offset}.`);
    return !same;
  }

  /** Take new bytes of the blob: remember how it looks, write the redacted whole lines, queue them for printing. */
  private async take(bytes: Uint8Array, lines: BurstBuffer): Promise<void> {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (this.st.head.length < CONTENT_PROBE_BYTES) {
      this.st.head = Buffer.concat([this.st.head, b.subarray(0, CONTENT_PROBE_BYTES - this.st.head.length)]);
    }
    this.st.window =
      b.length >= CONTENT_PROBE_BYTES
        ? Buffer.from(b.subarray(b.length - CONTENT_PROBE_BYTES))
        : Buffer.concat([this.st.window, b]).subarray(-CONTENT_PROBE_BYTES);
    this.st.offset += b.length;
    // Slice by slice, so every string made from the bytes stays small: short-lived small strings die in
    // the young generation instead of piling up as multi-MiB large objects that only a full GC takes back.
    const outs: Buffer[] = [];
    let written = 0;
    for (let at = 0; at < b.length; at += SLICE_BYTES) {
      const out = this.redactor.push(b.subarray(at, at + SLICE_BYTES));
      if (out.length === 0) continue;
      outs.push(out);
      written += out.length;
      // Past the print limit nothing more is printed: the lines need not be made at all.
      if (this.printed < this.o.maxLinesTotal) this.split(this.decoder.decode(out, { stream: true }), lines);
    }
    if (written > 0) {
      await fs.writeFile(this.o.file, outs, { flag: 'a' });
      this.st.fileBytes += written;
    }
  }

  private async restart(): Promise<void> {
    await fs.writeFile(this.o.file, '');
    this.st = emptyTailState();
    this.redactor = new LineRedactor();
    this.decoder = new TextDecoder('utf-8');
    this.printPending = '';
  }

  /** Lines as the runner will see them: a line ends at \n, \r\n or a lone \r (a \r at the very end waits for a \n). */
  private split(text: string, out: BurstBuffer): void {
    const parts = (this.printPending + text).split(/\r\n|\r(?!$)|\n/);
    let rest = parts.pop() ?? '';
    for (const p of parts) out.push(p);
    if (rest.length > this.o.maxLineChars) {
      out.push(rest);
      rest = '';
    }
    this.printPending = rest;
  }

  private print(lines: BurstBuffer, phase: string | undefined): void {
    if (lines.total === 0) return;
    if (this.printed >= this.o.maxLinesTotal) return;
    if (phase !== undefined && (phase !== this.group || !this.groupOpen)) {
      this.closeGroup();
      this.o.sink.startGroup(`Build log: ${phase}`);
      this.groupOpen = true;
      this.group = phase;
    }
    // Redact before cutting, so a cut never leaves half a signature unrecognised.
    const cut = (line: string): string => {
      const s = redactSecrets(line.replace(/\r$/, ''));
      return inertLine(s.length > this.o.maxLineChars ? `${s.slice(0, this.o.maxLineChars)} …` : s);
    };
    const out: string[] = [];
    if (lines.skipped > 0) {
      out.push(`… ${lines.skipped} lines skipped (full text in the logs artifact)`);
    }
    for (const l of lines.kept()) out.push(cut(l));
    for (const l of out) {
      if (this.printed >= this.o.maxLinesTotal) {
        if (!this.capNoticed) {
          this.o.sink.info(`… ${this.o.label}: printed ${this.o.maxLinesTotal} lines, the limit; the rest is in the logs artifact.`);
          this.capNoticed = true;
        }
        return;
      }
      this.o.sink.info(l);
      this.printed++;
    }
  }
}

/** Keeps up to `max` lines; past that, only the last `keep` and a count of the others. */
class BurstBuffer {
  total = 0;
  private lines: string[] = [];
  private ring: string[] = [];
  private ringPos = 0;

  constructor(
    private readonly max: number,
    private readonly keep: number,
  ) {}

  push(line: string): void {
    this.total++;
    if (this.total <= this.max) {
      this.lines.push(line);
      if (this.total === this.max) {
        // Prepare the ring with the last `keep` lines in case more arrive.
        this.ring = this.lines.slice(-this.keep);
        this.ringPos = 0;
      }
      return;
    }
    if (this.keep === 0) return;
    this.lines = [];
    this.ring[this.ringPos] = line;
    this.ringPos = (this.ringPos + 1) % this.keep;
  }

  get skipped(): number {
    return this.total <= this.max ? 0 : this.total - Math.min(this.keep, this.total);
  }

  kept(): string[] {
    if (this.total <= this.max) return this.lines;
    return [...this.ring.slice(this.ringPos), ...this.ring.slice(0, this.ringPos)];
  }
}
