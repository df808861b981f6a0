// End to end, the failure annotation from the log: each sample of fixtures/logs written line by line
// into a build's customization.log (and validation.log) as the build runs; the annotation names the
// failing customizer and its error line; the tail prints every line once, in order; the artifact holds
// the blobs with secrets redacted (byte for byte where they hold none). Timeouts and cancels say which phase they stopped in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BlockBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import {
  addTemplate,
  check,
  errors,
  simulator,
  uniqueName,
  warnings,
  type Simulator,
  type TemplateHandle,
  type RunResult,
} from './helpers.ts';
import {
  artifactZip,
  blobBytes,
  cancelElsewhere,
  expectArtifactCopy,
  expectEachLineOnceInOrder,
  fixtureLines,
  sampleScenario,
  runLogs,
} from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

/** Runs a sample's scenario; checks what every failed sample must show; returns the run for more. */
async function failedSample(
  prefix: string,
  scenario: Parameters<typeof sampleScenario>,
  expectInError: string[],
  /** The template's `properties.customize[]` (default: the simulator's one Shell customizer). */
  customize?: Array<Record<string, unknown>>,
): Promise<{ r: RunResult; t: TemplateHandle; name: string }> {
  const t = addTemplate(sim, prefix, { ...sampleScenario(...scenario), ...(customize ? { body: { properties: { customize } } } : {}) });
  const name = uniqueName(`${prefix}-logs`);
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['run-state']).toBe('Failed');
    const e = errors(r.main);
    expect(e).toHaveLength(1);
    for (const s of expectInError) expect(e[0]).toContain(s);
    expect(warnings(r.main)).toEqual([]);
    expectEachLineOnceInOrder(r, blob);
    expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob, 'maybe');
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
  });
  return { r, t, name };
}

test.concurrent('Linux shell sample (log named by URL in the message): the script and its apt error', async () => {
  // The simulator's template has one Shell customizer, the log two shell provisioners: not matched, packer's name kept.
  const { r } = await failedSample(
    'shell',
    ['linux-shell-failure.customization.log', { failAt: 'Customizing' }],
    [
      "Failed step: Customizer '/tmp/script_1.sh' (Shell)",
      'Script exited with non-zero exit status: 100',
      'E: Unable to locate package contoso-agent',
    ],
  );
  check(r, () => expect(r.summary).toContain('E: Unable to locate package contoso-agent'));
});

test.concurrent("Linux shell sample with the template's customizers: the annotation names the template's customizer", async () => {
  await failedSample(
    'shell-named',
    ['linux-shell-failure.customization.log', { failAt: 'Customizing' }],
    ["Failed step: Customizer 'install-web' (Shell, #2 of 3, packer: '/tmp/script_1.sh')", 'Script exited with non-zero exit status: 100'],
    [
      { type: 'Shell', name: 'apt-update', inline: ['sudo apt-get update'] },
      { type: 'Shell', name: 'install-web', inline: ['sudo apt-get install -y nginx-full contoso-agent'] },
      { type: 'Shell', name: 'deprovision-check', inline: ['true'] },
    ],
  );
});

test.concurrent("PowerShell sample with the template's customizers: the annotation names the template's customizer", async () => {
  await failedSample(
    'pwsh-named',
    ['windows-powershell-failure.customization.log', { failAt: 'Customizing', logLocationStyle: 'arm' }],
    [
      "Failed step: Customizer 'install-tools' (PowerShell, #1 of 2, packer: 'C:\\Windows\\Temp\\script-install-tools.ps1')",
      'exited with code 1603',
    ],
    [
      { type: 'PowerShell', name: 'install-tools', scriptUri: 'https://example.invalid/install-tools.ps1' },
      { type: 'WindowsRestart', name: 'reboot' },
    ],
  );
});

