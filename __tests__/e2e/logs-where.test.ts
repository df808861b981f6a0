// End to end, finding the build log where the real service puts it:
// - a failure message naming the log as an ARM path (the form since 2024, no URL) while an earlier run's log in
//   the same container is still being written to (a decoy): the tail, the artifact and log-uri all follow this
//   run's own blob;
// - a staging group holding several storage accounts (a user-supplied stagingResourceGroup may hold the user's
//   own): the one with a `packerlogs` container is used, tagged or not;
// - a storage firewall's refusal (403 AuthorizationFailure): its own warning and fix, no account key asked for;
// - listing the group's accounts refused: no storage token goes to a host that is neither listed by ARM nor
//   under the cloud's storage suffix (the simulator's blob front is neither).
// Sources: DESIGN.md "What the real service does"; Azure/azvmimagebuilder#29 (the `createdBy` tag "is subject to
// change ... without notice": the container decides, the tag only orders); microsoft/AzureStorageExplorer#8183,
// #8769 (firewall refusals: 403 AuthorizationFailure "This request is not authorized to perform this operation").
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { addTemplate, check, errors, simulator, uniqueName, warnings, type Simulator, type TemplateHandle } from './helpers.ts';
import { artifactZip, blobBytes, expectEachLineOnceInOrder, linesOf, runLogs } from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

const LIST_ACCOUNTS = 'Microsoft.Storage/storageAccounts/read';

/** Resolves once the wall clock has passed the next whole second (blob times have whole seconds). */
async function nextSecond(): Promise<void> {
  const target = Math.floor(Date.now() / 1000) * 1000 + 1000;
  while (Date.now() < target) await new Promise((r) => setTimeout(r, target - Date.now()));
}

async function decoyText(t: TemplateHandle): Promise<string> {
  const c = new BlobClient(
    `${sim.azure.azuriteOrigin}/${t.storageAccount}/${t.decoyLogPath!}`,
    new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
  );
  return (await c.downloadToBuffer()).toString('utf8');
}

const blobRequestsTo = (account: string) => sim.journal.filter((q) => q.service === 'blob' && q.path.startsWith(`/${account}/`));

test.concurrent(
  "ARM-path failure message and an earlier run's log still being written: this run's log is streamed, uploaded and named",
  async () => {
    const t = addTemplate(sim, 'armpath', {
      outcome: 'Failed',
      failure: { logLocationStyle: 'arm' },
      decoyLog: { lines: ['PACKER OUT ==> azure-arm: DECOY earlier run line'] },
    });
    // The earlier run's log exists before this run starts (a second apart: blob times have whole seconds).
    await t.flushLogs();
    await nextSecond();
    const artifact = uniqueName('armpath-logs');
    const r = await runLogs(sim, t, { timeoutMs: 100_000, with: { 'logs-artifact-name': artifact, 'job-summary': 'false' } });
    const blob = await blobBytes(sim, t);
    const decoy = await decoyText(t);
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      // The message named the log as an ARM path, with no URL.
      expect(t.status()!.message).toMatch(
        /\/storageAccounts\/[a-z0-9]+\/blobServices\/default\/containers\/packerlogs\/[^ ]+\/customization\.log/,
      );
      expect(t.status()!.message).not.toMatch(/https:\/\/[^ ]*packerlogs/);
      // The decoy was written to during this run (it is the most recently modified log), yet never shown.
      expect(linesOf(decoy).length).toBeGreaterThan(1);
      expect(r.main.log).not.toContain('DECOY earlier run line');
      expect(r.main.log).not.toContain('(earlier run) still being written');
      expectEachLineOnceInOrder(r, blob);
      expect(r.main.outputs['log-uri']).toBe(t.logUrl);
      expect(artifactZip(sim, artifact).read('customization.log').equals(blob)).toBe(true);
      expect(
        sim.journal.filter((q) => q.service === 'blob' && q.method === 'GET' && q.path === `/${t.storageAccount}/${t.decoyLogPath!}`),
      ).toEqual([]);
      // The build's own error stays the error.
      expect(errors(r.main)).toHaveLength(1);
    });
  },
);

