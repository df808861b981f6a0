// Helpers of the build-logs end-to-end tests: the blob as the simulator holds it (read straight from
// Azurite, so the journal keeps only the action's requests), the job log lines that came from it, the
// action's ranged reads, the uploaded zip, and scenarios built from the log samples in fixtures/logs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { BlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { openZip, type ZipArchive } from '../../sim/zip.ts';
import type { PhaseSpec, RunSubState, TemplateScenario } from '../../sim/azure/index.ts';
import { FAST, phases, postElsewhere, type RecordedRequest, type RunResult, type Simulator, type TemplateHandle } from './helpers.ts';
import type { SimRunOptions } from '../../sim/index.ts';
import { redactSas } from '../../src/report.ts';
import { LineRedactor } from '../../src/logs/redacted-lines.ts';

/** Like helpers' run, but upload-logs and job-summary keep action.yml's defaults (always, true). */
export function runLogs(sim: Simulator, t: { resourceGroup: string; name: string }, opts: SimRunOptions = {}): Promise<RunResult> {
  const { 'upload-logs': _upload, 'job-summary': _summary, ...base } = FAST;
  return sim.run(t, { timeoutMs: 60_000, ...opts, with: { ...base, ...opts.with } });
}

/** The latest run's log blob (customization.log or validation.log), bytes as stored. */
export async function blobBytes(sim: Simulator, t: TemplateHandle, file = 'customization.log'): Promise<Buffer> {
  await t.flushLogs();
  const path = t.logBlobPath!.replace('customization.log', file);
  const c = new BlobClient(
    `${sim.azure.azuriteOrigin}/${t.storageAccount}/${path}`,
    new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
  );
  return c.downloadToBuffer();
}

export function linesOf(text: string | Buffer): string[] {
  const s = text.toString();
  const lines = s.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Job log lines (workflow commands neutralised by a zero-width space undone) that are lines of `blobLines`
 * as the job log shows them: without SAS, keys or auth headers (the returned lines are those, redacted).
 */
export function printedBlobLines(r: RunResult, blobLines: string[]): string[] {
  const set = new Set(blobLines.map(redactSas).filter((l) => l.trim() !== ''));
  return linesOf(r.main.log)
    .map((l) => l.replace(/\u200b/g, ''))
    .filter((l) => set.has(l));
}

/**
 * Every non-empty line of the blob printed exactly once, in the blob's order: the job log's lines that
 * are blob lines, in job-log order, are the blob's lines (a line the sample repeats is printed as often).
 */
export function expectEachLineOnceInOrder(r: RunResult, blob: Buffer): void {
  const lines = linesOf(blob)
    .map(redactSas)
    .filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  expect(printedBlobLines(r, lines)).toEqual(lines);
}

/** The action's GET requests on one blob of a template's staging account. */
export function blobReads(sim: Simulator, t: TemplateHandle, file = 'customization.log'): RecordedRequest[] {
  const path = `/${t.storageAccount}/${t.logBlobPath!.replace('customization.log', file)}`;
  return sim.journal.filter((q) => q.service === 'blob' && q.method === 'GET' && q.path === path);
}

export function rangeOf(q: RecordedRequest): { start: number; end?: number } | undefined {
  const h = String(q.headers['x-ms-range'] ?? q.headers['range'] ?? '');
  const m = /^bytes=(\d+)-(\d*)$/.exec(h);
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) };
}

/**
 * The blob was read by byte range and no byte was fetched twice: every GET of it names a range (one
 * unranged GET is allowed when it is the only read: a download of a log never tailed), the ranges start
 * in order, and the bytes the blob front actually sent for it add up to the blob's size.
 */