test.concurrent('PowerShell sample (log named by ARM path in the message): the script and its exit code 1603', async () => {
  await failedSample(
    'pwsh',
    ['windows-powershell-failure.customization.log', { failAt: 'Customizing', logLocationStyle: 'arm' }],
    ["'C:\\Windows\\Temp\\script-install-tools.ps1' (PowerShell)", 'non-zero exit status: 1', 'exited with code 1603'],
  );
});

test.concurrent('Windows restart sample: the restart customizer and the WinRM timeout', async () => {
  await failedSample(
    'restart',
    ['windows-restart-failure.customization.log', { failAt: 'Customizing' }],
    ['(WindowsRestart)', 'Timeout waiting for machine to restart', 'timed out waiting for WinRM'],
  );
});

test.concurrent('File customizer sample: source => destination and the scp error; its SAS download URL is printed nowhere', async () => {
  const { r, t, name } = await failedSample(
    'file',
    ['file-failure.customization.log', { failAt: 'Customizing' }],
    ["'/tmp/packer-files/agent-config.json => /etc/contoso/agent/config.json' (File)", 'Upload failed: scp:', 'No such file or directory'],
  );
  const blob = await blobBytes(sim, t);
  const sig = /[?&]sig=([^&\s]+)/.exec(blob.toString())?.[1];
  check(r, () => {
    // The sample's File customizer downloads its source with a SAS URL (contract 10).
    expect(sig).toBeDefined();
    const url = 'https://contosofiles.blob.core.windows.net/config/agent-config.json';
    // The line is streamed and is among the summary's last lines before the error, without its query.
    expect(r.main.log).toContain(`Downloaded ${url} to /tmp/packer-files/agent-config.json`);
    expect(r.summary).toContain(`Downloaded ${url} to /tmp/packer-files/agent-config.json`);
    // Raw stdout (before any runner masking), the summary file, outputs and annotations: no signature.
    expect(r.main.stdout + r.main.stderr).not.toContain(sig!);
    expect(r.summary).not.toContain(sig!);
    expect(JSON.stringify(r.main.outputs) + JSON.stringify(r.main.annotations)).not.toContain(sig!);
    // The artifact keeps the log's lines; only the signature goes (contract 10: its artifacts may be public).
    const copy = artifactZip(sim, name).read('customization.log');
    expect(copy.toString()).not.toContain(sig!);
    expectArtifactCopy(copy, blob, true);
  });
});

test.concurrent('validation sample (message names no log: the newest one is used): the validator from validation.log', async () => {
  const { r, t, name } = await failedSample(
    'validate',
    [
      'validation-failure.customization.log',
      {
        failAt: 'Validating',
        validation: 'validation-failure.validation.log',
        message: 'Validation failed: one or more validators reported errors.',
      },
    ],
    [
      "Failed step: Validator '/tmp/validate_0.sh' (Shell)",
      'Script exited with non-zero exit status: 7',
      'Failed to connect to localhost port 443',
    ],
  );
  const vblob = await blobBytes(sim, t, 'validation.log');
  check(r, () => expectArtifactCopy(artifactZip(sim, name).read('validation.log'), vblob, 'maybe'));
});

