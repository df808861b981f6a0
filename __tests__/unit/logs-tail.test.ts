import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail, safeLine } from '../../src/logs/tail.js';
import { FakeBlob, recordingSink } from './logs-fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'logs-tail-'));
let n = 0;
const file = (): string => join(dir, `c${n++}.log`);

describe('LogTail', () => {
  test('a growing log is printed exactly once, in order, and each byte is fetched once', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink });
    expect(await tail.poll('Queued')).toBe(0); // not there yet: no warning, nothing printed
    expect(sink.lines).toEqual([]);
    blob.append('line 1\nline 2\nli');
    await tail.poll('Building');
    blob.append('ne 3\n');
    await tail.poll('Building');
    await tail.poll('Building'); // nothing new
    blob.append('line 4\r\nline 5');
    await tail.poll('Customizing');
    tail.finish();
    expect(sink.lines).toEqual([
      '>> Build log: Building',
      'line 1',
      'line 2',
      'line 3',
      '<<',
      '>> Build log: Customizing',
      'line 4',
      'line 5',
      '<<',
    ]);
    // The unfinished last line waits (for more of it, or the final download) before it goes to the file.
    expect(readFileSync(f, 'utf8')).toBe('line 1\nline 2\nline 3\nline 4\r\n');
    expect(Buffer.from(tail.state.pending).toString()).toBe('line 5');
    await tail.flushFile();
    expect(readFileSync(f, 'utf8')).toBe('line 1\nline 2\nline 3\nline 4\r\nline 5');
    expect(blob.bytesRead).toBe(blob.data!.length);
    expect(tail.state.offset).toBe(blob.data!.length);
    expect(sink.warnings).toEqual([]);
  });

  test('a multi-byte character split across reads is decoded whole', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const tail = new LogTail({ reader: blob, file: file(), sink });
    const bytes = Buffer.from('größe ✓\n');
    blob.append(bytes.subarray(0, 3));
    await tail.poll('Customizing');
    blob.append(bytes.subarray(3));
    await tail.poll('Customizing');
    expect(sink.infos).toEqual(['größe ✓']);
  });

  test('reads in chunks no larger than chunkBytes', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const tail = new LogTail({ reader: blob, file: file(), sink, chunkBytes: 5 });
    blob.append('abcdefghij\nklm\n');
    await tail.poll();
    expect(blob.reads).toEqual([
      [0, 5],
      [5, 5],
      [10, 5],
    ]);
    expect(sink.infos).toEqual(['abcdefghij', 'klm']);
  });

  test('a replaced blob is read again from 0, said once, and the local file restarts', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink });
    blob.append('old 1\nold 2\n');
    await tail.poll('Building');
    blob.replace('new 1\nnew 2\nnew 3\n'); // longer, but a new blob
    await tail.poll('Building');
    expect(sink.infos.filter((l) => /replaced/.test(l))).toHaveLength(1);
    expect(sink.infos.slice(-3)).toEqual(['new 1', 'new 2', 'new 3']);
    expect(readFileSync(f, 'utf8')).toBe('new 1\nnew 2\nnew 3\n');
    blob.replace('x\n');
    await tail.poll('Building');
    expect(sink.infos.filter((l) => /replaced/.test(l))).toHaveLength(1);
    expect(readFileSync(f, 'utf8')).toBe('x\n');
  });

  test('a truncated blob (same identity, shorter) restarts too', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink });
    blob.append('aaaa\nbbbb\n');
    await tail.poll();
    blob.data = Buffer.from('cc\n');
    blob.etagN++;
    await tail.poll(); // the GET from 10 is a 416 saying the length is 3: read again from 0
    expect(blob.reads.map((r) => r[0])).toEqual([0, 10, 0]);
    expect(sink.infos).toContain('cc');
    expect(readFileSync(f, 'utf8')).toBe('cc\n');
  });

  test('a burst is capped: the last lines and a skipped count', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink, maxLinesPerPoll: 10, burstKeep: 3 });
    blob.append(Array.from({ length: 25 }, (_, i) => `l${i}\n`).join(''));
    await tail.poll('Customizing');
    expect(sink.infos).toEqual(['… 22 lines skipped (full text in the logs artifact)', 'l22', 'l23', 'l24']);
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(26);
  });

  test('a burst over many reads and slices keeps the same lines: the last ones, in order, and the count', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    // 3 reads of 100 KB, each redacted and split in 64 KiB slices: lines end in every slice and read.
    const tail = new LogTail({ reader: blob, file: f, sink, maxLinesPerPoll: 50, burstKeep: 5, chunkBytes: 100_000 });
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}`);
    const breaks = ['\r', '\r\n', '\n'];
    const text = lines.map((l, i) => `${l}${breaks[i % 3]}`).join('');
    blob.append(text);
    await tail.poll('Customizing');
    expect(sink.infos).toEqual(['… 29995 lines skipped (full text in the logs artifact)', ...lines.slice(-5)]);
    expect(readFileSync(f, 'utf8')).toBe(text);
  });

  test('past the total cap the file still gets every line, in slices, and nothing more is printed', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink, maxLinesTotal: 2 });
    blob.append('a\nb\n');
    await tail.poll();
    const more = Array.from({ length: 20_000 }, (_, i) => `more ${i}\n`).join('');
    blob.append(more);
    await tail.poll();
    blob.append('last\n');
    await tail.poll();
    tail.finish();
    expect(sink.infos).toEqual(['a', 'b']);
    expect(readFileSync(f, 'utf8')).toBe(`a\nb\n${more}last\n`);
  });

  test('the total cap stops printing once, but the file keeps growing', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink, maxLinesTotal: 4 });
    blob.append('a\nb\nc\n');
    await tail.poll();
    blob.append('d\ne\nf\n');
    await tail.poll();
    blob.append('g\n');
    await tail.poll();
    expect(sink.infos.slice(0, 4)).toEqual(['a', 'b', 'c', 'd']);
    expect(sink.infos).toHaveLength(5);
    expect(sink.infos[4]).toMatch(/limit/);
    expect(readFileSync(f, 'utf8')).toBe('a\nb\nc\nd\ne\nf\ng\n');
  });

  test('one request per poll: a ranged GET from the offset, no HEAD; nothing new is a 416 with no bytes', async () => {
    const blob = new FakeBlob();
    const tail = new LogTail({ reader: blob, file: file(), sink: recordingSink() });
    await tail.poll(); // 404
    blob.append('a\n');
    await tail.poll();
    await tail.poll(); // nothing new
    blob.append('bb\n');
    await tail.poll();
    expect(blob.reads).toEqual([
      [0, 1024 * 1024],
      [2, 1024 * 1024],
      [2, 1024 * 1024],
    ]);
    expect(blob.pastEnd).toBe(1);
    expect(blob.bytesRead).toBe(5);
  });

  test('a poll with more than chunkBytes new takes one GET per chunk and no more', async () => {
    const blob = new FakeBlob();
    const tail = new LogTail({ reader: blob, file: file(), sink: recordingSink(), chunkBytes: 4 });
    blob.append('12345678'); // exactly two chunks: the second answer says the length is reached
    await tail.poll();
    expect(blob.reads).toEqual([
      [0, 4],
      [4, 4],
    ]);
    expect(blob.pastEnd).toBe(0);
  });

  test('a replaced blob seen in the middle of a read (new creation time) discards those bytes and reads from 0 in the same poll', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink });
    blob.append('aaaa\n');
    await tail.poll();
    blob.replace('xxxxxxxx\nyy\n');
    await tail.poll();
    // The GET from 5 says "created again"; a 5-byte read of its head says "other content": read from 0.
    expect(blob.reads).toEqual([
      [0, 1024 * 1024],
      [5, 1024 * 1024],
      [0, 5],
      [0, 1024 * 1024],
    ]);
    expect(readFileSync(f, 'utf8')).toBe('xxxxxxxx\nyy\n');
    expect(sink.infos).toEqual(['aaaa', expect.stringMatching(/replaced or truncated/), 'xxxxxxxx', 'yy']);
    expect(tail.state).toMatchObject({ offset: 12, fileBytes: 12, createdOn: blob.created });
  });

  test('a blob that disappears keeps what was read, without an error', async () => {
    const blob = new FakeBlob();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink: recordingSink() });
    blob.append('kept\n');
    await tail.poll();
    blob.data = undefined;
    expect(await tail.poll()).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('kept\n');
    expect(tail.state.offset).toBe(5);
  });

  test('workflow commands in the log are neutralised', () => {
    expect(safeLine('::error::boom')).not.toMatch(/^::/);
    expect(safeLine('  ##[group]x')).not.toMatch(/^\s*##\[/);
    expect(safeLine('a ::b')).toBe('a ::b');
  });

  test('no SAS, account key or auth header of a log line is printed or written to the local file, whose lines stay', async () => {
    const sig = 'Q2hhbmdlTWVTZWNyZXRTaWduYXR1cmU%2BZmFrZQ%3D%3D';
    const lines = [
      `Downloaded https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&se=2026-11-26T14%3A20%3A00Z&sr=b&sp=r&sig=${sig} to /tmp/f.sh`,
      `token: sv=2022-11-02&se=2026-11-26&sig=${sig}`,
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=QWNjb3VudEtleVNlY3JldA==;EndpointSuffix=core.windows.net',
      '2026/11/25 14:24:45 [DEBUG] Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln',
      '2026/11/25 14:24:46 [DEBUG] header map[Authorization:[SharedKey acct:U2hhcmVkS2V5U2ln] X-Ms-Version:[2023-11-03]]',
    ];
    const text = `${lines.join('\n')}\n`;
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    // Lines longer than the cut: redacted before they are cut, so no part of a signature survives either.
    const tail = new LogTail({ reader: blob, file: f, sink, maxLineChars: 120 });
    blob.append(text);
    await tail.poll('Customizing');
    tail.finish();
    const printed = sink.lines.join('\n');
    for (const secret of [sig.slice(0, 6), 'QWNjb3VudEtleVNlY3JldA', 'eyJhbGciOiJSUzI1NiJ9', 'U2hhcmVkS2V5U2ln'])
      expect(printed).not.toContain(secret);
    expect(sink.infos[0]).toBe('Downloaded https://x.blob.core.windows.net/c/f.sh to /tmp/f.sh');
    const written = readFileSync(f, 'utf8');
    for (const secret of [sig.slice(0, 6), 'QWNjb3VudEtleVNlY3JldA', 'eyJhbGciOiJSUzI1NiJ9', 'U2hhcmVkS2V5U2ln'])
      expect(written).not.toContain(secret);
    expect(written.split('\n')).toHaveLength(lines.length + 1);
    expect(written.split('\n')[0]).toBe(sink.infos[0]);
  });

  test('a block blob re-uploaded whole (new creation time, same beginning, longer) is read on: no line twice', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const f = file();
    const tail = new LogTail({ reader: blob, file: f, sink });
    const head = 'x'.repeat(600) + '\n'; // longer than the head probe, so the window before the offset is probed too
    blob.reupload(`${head}one\ntw`);
    await tail.poll();
    blob.reupload('o\nthree\n');
    await tail.poll();
    blob.reupload('four\n');
    await tail.poll();
    expect(sink.infos).toEqual([head.trimEnd(), 'one', 'two', 'three', 'four']);
    expect(readFileSync(f, 'utf8')).toBe(blob.data!.toString());
    // Per re-upload: the GET from the offset, a probe of the head and one of the bytes before the offset.
    expect(blob.reads.slice(1, 4)).toEqual([
      [607, 1024 * 1024],
      [0, 512],
      [95, 512],
    ]);
    expect(sink.infos.join('\n')).not.toMatch(/replaced/);
  });

  test('a re-upload whose beginning differs is another log: read from the start', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const tail = new LogTail({ reader: blob, file: file(), sink });
    blob.reupload('run 1 line\n');
    await tail.poll();
    blob.data = Buffer.from('run 2 line\nmore\n');
    blob.created = new Date(blob.created.getTime() + 1000);
    await tail.poll();
    expect(sink.infos).toEqual(['run 1 line', expect.stringMatching(/replaced/), 'run 2 line', 'more']);
  });

  test('lines end where the runner ends them (a lone \\r too), and none is a command', async () => {
    const blob = new FakeBlob();
    const sink = recordingSink();
    const tail = new LogTail({ reader: blob, file: file(), sink });
    blob.append('50%\r::error::x\r\n\r::stop-commands::t\nfoo ##[error]bar\n  ::add-mask::PACKER\n::set-output name=a::b\n');
    await tail.poll();
    expect(sink.infos).toHaveLength(7); // \r\n then a lone \r: an empty line between, as ReadLine sees it
    expect(sink.infos[0]).toBe('50%');
    for (const l of sink.infos) {
      expect(l.trimStart()).not.toMatch(/^::/);
      expect(l).not.toContain('##[');
      expect(l).not.toMatch(/[\r\n]/);
    }
  });
});
