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
    expect(blob.reads.slice(1)).toEqual([[8, 11]]); // one GET from the offset, no HEAD
  });

  test('nothing fetched when nothing was added: one GET, answered 416', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('all\n');
    await tail.poll();
    const before = blob.bytesRead;
    expect(await completeDownload(blob, f, tail.state)).toEqual({ length: 4, fetched: 0, replaced: false, exists: true });
    expect(blob.bytesRead).toBe(before);
    expect(blob.reads).toHaveLength(2); // the tail's read and one GET past the end (a 416)
    expect(blob.pastEnd).toBe(1);
    expect(readFileSync(f, 'utf8')).toBe('all\n');
  });

  test('a replaced blob is fetched whole', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('old old old\n');
    await tail.poll();
    blob.replace('brand new log, longer than before\n');
    const r = await completeDownload(blob, f, tail.state);
    expect(r).toEqual({ length: 34, fetched: 34, replaced: true, exists: true });
    expect(readFileSync(f, 'utf8')).toBe('brand new log, longer than before\n');
    // The GET from the old offset said "created again": its body was dropped and the blob read from 0.
    // A 12-byte read of its head said "other content".
    expect(blob.reads.slice(1)).toEqual([
      [12, 22],
      [0, 12],
      [0, 34],
    ]);
  });

  test('a blob now shorter than the offset (the 416 says its length) is fetched whole', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('0123456789\n');
    await tail.poll();
    blob.data = Buffer.from('abc\n');
    const r = await completeDownload(blob, f, tail.state);
    expect(r).toEqual({ length: 4, fetched: 4, replaced: true, exists: true });
    expect(readFileSync(f, 'utf8')).toBe('abc\n');
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

  test('an empty blob gives an empty file', async () => {
    const blob = new FakeBlob();
    blob.data = Buffer.alloc(0);
    const f = file();
    writeFileSync(f, 'stale');
    expect(await completeDownload(blob, f)).toEqual({ length: 0, fetched: 0, replaced: false, exists: true });
    expect(readFileSync(f, 'utf8')).toBe('');
  });

  test('a local file shorter than the state says is not trusted: the blob is fetched whole', async () => {
    const blob = new FakeBlob();
    blob.append('abcdef\n');
    const f = file();
    writeFileSync(f, 'abc');
    const state = {
      offset: 7,
      fileBytes: 7,
      pending: new Uint8Array(0),
      head: Buffer.from('abcdef\n'),
      window: Buffer.from('abcdef\n'),
      createdOn: blob.created,
    };
    const r = await completeDownload(blob, f, state);
    expect(r.fetched).toBe(7);
    expect(readFileSync(f, 'utf8')).toBe('abcdef\n');
  });

  test('a block blob re-uploaded whole after the tail: only the rest is fetched, the pending line finished, secrets redacted', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.reupload('first\nGET https://a/b?sv=1&sig=U2VjcmV0');
    await tail.poll();
    tail.finish();
    blob.reupload('U2ln%3D done\nlast\n');
    const r = await completeDownload(blob, f, tail.state);
    expect(r.replaced).toBe(false);
    expect(readFileSync(f, 'utf8')).toBe('first\nGET https://a/b done\nlast\n');
    expect(r.fetched).toBe(blob.data!.length - tail.state.offset);
    expect(r.length).toBe(readFileSync(f).length);
  });
});
