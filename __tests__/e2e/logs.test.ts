// End to end, the build logs with the default inputs (stream-logs: true, upload-logs: always,
// job-summary: true): customization.log tailed into the job log by byte range, log-uri without SAS, the
// logs artifact uploaded, a job summary, and a failed build's cause taken from the log (contract 5, 8, 9).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { addTemplate, check, errors, run, simulator, uniqueName, type Simulator } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

test.concurrent('success: log lines streamed by range, log-uri, artifact and summary', async () => {
  const t = addTemplate(sim, 'logs');
  const artifactName = uniqueName('build-logs');
  const r = await run(sim, t, { with: { 'logs-artifact-name': artifactName } });
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    // Lines of customization.log, in the job log.
    expect(r.main.log).toContain('Setting up nginx (1.24.0-2ubuntu7)');
    expect(r.main.log).toContain("Build 'azure-arm' finished.");
    // Read through the staging account by byte range: no read of the blob starts at 0 twice.
    const reads = sim.journal.filter((q) => q.service === 'blob' && q.method === 'GET' && q.path.endsWith(t.logBlobPath ?? '?'));
    expect(reads.length).toBeGreaterThan(0);
    const starts = reads.map((q) => /bytes=(\d+)-/.exec(String(q.headers['x-ms-range'] ?? q.headers['range'] ?? ''))?.[1] ?? 'whole');
    expect(starts.filter((s) => s === 'whole')).toEqual([]);
    expect(starts.filter((s) => s === '0').length).toBeLessThanOrEqual(1);
    // Outputs.
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
    const artifact = sim.github.artifacts.find(artifactName);
    expect(artifact).toBeDefined();
    expect(r.main.outputs['logs-artifact-id']).toBe(String(artifact!.id));
    expect(r.summary).toContain(t.name);
  });
});

test.concurrent("failed build: the error annotation shows the failing customizer's lines from the log", async () => {
  const t = addTemplate(sim, 'logs-failed', {
    outcome: 'Failed',
    failure: { lines: ['PACKER ERR     azure-arm: E: Unable to locate package nginx-extras-lts', 'PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]'] },
  });
  const r = await run(sim, t, { with: { 'upload-logs': 'never' } });
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['run-state']).toBe('Failed');
    expect(errors(r.main).join('\n')).toContain('Unable to locate package nginx-extras-lts');
  });
});
