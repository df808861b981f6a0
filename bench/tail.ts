// 1. Tail efficiency: a log growing in Azurite, tailed by the real LogTail over the real blobLog reader,
//    then completeDownload. Counts the body bytes the reader actually received and, on the wire, the
//    requests made for the blob (GET, and HEAD, which should be none).
import diagnostics_channel from 'node:diagnostics_channel';
import { readFileSync, rmSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { completeDownload } from '../src/logs/download.ts';
import { blobLog } from '../src/logs/locate.ts';
import { LogTail } from '../src/logs/tail.ts';
import type { LogBlob, LogSink } from '../src/logs/types.ts';
import { logChunks, MiB, prng, type BenchAzurite } from './common.ts';

export interface TailRun {
  size: number;
  appends: number;
  polls: number;
  /** Body bytes received by the tail's ranged reads plus the final download's stream. */
  fetched: number;
  /** GETs of the blob on the wire (tail reads + completeDownload), whatever their answer. */
  gets: number;
  /** Of those, answers with no body: 416 (nothing past the end) or Azurite's empty 206 at the end. */
  emptyGets: number;
  /** HEADs of the blob on the wire (getProperties): expected 0. */
  heads: number;
  /** Bytes completeDownload fetched (the rest after the last poll). */
  finalFetched: number;
  linesPrinted: number;
  /** Printed lines = the fetched text's lines, once each, in order. */
  linesInOrder: boolean;
  identical: boolean;
  ms: number;
}

interface Counter {
  bytes: number;
  gets: number;
  emptyGets: number;
  heads: number;
}

/** Counts the body bytes the reader hands to the tail and to completeDownload. */
function counted(blob: LogBlob, c: Counter): LogBlob {
  return {
    url: blob.url,
    async read(offset, count) {
      const r = await blob.read(offset, count);
      if (r !== 'not-found') c.bytes += r.bytes.length;
      return r;
    },
    async stream(offset) {
      const r = await blob.stream(offset);
      if (r === 'not-found' || !r.body) return r;
      const body = r.body;
      return {
        ...r,
        body: Readable.from(
          (async function* () {
            for await (const chunk of body as AsyncIterable<Buffer>) {
              c.bytes += chunk.length;
              yield chunk;
            }
          })(),
        ),
      };
    },
  };
}

/**
 * Counts the requests for one blob on the wire (node's http client diagnostics channel), so requests the
 * reader makes on its own (a HEAD) are seen too.
 */
function wireCounter(blobPath: string, c: Counter): () => void {
  const onResponse = (m: unknown): void => {
    const { request, response } = m as { request: ClientRequest; response: IncomingMessage };
    if (!request.path.split('?')[0]!.endsWith(blobPath)) return;
    if (request.method === 'HEAD') c.heads++;
    if (request.method !== 'GET') return;
    c.gets++;
    if (response.statusCode === 416 || response.headers['content-length'] === '0') c.emptyGets++;
  };
  diagnostics_channel.subscribe('http.client.response.finish', onResponse);
  return () => diagnostics_channel.unsubscribe('http.client.response.finish', onResponse);
}

export async function tailRun(az: BenchAzurite, seed: number): Promise<TailRun> {
  const rnd = prng(seed);
  const size = Math.floor((20 + rnd() * 30) * MiB);
  const [content] = [...logChunks(size, size, seed)];
  const name = `bench-${seed}/customization.log`;
  const blob = az.appendBlob(name);
  await blob.create();
  const c: Counter = { bytes: 0, gets: 0, emptyGets: 0, heads: 0 };
  const reader = counted(blobLog(az.container.getBlobClient(name)), c);
  const stopCounting = wireCounter(`/packerlogs/${name}`, c);
  const printed: string[] = [];
  const sink: LogSink = {
    info: (m) => void printed.push(m),
    warning: () => {},
    debug: () => {},
    startGroup: () => {},
    endGroup: () => {},
    mask: () => {},
  };
  const file = join(az.workDir, `tail-${seed}.log`);
  // No print limits, so every line can be checked; the limits only decide what print() shows, not what is fetched.
  const tail = new LogTail({ reader, file, sink, maxLinesPerPoll: Infinity, maxLinesTotal: Infinity, maxLineChars: Infinity });
  const t0 = performance.now();
  let off = 0;
  let appends = 0;
  let polls = 0;
  while (off < size) {
    // Appends of random sizes from 1 byte to 4 MiB, log-uniform: many small, a few large.
    const n = Math.min(size - off, Math.max(1, Math.floor(Math.exp(rnd() * Math.log(4 * MiB)))));
    await blob.appendBlock(content!.subarray(off, off + n), n);
    off += n;
    appends++;
    if (off < size && rnd() < 0.5) {
      await tail.poll(rnd() < 0.5 ? 'Customizing' : 'Validating');
      polls++;
      if (rnd() < 0.1) {
        await tail.poll('Customizing'); // a poll with nothing new
        polls++;
      }
    }
  }
  tail.finish();
  const dl = await completeDownload(reader, file, tail.state);
  const ms = performance.now() - t0;
  stopCounting();
  const identical = readFileSync(file).equals(content!);
  // The tail printed each line of what it fetched once, in order (its last, unfinished line by finish()).
  const expected = content!
    .subarray(0, tail.state.offset)
    .toString('utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  if (expected.at(-1) === '') expected.pop();
  const linesInOrder = expected.length === printed.length && expected.every((l, i) => l === printed[i]);
  rmSync(file, { force: true });
  await blob.delete();
  return {
    size,
    appends,
    polls,
    fetched: c.bytes,
    gets: c.gets,
    emptyGets: c.emptyGets,
    heads: c.heads,
    finalFetched: dl.fetched,
    linesPrinted: printed.length,
    linesInOrder,
    identical,
    ms,
  };
}
