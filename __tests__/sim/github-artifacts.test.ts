// The artifact service driven by the real @actions/artifact DefaultArtifactClient.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { Journal } from '../../sim/server.ts';
import { ensureCertificate, trustInThisProcess } from '../../sim/tls.ts';
import { startGitHubSim, type GitHubSim } from '../../sim/github/index.ts';
import { createSigningKey, makeRuntimeToken } from '../../sim/github/jwt.ts';
import { openZip } from '../../sim/zip.ts';

const ENV_KEYS = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
  'GITHUB_RETENTION_DAYS',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
];
const saved: Record<string, string | undefined> = {};
let sim: GitHubSim;
let journal: Journal;
let dir: string;
const text = 'line one\nline two: customization.log\n';
const binary = randomBytes(20_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibr-art-'));
  const cert = ensureCertificate(join(dir, 'cert'));
  trustInThisProcess(cert);
  journal = new Journal();
  sim = await startGitHubSim(cert, journal);
  mkdirSync(join(dir, 'logs', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'customization.log'), text);
  writeFileSync(join(dir, 'logs', 'nested', 'blob.bin'), binary);
  for (const k of ENV_KEYS) saved[k] = process.env[k];
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  process.env['ACTIONS_RUNTIME_TOKEN'] = sim.env['ACTIONS_RUNTIME_TOKEN'];
  process.env['ACTIONS_RESULTS_URL'] = sim.env['ACTIONS_RESULTS_URL'];
  process.env['GITHUB_SERVER_URL'] = 'https://github.com';
  process.env['GITHUB_WORKSPACE'] = dir;
});

afterEach(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const files = (): string[] => [join(dir, 'logs', 'customization.log'), join(dir, 'logs', 'nested', 'blob.bin')];

describe('artifact service', () => {
  it('accepts an upload from the real client; the stored zip holds the same bytes', async () => {
    const start = journal.requests.length;
    const result = await new DefaultArtifactClient().uploadArtifact('build-logs', files(), join(dir, 'logs'), { retentionDays: 5 });
    const stored = sim.artifacts.find('build-logs');
    expect(stored).toBeDefined();
    if (!stored) return;
    expect(result.id).toBe(stored.id);
    expect(result.size).toBe(stored.size);
    expect(stored).toMatchObject({
      finalized: true,
      retentionDays: 5,
      mimeType: 'application/zip',
      uploadMode: 'blocks',
      runBackendId: sim.runBackendId,
      jobBackendId: sim.jobBackendId,
    });
    expect(stored.hash).toBe(`sha256:${createHash('sha256').update(stored.bytes).digest('hex')}`);
    expect(stored.hash).toBe(`sha256:${result.digest}`);
    expect(stored.declaredSize).toBe(stored.size);

    const zip = openZip(stored.bytes);
    expect(
      zip
        .names()
        .filter((n) => !n.endsWith('/'))
        .sort(),
    ).toEqual(['customization.log', 'nested/blob.bin']);
    expect(zip.readText('customization.log')).toBe(text);
    expect(zip.entries.find((e) => e.name === 'customization.log')?.method).toBe(8); // deflate
    expect(zip.read('nested/blob.bin').equals(binary)).toBe(true);

    const calls = journal.requests.slice(start).filter((r) => r.service === 'artifacts');
    const shape = calls.map((r) => (r.path.startsWith('/twirp/') ? r.path.split('/').at(-1) : `PUT comp=${r.query['comp']}`));
    expect(shape).toEqual(['CreateArtifact', 'PUT comp=block', 'PUT comp=blocklist', 'FinalizeArtifact']);
    expect(calls.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
    expect(calls[1]?.query['sig']).toBeTruthy();
  });

  it('stores a multi-block upload in order', async () => {
    const big = randomBytes(9 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), big);
    await new DefaultArtifactClient().uploadArtifact('big', [join(dir, 'big.bin')], dir, { compressionLevel: 0 });
    const stored = sim.artifacts.find('big');
    expect(stored?.blockCount).toBeGreaterThanOrEqual(2);
    expect(stored && openZip(stored.bytes).read('big.bin').equals(big)).toBe(true);
    expect(stored && openZip(stored.bytes).entries[0]?.method).toBe(0); // stored at compression level 0
    expect(stored?.retentionDays).toBe(90);
  });

  it('lists finalized artifacts through ListArtifacts', async () => {
    const { artifacts } = await new DefaultArtifactClient().listArtifacts();
    expect(artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['build-logs', 'big']));
    const logs = artifacts.find((a) => a.name === 'build-logs');
    expect(logs?.id).toBe(sim.artifacts.find('build-logs')?.id);
  });

  it('rejects a duplicate name in the same run with 409, as the real service does', async () => {
    const count = sim.artifacts.artifacts.length;
    await expect(new DefaultArtifactClient().uploadArtifact('build-logs', files(), join(dir, 'logs'))).rejects.toThrow(
      /\(409\) Conflict: an artifact with this name already exists on the workflow run/,
    );
    expect(sim.artifacts.artifacts.length).toBe(count);
  });

  it('without ACTIONS_RUNTIME_TOKEN the client fails before any request', async () => {
    delete process.env['ACTIONS_RUNTIME_TOKEN'];
    const before = journal.requests.length;
    await expect(new DefaultArtifactClient().uploadArtifact('nope', files(), join(dir, 'logs'))).rejects.toThrow(/ACTIONS_RUNTIME_TOKEN/);
    expect(journal.requests.length).toBe(before);
  });

  it('answers 401 to a runtime token it did not issue', async () => {
    process.env['ACTIONS_RUNTIME_TOKEN'] = makeRuntimeToken(
      { runBackendId: sim.runBackendId, jobBackendId: sim.jobBackendId },
      createSigningKey(),
    );
    await expect(new DefaultArtifactClient().uploadArtifact('nope', files(), join(dir, 'logs'))).rejects.toThrow(/\(401\)/);
    expect(sim.artifacts.all().some((a) => a.name === 'nope')).toBe(false);
  });

  it('refuses a blob upload without the right signature', async () => {
    const res = await fetch(`${sim.artifacts.server.origin}/productionresultssa0/actions-results/x/y.zip?comp=block&blockid=AA&sig=wrong`, {
      method: 'PUT',
      body: 'x',
    });
    expect(res.status).toBe(404);
    const stored = sim.artifacts.find('build-logs');
    const url = `${sim.artifacts.server.origin}${stored?.blobPath}?comp=block&blockid=AA&sig=wrong`;
    expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('a non-retryable injected failure surfaces from CreateArtifact', async () => {
    sim.artifacts.failNext('CreateArtifact', 1, 400);
    await expect(new DefaultArtifactClient().uploadArtifact('faulty', files(), join(dir, 'logs'))).rejects.toThrow(
      /Failed to CreateArtifact.*\(400\)/,
    );
    await new DefaultArtifactClient().uploadArtifact('faulty', files(), join(dir, 'logs'));
    expect(sim.artifacts.find('faulty')?.finalized).toBe(true);
  });
});
