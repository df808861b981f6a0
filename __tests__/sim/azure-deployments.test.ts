// The simulator's ARM resource-group deployments: the expression subset image templates use, validation errors
// for what ARM refuses, and the nested Conflict of a changed image template.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:https';
import { start, type Started } from './azure-helpers.ts';

let s: Started;
beforeAll(async () => {
  s = await start({ resourceGroups: ['rg-dep'], createMs: 50, lroRetryAfterSec: 0 });
});
afterAll(async () => {
  await s?.stop();
});

function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const url = new URL(`${s.sim.armEndpoint}${path}${path.includes('?') ? '' : '?api-version=2024-03-01'}`);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca: s.cert.cert,
        headers: {
          authorization: `Bearer ${s.sim.mintAccessToken()}`,
          'content-type': 'application/json',
          ...(data ? { 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const dep = (name: string): string =>
  `/subscriptions/${s.sim.subscriptionId}/resourceGroups/rg-dep/providers/Microsoft.Resources/deployments/${name}`;

function template(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { n: { type: 'string' }, suffix: { type: 'string', defaultValue: "[toUpper('x')]" } },
    variables: { img: "[concat(parameters('n'), '-', parameters('suffix'))]" },
    resources: [
      {
        type: 'Microsoft.VirtualMachineImages/imageTemplates',
        apiVersion: '2024-02-01',
        name: "[parameters('n')]",
        location: '[resourceGroup().location]',
        tags: "[union(createObject('a', '1'), createObject('b', format('{0}/{1}', 'it''s', uniqueString('k'))))]",
        identity: {
          type: 'UserAssigned',
          userAssignedIdentities: { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')]": {} },
        },
        properties: {
          source: { type: 'PlatformImage', publisher: 'p', offer: 'o', sku: 's', version: 'latest' },
          distribute: [
            {
              type: 'ManagedImage',
              runOutputName: 'out',
              imageId: "[resourceId('Microsoft.Compute/images', variables('img'))]",
              location: 'eastus',
              artifactTags: { lit: '[[not an expression]' },
            },
          ],
        },
        ...extra,
      },
    ],
  };
}

async function until(path: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const r = await send('GET', path);
    const st = (r.body.properties as { provisioningState?: string } | undefined)?.provisioningState;
    if (st === 'Succeeded' || st === 'Failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('deployment did not end');
}

describe('deployments', () => {
  it('evaluates the subset and creates the image template; an operation status URL is given', async () => {
    const put = await send('PUT', dep('d1'), {
      properties: { mode: 'Incremental', template: template(), parameters: { n: { value: 'tpl1' } } },
    });
    expect(put.status).toBe(201);
    expect(String(put.headers['azure-asyncoperation'])).toContain('/deployments/d1/operationStatuses/');
    const done = await until(dep('d1'));
    expect((done.properties as { provisioningState: string }).provisioningState).toBe('Succeeded');
    const t = await send(
      'GET',
      `/subscriptions/${s.sim.subscriptionId}/resourceGroups/rg-dep/providers/Microsoft.VirtualMachineImages/imageTemplates/tpl1?api-version=2025-10-01`,
    );
    expect(t.status).toBe(200);
    expect(t.body.location).toBe('eastus');
    expect((t.body.tags as Record<string, string>).a).toBe('1');
    expect((t.body.tags as Record<string, string>).b).toMatch(/^it's\/[a-z2-7]{13}$/);
    const d = (t.body.properties as { distribute: Array<Record<string, unknown>> }).distribute[0]!;
    expect(d.imageId).toBe(`/subscriptions/${s.sim.subscriptionId}/resourceGroups/rg-dep/providers/Microsoft.Compute/images/tpl1-X`);
    expect(d.artifactTags).toEqual({ lit: '[not an expression]' });
  });

  it('refuses what ARM refuses: a missing parameter, an unknown one, a function outside the subset', async () => {
    const missing = await send('PUT', dep('d2'), { properties: { mode: 'Incremental', template: template(), parameters: {} } });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain("The value for the template parameter 'n' is not provided.");
    const unknown = await send('PUT', dep('d3'), {
      properties: { mode: 'Incremental', template: template(), parameters: { n: { value: 'x' }, zz: { value: 1 } } },
    });
    expect(JSON.stringify(unknown.body)).toContain("The template parameters 'zz' in the parameters file are not valid");
    const fn = await send('PUT', dep('d4'), {
      properties: { mode: 'Incremental', template: template({ location: "[reference('x').location]" }), parameters: { n: { value: 'x' } } },
    });
    expect(fn.status).toBe(400);
    expect(JSON.stringify(fn.body)).toContain("The template function 'reference' is not valid");
  });

  it('a changed body on an existing template fails the deployment with the nested Conflict', async () => {
    await until((await send('PUT', dep('d5'), { properties: { template: template(), parameters: { n: { value: 'tpl5' } } } }), dep('d5')));
    const changed = template();
    ((changed.resources as Array<Record<string, unknown>>)[0]!.properties as Record<string, unknown>).buildTimeoutInMinutes = 99;
    await send('PUT', dep('d6'), { properties: { template: changed, parameters: { n: { value: 'tpl5' } } } });
    const failed = await until(dep('d6'));
    const err = (failed.properties as { error: { code: string; details: Array<{ code: string; message: string }> } }).error;
    expect(err.code).toBe('DeploymentFailed');
    expect(err.details[0]!.code).toBe('Conflict');
    expect((JSON.parse(err.details[0]!.message) as { message: string }).message).toMatch(
      /^Update\/Upgrade of image templates is currently not supported/,
    );
  });
});
