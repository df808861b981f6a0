/**
 * The log's bytes with secrets removed, line by line, keeping everything else byte for byte: the local copy
 * that becomes the artifact (contract 10). Bytes are read as latin1 (one char per byte, so any byte
 * sequence, valid UTF-8 or not, comes back unchanged) and only whole lines are redacted, so a secret split
 * between two reads is still seen. A line longer than `maxLine` is cut where no secret can straddle the cut.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { redactSecrets } from '../redact.js';

const EMPTY = Buffer.alloc(0);
/** Default longest run of bytes held while waiting for a line's end. */
export const MAX_PENDING_LINE = 256 * 1024;

export class LineRedactor {
  private pending: string;

  /** `pending`: the unfinished last line of an earlier pass (see TailState.pending). */
  constructor(
    pending: Uint8Array = EMPTY,
    private readonly maxLine = MAX_PENDING_LINE,
  ) {
    this.pending = Buffer.from(pending.buffer, pending.byteOffset, pending.length).toString('latin1');
  }

  /** The redacted bytes of the lines `chunk` completes (and of an over-long line's head). */
  push(chunk: Uint8Array): Buffer {
    let text = this.pending + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1');
    let done = '';
    const nl = text.lastIndexOf('\n');
    if (nl >= 0) {
      done = text.slice(0, nl + 1);
      text = text.slice(nl + 1);
    }
    while (text.length > this.maxLine) {
      const cut = safeCut(text, this.maxLine);
      done += text.slice(0, cut);
      text = text.slice(cut);
    }
    this.pending = text;
    return done ? Buffer.from(redactSecrets(done), 'latin1') : EMPTY;
  }

  /** The redacted unfinished last line; the redactor is empty afterwards. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = '';
    return rest ? Buffer.from(redactSecrets(rest), 'latin1') : EMPTY;
  }

  /** The unfinished last line, raw. */
  get pendingBytes(): Buffer {
    return Buffer.from(this.pending, 'latin1');
  }
}

/** What may come right before a secret (its label): a cut must not fall between the two. */
const LABEL_AT_END =
  /(?:sig|key|token|secret|assertion|password|bearer|basic|sharedkey(?:lite)?|signature|authorization|pop)[^A-Za-z0-9]{0,16}$/i;
const SEPARATOR = /[ \t"'<>,;()[\]{}|]/;

/**
 * Where to cut an over-long line: after the last separator (blank, quote, bracket ...) before `max` that
 * does not directly follow a label; at `max` when there is none in the last 4 KiB (no secret is that long).
 */
function safeCut(text: string, max: number): number {
  const floor = Math.max(1, max - 4096);
  for (let i = max; i > floor; i--) {
    if (!SEPARATOR.test(text.charAt(i - 1))) continue;
    if (LABEL_AT_END.test(text.slice(Math.max(0, i - 64), i))) continue;
    return i;
  }
  return max;
}

/** A stream transform: raw log bytes in, redacted log bytes out; counts the bytes it took in. */
export function redactingTransform(redactor: LineRedactor): Transform & { bytesIn: () => number } {
  let bytesIn = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      bytesIn += chunk.length;
      const out = redactor.push(chunk);
      cb(null, out.length > 0 ? out : undefined);
    },
    flush(cb: TransformCallback) {
      const out = redactor.end();
      cb(null, out.length > 0 ? out : undefined);
    },
  });
  return Object.assign(t, { bytesIn: () => bytesIn });
}
