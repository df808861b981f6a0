// Drives the real @azure/identity and @azure/arm-imagebuilder against the simulator's Entra and ARM.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ClientAssertionCredential } from '@azure/identity';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { RestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';
import { start, githubToken, type Started } from './azure-helpers.ts';

let s: Started;
let cred: TokenCredential;
let client: ImageBuilderClient;

function credential(assertion: () => string): ClientAssertionCredential {
  return new ClientAssertionCredential(s.sim.tenantId, s.sim.clientId, async () => assertion(), {
    authorityHost: s.sim.authorityHost,
    disableInstanceDiscovery: true,
  });
}

function ib(c: TokenCredential = cred): ImageBuilderClient {
  return new ImageBuilderClient(c, s.sim.subscriptionId, {
    endpoint: s.sim.armEndpoint,
    retryOptions: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 100 },
  });
}

async function restError(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestError) return e;
    throw e;
  }
  throw new Error('expected a RestError');
}

beforeAll(async () => {
  s = await start({ lroRetryAfterSec: 0, storageAccountPool: 12, entra: { federatedSubject: 'repo:octo-org/images:ref:refs/heads/main' } });
  cred = credential(() => githubToken());
  client = ib();
});

afterAll(async () => {
  await s?.stop();
});

describe('Entra ID', () => {
  test('MSAL gets an ARM token with a fresh assertion', async () => {
    const t = await cred.getToken('https://management.azure.com/.default');
    expect(t?.token).toBeTruthy();
    const payload = JSON.parse(Buffer.from(t!.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload.aud).toBe('https://management.azure.com');
    expect(payload.iss).toBe(`https://sts.windows.net/${s.sim.tenantId}/`);
    expect(payload.appid).toBe(s.sim.clientId);
    const tokenCalls = s.journal.filter((r) => r.service === 'entra' && r.method === 'POST');
    expect(tokenCalls.length).toBeGreaterThanOrEqual(1);
    expect(tokenCalls.every((r) => r.path === `/${s.sim.tenantId}/oauth2/v2.0/token`)).toBe(true);
  });

  test('an expired assertion surfaces AADSTS700024', async () => {
    const c = credential(() => githubToken({ exp: Math.floor(Date.now() / 1000) - 60 }));
    await expect(c.getToken('https://management.azure.com/.default')).rejects.toThrow(
      /AADSTS700024: Client assertion is not within its valid time range/,
    );
  });

  test('wrong subject, wrong audience, unknown client and unknown tenant', async () => {
    await expect(
      credential(() => githubToken({ sub: 'repo:octo-org/images:pull_request' })).getToken('https://management.azure.com/.default'),
    ).rejects.toThrow(
      /AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo-org\/images:pull_request'/,
    );
    await expect(credential(() => githubToken({ aud: 'api://Other' })).getToken('https://management.azure.com/.default')).rejects.toThrow(
      /AADSTS700212/,
    );
    const unknownClient = new ClientAssertionCredential(s.sim.tenantId, '00000000-1111-2222-3333-444444444444', async () => githubToken(), {
      authorityHost: s.sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    await expect(unknownClient.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700016/);
    const unknownTenant = new ClientAssertionCredential('99999999-1111-2222-3333-444444444444', s.sim.clientId, async () => githubToken(), {
      authorityHost: s.sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    // MSAL reports the failed discovery (as with the real service); the discovery answer carries AADSTS90002.
    await expect(unknownTenant.getToken('https://management.azure.com/.default')).rejects.toThrow(/endpoints_resolution_error/);
    const discovery = s.journal.filter((r) => r.service === 'entra' && r.path.startsWith('/99999999-'));
    expect(discovery.map((r) => r.status)).toContain(400);
    const raw = await fetch(`${s.sim.authorityHost}/99999999-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration`);
    expect(((await raw.json()) as { error_description: string }).error_description).toMatch(
      /^AADSTS90002: Tenant '99999999-1111-2222-3333-444444444444' not found/,
    );
  });
});

describe('ARM tokens', () => {
  const fixed = (token: string): TokenCredential => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) });

  test('expired, wrong audience and forged tokens get 401 with the ARM codes', async () => {
    s.sim.addTemplate({ resourceGroup: 'rg-auth', name: 'tpl' });
    const expired = await restError(
      ib(fixed(s.sim.mintAccessToken({ expiresInSec: -120 }))).virtualMachineImageTemplates.get('rg-auth', 'tpl'),
    );
    expect(expired.statusCode).toBe(401);
    expect(expired.code).toBe('ExpiredAuthenticationToken');
    expect(expired.message).toMatch(/The access token expiry UTC time '.+' is earlier than current UTC time/);
    const wrongAud = await restError(
      ib(fixed(s.sim.mintAccessToken({ aud: 'https://storage.azure.com' }))).virtualMachineImageTemplates.get('rg-auth', 'tpl'),
    );
    expect(wrongAud.code).toBe('InvalidAuthenticationTokenAudience');
    const forged = await restError(
      ib(fixed(`${s.sim.mintAccessToken().slice(0, -4)}AAAA`)).virtualMachineImageTemplates.get('rg-auth', 'tpl'),
    );
    expect(forged.code).toBe('InvalidAuthenticationToken');
    const r = s.journal.filter((x) => x.service === 'arm' && x.status === 401);
    expect(r.length).toBeGreaterThanOrEqual(3);
  });

  test('a request without api-version or Authorization', async () => {
    const url = `${s.sim.armEndpoint}/subscriptions/${s.sim.subscriptionId}/resourceGroups/rg-auth/providers/Microsoft.VirtualMachineImages/imageTemplates/tpl`;
    const noAuth = await fetch(`${url}?api-version=2025-10-01`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
    const noVersion = await fetch(url, { headers: { authorization: `Bearer ${s.sim.mintAccessToken()}` } });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });
});

describe('Image Builder', () => {
  test('get returns the full template; run completes through every sub-state; run outputs', async () => {
    const h = s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'ubuntu',
      distribute: [
        { type: 'ManagedImage', runOutputName: 'img' },
        { type: 'SharedImage', runOutputName: 'sig' },
        { type: 'VHD', runOutputName: 'vhd' },
      ],
    });
    const t = await client.virtualMachineImageTemplates.get('rg-img', 'ubuntu');
    expect(t.identity?.type).toBe('UserAssigned');
    expect(t.provisioningState).toBe('Succeeded');
    expect(t.exactStagingResourceGroup).toBe(h.stagingResourceGroup);
    expect(t.distribute?.map((d) => d.type)).toEqual(['ManagedImage', 'SharedImage', 'VHD']);
    expect(t.lastRunStatus).toBeUndefined();

    const seen: string[] = [];
    h.events.on('subState', (x: string) => seen.push(x));
    const poller = client.virtualMachineImageTemplates.run('rg-img', 'ubuntu', { updateIntervalInMs: 50 });
    await h.subState('Customizing');
    const mid = await client.virtualMachineImageTemplates.get('rg-img', 'ubuntu');
    expect(mid.lastRunStatus?.runState).toBe('Running');
    expect(mid.lastRunStatus?.runSubState).toBe('Customizing');
    await poller;
    expect(seen).toEqual(['Queued', 'Building', 'Customizing', 'Optimizing', 'Validating', 'Distributing']);
    const done = await client.virtualMachineImageTemplates.get('rg-img', 'ubuntu');
    expect(done.lastRunStatus?.runState).toBe('Succeeded');
    expect(done.lastRunStatus?.endTime).toBeInstanceOf(Date);

    const outputs = [];
    for await (const o of client.virtualMachineImageTemplates.listRunOutputs('rg-img', 'ubuntu')) outputs.push(o);
    expect(outputs.map((o) => o.name)).toEqual(['img', 'sig', 'vhd']);
    expect(outputs[0]!.artifactId).toMatch(/\/providers\/Microsoft\.Compute\/images\/img$/);
    expect(outputs[1]!.artifactId).toMatch(/\/galleries\/simGallery\/images\/sig\/versions\/0\.\d+\.1$/);
    expect(outputs[2]!.artifactUri).toMatch(new RegExp(`^${h.blobEndpoint}vhds/ubuntu_\\d+\\.vhd$`));
    expect(outputs[2]!.artifactUri).not.toContain('?');
    const one = await client.virtualMachineImageTemplates.getRunOutput('rg-img', 'ubuntu', 'vhd');
    expect(one.artifactUri).toBe(outputs[2]!.artifactUri);

    const runPost = s.journal.filter((r) => r.service === 'arm' && r.method === 'POST' && r.path.endsWith('/ubuntu/run'));
    expect(runPost).toHaveLength(1);
    expect(runPost[0]!.status).toBe(202);
    expect(runPost[0]!.query['api-version']).toBe('2025-10-01');
  });

  test('a failed build: the LRO rejects and the message carries the log location', async () => {
    const h = s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'broken',
      outcome: 'Failed',
      phases: [
        { subState: 'Queued', durationMs: 20 },
        { subState: 'Building', durationMs: 20 },
        { subState: 'Customizing', durationMs: 50 },
      ],
    });
    await expect(client.virtualMachineImageTemplates.run('rg-img', 'broken', { updateIntervalInMs: 50 })).rejects.toThrow(
      /Packer build command has failed/,
    );
    const t = await client.virtualMachineImageTemplates.get('rg-img', 'broken');
    expect(t.lastRunStatus?.runState).toBe('Failed');
    expect(t.lastRunStatus?.message).toContain(`Image Build log location: ${h.logUrl}. OperationId: `);
    const outputs = [];
    for await (const o of client.virtualMachineImageTemplates.listRunOutputs('rg-img', 'broken')) outputs.push(o);
    expect(outputs).toEqual([]);
  });

  test('partial success marks the failed target', async () => {
    s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'partial',
      outcome: 'PartiallySucceeded',
      phases: [
        { subState: 'Building', durationMs: 20 },
        { subState: 'Distributing', durationMs: 20 },
      ],
      distribute: [
        { type: 'ManagedImage', runOutputName: 'ok' },
        { type: 'VHD', runOutputName: 'bad', fail: true },
      ],
    });
    await client.virtualMachineImageTemplates.run('rg-img', 'partial', { updateIntervalInMs: 50 }).catch(() => undefined);
    const t = await client.virtualMachineImageTemplates.get('rg-img', 'partial');
    expect(t.lastRunStatus?.runState).toBe('PartiallySucceeded');
    const outputs = [];
    for await (const o of client.virtualMachineImageTemplates.listRunOutputs('rg-img', 'partial')) outputs.push(o);
    expect(outputs.map((o) => [o.name, o.provisioningState])).toEqual([
      ['ok', 'Succeeded'],
      ['bad', 'Failed'],
    ]);
  });

  test('a run in progress: second run refused (OperationNotAllowed), cancel goes through Canceling to Canceled, a second cancel while Canceling refused, cancel again 409', async () => {
    const h = s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'busy',
      runInProgress: { fromSubState: 'Customizing' },
      phases: [
        { subState: 'Building', durationMs: 10_000 },
        { subState: 'Customizing', durationMs: 10_000 },
      ],
      cancel: { durationMs: 1500 },
    });
    await h.runStarted();
    const t = await client.virtualMachineImageTemplates.get('rg-img', 'busy');
    expect(t.lastRunStatus?.runSubState).toBe('Customizing');
    const again = await restError(client.virtualMachineImageTemplates.run('rg-img', 'busy'));
    // The code and wording the service uses for actions refused while a run goes on
    // (https://github.com/danielsollondon/azvmimagebuilder/issues/79); the HTTP status is not documented.
    expect(again.statusCode).toBe(409);
    expect(again.code).toBe('OperationNotAllowed');
    expect(again.message).toMatch(/run\/action is not allowed in provisioning state: provisioned or run state: running/);
    const del = await restError(client.virtualMachineImageTemplates.delete('rg-img', 'busy'));
    expect(del.code).toBe('OperationNotAllowed');

    const cancel = client.virtualMachineImageTemplates.cancel('rg-img', 'busy', { updateIntervalInMs: 20 });
    await h.cancelRequested();
    const canceling = await client.virtualMachineImageTemplates.get('rg-img', 'busy');
    expect(canceling.lastRunStatus?.runState).toBe('Canceling');
    const second = await restError(client.virtualMachineImageTemplates.cancel('rg-img', 'busy'));
    expect(second.code).toBe('OperationNotAllowed');
    expect(second.message).toMatch(/run state: canceling/);
    await cancel;
    const final = await h.finished();
    expect(final.runState).toBe('Canceled');
    const none = await restError(client.virtualMachineImageTemplates.cancel('rg-img', 'busy'));
    expect(none.statusCode).toBe(409);
  });

  test('a build that ignores cancel keeps running to its end', async () => {
    const h = s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'stubborn',
      cancel: { ignore: true },
      phases: [{ subState: 'Building', durationMs: 300 }],
    });
    const run = client.virtualMachineImageTemplates.run('rg-img', 'stubborn', { updateIntervalInMs: 50 });
    await h.subState('Building');
    await client.virtualMachineImageTemplates.cancel('rg-img', 'stubborn', { updateIntervalInMs: 50 });
    await run;
    expect((await h.finished()).runState).toBe('Succeeded');
  });

  test('404 template, resource group and subscription; 403 on a forbidden action', async () => {
    const nf = await restError(client.virtualMachineImageTemplates.get('rg-img', 'nope'));
    expect(nf.statusCode).toBe(404);
    expect(nf.code).toBe('ResourceNotFound');
    expect(nf.message).toBe(
      "The Resource 'Microsoft.VirtualMachineImages/imageTemplates/nope' under resource group 'rg-img' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
    const rg = await restError(client.virtualMachineImageTemplates.get('rg-missing', 'x'));
    expect(rg.code).toBe('ResourceGroupNotFound');
    expect(rg.message).toBe("Resource group 'rg-missing' could not be found.");
    const other = new ImageBuilderClient(cred, '11111111-2222-3333-4444-555555555555', { endpoint: s.sim.armEndpoint });
    const sub = await restError(other.virtualMachineImageTemplates.get('rg-img', 'x'));
    expect(sub.code).toBe('SubscriptionNotFound');

    s.sim.addTemplate({
      resourceGroup: 'rg-img',
      name: 'locked',
      access: { forbiddenActions: ['Microsoft.VirtualMachineImages/imageTemplates/run/action'] },
    });
    await client.virtualMachineImageTemplates.get('rg-img', 'locked');
    const denied = await restError(client.virtualMachineImageTemplates.run('rg-img', 'locked'));
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('AuthorizationFailed');
    expect(denied.message).toContain(
      `with object id '${s.sim.objectId}' does not have authorization to perform action 'Microsoft.VirtualMachineImages/imageTemplates/run/action' over scope '/subscriptions/${s.sim.subscriptionId}/resourceGroups/rg-img/providers/Microsoft.VirtualMachineImages/imageTemplates/locked'`,
    );
  });

  test('create from a body, 409 on a different body, delete', async () => {
    const body = {
      location: 'westus2',
      identity: {
        type: 'UserAssigned' as const,
        userAssignedIdentities: {
          [`/subscriptions/${s.sim.subscriptionId}/resourcegroups/rg-img/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1`]:
            {},
        },
      },
      source: { type: 'PlatformImage' as const, publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
      distribute: [{ type: 'VHD' as const, runOutputName: 'vhdOut' }],
    };
    const created = await client.virtualMachineImageTemplates.createOrUpdate('rg-img', 'fresh', body, { updateIntervalInMs: 20 });
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.exactStagingResourceGroup).toMatch(/\/resourceGroups\/IT_rg-img_fresh_[0-9a-f-]{36}$/);
    const conflict = await restError(
      client.virtualMachineImageTemplates.createOrUpdate('rg-img', 'fresh', {
        ...body,
        distribute: [{ type: 'VHD', runOutputName: 'other' }],
      }),
    );
    expect(conflict.statusCode).toBe(409);
    await client.virtualMachineImageTemplates.delete('rg-img', 'fresh', { updateIntervalInMs: 20 });
    expect((await restError(client.virtualMachineImageTemplates.get('rg-img', 'fresh'))).statusCode).toBe(404);
  });
});
