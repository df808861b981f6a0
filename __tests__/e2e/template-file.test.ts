// End to end, templates from the repository (template-file): the bundled action against the simulator creates the
// template from a resource body, an ARM template with parameters, or Bicep (a fake az), names it, tags it with
// provenance, reuses, replaces or refuses an existing one, deletes it after the run (or from the post step after a
// kill), and with wait: false starts a run a later step attaches to.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { armFor, check, errors, phases, posts, RG, run, simulator, uniqueName, type RunResult, type Simulator } from './helpers.ts';

const FAKE_AZ_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/bicep');
/** Resolved by the runner before PATH matters (the action runs with this Node), so PATH may hold no az at all. */
const NO_AZ_PATH = '/nonexistent-bin';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator({ azure: { storageAccountPool: 40, resourceGroups: [RG], createMs: 150, deleteMs: 150, lroRetryAfterSec: 0 } });
});
afterAll(async () => {
  await sim?.stop();
});

function identityId(): string {
  return `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib-identity`;
}

/** A template resource body as users keep it in a repository. */
function resourceBody(
  o: { name?: string; distribute?: unknown[]; tags?: Record<string, string>; inline?: string[] } = {},
): Record<string, unknown> {
  return {
    ...(o.name ? { name: o.name } : {}),
    location: 'eastus',
    ...(o.tags ? { tags: o.tags } : {}),
    identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId()]: {} } },
    properties: {
      source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
      customize: [{ type: 'Shell', name: 'install', inline: o.inline ?? ['sudo apt-get update'] }],
      distribute: o.distribute ?? [
        {
          type: 'ManagedImage',
          runOutputName: 'managed',
          imageId: `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/images/img`,
          location: 'eastus',
          artifactTags: { team: 'images', 'source-commit': 'kept-from-file' },
        },
        {
          type: 'SharedImage',
          runOutputName: 'gallery',
          galleryImageId: `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/g/images/ubuntu`,
        },
      ],
      buildTimeoutInMinutes: 60,
      stagingResourceGroup: `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/rg-staging-prepared`,
    },
  };
}

/** An ARM template holding one image template whose name, location and tags come from parameters and expressions. */
function armTemplate(): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      imageTemplateName: { type: 'string' },
      location: { type: 'string', defaultValue: '[resourceGroup().location]' },
      tags: { type: 'object', defaultValue: { owner: 'platform' } },
      identityName: { type: 'string', defaultValue: 'aib-identity' },
    },
    variables: { imageName: "[format('{0}-img', parameters('imageTemplateName'))]" },
    resources: [
      {
        type: 'Microsoft.VirtualMachineImages/imageTemplates',
        apiVersion: '2024-02-01',
        name: "[parameters('imageTemplateName')]",
        location: "[parameters('location')]",
        tags: "[parameters('tags')]",
        identity: {
          type: 'UserAssigned',
          userAssignedIdentities: { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))]": {} },
        },
        properties: {
          source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
          customize: [{ type: 'Shell', name: 'install', inline: ['sudo apt-get update'] }],
          distribute: [
            {
              type: 'ManagedImage',
              runOutputName: 'managed',
              imageId: "[resourceId('Microsoft.Compute/images', variables('imageName'))]",
              location: "[parameters('location')]",
            },
          ],
        },
      },
    ],
  };
}

