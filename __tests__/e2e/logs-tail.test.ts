// End to end, the live tail of customization.log: a growing log printed line by line, each line once
// and in order, by ranged reads only (each byte fetched once), in one log group
// per phase; partial lines and split UTF-8 characters; workflow commands in the log neutralised; a
// burst summarised; stream-logs: false; a second run of the same template.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { AppendBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { PhaseSpec } from '../../sim/azure/index.ts';
import { addTemplate, check, errors, simulator, stateLines, uniqueName, warnings, type Simulator, type TemplateHandle } from './helpers.ts';
import {
  artifactZip,
  blobBytes,
  expectArtifactCopy,
  blobReads,
  expectEachLineOnceInOrder,
  expectReadOnceByRange,
  linesOf,
  printedBlobLines,
  runLogs,
} from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Phases of about 4 s, each writing `n` numbered lines (unique, so "once" can be checked). */
function numbered(tag: string, n = { Building: 12, Customizing: 40, Optimizing: 2, Validating: 2, Distributing: 10 }): PhaseSpec[] {
  // Customizing lasts 3 s so that, even on a loaded machine, the Building lines (written at least 3.5 s before the end)
  // are printed before the wait loop sees the build end: the "live" check below is about order, not time.
  const ms = { Queued: 200, Building: 400, Customizing: 3000, Optimizing: 100, Validating: 100, Distributing: 400 } as const;
  return (Object.keys(ms) as Array<keyof typeof ms>).map((s) => {
    const count = s === 'Queued' ? 0 : n[s];
    return {
      subState: s,
      durationMs: ms[s],
      lines: Array.from({ length: count }, (_, i) => `PACKER OUT     azure-arm: ${tag} ${s} line ${i + 1} of ${count}`),
    };
  });
}

/** Bytes appended straight to the latest run's blob in Azurite (can split a character). */
async function appendBytes(t: TemplateHandle, buf: Buffer): Promise<void> {
  await t.flushLogs();
  const c = new AppendBlobClient(
    `${sim.azure.azuriteOrigin}/${t.storageAccount}/${t.logBlobPath!}`,
    new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
  );
  await c.appendBlock(buf, buf.length);
}

test.concurrent('a growing log: every line once, in order, live, by ranged reads fetching each byte once, grouped per phase', async () => {
  const t = addTemplate(sim, 'tail', { phases: numbered('grow') });
  const name = uniqueName('tail-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expectEachLineOnceInOrder(r, blob);
    // Live: lines of Building were printed before the wait loop saw the build end.
    const log = linesOf(r.main.log);
    const firstBuilding = log.findIndex((l) => l.includes('grow Building line 1 of'));
    const done = log.findIndex((l) => stateLines(l).length > 0 && /Succeeded/.test(l));
    expect(firstBuilding).toBeGreaterThanOrEqual(0);
    expect(done).toBeGreaterThan(firstBuilding);
    // Groups per phase, in the build's order (a phase's group may be reopened after a status line), each
    // named after the phase the action last printed a status line for (not an older one).
    const seen = r.main.groups.filter((g) => g.startsWith('Build log: '));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const order = ['Queued', 'Building', 'Customizing', 'Optimizing', 'Validating', 'Distributing', 'Succeeded'];
    const idx = seen.map((g) => order.indexOf(g.slice('Build log: '.length)));
    expect(idx.every((x) => x >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    let current = '';
    const stale: string[] = [];
    for (const l of log) {
      const st = /^\d\d:\d\d:\d\dZ\s{2}\w+ \/ (\w+)/.exec(l);
      if (st?.[1]) current = st[1];
      const g = /^##\[group\]Build log: (\w+)$/.exec(l);
      if (g?.[1] && g[1] !== current) stale.push(`group '${g[1]}' opened while the last status line said '${current}'`);
    }
    expect(stale).toEqual([]);
    // Ranged reads only, each byte fetched once; several of them (the tail, not one download).
    const reads = blobReads(sim, t);
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expectReadOnceByRange(sim, t, blob.length);
    // The artifact's customization.log is the blob, byte for byte (it holds no secret).
    expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob);
    expect(warnings(r.main)).toEqual([]);
  });
});

test.concurrent(
  'a line written in two parts (a character split between them) is printed once, whole; workflow commands in the log stay text',
  async () => {
    const t = addTemplate(sim, 'tail-partial', {
      phases: [
        { subState: 'Queued', durationMs: 100, lines: [] },
        { subState: 'Building', durationMs: 200, lines: ['PACKER OUT ==> azure-arm: Connected to SSH!'] },
        { subState: 'Customizing', durationMs: 2000, lines: [] },
        { subState: 'Distributing', durationMs: 200, lines: ["PACKER OUT Build 'azure-arm' finished."] },
      ],
    });
    const whole = Buffer.from('PACKER OUT     azure-arm: partial line résumé ✓ done\n', 'utf8');
    const cut = whole.indexOf(Buffer.from('✓')) + 2; // inside the 3-byte character
    const writer = (async () => {
      await t.subState('Customizing');
      const t0 = Date.now();
      await appendBytes(t, whole.subarray(0, cut));
      // Let the tail read the first part before the rest arrives.
      await Promise.race([
        sim.journal.waitFor((q) => q.service === 'blob' && q.method === 'GET' && q.at > t0 && q.path.endsWith(t.logBlobPath!)),
        sleep(1200),
      ]);
      await appendBytes(
        t,
        Buffer.concat([
          whole.subarray(cut),
          Buffer.from('::error::not an annotation from the build log\n##[group]not a group\n::add-mask::PACKER\nline after\n'),
        ]),
      );
    })();
    const r = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
    await writer;
    const blob = await blobBytes(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expectEachLineOnceInOrder(r, blob);
      expect(linesOf(r.main.log).filter((l) => l.includes('partial line'))).toEqual([
        'PACKER OUT     azure-arm: partial line résumé ✓ done',
      ]);
      expect(errors(r.main).join('\n')).not.toContain('not an annotation');
      expect(r.main.groups).not.toContain('not a group');
      expect(r.main.masks).not.toContain('PACKER');
      expectReadOnceByRange(sim, t, blob.length);
    });
  },
);

