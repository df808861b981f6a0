// The build log in Azurite through the blob front (Entra and shared key), access rules, faults and throttling,
// driven with the real @azure/storage-blob and @azure/arm-imagebuilder.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ClientAssertionCredential } from '@azure/identity';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { BlobClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { RestError } from '@azure/core-rest-pipeline';
import { start, githubToken, type Started } from './azure-helpers.ts';
import type { TemplateHandle } from '../../sim/azure/index.ts';

let s: Started;
let cred: ClientAssertionCredential;
let client: ImageBuilderClient;
let h: TemplateHandle;

const blobOpts = { retryOptions: { maxTries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 100 } };

async function arm(method: string, path: string): Promise<Response> {
  return fetch(`${s.sim.armEndpoint}/subscriptions/${s.sim.subscriptionId}${path}?api-version=2025-01-01`, {
    method,
    headers: { authorization: `Bearer ${s.sim.mintAccessToken()}` },
  });
}

async function read(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream!) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
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
  s = await start({ storageAccountPool: 6 });
  cred = new ClientAssertionCredential(s.sim.tenantId, s.sim.clientId, async () => githubToken(), {
    authorityHost: s.sim.authorityHost,
    disableInstanceDiscovery: true,
  });
  client = new ImageBuilderClient(cred, s.sim.subscriptionId, {
    endpoint: s.sim.armEndpoint,
    retryOptions: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 100 },
  });
  h = s.sim.addTemplate({
    resourceGroup: 'rg-logs',
    name: 'logged',
    runInProgress: true,
    validationLog: ['validation: checking nginx', 'validation: ok'],
    phases: [
      { subState: 'Queued', durationMs: 30 },
      {
        subState: 'Building',
        durationMs: 60,
        lines: ['PACKER OUT ==> azure-arm: Running builder ...', 'PACKER OUT ==> azure-arm: Connected to SSH!'],
      },
      // Long enough that the first read (token + download after subState('Customizing')) lands before
      // Distributing's lines: at 60 ms it sometimes did not, and the ranged read found nothing new (flaky).
      { subState: 'Customizing', durationMs: 1500, lines: ['PACKER OUT     azure-arm: hello from the customizer'] },
      { subState: 'Validating', durationMs: 40 },
      { subState: 'Distributing', durationMs: 40 },
    ],
  });
});

afterAll(async () => {
  await s?.stop();
});

describe('build log through the blob front', () => {
  test('staging account discovery, log tail by range with Entra, whole log with a shared key', async () => {
    const list = await arm('GET', `/resourceGroups/${h.stagingResourceGroupName}/providers/Microsoft.Storage/storageAccounts`);
    expect(list.status).toBe(200);
    const accounts = ((await list.json()) as { value: Array<{ name: string; properties: { primaryEndpoints: { blob: string } } }> }).value;
    expect(accounts.map((a) => a.name)).toEqual([h.storageAccount]);
    expect(accounts[0]!.properties.primaryEndpoints.blob).toBe(`${s.sim.blobFrontOrigin}/${h.storageAccount}/`);

    await h.subState('Customizing');
    const blob = new BlobClient(h.logUrl!, cred, blobOpts);
    await h.flushLogs();
    const firstText = await read((await blob.download(0)).readableStreamBody);
    expect(firstText).toMatch(/PACKER OUT ==> azure-arm: Running builder/);

    const final = await h.finished();
    expect(final.runState).toBe('Succeeded');
    const rest = await blob.download(Buffer.byteLength(firstText));
    const restText = await read(rest.readableStreamBody);
    expect(firstText).not.toContain('Capturing image');
    expect(restText).toContain('PACKER OUT ==> azure-arm: Capturing image ...');
    expect(firstText + restText).toContain('hello from the customizer');
    // The journal records a streamed answer when the server has finished writing it: wait for it.
    const tail = await s.journal.waitFor(
      (r) => r.service === 'blob' && r.path.endsWith('/customization.log') && r.headers['x-ms-range'] !== undefined,
    );
    expect(tail.headers['x-ms-range']).toBe(`bytes=${Buffer.byteLength(firstText)}-`);
    expect(tail.status).toBe(206);
    const ranged = s.journal.filter((r) => r.service === 'blob' && r.method === 'GET' && r.path.endsWith('/customization.log'));
    expect(ranged.every((r) => String(r.headers.authorization).startsWith('Bearer '))).toBe(true);

    const keys = await arm(
      'POST',
      `/resourceGroups/${h.stagingResourceGroupName}/providers/Microsoft.Storage/storageAccounts/${h.storageAccount}/listKeys`,
    );
    const key = ((await keys.json()) as { keys: Array<{ keyName: string; value: string }> }).keys[0]!.value;
    const viaKey = new BlobClient(h.logUrl!, new StorageSharedKeyCredential(h.storageAccount, key), blobOpts);
    const whole = (await viaKey.downloadToBuffer()).toString('utf8');
    expect(whole).toBe(firstText + restText);
    const container = new ContainerClient(`${h.blobEndpoint}packerlogs`, cred, blobOpts);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    expect(names.sort()).toEqual([
      h.logBlobPath!.slice('packerlogs/'.length),
      h.logBlobPath!.slice('packerlogs/'.length).replace('customization', 'validation'),
    ]);
    const validation = new BlobClient(h.logUrl!.replace('customization.log', 'validation.log'), cred, blobOpts);
    expect((await validation.downloadToBuffer()).toString('utf8')).toMatch(/validation: checking nginx\n.*validation: ok\n$/);
  });

  test('an account that refuses Entra and one that refuses shared keys; listKeys forbidden', async () => {
    const noBearer = s.sim.addTemplate({
      resourceGroup: 'rg-logs',
      name: 'nobearer',
      runInProgress: true,
      access: { blobBearer: 'deny' },
      phases: [{ subState: 'Building', durationMs: 20 }],
    });
    const noKey = s.sim.addTemplate({
      resourceGroup: 'rg-logs',
      name: 'nokey',
      runInProgress: true,
      phases: [{ subState: 'Building', durationMs: 20 }],
      access: { sharedKey: 'deny', forbiddenActions: ['Microsoft.Storage/storageAccounts/listKeys/action'] },
    });
    await Promise.all([noBearer.finished(), noKey.finished()]);
    const e1 = await restError(new BlobClient(noBearer.logUrl!, cred, blobOpts).download(0));
    expect(e1.statusCode).toBe(403);
    expect(e1.code).toBe('AuthorizationPermissionMismatch');
    const e2 = await restError(
      new BlobClient(noKey.logUrl!, new StorageSharedKeyCredential(noKey.storageAccount, noKey.storageKey), blobOpts).download(0),
    );
    expect(e2.statusCode).toBe(403);
    expect(e2.code).toBe('KeyBasedAuthenticationNotPermitted');
    const ok = await new BlobClient(noKey.logUrl!, cred, blobOpts).downloadToBuffer();
    expect(ok.length).toBeGreaterThan(0);
    const keys = await arm(
      'POST',
      `/resourceGroups/${noKey.stagingResourceGroupName}/providers/Microsoft.Storage/storageAccounts/${noKey.storageAccount}/listKeys`,
    );
    expect(keys.status).toBe(403);
    expect(((await keys.json()) as { error: { code: string; message: string } }).error.message).toContain(
      "perform action 'Microsoft.Storage/storageAccounts/listKeys/action' over scope",
    );
  });
});

