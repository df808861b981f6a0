// End to end, the build logs with the default inputs (stream-logs: true, upload-logs: always,
// job-summary: true): customization.log tailed into the job log by byte range, log-uri without SAS, the
// logs artifact uploaded (per upload-logs, under a name unique across a matrix and re-runs), a job
// summary, and a failed build's cause taken from the log (contract 5, 8, 9).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { addTemplate, check, errors, phases, simulator, stateLines, uniqueName, warnings, RG, type Simulator } from './helpers.ts';
import { artifactZip, blobBytes, expectArtifactCopy, expectEachLineOnceInOrder, expectReadOnceByRange, runLogs } from './logs-helpers.ts';

const RG_WEST = 'rg-images-west';
let sim: Simulator;
beforeAll(async () => {
  sim = await simulator({ azure: { resourceGroups: [RG_WEST] } });
});
afterAll(async () => {
  await sim?.stop();
});

const RUN_URL = 'https://github.com/octo-org/octo-repo/actions/runs/1658821493';

test.concurrent('success: log lines streamed by range, log-uri, artifact and summary', async () => {
  // Customizing long enough that a poll sees it even on a loaded machine (the gantt is made of what polls saw).
  const t = addTemplate(sim, 'logs', { phases: phases(1500).map((p) => (p.subState === 'Customizing' ? { ...p, durationMs: 2000 } : p)) });
  const artifactName = uniqueName('build-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': artifactName, 'logs-retention-days': '5' } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    // Lines of customization.log, in the job log, once each, in order.
    expect(r.main.log).toContain('Setting up nginx (1.24.0-2ubuntu7)');
    expect(r.main.log).toContain("Build 'azure-arm' finished.");
    expectEachLineOnceInOrder(r, blob);
    // Read through the staging account by byte range, each byte once.
    expectReadOnceByRange(sim, t, blob.length);
    // Outputs.
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
    const artifact = sim.github.artifacts.find(artifactName);
    expect(artifact).toBeDefined();
    expect(artifact!.retentionDays).toBe(5);
    expect(r.main.outputs['logs-artifact-id']).toBe(String(artifact!.id));
    expect(r.main.outputs['logs-artifact-url']).toBe(`${RUN_URL}/artifacts/${artifact!.id}`);
    // One artifact, the blob at its root: byte for byte, as it holds no secret.
    const zip = artifactZip(sim, artifactName);
    expect(zip.names()).toEqual(['customization.log']);
    expectArtifactCopy(zip.read('customization.log'), blob);
    // The job summary: template, state, duration, image ID, artifact link, a gantt of the phases.
    expect(r.summary).toContain(t.name);
    expect(r.summary).toContain('Succeeded');
    expect(r.summary).toMatch(/Duration \| \d+s/);
    expect(r.summary).toContain(r.main.outputs['image-id']!);
    expect(r.summary).toContain(`](${r.main.outputs['logs-artifact-url']})`);
    // The gantt has a row for each sub-state the action saw (its status lines), in order. (Which ones it
    // sees depends on how often it polls: see the report on polls delayed by the first log lookup.)
    const gantt = /```mermaid\ngantt\n([\s\S]*?)```/.exec(r.summary)?.[1] ?? '';
    const seen = [
      ...new Set(
        stateLines(r.main.log)
          .map((l) => /Running \/ (\w+)/.exec(l)?.[1])
          .filter((x): x is string => !!x),
      ),
    ];
    expect(seen.length).toBeGreaterThan(0);
    const rows = gantt
      .split('\n')
      .map((l) => /^\s+(\w+) :(done|crit|active)/.exec(l)?.[1])
      .filter((x): x is string => !!x);
    expect(rows.filter((x) => seen.includes(x))).toEqual(seen);
    expect(r.summary).not.toContain('What went wrong');
  });
});

