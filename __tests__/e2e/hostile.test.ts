// End to end, build logs as untrusted text and secrets in every encoding (contract 10, 11; issue 7):
// - hostile log lines (a lone \r before ::error::, ::add-mask::, ::stop-commands::, ::set-output, the
//   legacy ##[error] anywhere in a line) issue no command, and the action's own failure annotation is there;
// - SAS signatures written into the log and the failure message in plain, JSON-escaped and URL-encoded form
//   reach no channel: job log, annotations, outputs, summary, state, the artifact's files and name;
// - with step debug on (RUNNER_DEBUG=1), a success and a failure (read with an account key) leak none of the
//   secrets the simulator issued (Entra tokens, GitHub ID and runtime tokens, storage keys, SAS signatures).
// The runner harness splits output lines and handles commands as the real runner does (actions/runner:
// ProcessInvoker.cs StreamReader.ReadLine, OutputManager.cs, ActionCommand.cs, ActionCommandManager.cs).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { signedBlobUrl } from '../../sim/index.ts';
import { openZip } from '../../sim/zip.ts';
import type { PhaseSpec } from '../../sim/azure/index.ts';
import { addTemplate, check, errors, simulator, uniqueName, type RunResult, type Simulator, type TemplateHandle } from './helpers.ts';
import { blobBytes, runLogs } from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

const HOSTILE = [
  'PACKER OUT     azure-arm: Downloading 50%\r::error::injected by a progress bar',
  'PACKER OUT     azure-arm: \r::stop-commands::pwned-token',
  '::add-mask::PACKER',
  '  ::set-output name=run-state::Succeeded',
  '::set-output name=image-id::/subscriptions/evil',
  'PACKER ERR     azure-arm: ##[error]legacy command inside a line',
  '##[add-mask]OUT',
  '::ERROR title=evil::upper-case command',
  '\u0085::warning::after a next-line character',
  '::group::not a group',
];

function hostilePhases(extra: string[] = []): PhaseSpec[] {
  return [
    { subState: 'Queued', durationMs: 100, lines: [] },
    { subState: 'Building', durationMs: 300, lines: ['PACKER OUT ==> azure-arm: Connected to SSH!'] },
    { subState: 'Customizing', durationMs: 900, lines: [...HOSTILE, ...extra, 'PACKER OUT     azure-arm: after the hostile lines'] },
    { subState: 'Distributing', durationMs: 200, lines: ["PACKER OUT Build 'azure-arm' finished."] },
  ];
}

/** Every way a secret can be written: as is, URL-encoded once and twice, and its longest run of letters and digits. */
function formsOf(secret: string): string[] {
  const run = [...secret.matchAll(/[A-Za-z0-9]{12,}/g)].map((m) => m[0]).sort((a, b) => b.length - a.length)[0];
  return [...new Set([secret, encodeURIComponent(secret), encodeURIComponent(encodeURIComponent(secret)), ...(run ? [run] : [])])];
}

/** Everything a user (or anyone reading a public repository's run) can see of a run. */
function channels(r: RunResult, artifactName?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, step] of [
    ['main', r.main],
    ['post', r.post],
  ] as const) {
    if (!step) continue;
    out[`${name} log`] = step.log;
    out[`${name} annotations`] = JSON.stringify(step.annotations);
    out[`${name} outputs`] = JSON.stringify(step.outputs);
    out[`${name} state`] = JSON.stringify(step.state);
    out[`${name} env`] = JSON.stringify(step.env);
  }
  out['summary'] = r.summary;
  const names = sim.github.artifacts
    .all()
    .map((a) => a.name)
    .filter((n) => artifactName === undefined || n === artifactName);
  out['artifact names'] = names.join('\n');
  for (const n of names) {
    const zip = openZip(sim.github.artifacts.find(n)!.bytes);
    for (const e of zip.entries.filter((x) => !x.isDirectory)) out[`artifact ${n}/${e.name}`] = zip.read(e.name).toString('latin1');
  }
  return out;
}

function leaks(r: RunResult, secrets: string[], artifactName?: string): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(channels(r, artifactName))) {
    for (const s of secrets) {
      for (const f of formsOf(s)) if (text.includes(f)) found.push(`${where}: ${f.slice(0, 16)}… (of ${s.slice(0, 12)}…)`);
    }
  }
  return found;
}

async function sasLines(t: TemplateHandle, tag: string): Promise<{ lines: string[]; sig: string }> {
  const { url, sig } = await signedBlobUrl(
    { blobEndpoint: t.blobEndpoint, container: 'scripts', name: `${tag}/setup.sh` },
    { name: t.storageAccount, key: t.storageKey },
  );
  return {
    sig,
    lines: [
      `PACKER OUT     azure-arm: Downloading ${url} to /tmp/setup.sh`,
      // Go's encoding/json writes & as \u0026.
      `PACKER ERR 2026/11/30 10:00:00 packer-plugin-azure plugin: {"scriptUri":"${url.replace(/&/g, '\\u0026')}"}`,
      `PACKER ERR 2026/11/30 10:00:01 ui error: GET /redirect?to=${encodeURIComponent(url)} failed`,
    ],
  };
}