function workspace(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibr-ws-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** A run with template-file: no template-name unless given (the sim's inputs name one), quick phases left to the sim's defaults. */
function runFile(ws: string, withInputs: Record<string, string>, opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  return run(sim, { resourceGroup: RG, name: '' }, { workspace: ws, ...opts, with: { 'template-name': '', ...withInputs, ...opts.with } });
}

/** GET of a template as the service returns it (status and body). */
function getTemplate(name: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(
    `${sim.azure.armEndpoint}/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}?api-version=2025-10-01`,
  );
  return new Promise((resolveGet, reject) => {
    const req = httpsRequest(
      url,
      { method: 'GET', ca: sim.cert.cert, headers: { authorization: `Bearer ${sim.azure.mintAccessToken()}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const RUN_URL = (runId: string): string => `https://github.com/octo-org/octo-repo/actions/runs/${runId}`;
const SHA = 'd6cd1e2bd19e03a81132a23b2025920577f84e37';

function armRequests(name: string): Array<{ method: string; path: string; status: number; at: number }> {
  return armFor(sim, name).map((r) => ({ method: r.method, path: r.path, status: r.status, at: r.at }));
}

describe('template-file forms', () => {
  test.concurrent(
    'resource body: created with provenance on the template and every artifactTags (file keys kept), run, outputs',
    async () => {
      const name = uniqueName('body');
      const ws = workspace({ 'images/ubuntu.json': resourceBody({ name, tags: { owner: 'platform' } }) });
      const r = await runFile(ws, { 'template-file': 'images/ubuntu.json' }, { github: { runId: '5550001' } });
      const got = await getTemplate(name);
      check(r, () => {
        expect(r.main.exitCode).toBe(0);
        expect(r.main.outputs['template-name']).toBe(name);
        expect(r.main.outputs['run-state']).toBe('Succeeded');
        const puts = armRequests(name).filter((q) => q.method === 'PUT');
        expect(puts.map((q) => q.status)).toEqual([201]);
        expect(posts(sim, name, 'run').length).toBe(1);
        // The PUT came before the run.
        expect(puts[0]!.at).toBeLessThan(posts(sim, name, 'run')[0]!.at);
        expect(got.status).toBe(200);
        const provenance = { 'source-repository': 'octo-org/octo-repo', 'source-commit': SHA, 'source-run': RUN_URL('5550001') };
        expect(got.body.tags).toEqual({ ...provenance, owner: 'platform' });
        const distribute = (got.body.properties as { distribute: Array<{ artifactTags: Record<string, string> }> }).distribute;
        expect(distribute.length).toBe(2);
        expect(distribute[0]!.artifactTags).toEqual({ ...provenance, team: 'images', 'source-commit': 'kept-from-file' });
        expect(distribute[1]!.artifactTags).toEqual(provenance);
        expect(r.main.log).toMatch(/Provenance: tagged the template and its images with source-repository=octo-org\/octo-repo/);
      });
    },
  );

  test.concurrent(
    'ARM template with parameters: deployed, expressions evaluated by ARM, name from the parameter, tags merged',
    async () => {
      const name = uniqueName('arm');
      const ws = workspace({ 'arm/image.json': armTemplate() });
      const r = await runFile(ws, {
        'template-file': 'arm/image.json',
        'template-parameters': JSON.stringify({ imageTemplateName: name, tags: { owner: 'team-a' } }),
      });
      const got = await getTemplate(name);
      check(r, () => {
        expect(r.main.exitCode).toBe(0);
        expect(r.main.outputs['template-name']).toBe(name);
        expect(r.main.outputs['run-state']).toBe('Succeeded');
        const deployments = sim.journal.filter(
          (q) => q.service === 'arm' && q.method === 'PUT' && q.path.includes('/Microsoft.Resources/deployments/'),
        );
        expect(deployments.some((q) => q.path.endsWith(`/image-builder-run-${name}`) && q.status === 201)).toBe(true);
        expect(armRequests(name).filter((q) => q.method === 'PUT')).toEqual([]);
        expect(got.status).toBe(200);
        expect(got.body.location).toBe('eastus');
        expect(got.body.tags).toEqual({
          'source-repository': 'octo-org/octo-repo',
          'source-commit': SHA,
          'source-run': RUN_URL('1658821493'),
          owner: 'team-a',
        });
        const d = (got.body.properties as { distribute: Array<Record<string, unknown>> }).distribute[0]!;
        expect(d.imageId).toBe(
          `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/images/${name}-img`,
        );
        expect((d.artifactTags as Record<string, string>)['source-commit']).toBe(SHA);
        expect(r.main.outputs['image-id']).toBe(d.imageId);
      });
    },
  );

  test.concurrent('ARM parameters from a parameters file; a missing parameter value named by ARM fails the step', async () => {
    const name = uniqueName('armfile');
    const ws = workspace({
      'image.json': armTemplate(),
      'image.parameters.json': {
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
        contentVersion: '1.0.0.0',
        parameters: { imageTemplateName: { value: name } },
      },
    });
    const r = await runFile(ws, { 'template-file': 'image.json', 'template-parameters': 'image.parameters.json' });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['template-name']).toBe(name);
    });
  });

  test.concurrent('Bicep: compiled with az bicep build (fake az on PATH), then deployed', async () => {
    const name = uniqueName('bicep');
    const log = join(mkdtempSync(join(tmpdir(), 'ibr-az-')), 'az.log');
    const ws = workspace({
      'infra/image.bicep': 'param imageTemplateName string\n// (compiled form beside it for the fake az)\n',
      'infra/image.json': armTemplate(),
    });
    const r = await runFile(
      ws,
      { 'template-file': 'infra/image.bicep', 'template-parameters': JSON.stringify({ imageTemplateName: name }) },
      {
        env: { PATH: `${FAKE_AZ_DIR}${delimiter}${process.env.PATH ?? ''}`, FAKE_AZ_LOG: log },
      },
    );
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['template-name']).toBe(name);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(
        readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[]),
      ).toEqual([['bicep', 'build', '--file', 'infra/image.bicep', '--stdout']]);
    });
  });

  test.concurrent('Bicep without az: a clear error before any call', async () => {
    const ws = workspace({ 'image.bicep': 'param imageTemplateName string\n' });
    const r = await runFile(ws, { 'template-file': 'image.bicep', 'template-name': uniqueName('nobicep') }, { env: { PATH: NO_AZ_PATH } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(errors(r.main).join('\n')).toMatch(
        /template-file 'image.bicep' is a Bicep file, and compiling it needs the Azure CLI \(az\), which is not on PATH/,
      );
    });
  });

  test.concurrent('a body the service would refuse: every problem named by its JSON path, nothing called in Azure', async () => {
    const name = uniqueName('bad');
    const body = resourceBody({ name, distribute: [{ type: 'VHDX', runOutputName: 'bad name!' }] }) as {
      properties: Record<string, unknown>;
      identity?: unknown;
    };
    delete body.identity;
    (body.properties as Record<string, unknown>).buildTimeoutInMinutes = 9999;
    const ws = workspace({ 't.json': body });
    const r = await runFile(ws, { 'template-file': 't.json' });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main).join('\n');
      expect(e).toMatch(/^ {2}identity: missing/m);
      expect(e).toMatch(/^ {2}properties\.distribute\[0\]\.type: expected one of ManagedImage, SharedImage, VHD, got "VHDX"/m);
      expect(e).toMatch(/^ {2}properties\.distribute\[0\]\.runOutputName: expected 1-64 letters/m);
      expect(e).toMatch(/^ {2}properties\.buildTimeoutInMinutes: expected a whole number from 0 to 960, got 9999/m);
      expect(sim.journal.filter((q) => q.path.includes(name))).toEqual([]);
    });
  });

  test.concurrent(
    'delete-template with a VHD target and no vhd-destination fails before any call, saying the VHD would be lost',
    async () => {
      const name = uniqueName('vhd');
      const ws = workspace({ 't.json': resourceBody({ name, distribute: [{ type: 'VHD', runOutputName: 'vhd' }] }) });
      const r = await runFile(ws, { 'template-file': 't.json', 'delete-template': 'always' });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(errors(r.main).join('\n')).toMatch(/VHD distribute target \(vhd\).*the VHD would be lost/s);
        expect(sim.journal.filter((q) => q.path.includes(name))).toEqual([]);
      });
    },
  );
});

