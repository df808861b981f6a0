/**
 * The real BlobClient wrappers (ranged reads, streaming, listing) against Azurite, the Storage emulator,
 * over plain http with the emulator's well-known development account.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type BlobClient, type ContainerClient } from '@azure/storage-blob';
import { blobLog, findNewestCustomizationLog } from '../../src/logs/locate.js';
import { completeDownload } from '../../src/logs/download.js';
import { LogTail } from '../../src/logs/tail.js';
import type { RangeRead } from '../../src/logs/types.js';
import { recordingSink } from './logs-fakes.js';
import { startAzurite, type Azurite } from '../../sim/azure/azurite.ts';

// Azurite's documented development account (public, not a secret).
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

let azurite: Azurite;
let container: ContainerClient;

// Started through the simulator's launcher, which waits for Azurite to say it listens: a fixed start-up
// budget here made this file fail on a loaded machine (ECONNREFUSED on every test).
beforeAll(async () => {
  azurite = await startAzurite(undefined, mkdtempSync(join(tmpdir(), 'logs-blob-')), [{ name: ACCOUNT, key: KEY }]);
  const svc = new BlobServiceClient(`${azurite.origin}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY), {
    retryOptions: { maxTries: 1 },
  });
  container = svc.getContainerClient('packerlogs');
  await container.createIfNotExists();
});

afterAll(async () => {
  await azurite?.stop();
});

/** Reads of one blob on the wire (GET and HEAD; the test's own writes left out), as `METHOD status range`. */
function wire(path: string): { requests: string[]; stop: () => void } {
  const requests: string[] = [];
  const on = (m: unknown): void => {
    const { request, response } = m as { request: ClientRequest; response: IncomingMessage };
    if (!request.path.split('?')[0]!.endsWith(path) || !['GET', 'HEAD'].includes(request.method)) return;
    requests.push(`${request.method} ${response.statusCode} ${String(request.getHeader('x-ms-range') ?? '')}`.trim());
  };
  diagnostics_channel.subscribe('http.client.response.finish', on);
  return { requests, stop: () => diagnostics_channel.unsubscribe('http.client.response.finish', on) };
}

const present = (r: RangeRead | 'not-found'): RangeRead => {
  if (r === 'not-found') throw new Error('not found');
  return r;
};