test.concurrent('a burst of 3000 lines is summarised in the job log; the artifact has them all', async () => {
  const t = addTemplate(sim, 'tail-burst', {
    phases: [
      { subState: 'Queued', durationMs: 100, lines: [] },
      { subState: 'Building', durationMs: 300, lines: ['PACKER OUT ==> azure-arm: Connected to SSH!'] },
      { subState: 'Customizing', durationMs: 1500, lines: [] },
      { subState: 'Distributing', durationMs: 300, lines: ["PACKER OUT Build 'azure-arm' finished."] },
    ],
  });
  const flood = Array.from({ length: 3000 }, (_, i) => `PACKER OUT     azure-arm: flood ${String(i + 1).padStart(4, '0')}`);
  const writer = (async () => {
    await t.subState('Customizing');
    await sleep(300);
    await t.appendLog(`${flood.join('\n')}\n`);
  })();
  const name = uniqueName('burst-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  await writer;
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    const all = linesOf(blob);
    const printed = printedBlobLines(r, all);
    // Each line is printed once, in order, or counted in a "… N lines skipped" notice; never both.
    expect(new Set(printed).size).toBe(printed.length);
    expect(printed).toEqual(all.filter((l) => printed.includes(l)));
    const skipped = [...r.main.log.matchAll(/(\d+) lines skipped/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(skipped).toBeGreaterThan(2000);
    expect(printed.length + skipped).toBe(all.length);
    expect(printed.filter((l) => l.includes('flood ')).length).toBeLessThan(300);
    expect(printed).toContain(all.at(-1)); // the end is shown
    expect(linesOf(r.main.log).length).toBeLessThan(600);
    const zipped = artifactZip(sim, name).read('customization.log');
    expectArtifactCopy(zipped, blob);
    expect(linesOf(zipped).filter((l) => l.includes('flood '))).toHaveLength(3000);
  });
});

test.concurrent('stream-logs: false prints no log lines, reads the blob once at the end, still uploads it', async () => {
  const t = addTemplate(sim, 'tail-off', { phases: numbered('quiet') });
  const name = uniqueName('quiet-logs');
  const r = await runLogs(sim, t, { with: { 'stream-logs': 'false', 'logs-artifact-name': name } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(printedBlobLines(r, linesOf(blob))).toEqual([]);
    expect(r.main.groups.filter((g) => g.startsWith('Build log'))).toEqual([]);
    const reads = blobReads(sim, t);
    expect(reads.length).toBeLessThanOrEqual(2);
    expectReadOnceByRange(sim, t, blob.length);
    expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob);
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
  });
});

test.concurrent("a second run of the same template tails its own log, not the first run's", async () => {
  const t = addTemplate(sim, 'tail-again', { phases: numbered('again') });
  const r1 = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
  const first = await blobBytes(sim, t);
  const firstPath = t.logBlobPath;
  await sleep(1100); // Last-Modified has whole seconds
  const r2 = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
  const second = await blobBytes(sim, t);
  check(r2, () => {
    expect(r1.main.exitCode).toBe(0);
    expect(r2.main.exitCode).toBe(0);
    expect(t.logBlobPath).not.toBe(firstPath);
    expectEachLineOnceInOrder(r2, second);
    expect(printedBlobLines(r2, linesOf(first))).toEqual([]);
    expect(r2.main.outputs['log-uri']).toBe(t.logUrl);
  });
});

test.concurrent(
  'a log written as a block blob re-uploaded whole (new creation time, same beginning): each line printed once, the artifact equals the blob',
  async () => {
    const ps = numbered('reup').map((p) => (p.subState === 'Customizing' ? { ...p, durationMs: 3500 } : p));
    const t = addTemplate(sim, 'tail-reupload', { phases: ps, logWrites: 'reupload' });
    const name = uniqueName('reupload-logs');
    const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
    const blob = await blobBytes(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expectEachLineOnceInOrder(r, blob);
      expect(r.main.log).not.toMatch(/replaced or truncated/);
      expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob);
      // The blob was created again while the action read it (a new creation time), and the action told it was the
      // same log by reading its first bytes again: small ranged reads from 0, besides the first read.
      const probes = blobReads(sim, t)
        .filter((q) => q.status === 206 && /^bytes=0-(\d+)$/.exec(String(q.headers['x-ms-range'] ?? ''))?.[1] !== undefined)
        .filter((q) => Number(/^bytes=0-(\d+)$/.exec(String(q.headers['x-ms-range']))![1]) < 512);
      expect(probes.length).toBeGreaterThanOrEqual(1);
    });
  },
);
