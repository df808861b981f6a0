// End to end, when the logs cannot be read or uploaded: Entra ID refused on the staging account (the
// account key is used instead, and masked), both ways refused (one warning, the build's result stands,
// a failed build's own error is still the error), and no artifact service (runtime variables missing,
// GitHub Enterprise Server, the service refusing): a warning, the build's result unchanged.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { addTemplate, armFor, check, errors, simulator, uniqueName, warnings, type Simulator } from './helpers.ts';
import { blobBytes, blobReads, expectEachLineOnceInOrder, expectReadOnceByRange, runLogs } from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

const LIST_KEYS = 'Microsoft.Storage/storageAccounts/listKeys/action';

function listKeysCalls(t: { storageAccount: string }) {
  return sim.journal.filter(
    (q) => q.service === 'arm' && q.method === 'POST' && q.path.toLowerCase().endsWith(`/storageaccounts/${t.storageAccount}/listkeys`),
  );
}

test.concurrent('Entra ID refused on the staging account: the account key is used, masked, and the tail works as usual', async () => {
  const t = addTemplate(sim, 'rbac', { access: { blobBearer: 'deny' } });
  const r = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(warnings(r.main)).toEqual([]);
    expectEachLineOnceInOrder(r, blob);
    expect(listKeysCalls(t).length).toBeGreaterThanOrEqual(1);
    const reads = blobReads(sim, t).filter((q) => q.status === 200 || q.status === 206);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((q) => /^SharedKey /.test(String(q.headers.authorization)))).toBe(true);
    expectReadOnceByRange(sim, t, blob.length);
    // The key is registered as a secret before anything else could print it: in the raw stdout (r.main.log
    // is already masked) its first appearance is the ::add-mask:: command. Outputs and the summary file
    // are not masked by the runner: the key is not in them.
    expect(r.main.masks).toContain(t.storageKey);
    const raw = `${r.main.stdout}\n${r.main.stderr}`.split('\n').filter((l) => l.includes(t.storageKey));
    expect(raw).toEqual([`::add-mask::${t.storageKey}`]);
    expect(JSON.stringify(r.main.outputs) + r.summary).not.toContain(t.storageKey);
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
  });
});

test.concurrent(
  'Entra ID and shared keys both refused: one warning naming the staging group and the roles; the build succeeds',
  async () => {
    const t = addTemplate(sim, 'norights', { access: { blobBearer: 'deny', sharedKey: 'deny' } });
    const r = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.outputs['image-id']).toMatch(/\/images\/managedImageOutput$/);
      expect(errors(r.main)).toEqual([]);
      const w = warnings(r.main);
      expect(w).toHaveLength(1);
      expect(w[0]).toContain(t.stagingResourceGroupName);
      expect(w[0]).toContain('Storage Blob Data Reader');
      expect(w[0]).toContain('listKeys');
      // Refused means stop asking: a handful of blob requests, not one per poll.
      expect(sim.journal.filter((q) => q.service === 'blob' && q.path.startsWith(`/${t.storageAccount}/`)).length).toBeLessThanOrEqual(6);
      // Nothing could be read and the message names no log: no log-uri rather than a guess.
      expect(r.main.outputs['log-uri'] ?? '').toBe('');
    });
  },
);

test.concurrent("both refused (listKeys forbidden) on a failed build: the build's own error is the error, the logs only warn", async () => {
  const t = addTemplate(sim, 'norights-failed', {
    outcome: 'Failed',
    access: { blobBearer: 'deny', forbiddenActions: [LIST_KEYS] },
  });
  const r = await runLogs(sim, t, { with: { 'upload-logs': 'always' } });
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['run-state']).toBe('Failed');
    const e = errors(r.main);
    expect(e).toHaveLength(1);
    expect(e[0]).toContain('Packer build command has failed');
    const w = warnings(r.main);
    expect(w.filter((m) => m.includes(t.stagingResourceGroupName))).toHaveLength(1);
    expect(w.join('\n')).toContain('listKeys');
    expect(armFor(sim, t.name).length).toBeGreaterThan(0);
    expect(listKeysCalls(t).every((q) => q.status === 403)).toBe(true);
    expect(r.main.outputs['logs-artifact-id'] ?? '').toBe('');
  });
});

test.concurrent('no artifact service (runtime token and results URL missing): a warning; lines still streamed; log-uri set', async () => {
  const t = addTemplate(sim, 'noartifacts');
  const r = await runLogs(sim, t, { env: { ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL: '' } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(errors(r.main)).toEqual([]);
    expect(warnings(r.main).join('\n')).toMatch(/ACTIONS_RUNTIME_TOKEN/);
    expect(r.main.outputs['logs-artifact-id'] ?? '').toBe('');
    expect(r.main.outputs['logs-artifact-url'] ?? '').toBe('');
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
    expectEachLineOnceInOrder(r, blob);
  });
});

test.concurrent(
  'GitHub Enterprise Server: a warning that artifacts are unavailable; a failed build still fails with its own error',
  async () => {
    const t = addTemplate(sim, 'ghes', { outcome: 'Failed' });
    const r = await runLogs(sim, t, { github: { serverUrl: 'https://ghes.contoso.example' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      expect(warnings(r.main).join('\n')).toMatch(/Enterprise Server/);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain('Packer build command has failed');
      expect(e[0]).toContain('Script exited with non-zero exit status: 100');
      expect(r.main.outputs['logs-artifact-id'] ?? '').toBe('');
    });
  },
);

test.concurrent('the artifact service refusing the upload: a warning, the build result stands', async () => {
  const t = addTemplate(sim, 'artifact-refused');
  const name = uniqueName('refused-logs');
  // Only this test uploads in this file: the fault cannot hit another test's upload.
  sim.github.artifacts.failNext('CreateArtifact', 5, 403);
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(errors(r.main)).toEqual([]);
    expect(warnings(r.main).join('\n')).toContain(name);
    expect(sim.github.artifacts.find(name)).toBeUndefined();
    expect(r.main.outputs['logs-artifact-id'] ?? '').toBe('');
    expect(r.main.outputs['image-id']).toMatch(/\/images\/managedImageOutput$/);
    expectEachLineOnceInOrder(r, blob);
  });
});