describe('names', () => {
  test.concurrent('generated: valid, readable, unique across re-runs and a matrix over templates', async () => {
    const ws = workspace({
      'images/a/ubuntu-2404-with-a-rather-long-descriptive-file-name-for-testing.json': resourceBody(),
      'images/b/ubuntu-2404-with-a-rather-long-descriptive-file-name-for-testing.json': resourceBody(),
    });
    const fileA = 'images/a/ubuntu-2404-with-a-rather-long-descriptive-file-name-for-testing.json';
    const fileB = 'images/b/ubuntu-2404-with-a-rather-long-descriptive-file-name-for-testing.json';
    const rs = await Promise.all([
      runFile(ws, { 'template-file': fileA }, { github: { runId: '7770001', runAttempt: '1' } }),
      runFile(ws, { 'template-file': fileB }, { github: { runId: '7770001', runAttempt: '1' } }), // matrix: same run and job
      runFile(ws, { 'template-file': fileA }, { github: { runId: '7770001', runAttempt: '2' } }), // re-run
      runFile(ws, { 'template-file': fileA }, { github: { runId: '7770002', runAttempt: '1' } }), // next run
    ]);
    const names = rs.map((r) => r.main.outputs['template-name'] ?? '');
    for (const r of rs) check(r, () => expect(r.main.exitCode).toBe(0));
    check(rs[0]!, () => {
      for (const n of names) {
        expect(n).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
        expect(n.startsWith('ubuntu-2404')).toBe(true);
      }
      expect(names[0]).toMatch(/-7770001-1-[0-9a-f]{6}$/);
      expect(names[2]).toMatch(/-7770001-2-[0-9a-f]{6}$/);
      expect(new Set(names).size).toBe(4);
    });
  });

  test.concurrent('template-name input against a different name in the file: refused before any call', async () => {
    const name = uniqueName('named');
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const r = await runFile(ws, { 'template-file': 't.json', 'template-name': `${name}-other` });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(errors(r.main).join('\n')).toContain(`template-name '${name}-other' differs from the name '${name}'`);
      expect(sim.journal.filter((q) => q.path.includes(name))).toEqual([]);
    });
  });
});