test.concurrent("hostile log lines issue no command; the action's own failure annotation and outputs stand", async () => {
  const t = addTemplate(sim, 'hostile', {
    phases: hostilePhases(),
    outcome: 'Failed',
    failure: {
      atSubState: 'Customizing',
      lines: [...HOSTILE.slice(0, 3), 'PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 2'],
    },
  });
  const name = uniqueName('hostile-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    // The only annotation is the action's own failure (which quotes the log, as text).
    expect(r.main.annotations).toHaveLength(1);
    expect(r.main.annotations[0]!.title).toMatch(/^Image build failed/);
    expect(errors(r.main)[0]).toContain('exit status: 2');
    // No mask, output, group or stop from the log.
    expect(r.main.masks.filter((m) => m === 'PACKER' || m === 'OUT')).toEqual([]);
    expect(r.main.outputs['run-state']).toBe('Failed');
    expect(r.main.outputs['image-id'] ?? '').toBe('');
    expect(r.main.groups).not.toContain('not a group');
    expect(r.main.log).not.toContain('::stop-commands::pwned-token\n');
    expect(r.main.commandErrors).toEqual([]);
    // The lines are still shown, as text, where the runner splits them.
    expect(r.main.log).toContain('after the hostile lines');
    expect(r.main.log).toMatch(/Downloading 50%\n/);
    // The summary quotes the log as text too.
    expect(r.summary).toContain('What went wrong');
  });
  // The artifact keeps every byte of this log: nothing in it is a secret.
  const blob = await blobBytes(sim, t);
  expect(openZip(sim.github.artifacts.find(name)!.bytes).read('customization.log').equals(blob)).toBe(true);
});

test.concurrent('SAS signatures in plain, JSON-escaped and URL-encoded form reach no channel, the artifact included', async () => {
  const failure: { atSubState: 'Customizing'; lines: string[]; message?: string } = { atSubState: 'Customizing', lines: [] };
  const t = addTemplate(sim, 'sas-forms', { phases: hostilePhases(), outcome: 'Failed', failure });
  const { lines, sig } = await sasLines(t, 'forms');
  let msgSig = '';
  const writer = (async () => {
    await t.runStarted();
    // The service's failure message names the log with a SAS URL (older messages did).
    const signed = await signedBlobUrl(
      { blobEndpoint: t.blobEndpoint, container: 'packerlogs', name: t.logBlobPath!.slice('packerlogs/'.length) },
      { name: t.storageAccount, key: t.storageKey },
    );
    msgSig = signed.sig;
    failure.message = `Packer build command has failed: exit status 1. Image Build log location: ${signed.url}. OperationId: x.`;
    await t.subState('Customizing');
    await t.appendLog(`${lines.join('\n')}\n`);
  })();
  const name = uniqueName('sas-logs');
  const r = await runLogs(sim, t, { with: { 'logs-artifact-name': name } });
  await writer;
  const blob = await blobBytes(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    // The signatures really were in the log, in all three forms.
    const text = blob.toString();
    expect(text).toContain(`sig=${encodeURIComponent(sig)}`);
    expect(text).toContain(`\\u0026sig=${encodeURIComponent(sig)}`);
    expect(text).toContain(`%26sig%3D${encodeURIComponent(encodeURIComponent(sig))}`);
    expect(msgSig).not.toBe('');
    // The log's location, without its SAS, as log-uri; the rest of the service's message as it said it.
    expect(errors(r.main).join('\n')).toContain(`log-uri ${t.logUrl}`);
    expect(errors(r.main).join('\n')).toContain('OperationId: x.');
    expect(leaks(r, [sig, msgSig], name)).toEqual([]);
    // The artifact keeps the log's lines, only the secret goes.
    const copy = openZip(sim.github.artifacts.find(name)!.bytes).read('customization.log').toString();
    expect(copy.split('\n')).toHaveLength(text.split('\n').length);
    expect(copy).toContain('/tmp/setup.sh');
  });
});

test.concurrent('step debug on: a success and a failure (log read with an account key) leak no secret the simulator issued', async () => {
  const ok = addTemplate(sim, 'debug-ok', { phases: hostilePhases() });
  const bad = addTemplate(sim, 'debug-bad', {
    phases: hostilePhases(),
    outcome: 'Failed',
    failure: { atSubState: 'Customizing', lines: ['PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 1'] },
    access: { blobBearer: 'deny' },
  });
  const writeSas = async (t: TemplateHandle, tag: string): Promise<void> => {
    await t.subState('Customizing');
    const { lines } = await sasLines(t, tag);
    await t.appendLog(`${lines.join('\n')}\nAuthorization: Bearer ${sim.azure.mintAccessToken()}\nAccountKey=${t.storageKey};\n`);
  };
  const okName = uniqueName('debug-ok-logs');
  const badName = uniqueName('debug-bad-logs');
  const [rOk, rBad] = await Promise.all([
    runLogs(sim, ok, { debug: true, with: { 'logs-artifact-name': okName } }),
    runLogs(sim, bad, { debug: true, with: { 'logs-artifact-name': badName } }),
    writeSas(ok, 'ok'),
    writeSas(bad, 'bad'),
  ]);
  const secrets = sim.issuedSecrets();
  check(rOk, () => {
    expect(rOk.main.exitCode).toBe(0);
    // The scan knows the secrets in play: the key and a token were in printed lines, and were redacted there.
    expect(secrets).toEqual(expect.arrayContaining([ok.storageKey, bad.storageKey]));
    expect(secrets.filter((x) => x.startsWith('eyJ')).length).toBeGreaterThan(2);
    expect(rOk.main.log).toContain('AccountKey=***;');
    expect(rOk.main.log).toContain('Authorization: Bearer ***');
    expect(rOk.main.log).toContain('##[debug]');
    expect(leaks(rOk, secrets, okName)).toEqual([]);
  });
  check(rBad, () => {
    expect(rBad.main.exitCode).toBe(1);
    // The account key was used (the log was read), and not shown.
    expect(
      sim.journal.filter((q) => q.service === 'arm' && /\/listKeys/i.test(q.path) && q.path.includes(bad.storageAccount)).length,
    ).toBeGreaterThan(0);
    expect(sim.github.artifacts.find(badName)).toBeDefined();
    expect(leaks(rBad, secrets, badName)).toEqual([]);
  });
});
