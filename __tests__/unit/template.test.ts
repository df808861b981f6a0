import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateDifferences } from '../../src/template/compare.js';
import { readTemplateFile, TemplateFileError, type JsonObject } from '../../src/template/file.js';
import { generateName } from '../../src/template/name.js';
import { prepareTemplate } from '../../src/template/prepare.js';
import { addProvenance, provenanceFromEnv } from '../../src/template/provenance.js';
import { validateTemplateBody } from '../../src/template/validate.js';

const ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1';
const ENV = {
  GITHUB_REPOSITORY: 'o/r',
  GITHUB_SHA: 'abc',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '3',
  GITHUB_SERVER_URL: 'https://github.com',
};

function body(): JsonObject {
  return {
    location: 'eastus',
    identity: { type: 'UserAssigned', userAssignedIdentities: { [ID]: {} } },
    properties: {
      source: { type: 'PlatformImage', publisher: 'p', offer: 'o', sku: 's', version: 'latest' },
      customize: [{ type: 'Shell', name: 'x', inline: ['echo'] }],
      distribute: [
        {
          type: 'ManagedImage',
          runOutputName: 'out',
          imageId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i',
          location: 'eastus',
        },
      ],
    },
  };
}

function file(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibr-unit-'));
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('validateTemplateBody', () => {
  it('accepts a correct body and names each problem by its path', () => {
    expect(validateTemplateBody(body(), false)).toEqual([]);
    const b = body();
    (b.properties as JsonObject).distrubute = [];
    ((b.properties as JsonObject).source as JsonObject).type = 'Marketplace';
    (b.identity as JsonObject).userAssignedIdentities = { 'not-an-id': {} };
    const paths = validateTemplateBody(b, false).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['properties.distrubute', 'properties.source.type', 'identity.userAssignedIdentities["not-an-id"]']),
    );
  });

  it('leaves expressions to ARM in an ARM template', () => {
    const b = body();
    b.location = "[parameters('location')]";
    b.name = "[parameters('n')]";
    ((b.properties as JsonObject).distribute as JsonObject[])[0]!.runOutputName = "[variables('o')]";
    expect(validateTemplateBody(b, true)).toEqual([]);
    expect(validateTemplateBody(b, false).map((p) => p.path)).toEqual(
      expect.arrayContaining(['name', 'properties.distribute[0].runOutputName']),
    );
  });
});

describe('templateDifferences', () => {
  it('ignores what the service fills in and ID case; finds real changes', () => {
    const wanted = body();
    const existing = JSON.parse(JSON.stringify(wanted)) as JsonObject;
    existing.identity = {
      type: 'UserAssigned',
      userAssignedIdentities: { [ID.replace('resourceGroups', 'resourcegroups')]: { principalId: 'p', clientId: 'c' } },
    };
    Object.assign(existing.properties as JsonObject, {
      provisioningState: 'Succeeded',
      exactStagingResourceGroup: '/subscriptions/s/resourceGroups/IT_x',
      buildTimeoutInMinutes: 0,
      lastRunStatus: { runState: 'Succeeded' },
    });
    ((existing.properties as JsonObject).customize as JsonObject[])[0]!.sha256Checksum = 'abc';
    expect(templateDifferences(wanted, existing)).toEqual([]);
    ((existing.properties as JsonObject).customize as JsonObject[])[0]!.inline = ['echo', 'more'];
    (existing.properties as JsonObject).buildTimeoutInMinutes = 120;
    expect(templateDifferences(wanted, existing)).toEqual(['properties.customize[0].inline', 'properties.buildTimeoutInMinutes']);
  });
});