describe('an existing template', () => {
  test.concurrent('identical body (a re-run of the same run): reused, not sent again', async () => {
    const name = uniqueName('reuse');
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const first = await runFile(ws, { 'template-file': 't.json' }, { github: { runId: '8880001' } });
    const second = await runFile(ws, { 'template-file': 't.json' }, { github: { runId: '8880001', runAttempt: '2' } });
    check(second, () => {
      expect(first.main.exitCode).toBe(0);
      expect(second.main.exitCode).toBe(0);
      expect(second.main.log).toContain(`Image template '${name}' already exists with the same body: reusing it.`);
      expect(armRequests(name).filter((q) => q.method === 'PUT').length).toBe(1);
      expect(armRequests(name).filter((q) => q.method === 'DELETE')).toEqual([]);
      expect(posts(sim, name, 'run').length).toBe(2);
    });
  });

  test.concurrent(
    'different body without replace-template: refused before any change, quoting the service, naming both ways out',
    async () => {
      const name = uniqueName('refuse');
      const ws = workspace({
        'v1.json': resourceBody({ name }),
        'v2.json': resourceBody({ name, inline: ['sudo apt-get install -y nginx'] }),
      });
      const first = await runFile(ws, { 'template-file': 'v1.json' });
      const second = await runFile(ws, { 'template-file': 'v2.json' });
      check(second, () => {
        expect(first.main.exitCode).toBe(0);
        expect(second.main.exitCode).toBe(1);
        const e = errors(second.main).join('\n');
        expect(e).toContain('Update/Upgrade of image templates is currently not supported');
        expect(e).toContain('properties.customize[0].inline[0]');
        expect(e).toContain('replace-template: true');
        expect(e).toMatch(/template-name/);
        expect(armRequests(name).filter((q) => q.method === 'DELETE')).toEqual([]);
        expect(posts(sim, name, 'run').length).toBe(1);
      });
    },
  );

  test.concurrent('different body with replace-template: true: deleted, waited for, created again, run', async () => {
    const name = uniqueName('replace');
    const ws = workspace({ 'v1.json': resourceBody({ name }), 'v2.json': resourceBody({ name, inline: ['echo v2'] }) });
    const first = await runFile(ws, { 'template-file': 'v1.json' });
    const second = await runFile(ws, { 'template-file': 'v2.json', 'replace-template': 'true' });
    const got = await getTemplate(name);
    check(second, () => {
      expect(first.main.exitCode).toBe(0);
      expect(second.main.exitCode).toBe(0);
      const seq = armRequests(name)
        .filter((q) => q.method !== 'GET')
        .map((q) => `${q.method} ${q.status}`);
      expect(seq).toEqual(['PUT 201', 'POST 202', 'PUT 409', 'DELETE 202', 'PUT 201', 'POST 202']);
      expect((got.body.properties as { customize: Array<{ inline: string[] }> }).customize[0]!.inline).toEqual(['echo v2']);
    });
  });
});

describe('an existing template from an ARM template', () => {
  test.concurrent(
    'a changed body: the deployment is refused (nested Conflict) and quoted; with replace-template: deleted and deployed again',
    async () => {
      const name = uniqueName('armre');
      const ws = workspace({ 'image.json': armTemplate() });
      const params = JSON.stringify({ imageTemplateName: name });
      const first = await runFile(ws, { 'template-file': 'image.json', 'template-parameters': params }, { github: { runId: '9990001' } });
      // A later run: its provenance (source-run) differs, so the body differs.
      const refused = await runFile(ws, { 'template-file': 'image.json', 'template-parameters': params }, { github: { runId: '9990002' } });
      const replaced = await runFile(
        ws,
        { 'template-file': 'image.json', 'template-parameters': params, 'replace-template': 'true' },
        { github: { runId: '9990003' } },
      );
      const got = await getTemplate(name);
      check(refused, () => {
        expect(first.main.exitCode).toBe(0);
        expect(refused.main.exitCode).toBe(1);
        const e = errors(refused.main).join('\n');
        expect(e).toContain(
          '"Update/Upgrade of image templates is currently not supported. Please change the name of the template you are submitting.',
        );
        expect(e).toContain('replace-template: true');
        expect(posts(sim, name, 'run').length).toBe(2);
      });
      check(replaced, () => {
        expect(replaced.main.exitCode).toBe(0);
        expect(
          armRequests(name)
            .filter((q) => q.method === 'DELETE')
            .map((q) => q.status),
        ).toEqual([202]);
        expect((got.body.tags as Record<string, string>)['source-run']).toBe(RUN_URL('9990003'));
      });
    },
  );
});

