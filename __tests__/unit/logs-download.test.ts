import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeDownload } from '../../src/logs/download.js';
import { LogTail } from '../../src/logs/tail.js';
import { FakeBlob, recordingSink } from './logs-fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'logs-dl-'));
let n = 0;
const file = (): string => join(dir, `d${n++}.log`);

describe('completeDownload', () => {
  test('fetches only the bytes the tail has not fetched', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('one\ntwo\n');
    await tail.poll();
    blob.append('three\nfour\n');
    const r = await completeDownload(blob, f, tail.state);
    expect(r).toEqual({ length: blob.data!.length, fetched: 11, replaced: false, exists: true });
    expect(readFileSync(f, 'utf8')).toBe('one\ntwo\nthree\nfour\n');
    expect(blob.bytesRead).toBe(blob.data!.length);
  });

  test('nothing fetched when length and ETag are unchanged', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('all\n');
    await tail.poll();
    const before = blob.bytesRead;
    expect((await completeDownload(blob, f, tail.state)).fetched).toBe(0);
    expect(blob.bytesRead).toBe(before);
  });

  test('a replaced blob is fetched whole', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('old old old\n');
    await tail.poll();
    blob.replace('brand new log, longer than before\n');
    const r = await completeDownload(blob, f, tail.state);
    expect(r.replaced).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('brand new log, longer than before\n');
  });

  test('without a tail, the whole blob is streamed to disk', async () => {
    const blob = new FakeBlob();
    blob.append('x'.repeat(1000) + '\n');
    const f = file();
    writeFileSync(f, 'stale content');
    const r = await completeDownload(blob, f);
    expect(r.fetched).toBe(1001);
    expect(readFileSync(f, 'utf8')).toBe('x'.repeat(1000) + '\n');
  });

  test('a missing blob is not an error', async () => {
    const r = await completeDownload(new FakeBlob(), file());
    expect(r.exists).toBe(false);
  });

  test('the local file size bounds the offset (a lost append is fetched again)', async () => {
    const blob = new FakeBlob();
    blob.append('abcdef\n');
    const f = file();
    writeFileSync(f, 'abc');
    const r = await completeDownload(blob, f, { offset: 7, etag: '"0"', createdOn: blob.created });
    expect(r.fetched).toBe(4);
    expect(readFileSync(f, 'utf8')).toBe('abcdef\n');
  });
});