test.concurrent("distribution sample: the service's distribution error, no customizer blamed", async () => {
  const { r } = await failedSample(
    'distribute',
    [
      'distribution-failure.customization.log',
      { failAt: 'Distributing', message: "Distribution failed: SharedImage 'gal/img/1.0.3': Gallery image version already exists." },
    ],
    ["SharedImage 'gal/img/1.0.3': Gallery image version already exists."],
  );
  check(r, () => expect(errors(r.main)[0]).not.toMatch(/Customizer '/));
});

test.concurrent('the log the failure message names wins over a newer customization.log in the same account', async () => {
  const lines = fixtureLines('linux-shell-failure.customization.log');
  const t = addTemplate(sim, 'named', {
    rawLog: true,
    phases: [
      { subState: 'Queued', durationMs: 100, lines: [] },
      { subState: 'Building', durationMs: 200, lines },
      { subState: 'Customizing', durationMs: 2500, lines: [] },
    ],
    outcome: 'Failed',
    failure: { atSubState: 'Customizing', lines: [] },
  });
  // Another blob, last written a second or more after the build's own log: the newest one.
  const decoy = (async () => {
    await t.subState('Customizing');
    await t.flushLogs();
    await new Promise((res) => setTimeout(res, 1500));
    const c = new BlockBlobClient(
      `${sim.azure.azuriteOrigin}/${t.storageAccount}/packerlogs/${randomUUID()}/customization.log`,
      new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
    );
    const text =
      'DECOY PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/decoy.sh\nDECOY Script exited with non-zero exit status: 9\n';
    await c.upload(text, Buffer.byteLength(text));
  })();
  const name = uniqueName('named-logs');
  // No tail: the logs are only looked for at the end, when the decoy is the newest.
  const r = await runLogs(sim, t, { with: { 'stream-logs': 'false', 'logs-artifact-name': name } });
  await decoy;
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['log-uri']).toBe(t.logUrl);
    expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob, 'maybe');
    expect(errors(r.main)[0]).toContain("'/tmp/script_1.sh' (Shell)");
    expect(errors(r.main)[0]).not.toContain('DECOY');
  });
});

test.concurrent('success sample: printed once in order, uploaded byte for byte, no annotation', async () => {
  const t = addTemplate(sim, 'sample-ok', sampleScenario('success.customization.log'));
  const name = uniqueName('ok-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(errors(r.main)).toEqual([]);
    expect(warnings(r.main)).toEqual([]);
    expectEachLineOnceInOrder(r, blob);
    expectArtifactCopy(artifactZip(sim, name).read('customization.log'), blob, 'maybe');
  });
});

test.concurrent('timeout: the error says the build timed out during Customizing; the logs so far are uploaded', async () => {
  const t = addTemplate(sim, 'timeout', {
    phases: [
      { subState: 'Queued', durationMs: 100 },
      { subState: 'Building', durationMs: 300 },
      { subState: 'Customizing', durationMs: 20_000 },
    ],
    cancel: { durationMs: 200 },
  });
  const name = uniqueName('timeout-logs');
  const r = await runLogs(sim, t, { with: { timeout: '2s', 'logs-artifact-name': name } });
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['run-state']).toBe('TimedOut');
    const e = errors(r.main);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/timed out during Customizing/);
    expect(artifactZip(sim, name).readText('customization.log')).toContain('Provisioning with shell script');
  });
});

test.concurrent('canceled by someone else: the error says it was canceled during Customizing', async () => {
  const t = addTemplate(sim, 'canceled', {
    phases: [
      { subState: 'Queued', durationMs: 100 },
      { subState: 'Building', durationMs: 300 },
      { subState: 'Customizing', durationMs: 20_000 },
    ],
  });
  const canceller = t
    .subState('Customizing')
    .then(() => new Promise((res) => setTimeout(res, 500)))
    .then(() => cancelElsewhere(sim, t));
  const r = await runLogs(sim, t, { with: { 'upload-logs': 'never' } });
  expect(await canceller).toBe(202);
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    expect(r.main.outputs['run-state']).toBe('Canceled');
    expect(errors(r.main).join('\n')).toMatch(/canceled during Customizing/);
  });
});

test.concurrent('workflow canceled: the error names the phase; the logs collected so far are uploaded (upload-logs: always)', async () => {
  const t = addTemplate(sim, 'wf-cancel', {
    phases: [
      { subState: 'Queued', durationMs: 100 },
      { subState: 'Building', durationMs: 300 },
      { subState: 'Customizing', durationMs: 20_000 },
    ],
  });
  const name = uniqueName('wfcancel-logs');
  // Canceled once the action has printed that the build is customizing (its own status line).
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name }, cancel: { onLine: /Running \/ Customizing/ } });
  check(r, () => {
    expect(r.main.conclusion).toBe('cancelled');
    expect(errors(r.main).join('\n')).toMatch(/Customizing/);
    expect(sim.github.artifacts.find(name)).toBeDefined();
  });
});