test('blobLog.read: 404 is not-found, 206 says length, ETag and creation time, past the end says the length (416)', async () => {
  const blob = container.getAppendBlobClient('probe/customization.log');
  const log = blobLog(blob);
  const w = wire('/probe/customization.log');
  try {
    expect(await log.read(0, 10)).toBe('not-found');
    await blob.create();
    expect(await log.read(0, 10)).toEqual({ bytes: new Uint8Array(0), totalLength: 0 }); // 416 bytes */0
    await blob.appendBlock('hello world\n', 12);
    const r = present(await log.read(3, 4));
    expect(Buffer.from(r.bytes).toString()).toBe('lo w');
    expect(r.totalLength).toBe(12);
    expect(r.etag).toMatch(/^"/);
    expect(r.createdOn).toBeInstanceOf(Date);
    // Exactly at the end: Azurite answers an empty 206 (Azure a 416); either way no bytes and the length.
    expect(present(await log.read(12, 10))).toMatchObject({ bytes: new Uint8Array(0), totalLength: 12 });
    // Past the end (a truncated blob): 416 with Content-Range bytes */12, no ETag.
    expect(await log.read(20, 10)).toEqual({ bytes: new Uint8Array(0), totalLength: 12 });
    const s = await log.stream(20);
    expect(s).toEqual({ totalLength: 12 });
    expect(w.requests).toEqual([
      'GET 404 bytes=0-9',
      'GET 416 bytes=0-9',
      'GET 206 bytes=3-6',
      'GET 206 bytes=12-21',
      'GET 416 bytes=20-29',
      'GET 416 bytes=20-',
    ]);
  } finally {
    w.stop();
  }
});

test('tail and final download over a real append blob: each byte once, one GET per poll, no HEAD', async () => {
  const blob = container.getAppendBlobClient('run1/customization.log');
  const log = blobLog(blob);
  const w = wire('/run1/customization.log');
  const file = join(mkdtempSync(join(tmpdir(), 'logs-blob-')), 'customization.log');
  const sink = recordingSink();
  const tail = new LogTail({ reader: log, file, sink });
  await tail.poll('Queued');
  await blob.create();
  await tail.poll('Building');
  const a = 'first line\nsecond ';
  const b = 'line\nthird line\n';
  await blob.appendBlock(a, a.length);
  await tail.poll('Building');
  const s1 = tail.state;
  await blob.appendBlock(b, b.length);
  await tail.poll('Customizing');
  const s2 = tail.state;
  expect(s2.createdOn!.getTime()).toBe(s1.createdOn!.getTime());
  await tail.poll('Customizing'); // nothing new
  expect(sink.infos).toEqual(['first line', 'second line', 'third line']);
  const tailEnd = 'done\n';
  await blob.appendBlock(tailEnd, tailEnd.length);
  const r = await completeDownload(log, file, tail.state);
  w.stop();
  expect(r).toMatchObject({ fetched: 5, replaced: false });
  expect(readFileSync(file, 'utf8')).toBe(a + b + tailEnd);
  const n = (a + b).length;
  expect(w.requests).toEqual([
    'GET 404 bytes=0-1048575',
    'GET 416 bytes=0-1048575',
    'GET 206 bytes=0-1048575',
    `GET 206 bytes=${a.length}-${a.length + 1048575}`,
    `GET 206 bytes=${n}-${n + 1048575}`, // Azurite's empty 206 at the end (Azure: 416)
    `GET 206 bytes=${n}-`,
  ]);
  expect(log.url).toBe(blob.url);
  expect(log.url).not.toContain('?');
});

test('a blob deleted and written again (new creation time) is read again from 0 by the tail and by the final download', async () => {
  const blob = container.getAppendBlobClient('run2/customization.log');
  const log = blobLog(blob);
  const file = join(mkdtempSync(join(tmpdir(), 'logs-blob-')), 'customization.log');
  const sink = recordingSink();
  const tail = new LogTail({ reader: log, file, sink });
  await blob.create();
  await blob.appendBlock('old 1\n', 6);
  await tail.poll();
  await new Promise((r) => setTimeout(r, 1100)); // x-ms-creation-time has whole seconds
  await blob.delete();
  await blob.create();
  await blob.appendBlock('new 1\nnew 2\n', 12);
  await tail.poll();
  expect(sink.infos).toEqual(['old 1', expect.stringMatching(/replaced or truncated/), 'new 1', 'new 2']);
  expect(readFileSync(file, 'utf8')).toBe('new 1\nnew 2\n');
  const before = tail.state;
  await new Promise((r) => setTimeout(r, 1100));
  await blob.delete();
  await blob.create();
  await blob.appendBlock('newer, longer than before\n', 26);
  const r = await completeDownload(log, file, before);
  expect(r).toEqual({ length: 26, fetched: 26, replaced: true, exists: true });
  expect(readFileSync(file, 'utf8')).toBe('newer, longer than before\n');
});

test('findNewestCustomizationLog picks the newest and skips earlier runs', async () => {
  const old = container.getBlockBlobClient('old/customization.log');
  await old.upload('x', 1);
  await new Promise((r) => setTimeout(r, 1100));
  const start = new Date();
  const cur = container.getBlockBlobClient('new/customization.log');
  await cur.upload('y', 1);
  await container.getBlockBlobClient('new/validation.log').upload('z', 1);
  expect(await findNewestCustomizationLog(container)).toBe('new/customization.log');
  expect(await findNewestCustomizationLog(container, start)).toBe('new/customization.log');
  expect(await findNewestCustomizationLog(container, new Date(Date.now() + 60_000))).toBeUndefined();
});

test('a 416 without Content-Range (never seen from Azure or Azurite) falls back to one HEAD for the length', async () => {
  const created = new Date('2026-01-01T00:00:00Z');
  const stub = {
    url: 'https://acct.blob.core.windows.net/packerlogs/g/customization.log?sig=x',
    download: async () => {
      throw Object.assign(new Error('InvalidRange'), { statusCode: 416, response: { headers: { get: () => undefined } } });
    },
    getProperties: async () => ({ contentLength: 7, etag: '"e"', createdOn: created }),
  };
  const log = blobLog(stub as unknown as BlobClient);
  expect(await log.read(9, 10)).toEqual({ bytes: new Uint8Array(0), totalLength: 7, etag: '"e"', createdOn: created });
  expect(await log.stream(9)).toEqual({ totalLength: 7, etag: '"e"', createdOn: created });
});
