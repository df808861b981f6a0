// End to end, vhd-destination (contract: inputs, behaviour 13): a VHD run output lives in the template's staging
// account, which deleting the template deletes. With vhd-destination the bundled action copies it server-side into
// the user's container (Put Page From URL per written range, the source authorized with an Entra bearer token in
// x-ms-copy-source-authorization: https://learn.microsoft.com/rest/api/storageservices/put-page-from-url), sets
// vhd-uri to the copy, and only then deletes the template; a failed copy fails the step and keeps the template.
// The real service writes a VHD output as a page blob; the simulator writes a small sparse one (sim/azure/templates.ts).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { PageBlobClient } from '@azure/storage-blob';
import { SimTemplate } from '../../sim/azure/templates.ts';
import { armFor, check, errors, RG, run, simulator, uniqueName, warnings, type RunResult, type Simulator } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator({ azure: { storageAccountPool: 12, resourceGroups: [RG], createMs: 150, deleteMs: 150, lroRetryAfterSec: 0 } });
});
afterAll(async () => {
  await sim?.stop();
});

function vhdTemplate(name: string): Record<string, unknown> {
  return {
    name,
    location: 'eastus',
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: {
        [`/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib-identity`]:
          {},
      },
    },
    properties: {
      source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
      customize: [{ type: 'Shell', name: 'install', inline: ['sudo apt-get update'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      stagingResourceGroup: `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/rg-staging-prepared`,
    },
  };
}

function runVhd(name: string, withInputs: Record<string, string>): Promise<RunResult> {
  const ws = mkdtempSync(join(tmpdir(), 'ibr-ws-'));
  writeFileSync(join(ws, 't.json'), JSON.stringify(vhdTemplate(name)));
  return run(
    sim,
    { resourceGroup: RG, name: '' },
    { workspace: ws, with: { 'template-name': '', 'template-file': 't.json', ...withInputs } },
  );
}

/** Reads a blob back as the test's own client (Entra token for storage). */
async function readBlob(url: string): Promise<Buffer | undefined> {
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({
      token: sim.azure.mintAccessToken({ aud: 'https://storage.azure.com' }),
      expiresOnTimestamp: Date.now() + 3_000_000,
    }),
  };
  const client = new PageBlobClient(url, credential, { retryOptions: { maxTries: 2 } });
  if (!(await client.exists())) return undefined;
  return client.downloadToBuffer();
}

describe('vhd-destination', () => {
  test.concurrent(
    'delete-template always: the VHD is copied byte for byte, vhd-uri names the copy, then the template is deleted',
    async () => {
      const name = uniqueName('vhdcopy');
      sim.azure.addTemplate({ resourceGroup: RG, name, exists: false });
      // The user's own account: another account of the simulated cloud, its existing 'vhds' container.
      const mine = sim.azure.addTemplate({ resourceGroup: RG, name: uniqueName('holder'), exists: false });
      const destination = `${sim.azure.blobFrontOrigin}/${mine.storageAccount}/vhds`;
      const r = await runVhd(name, { 'delete-template': 'always', 'vhd-destination': destination });
      const vhdUri = r.main.outputs['vhd-uri'] ?? '';
      const copy = vhdUri ? await readBlob(vhdUri) : undefined;
      check(r, () => {
        expect(r.main.exitCode).toBe(0);
        expect(r.main.outputs['run-state']).toBe('Succeeded');
        expect(vhdUri).toMatch(new RegExp(`^${destination.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${name}_\\d+\\.vhd$`));
        expect(r.main.outputs['image-uri']).toBe(vhdUri);
        // The run output still names the staging blob; the copy has its bytes.
        const original = JSON.parse(r.main.outputs['run-outputs'] ?? '[]') as Array<{ artifactUri: string }>;
        const sourcePath = new URL(original[0]!.artifactUri).pathname.split('/').slice(2).join('/');
        expect(copy).toBeDefined();
        expect(copy!.equals(SimTemplate.vhdBytes(sourcePath))).toBe(true);
        // Only the written ranges were copied (the VHD is sparse), each with the source's bearer token.
        const pagePuts = sim.journal.filter(
          (q) =>
            q.service === 'blob' && q.method === 'PUT' && q.path.startsWith(`/${mine.storageAccount}/vhds/`) && q.query.comp === 'page',
        );
        expect(pagePuts.length).toBe(2);
        expect(pagePuts.every((q) => q.status === 201)).toBe(true);
        // The delete comes after the copy.
        const del = armFor(sim, name).filter((q) => q.method === 'DELETE');
        expect(del.map((q) => q.status)).toEqual([202]);
        expect(del[0]!.at).toBeGreaterThan(Math.max(...pagePuts.map((q) => q.at)));
        expect(r.main.log).toContain(`VHD copied to ${vhdUri}.`);
        expect(r.main.log).toContain(`Image template '${name}' deleted.`);
      });
    },
  );

  test.concurrent('a copy that fails fails the step before any delete, naming both URLs, and keeps the template', async () => {
    const name = uniqueName('vhdfail');
    sim.azure.addTemplate({ resourceGroup: RG, name, exists: false });
    const mine = sim.azure.addTemplate({ resourceGroup: RG, name: uniqueName('holder'), exists: false });
    const destination = `${sim.azure.blobFrontOrigin}/${mine.storageAccount}/no-such-container`;
    const r = await runVhd(name, { 'delete-template': 'always', 'vhd-destination': destination });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main).join('\n');
      expect(e).toMatch(
        new RegExp(
          `Could not copy VHD https://\\S+/vhds/${name}_\\d+\\.vhd to ${destination.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${name}_\\d+\\.vhd \\(vhd-destination\\): 404`,
        ),
      );
      expect(e).toMatch(/The template and its VHD are kept/);
      expect(warnings(r.main).join('\n')).toContain(`Keeping image template '${name}'`);
      expect(armFor(sim, name).filter((q) => q.method === 'DELETE')).toEqual([]);
      expect(r.main.outputs['vhd-uri'] ?? '').toBe('');
    });
  });

  test.concurrent('delete-template with a VHD target and no vhd-destination still fails before any call', async () => {
    const name = uniqueName('vhdlost');
    const r = await runVhd(name, { 'delete-template': 'on-success' });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(errors(r.main).join('\n')).toMatch(/VHD distribute target \(vhd\).*the VHD would be lost.*Set vhd-destination/s);
      expect(sim.journal.filter((q) => q.path.includes(name))).toEqual([]);
    });
  });
});
