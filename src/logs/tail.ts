/**
 * Live tail of a growing blob: each poll fetches only the bytes added since the last one, appends them
 * to a local file (which becomes the artifact) and prints the new whole lines once, in order. Printed lines
 * have SAS tokens, account keys and auth headers removed (contract 10); the local file keeps the blob byte
 * for byte: it is the user's own log, uploaded only to the user's own run as an artifact.
 */
import { promises as fs } from 'node:fs';
import { redactSas } from '../report.js';
import type { LogSink, RangeReader, TailState } from './types.js';

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

/** Neutralise workflow commands (`::error::`, `##[group]` ...) that a build log might contain. */
export function safeLine(line: string): string {
  return line.replace(/^(\s*)(::|##\[)/, (_m, ws: string, cmd: string) => `${ws}${cmd[0]}\u200b${cmd.slice(1)}`);
}

export class LogTail {
  private readonly o: Required<Omit<TailOptions, 'reader' | 'file' | 'sink'>> & Pick<TailOptions, 'reader' | 'file' | 'sink'>;
  private st: TailState = { offset: 0 };
  private decoder = new TextDecoder('utf-8');
  private pending = '';
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
      chunkBytes: 4 * 1024 * 1024,
      maxLineChars: 4000,
      ...options,
    };
  }

  /** Bytes of the blob copied to the local file so far, and the blob's identity when last seen. */
  get state(): TailState {
    return { ...this.st };
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
      if (this.isReplaced(r.totalLength, r.createdOn)) {
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
      await fs.appendFile(this.o.file, r.bytes);
      this.st.offset += r.bytes.length;
      fetched += r.bytes.length;
      this.split(this.decoder.decode(r.bytes, { stream: true }), lines);
      if (this.st.offset >= r.totalLength) break; // read up to the length this answer gave
    }
    this.print(lines, phase);
    return fetched;
  }

  /** Print a last line that never got its newline, and close the open group. */
  finish(): void {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    if (rest.length > 0) {
      const b = new BurstBuffer(1, 1);
      b.push(rest);
      this.print(b, this.group);
    }
    this.closeGroup();
  }

  /** Close the current log group (e.g. before printing a status line outside it). */
  closeGroup(): void {
    if (this.groupOpen) {
      this.o.sink.endGroup();
      this.groupOpen = false;
    }
  }

  private isReplaced(length: number, createdOn: Date | undefined): boolean {
    if (length < this.st.offset) return true;
    if (this.st.createdOn && createdOn && this.st.createdOn.getTime() !== createdOn.getTime()) return true;
    return false;
  }

  private async restart(): Promise<void> {
    await fs.writeFile(this.o.file, '');
    this.st = { offset: 0 };
    this.decoder = new TextDecoder('utf-8');
    this.pending = '';
  }

  private split(text: string, out: BurstBuffer): void {
    let start = 0;
    let data = this.pending + text;
    this.pending = '';
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      out.push(data.slice(start, nl).replace(/\r$/, ''));
      start = nl + 1;
    }
    data = data.slice(start);
    if (data.length > this.o.maxLineChars) {
      out.push(data);
      data = '';
    }
    this.pending = data;
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
      const s = redactSas(line);
      return safeLine(s.length > this.o.maxLineChars ? `${s.slice(0, this.o.maxLineChars)} …` : s);
    };
    const out: string[] = [];
    if (lines.skipped > 0) {
      out.push(`… ${lines.skipped} lines skipped (full text in the logs artifact)`);
    }
    for (const l of lines.kept()) out.push(cut(l));
    for (const l of out) {
      if (this.printed >= this.o.maxLinesTotal) {
        if (!this.capNoticed) {
          this.o.sink.info(
            `… ${this.o.label}: printed ${this.o.maxLinesTotal} lines, the limit; the rest is in the logs artifact.`,
          );
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