describe('names and provenance', () => {
  it('generates valid names of at most 64 characters, different per attempt, file and inputs', () => {
    const long = 'images/a-very-long-template-file-name-that-goes-on-and-on-and-on-forever.json';
    const a = generateName({ env: ENV, file: long, distinguishing: '' });
    expect(a).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(a).toMatch(/^a-very-long.*-42-3-[0-9a-f]{6}$/);
    expect(generateName({ env: { ...ENV, GITHUB_RUN_ATTEMPT: '4' }, file: long, distinguishing: '' })).not.toBe(a);
    expect(generateName({ env: ENV, file: long, distinguishing: 'matrix=2' })).not.toBe(a);
    expect(generateName({ env: ENV, file: 'x/ü ñ.json', distinguishing: '' })).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('adds provenance tags without overriding the file’s keys, literal or expression', () => {
    const p = provenanceFromEnv(ENV)!;
    expect(p['source-run']).toBe('https://github.com/o/r/actions/runs/42');
    const b = body();
    b.tags = { 'source-commit': 'mine' };
    expect(addProvenance(b, p)).toEqual([]);
    expect(b.tags).toEqual({ ...p, 'source-commit': 'mine' });
    expect(((b.properties as JsonObject).distribute as JsonObject[])[0]!.artifactTags).toEqual(p);
    const e = body();
    e.tags = "[parameters('tags')]";
    addProvenance(e, p);
    expect(e.tags).toBe(
      "[union(createObject('source-repository', 'o/r', 'source-commit', 'abc', 'source-run', 'https://github.com/o/r/actions/runs/42'), parameters('tags'))]",
    );
    expect(provenanceFromEnv({})).toBeUndefined();
  });
});

describe('readTemplateFile and prepareTemplate', () => {
  it('tells a resource body from an ARM template, and refuses two image templates in one', async () => {
    expect((await readTemplateFile(file('t.json', body()))).form).toBe('resource');
    const arm = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources: [{ type: 'Microsoft.VirtualMachineImages/imageTemplates', name: 'n', ...body() }],
    };
    expect((await readTemplateFile(file('a.json', arm))).form).toBe('arm');
    const two = { ...arm, resources: [...arm.resources, ...arm.resources] };
    await expect(readTemplateFile(file('b.json', two))).rejects.toThrow(/with 2 Microsoft.VirtualMachineImages\/imageTemplates resources/);
    await expect(readTemplateFile(file('c.json', '{"location": "eastus",'))).rejects.toThrow(/is not valid JSON at line 1/);
  });

  it('Bicep: runs az bicep build; a missing az is a clear error', async () => {
    const p = file('main.bicep', 'param x string');
    const arm = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources: [{ type: 'Microsoft.VirtualMachineImages/imageTemplates', name: 'n', ...body() }],
    };
    const calls: string[][] = [];
    const got = await readTemplateFile(p, async (cmd, args) => {
      calls.push([cmd, ...args]);
      return JSON.stringify(arm);
    });
    expect(got).toMatchObject({ form: 'arm', compiledFrom: 'bicep' });
    expect(calls).toEqual([['az', 'bicep', 'build', '--file', p, '--stdout']]);
    const missing = Object.assign(new Error('spawn az ENOENT'), { code: 'ENOENT' });
    await expect(readTemplateFile(p, () => Promise.reject(missing))).rejects.toThrow(/needs the Azure CLI \(az\), which is not on PATH/);
  });

  it('ARM: the name parameter is passed from template-name or generated; a literal name must match template-name', async () => {
    const arm = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { imageTemplateName: { type: 'string' } },
      resources: [{ type: 'Microsoft.VirtualMachineImages/imageTemplates', name: "[parameters('imageTemplateName')]", ...body() }],
    };
    const p = file('arm.json', arm);
    const base = { templateFile: p, templateName: '', deleteTemplate: 'never' as const, logsWanted: false };
    const gen = await prepareTemplate(base, ENV);
    expect(gen.nameFrom).toBe('generated');
    expect(gen.deployment?.parameters).toEqual({ imageTemplateName: { value: gen.name } });
    const given = await prepareTemplate({ ...base, templateName: 'mine' }, ENV);
    expect(given.deployment?.parameters).toEqual({ imageTemplateName: { value: 'mine' } });
    await expect(prepareTemplate({ ...base, templateParameters: { nope: { value: 1 } } }, ENV)).rejects.toThrow(
      /sets 'nope', which .* does not declare/,
    );
    const literal = file('lit.json', { ...arm, resources: [{ ...arm.resources[0], name: 'fixed' }] });
    await expect(prepareTemplate({ ...base, templateFile: literal, templateName: 'other' }, ENV)).rejects.toThrow(TemplateFileError);
  });

  it('warns when a file-created template has no stagingResourceGroup and logs are wanted', async () => {
    const p = file('t.json', body());
    const got = await prepareTemplate({ templateFile: p, templateName: 'n', deleteTemplate: 'never', logsWanted: true }, ENV);
    expect(got.warnings.join('\n')).toMatch(/sets no properties.stagingResourceGroup/);
    const quiet = await prepareTemplate({ templateFile: p, templateName: 'n', deleteTemplate: 'never', logsWanted: false }, ENV);
    expect(quiet.warnings).toEqual([]);
  });
});
