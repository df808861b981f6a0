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
    await tail.poll();
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

  test('workflow commands in the log are neutralised', () => {
    expect(safeLine('::error::boom')).not.toMatch(/^::/);
    expect(safeLine('  ##[group]x')).not.toMatch(/^\s*##\[/);
    expect(safeLine('a ::b')).toBe('a ::b');
  });
});