test.concurrent(
  "several storage accounts in the staging group, listed before Image Builder's: the one with packerlogs is used",
  async () => {
    const t = addTemplate(sim, 'twoaccts', {
      // The user's own account (no tags) and one tagged like Image Builder's, neither holding packerlogs.
      extraStagingAccounts: [{}, { tags: { createdby: 'AzureVMImageBuilder' } }],
    });
    await t.flushLogs();
    const r = await runLogs(sim, t, { timeoutMs: 100_000, with: { 'upload-logs': 'never', 'job-summary': 'false' } });
    const blob = await blobBytes(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(warnings(r.main)).toEqual([]);
      expect(t.extraAccounts).toHaveLength(2);
      expectEachLineOnceInOrder(r, blob);
      expect(r.main.outputs['log-uri']).toBe(t.logUrl);
      // The other accounts were looked at (container probes only), never read from.
      for (const a of t.extraAccounts) {
        const reqs = blobRequestsTo(a.name);
        expect(reqs.every((q) => q.path === `/${a.name}/packerlogs` && q.status === 404)).toBe(true);
      }
      const listings = sim.journal.filter(
        (q) =>
          q.service === 'arm' &&
          q.path
            .toLowerCase()
            .endsWith(`/resourcegroups/${t.stagingResourceGroupName.toLowerCase()}/providers/microsoft.storage/storageaccounts`),
      );
      expect(listings.length).toBeGreaterThanOrEqual(1);
      // Found once and remembered: the listing is not repeated on every poll.
      expect(listings.length).toBeLessThanOrEqual(2);
    });
  },
);

test.concurrent(
  "a storage firewall's refusal: one warning saying it is the network rules, not a role; no key asked for; the build succeeds",
  async () => {
    const t = addTemplate(sim, 'firewall', { access: { firewall: 'deny' } });
    const r = await runLogs(sim, t, { timeoutMs: 100_000, with: { 'upload-logs': 'never', 'job-summary': 'false' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const w = warnings(r.main);
      expect(w).toHaveLength(1);
      expect(w[0]).toContain(t.storageAccount);
      expect(w[0]).toContain('AuthorizationFailure');
      expect(w[0]).toMatch(/firewall/i);
      expect(w[0]).toMatch(/not a missing role/);
      expect(w[0]).not.toContain('Storage Blob Data Reader');
      expect(
        sim.journal
          .filter((q) => q.service === 'arm' && q.method === 'POST' && /\/listKeys$/i.test(q.path))
          .filter((q) => q.path.includes(t.storageAccount)),
      ).toEqual([]);
      // Refused means stop asking.
      expect(blobRequestsTo(t.storageAccount).length).toBeLessThanOrEqual(4);
    });
  },
);

test.concurrent.each([
  ['an ARM path', 'arm' as const],
  ['a URL on a host outside the cloud', 'url' as const],
])(
  'listing the accounts refused, the message naming the log as %s: no storage token reaches an unlisted host outside the cloud suffix',
  async (_what, style) => {
    const t = addTemplate(sim, `nolist-${style}`, {
      outcome: 'Failed',
      failure: { logLocationStyle: style },
      access: { forbiddenActions: [LIST_ACCOUNTS] },
    });
    const r = await runLogs(sim, t, {
      timeoutMs: 100_000,
      with: { 'upload-logs': 'never', 'job-summary': 'false', 'stream-logs': 'false' },
    });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      // The build's own error is the error.
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain('Packer build command has failed');
      // The account named by the message lives at <account>.blob.core.windows.net in AzureCloud; the simulator's
      // front (127.0.0.1) is not listed (listing was refused) and not under that suffix: it gets nothing.
      expect(blobRequestsTo(t.storageAccount)).toEqual([]);
      expect(
        sim.journal
          .filter((q) => q.service === 'blob' && String(q.headers['authorization'] ?? '') !== '')
          .filter((q) => q.path.startsWith(`/${t.storageAccount}`)),
      ).toEqual([]);
    });
  },
);
