// Timing records of the simulator the action-level benchmarks (bench/action.ts) rely on: the runner
// harness's arrival time of each output line, and the log-write journal of a template's blobs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { AppendBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { runAction } from '../../sim/runner.ts';
import { start, type Started } from './azure-helpers.ts';

describe('runner: timed lines', () => {
  it('records each stdout/stderr line with the arrival time of the chunk that completed it', async () => {
    const r = await runAction({ actionDir: join(process.cwd(), '__tests__', 'fixtures', 'actions', 'timed'), timeoutMs: 60_000 });
    expect(r.main.exitCode).toBe(0);
    expect(r.main.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'first'],
      ['stdout', 'second'],
      ['stderr', 'on stderr'],
    ]);
    const [first, second] = r.main.lines;
    // "second" is complete only with its last part, written 800 ms after "first" (a lower bound: load only adds).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(700);
    for (const l of r.main.lines) {
      expect(l.at).toBeGreaterThanOrEqual(r.main.startedAt);
      expect(l.at).toBeLessThanOrEqual(r.main.exitedAt);
    }
  });
});

describe('templates: log-write journal', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ storageAccountPool: 1 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('records every append (text, bytes, chunks of an iterable) with its offset, size and time; the final status waits for them', async () => {
    const t = s.sim.addTemplate({
      resourceGroup: 'rg-images',
      name: 'journal',
      runInProgress: true,
      phases: [
        { subState: 'Queued', durationMs: 50, lines: [] },
        { subState: 'Building', durationMs: 50, lines: ['one phase line'] },
      ],
    });
    const before = Date.now();
    // All queued before any phase timer can fire, so the build's end is queued after them.
    const chunks = (async function* () {
      for (const c of ['chunk a\n', 'chunk b\n', 'chunk c\n']) {
        await new Promise((r) => setTimeout(r, 100));
        yield Buffer.from(c);
      }
    })();
    const appended = Promise.all([t.appendLog('text line\n'), t.appendLog(Buffer.from('bytes line\n')), t.appendLog(chunks)]);
    const status = await t.finished();
    const finishedAt = Date.now();
    await appended;
    const writes = t.logWrites.filter((w) => w.path === t.logBlobPath);
    const blob = await new AppendBlobClient(
      `${s.sim.azuriteOrigin}/${t.storageAccount}/${t.logBlobPath!}`,
      new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
    ).downloadToBuffer();
    expect(status.runState).toBe('Succeeded');
    // One write per append call and per chunk, plus the phase's line; contiguous, covering the whole blob.
    expect(writes).toHaveLength(6);
    let end = 0;
    for (const w of writes) {
      expect(w.offset).toBe(end);
      end += w.bytes;
      expect(w.at).toBeGreaterThanOrEqual(before);
    }
    expect(end).toBe(blob.length);
    expect(writes.map((w) => w.at)).toEqual([...writes.map((w) => w.at)].sort((a, b) => a - b));
    const text = blob.toString();
    for (const l of ['text line', 'bytes line', 'chunk a', 'chunk b', 'chunk c', 'one phase line']) expect(text).toContain(l);
    // The three chunks were written 100 ms apart, and the final status came after the last of them.
    const chunkWrites = writes.filter((w) => ['chunk b\n', 'chunk c\n'].includes(blob.subarray(w.offset, w.offset + w.bytes).toString()));
    expect(chunkWrites).toHaveLength(2);
    expect(chunkWrites[1]!.at - chunkWrites[0]!.at).toBeGreaterThanOrEqual(80);
    expect(finishedAt).toBeGreaterThanOrEqual(writes.at(-1)!.at);
  });
});