export function expectReadOnceByRange(sim: Simulator, t: TemplateHandle, size: number, file = 'customization.log'): void {
  const ok = blobReads(sim, t, file).filter((q) => q.status === 200 || q.status === 206);
  expect(ok.length).toBeGreaterThan(0);
  const ranges = ok.map(rangeOf);
  if (ranges.some((x) => x === undefined)) expect(ok).toHaveLength(1);
  const starts = ranges.map((x) => x?.start ?? 0);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
  const path = `/${t.storageAccount}/${t.logBlobPath!.replace('customization.log', file)}`;
  const fetched = sim.azure.blobResponses
    .filter((x) => x.method === 'GET' && x.path === path && (x.status === 200 || x.status === 206))
    .reduce((n, x) => n + x.bytes, 0);
  expect(fetched).toBe(size);
}

/** The blob as the logs artifact must hold it: the same lines, with secrets redacted (contract 10). */
export function redactedBlob(blob: Buffer): Buffer {
  const r = new LineRedactor();
  return Buffer.concat([r.push(blob), r.end()]);
}

/**
 * The artifact's copy is the blob with its secrets redacted: byte for byte when the blob has none
 * (`hasSecrets` false), otherwise the same lines with something taken out of some of them.
 */
export function expectArtifactCopy(copy: Buffer, blob: Buffer, hasSecrets: boolean | 'maybe' = false): void {
  const expected = redactedBlob(blob);
  expect(copy.equals(expected)).toBe(true);
  if (hasSecrets === 'maybe') {
    expect(linesOf(expected)).toHaveLength(linesOf(blob).length);
  } else if (hasSecrets) {
    expect(expected.equals(blob)).toBe(false);
    expect(linesOf(expected)).toHaveLength(linesOf(blob).length);
  } else {
    expect(copy.equals(blob)).toBe(true);
  }
}

export function artifactZip(sim: Simulator, name: string): ZipArchive {
  const a = sim.github.artifacts.find(name);
  if (!a) throw new Error(`no artifact ${name} (have: ${sim.github.artifacts.artifacts.map((x) => x.name).join(', ')})`);
  return openZip(a.bytes);
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'logs');
export function fixtureLines(file: string): string[] {
  return linesOf(readFileSync(join(FIXTURES, file)));
}

/**
 * A scenario whose customization.log is a sample, line for line (no sim prefix): the sample's lines are
 * spread over the phases from Building up to the one the build fails in (or all, for a success).
 */
export function sampleScenario(
  sample: string,
  opts: { failAt?: RunSubState; totalMs?: number; validation?: string; message?: string; logLocationStyle?: 'url' | 'arm' } = {},
): Partial<TemplateScenario> {
  const lines = fixtureLines(sample);
  const ps: PhaseSpec[] = phases(opts.totalMs ?? 2000);
  const last = opts.failAt ? ps.findIndex((p) => p.subState === opts.failAt) : ps.length - 1;
  const carriers = ps.slice(1, last + 1);
  const per = Math.ceil(lines.length / carriers.length);
  const withLines = ps.map((p, i): PhaseSpec => {
    const k = i - 1;
    if (k < 0 || k >= carriers.length) return { ...p, lines: [] };
    return { ...p, lines: lines.slice(k * per, (k + 1) * per) };
  });
  return {
    rawLog: true,
    phases: withLines,
    ...(opts.validation ? { validationLog: fixtureLines(opts.validation) } : {}),
    ...(opts.failAt
      ? {
          outcome: 'Failed' as const,
          failure: {
            atSubState: opts.failAt,
            lines: [],
            ...(opts.message ? { message: opts.message } : {}),
            ...(opts.logLocationStyle ? { logLocationStyle: opts.logLocationStyle } : {}),
          },
        }
      : {}),
  };
}

/** Someone cancels the template's run from outside the action (the portal, the CLI). */
export function cancelElsewhere(sim: Simulator, t: { id: string }): Promise<number> {
  return postElsewhere(sim, t, 'Cancel');
}

/** Lines the job log shows between `##[group]<title>` and the next `##[endgroup]`. */
export function groupBody(r: RunResult, title: string): string[] {
  const lines = linesOf(r.main.log);
  const out: string[] = [];
  let inside = false;
  for (const l of lines) {
    if (l === `##[group]${title}`) inside = true;
    else if (l === '##[endgroup]') inside = false;
    else if (inside) out.push(l);
  }
  return out;
}