describe('delete-template', () => {
  test.concurrent('always: deleted after the run and after the logs were read, the delete waited for', async () => {
    const name = uniqueName('del');
    const t = sim.azure.addTemplate({ resourceGroup: RG, name, exists: false });
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const r = await runFile(ws, { 'template-file': 't.json', 'delete-template': 'always' });
    const got = await getTemplate(name);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const del = armRequests(name).filter((q) => q.method === 'DELETE');
      expect(del.map((q) => q.status)).toEqual([202]);
      expect(del[0]!.at).toBeGreaterThanOrEqual(posts(sim, name, 'run')[0]!.at);
      // After the build log was read from the staging account (deleting the template deletes it).
      const logReads = sim.journal.filter((q) => q.service === 'blob' && q.path.includes(`/${t.storageAccount}/packerlogs/`));
      expect(logReads.length).toBeGreaterThan(0);
      expect(del[0]!.at).toBeGreaterThan(Math.max(...logReads.map((q) => q.at)));
      expect(r.main.log).toContain(`Image template '${name}' deleted.`);
      expect(got.status).toBe(404);
      // The post step has nothing left to do.
      expect(armFor(sim, name).filter((q) => q.method === 'DELETE').length).toBe(1);
    });
  });

  test.concurrent('on-success and a failed build: the template is kept to look into', async () => {
    const name = uniqueName('keep');
    // Created by the action's PUT; its build then fails in Customizing.
    sim.azure.addTemplate({ resourceGroup: RG, name, exists: false, outcome: 'Failed' });
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const r = await runFile(ws, { 'template-file': 't.json', 'delete-template': 'on-success' });
    const got = await getTemplate(name);
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('Failed');
      expect(r.main.log).toContain(`delete-template is on-success and the run ended Failed: keeping image template '${name}'`);
      expect(armFor(sim, name).filter((q) => q.method === 'DELETE')).toEqual([]);
      expect(got.status).toBe(200);
    });
  });

  test.concurrent('always, and the main step killed: the post step cancels the run and deletes the template', async () => {
    const name = uniqueName('killed');
    // Not there until the action's PUT creates it; then it builds slowly enough to be canceled mid-build.
    const t = sim.azure.addTemplate({ resourceGroup: RG, name, exists: false, phases: phases(20_000) });
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const r = await runFile(ws, { 'template-file': 't.json', 'delete-template': 'always' }, { cancel: { when: t.subState('Building') } });
    const got = await getTemplate(name);
    check(r, () => {
      expect(r.main.conclusion).toBe('cancelled');
      expect(r.post?.log ?? '').toContain(`deleting it now`);
      expect(r.post?.log ?? '').toContain(`Image template '${name}' deleted.`);
      expect(got.status).toBe(404);
    });
  });
});

describe('wait: false', () => {
  test.concurrent('starts the run and ends the step; the post step leaves it; a second step attaches and finishes it', async () => {
    const name = uniqueName('nowait');
    // Long enough that the build is still going when the second step (a new process, under load) reads the template.
    sim.azure.addTemplate({ resourceGroup: RG, name, exists: false, phases: phases(20_000) });
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const first = await runFile(ws, { 'template-file': 't.json', wait: 'false' });
    const second = await run(sim, { resourceGroup: RG, name }, { with: { 'if-running': 'attach' } });
    check(first, () => {
      expect(first.main.exitCode).toBe(0);
      expect(first.main.outputs['run-state']).toBe('Running');
      expect(first.main.outputs['template-name']).toBe(name);
      expect(first.main.outputs['staging-resource-group']).toMatch(/^\/subscriptions\/.+\/resourceGroups\//);
      expect(posts(sim, name, 'cancel')).toEqual([]);
    });
    check(second, () => {
      expect(second.main.exitCode).toBe(0);
      expect(second.main.log).toMatch(/Attaching to the run in progress/);
      expect(second.main.outputs['run-state']).toBe('Succeeded');
      expect(posts(sim, name, 'run').length).toBe(1);
    });
  });

  test.concurrent('wait: false with delete-template: refused before any call', async () => {
    const name = uniqueName('nowaitdel');
    const ws = workspace({ 't.json': resourceBody({ name }) });
    const r = await runFile(ws, { 'template-file': 't.json', wait: 'false', 'delete-template': 'always' });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(errors(r.main).join('\n')).toMatch(/Input 'delete-template' has the value 'always': expected never when wait is false/);
      expect(sim.journal.filter((q) => q.path.includes(name))).toEqual([]);
    });
  });
});