describe('faults and throttling', () => {
  const get = (): Promise<unknown> => client.virtualMachineImageTemplates.get('rg-logs', 'logged');
  const armGets = (): number =>
    s.journal.filter((r) => r.service === 'arm' && r.method === 'GET' && r.path.endsWith('/imageTemplates/logged')).length;

  test('429 with Retry-After is retried; 429 without it reaches the caller', async () => {
    const f = s.sim.addFault({ service: 'arm', method: 'GET', path: /\/imageTemplates\/logged$/, status: 429, retryAfterSec: 0 });
    const before = armGets();
    await get();
    expect(f.hits).toBe(1);
    expect(armGets() - before).toBe(2);

    s.sim.addFault({ service: 'arm', method: 'GET', path: /\/imageTemplates\/logged$/, status: 429 });
    const before2 = armGets();
    const e = await restError(get());
    expect(e.statusCode).toBe(429);
    expect(armGets() - before2).toBe(1);
  });

  test('503 and 500 are retried, a dropped connection too, a slow answer is slow', async () => {
    for (const status of [503, 500]) {
      const f = s.sim.addFault({ service: 'arm', path: /\/imageTemplates\/logged$/, status, count: 2 });
      await get();
      expect(f.hits).toBe(2);
    }
    const drop = s.sim.addFault({ service: 'arm', path: /\/imageTemplates\/logged$/, kind: 'drop' });
    await get();
    expect(drop.hits).toBe(1);
    expect(s.journal.filter((r) => r.service === 'arm' && r.status === -1).length).toBeGreaterThanOrEqual(1);
    s.sim.addFault({ service: 'arm', path: /\/imageTemplates\/logged$/, kind: 'delay', delayMs: 300 });
    const t0 = Date.now();
    await get();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  test('blob 503 with Retry-After is retried by the storage SDK', async () => {
    const f = s.sim.addFault({ service: 'blob', path: '/customization.log', status: 503, retryAfterSec: 0 });
    const text = await new BlobClient(h.logUrl!, cred, blobOpts).downloadToBuffer();
    expect(text.length).toBeGreaterThan(0);
    expect(f.hits).toBe(1);
    expect(s.journal.filter((r) => r.service === 'blob' && r.status === 503)).toHaveLength(1);
  });

  test('an Entra 503 with Retry-After is retried by @azure/identity', async () => {
    const f = s.sim.addFault({ service: 'entra', method: 'POST', path: '/oauth2/v2.0/token', status: 503, retryAfterSec: 0 });
    const fresh = new ClientAssertionCredential(s.sim.tenantId, s.sim.clientId, async () => githubToken(), {
      authorityHost: s.sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    const t = await fresh.getToken('https://storage.azure.com/.default');
    expect(JSON.parse(Buffer.from(t.token.split('.')[1]!, 'base64url').toString()).aud).toBe('https://storage.azure.com');
    expect(f.hits).toBe(1);
  });

  test('the subscription token bucket answers 429 TooManyRequests with Retry-After and remaining-count headers', async () => {
    s.sim.setThrottle({ capacity: 3, refillPerSec: 0.5 });
    try {
      const answers: Response[] = [];
      for (let i = 0; i < 4; i++) answers.push(await arm('GET', '/resourceGroups/rg-logs'));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => a.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).toEqual(['2', '1', '0', '0']);
      expect(answers[3]!.headers.get('retry-after')).toBe('2');
      expect(((await answers[3]!.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    } finally {
      s.sim.setThrottle(undefined);
    }
  });
});