test.concurrent(
  "failed build: the error annotation shows the failing customizer's lines from the log; summary has the excerpt",
  async () => {
    const t = addTemplate(sim, 'logs-failed', {
      outcome: 'Failed',
      failure: {
        lines: [
          'PACKER ERR     azure-arm: E: Unable to locate package nginx-extras-lts',
          'PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]',
        ],
      },
    });
    const r = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      expect(errors(r.main).join('\n')).toContain('Unable to locate package nginx-extras-lts');
      expect(r.summary).toContain('Failed');
      expect(r.summary).toContain('What went wrong');
      expect(r.summary).toContain('Unable to locate package nginx-extras-lts');
      expect(r.summary).toMatch(/```mermaid\ngantt\n[\s\S]*crit/);
      // upload-logs: never
      expect(r.main.outputs['logs-artifact-id'] ?? '').toBe('');
      expect(sim.github.artifacts.all().filter((a) => a.name.includes(t.name))).toEqual([]);
    });
  },
);

test.concurrent('a failure message naming the log by a SAS URL: log-uri is that blob without the SAS, printed nowhere', async () => {
  // The service's message is set once the run has its log (its name has the run's GUID), before the build fails.
  const failure: { atSubState: 'Customizing'; message?: string } = { atSubState: 'Customizing' };
  const t = addTemplate(sim, 'logs-sas-message', {
    outcome: 'Failed',
    failure,
    phases: phases(1500).map((p) => (p.subState === 'Customizing' ? { ...p, durationMs: 2000 } : p)),
  });
  const sig = 'TWVzc2FnZVNhc1NpZ25hdHVyZQ%2Bx%3D';
  const running = runLogs(sim, t, { with: { 'upload-logs': 'never' } });
  const deadline = Date.now() + 30_000;
  while (!t.logUrl && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  failure.message =
    'Packer build command has failed: exit status 1. ' +
    `Image Build log location: ${t.logUrl}?sv=2022-11-02&se=2026-11-26T00%3A00%3A00Z&sr=b&sp=r&sig=${sig}. OperationId: x.`;
  const r = await running;
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
    // The error names the log the message named (so the SAS really was in it), its URL without the query,
    // and keeps the message's operation ID (its boilerplate, the log location included, is left out).
    const e = errors(r.main).join('\n');
    expect(e).toContain(`log-uri ${t.logUrl}`);
    expect(e).toContain('OperationId: x.');
    expect(r.main.stdout + r.main.stderr + r.summary + JSON.stringify(r.main.outputs)).not.toContain(sig);
  });
});

test.concurrent('upload-logs: on-failure uploads for a failed build only; job-summary: false writes none', async () => {
  const ok = addTemplate(sim, 'onfail-ok');
  const bad = addTemplate(sim, 'onfail-bad', { outcome: 'Failed' });
  const [rOk, rBad] = await Promise.all([
    runLogs(sim, ok, { with: { 'upload-logs': 'on-failure', 'job-summary': 'false' } }),
    runLogs(sim, bad, { with: { 'upload-logs': 'on-failure' } }),
  ]);
  const badBlob = await blobBytes(sim, bad);
  check(rOk, () => {
    expect(rOk.main.exitCode).toBe(0);
    expect(rOk.main.outputs['logs-artifact-id'] ?? '').toBe('');
    expect(sim.github.artifacts.all().filter((a) => a.name.includes(ok.name))).toEqual([]);
    expect(rOk.summary).toBe('');
    expect(rOk.main.outputs['log-uri']).toBe(ok.logUrl);
  });
  check(rBad, () => {
    expect(rBad.main.exitCode).toBe(1);
    const a = sim.github.artifacts.artifacts.filter((x) => x.name.includes(bad.name));
    expect(a).toHaveLength(1);
    expect(rBad.main.outputs['logs-artifact-id']).toBe(String(a[0]!.id));
    expectArtifactCopy(artifactZip(sim, a[0]!.name).read('customization.log'), badBlob);
  });
});

test.concurrent('default artifact names: unique across a matrix (two templates, one job) and a re-run', async () => {
  const a = addTemplate(sim, 'matrix-a');
  const b = addTemplate(sim, 'matrix-b');
  const [ra, rb] = await Promise.all([runLogs(sim, a), runLogs(sim, b)]);
  const rerun = await runLogs(sim, a, { github: { runAttempt: '2' } });
  for (const r of [ra, rb, rerun]) {
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(warnings(r.main)).toEqual([]);
      expect(r.main.outputs['logs-artifact-id']).toMatch(/^\d+$/);
    });
  }
  const ids = [ra, rb, rerun].map((r) => r.main.outputs['logs-artifact-id']);
  expect(new Set(ids).size).toBe(3);
  const names = ids.map((id) => sim.github.artifacts.artifacts.find((x) => String(x.id) === id)!.name);
  expect(new Set(names).size).toBe(3);
  expect(names[0]).toContain(a.name);
  expect(names[1]).toContain(b.name);
});

test.concurrent('default artifact names: unique across a matrix over resource groups with the same template name', async () => {
  const name = uniqueName('same');
  const east = sim.azure.addTemplate({ resourceGroup: RG, name, phases: phases(1500) });
  const west = sim.azure.addTemplate({ resourceGroup: RG_WEST, name, phases: phases(1500) });
  const [re, rw] = await Promise.all([runLogs(sim, east), runLogs(sim, west)]);
  for (const r of [re, rw]) {
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(warnings(r.main)).toEqual([]);
      expect(r.main.outputs['logs-artifact-id']).toMatch(/^\d+$/);
    });
  }
  expect(re.main.outputs['logs-artifact-id']).not.toBe(rw.main.outputs['logs-artifact-id']);
});
