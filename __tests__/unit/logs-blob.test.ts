/**
 * The real BlobClient wrappers (ranged reads, streaming, listing) against Azurite, the Storage emulator,
 * over plain http with the emulator's well-known development account.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { blobLog, findNewestCustomizationLog } from '../../src/logs/locate.js';
import { completeDownload } from '../../src/logs/download.js';
import { LogTail } from '../../src/logs/tail.js';
import { recordingSink } from './logs-fakes.js';

// Azurite's documented development account (public, not a secret).
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

let proc: ChildProcess;
let container: ContainerClient;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  proc = spawn(
    join(process.cwd(), 'node_modules', '.bin', 'azurite-blob'),
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'],
    { stdio: 'ignore' },
  );
  const svc = new BlobServiceClient(`http://127.0.0.1:${port}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY), {
    retryOptions: { maxTries: 1 },
  });
  container = svc.getContainerClient('packerlogs');
  for (let i = 0; ; i++) {
    try {
      await container.createIfNotExists();
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

afterAll(() => {
  proc?.kill();
});

test('tail and final download over a real append blob: each byte once', async () => {
  const blob = container.getAppendBlobClient('run1/customization.log');
  const log = blobLog(blob);
  expect(await log.properties()).toBeUndefined();
  const file = join(mkdtempSync(join(tmpdir(), 'logs-blob-')), 'customization.log');
  const sink = recordingSink();
  const tail = new LogTail({ reader: log, file, sink });
  await tail.poll('Queued');
  await blob.create();
  await tail.poll('Building');
  const a = 'first line\nsecond ';
  const b = 'line\nthird line\n';
  await blob.appendBlock(a, a.length);
  const p1 = await log.properties();
  await tail.poll('Building');
  await blob.appendBlock(b, b.length);
  const p2 = await log.properties();
  expect(p2!.etag).not.toBe(p1!.etag);
  expect(p2!.createdOn!.getTime()).toBe(p1!.createdOn!.getTime());
  await tail.poll('Customizing');
  expect(sink.infos).toEqual(['first line', 'second line', 'third line']);
  expect(await log.read(p2!.length, 10)).toHaveLength(0);
  const tailEnd = 'done\n';
  await blob.appendBlock(tailEnd, tailEnd.length);
  const r = await completeDownload(log, file, tail.state);
  expect(r).toMatchObject({ fetched: 5, replaced: false });
  expect(readFileSync(file, 'utf8')).toBe(a + b + tailEnd);
  expect(log.url).toBe(blob.url);
  expect(log.url).not.toContain('?');
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
