import type { TokenCredential } from '@azure/core-auth';
import type { ContainerClient } from '@azure/storage-blob';
import { blobEndpointFor, CLOUDS, isUnderStorageSuffix } from '../../src/clouds.js';
import {
  accessWarning,
  findNewestCustomizationLog,
  mayReceiveStorageToken,
  isAccessRefused,
  listStagingAccounts,
  openLogContainer,
  parseLogPath,
  parseResourceGroup,
  sameBlobEndpoint,
  siblingValidationPath,
  stripQuery,
  type ArmJson,
  type ContainerAuth,
} from '../../src/logs/locate.js';
import { recordingSink } from './logs-fakes.js';

describe('parseLogPath', () => {
  test('URL form inside a failure message', () => {
    const msg =
      'Failed while waiting for packerizer: Microservice has failed: Failed while processing request: Error when executing packerizer: ' +
      'Packer build command has failed: exit status 1. During the image build, a failure has occurred. Please review the build log to identify ' +
      'which build/customization step failed. For more troubleshooting steps go to https://aka.ms/azvmimagebuilderts. ' +
      'Image Build log location: https://a1b2c3d4e5f6.blob.core.windows.net/packerlogs/7f0e5a2c-1d3b-4e8f-9a6b-2c4d5e6f7a8b/customization.log. ' +
      'OperationId: 0c1d2e3f-aaaa-bbbb-cccc-123456789012. Use this operationId to search packer logs.';
    expect(parseLogPath(msg)).toEqual({
      account: 'a1b2c3d4e5f6',
      blobPath: '7f0e5a2c-1d3b-4e8f-9a6b-2c4d5e6f7a8b/customization.log',
      blobEndpoint: 'https://a1b2c3d4e5f6.blob.core.windows.net/',
    });
  });
  test('ARM path form', () => {
    const msg =
      'Image Build log location: /subscriptions/0000/resourceGroups/IT_rg_t_1/providers/Microsoft.Storage/storageAccounts/xyz123abc/blobServices/default/containers/packerlogs/11111111-2222-3333-4444-555555555555/customization.log. OperationId: 1';
    expect(parseLogPath(msg)).toEqual({ account: 'xyz123abc', blobPath: '11111111-2222-3333-4444-555555555555/customization.log' });
  });
  test('sovereign cloud suffix and path-style (emulator) URLs', () => {
    expect(parseLogPath('at https://abc123.blob.core.usgovcloudapi.net/packerlogs/g1/customization.log.')?.account).toBe('abc123');
    expect(parseLogPath('at https://127.0.0.1:10000/devacct1/packerlogs/g1/customization.log')).toEqual({
      account: 'devacct1',
      blobPath: 'g1/customization.log',
      blobEndpoint: 'https://127.0.0.1:10000/devacct1/',
    });
  });
  test('no path', () => {
    expect(parseLogPath('Build failed: quota exceeded')).toBeUndefined();
    expect(parseLogPath(undefined)).toBeUndefined();
    expect(parseLogPath('https://abc123.blob.core.windows.net/vhds/x.vhd')).toBeUndefined();
  });
});

test('siblingValidationPath', () => {
  expect(siblingValidationPath('g/customization.log')).toBe('g/validation.log');
});

test('parseResourceGroup takes an ID or a name', () => {
  expect(parseResourceGroup('/subscriptions/s2/resourceGroups/IT_rg_t_1', 's1')).toEqual({ subscriptionId: 's2', name: 'IT_rg_t_1' });
  expect(parseResourceGroup('IT_rg_t_1', 's1')).toEqual({ subscriptionId: 's1', name: 'IT_rg_t_1' });
});

test('stripQuery removes a SAS', () => {
  expect(stripQuery('https://a.blob.core.windows.net/packerlogs/g/customization.log?sv=2024&sig=abc')).toBe(
    'https://a.blob.core.windows.net/packerlogs/g/customization.log',
  );
});

test('listStagingAccounts reads primaryEndpoints.blob and follows nextLink', async () => {
  const calls: string[] = [];
  const arm = {
    async request(_m: string, path: string): Promise<unknown> {
      calls.push(path);
      if (calls.length === 1) {
        return {
          value: [
            {
              name: 'acct1',
              id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct1',
              properties: { primaryEndpoints: { blob: 'https://acct1.blob.core.windows.net/' } },
            },
          ],
          nextLink:
            'https://management.azure.com/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01&$skiptoken=x',
        };
      }
      return { value: [] };
    },
  } as unknown as ArmJson;
  const accts = await listStagingAccounts(arm, { subscriptionId: 's', name: 'IT_g' });
  expect(accts).toEqual([
    {
      name: 'acct1',
      id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct1',
      blobEndpoint: 'https://acct1.blob.core.windows.net/',
    },
  ]);
  expect(calls[0]).toBe('/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01');
  expect(calls[1]).toContain('$skiptoken=x');
});

test('refusals are told apart from other errors', () => {
  expect(isAccessRefused({ statusCode: 403, code: 'AuthorizationPermissionMismatch' })).toBe(true);
  expect(isAccessRefused({ statusCode: 403, code: 'AuthorizationFailure' })).toBe(true);
  expect(isAccessRefused({ statusCode: 403, code: 'KeyBasedAuthenticationNotPermitted' })).toBe(true);
  expect(isAccessRefused({ statusCode: 404, code: 'BlobNotFound' })).toBe(false);
  expect(isAccessRefused({ statusCode: 500 })).toBe(false);
});

test('the access warning names both ways and the staging-group trap', () => {
  const w = accessWarning('acct1', 'IT_rg_tpl_123', '403 AuthorizationPermissionMismatch', '403 AuthorizationFailed');
  expect(w).toMatch(/Storage Blob Data Reader/);
  expect(w).toMatch(/Microsoft\.Storage\/storageAccounts\/listKeys\/action/);
  expect(w).toMatch(/do not reach the staging 'IT_rg_tpl_123' group/);
});

describe('openLogContainer', () => {
  const acct = {
    name: 'acct1',
    id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct1',
    properties: { primaryEndpoints: { blob: 'https://acct1.blob.core.windows.net/' } },
  };
  function fakeArm(keys: 'ok' | 'refused') {
    const calls: string[] = [];
    const arm = {
      async request(method: string, path: string): Promise<unknown> {
        calls.push(`${method} ${path}`);
        if (method === 'GET') return { value: [acct] };
        if (keys === 'refused') throw Object.assign(new Error('no listKeys'), { statusCode: 403, code: 'AuthorizationFailed' });
        return { keys: [{ keyName: 'key1', value: 'SECRETKEY==' }] };
      },
    } as unknown as ArmJson;
    return { arm, calls };
  }
  const container = (error?: object) =>
    ({
      listBlobsFlat: () => ({
        byPage: () => ({
          next: async () => {
            if (error) throw error;
            return { done: true };
          },
        }),
      }),
    }) as unknown as ContainerClient;
  const refused = { statusCode: 403, code: 'AuthorizationPermissionMismatch', message: 'This request is not authorized' };

  test('Entra ID first: no listKeys when it works', async () => {
    const { arm, calls } = fakeArm('ok');
    const sink = recordingSink();
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm,
      containerFactory: async () => container(),
    });
    expect(r).toMatchObject({ auth: 'entra', account: { name: 'acct1' } });
    expect(calls).toHaveLength(1);
  });

  test('a container that does not exist (yet) is not a refusal, and the account is not taken: ask again later', async () => {
    const { arm } = fakeArm('ok');
    const sink = recordingSink();
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm,
      containerFactory: async () => container({ statusCode: 404, code: 'ContainerNotFound' }),
    });
    expect(r).toBe('no-account');
    expect(sink.warnings).toEqual([]);
  });

  test('Entra refused → account key, masked', async () => {
    const { arm, calls } = fakeArm('ok');
    const sink = recordingSink();
    const masked: string[] = [];
    sink.mask = (s) => masked.push(s);
    const auths: ContainerAuth[] = [];
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: '/subscriptions/s/resourceGroups/IT_g',
      sink,
      arm,
      containerFactory: async (_e, a) => {
        auths.push(a);
        return a.kind === 'entra' ? container(refused) : container();
      },
    });
    expect(r).toMatchObject({ auth: 'key' });
    expect(calls[1]).toBe(
      'POST /subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct1/listKeys?api-version=2023-05-01',
    );
    expect(auths[1]).toEqual({ kind: 'key', account: 'acct1', key: 'SECRETKEY==' });
    expect(masked).toEqual(['SECRETKEY==']);
    expect(sink.warnings).toEqual([]);
  });

  test('both refused → one warning naming both ways', async () => {
    const { arm } = fakeArm('refused');
    const sink = recordingSink();
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm,
      containerFactory: async () => container(refused),
    });
    expect(r).toBe('refused');
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(
      /Entra ID was refused \(403 AuthorizationPermissionMismatch\) and so was the account key \(403 AuthorizationFailed\)/,
    );
    expect(sink.warnings[0]).toMatch(/Storage Blob Data Reader/);
  });

  test('key-based auth disabled on the account counts as refused', async () => {
    const { arm } = fakeArm('ok');
    const sink = recordingSink();
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm,
      containerFactory: async (_e, a) =>
        container(a.kind === 'entra' ? refused : { statusCode: 403, code: 'KeyBasedAuthenticationNotPermitted' }),
    });
    expect(r).toBe('refused');
    expect(sink.warnings).toHaveLength(1);
  });

  test('no storage account yet', async () => {
    const arm = { request: async () => ({ value: [] }) } as unknown as ArmJson;
    const sink = recordingSink();
    expect(
      await openLogContainer({
        credential: {} as TokenCredential,
        armEndpoint: 'x',
        subscriptionId: 's',
        stagingResourceGroup: 'IT_g',
        sink,
        arm,
      }),
    ).toBe('no-account');
    expect(sink.warnings).toEqual([]);
  });
});

test('listing refused: one warning naming Reader, or the account from the message is used', async () => {
  const arm = {
    request: async (method: string) => {
      if (method === 'GET') throw Object.assign(new Error('no read'), { statusCode: 403, code: 'AuthorizationFailed' });
      return { keys: [] };
    },
  } as unknown as ArmJson;
  const sink = recordingSink();
  const base = { credential: {} as TokenCredential, armEndpoint: 'x', subscriptionId: 's', stagingResourceGroup: 'IT_g', arm };
  expect(await openLogContainer({ ...base, sink })).toBe('refused');
  expect(sink.warnings).toHaveLength(1);
  expect(sink.warnings[0]).toMatch(/'Reader' \(Microsoft\.Storage\/storageAccounts\/read\)/);
  const hint = parseLogPath('log: https://acct9.blob.core.windows.net/packerlogs/g/customization.log.')!;
  expect(hint.blobEndpoint).toBe('https://acct9.blob.core.windows.net/');
  const sink2 = recordingSink();
  const ok = {
    listBlobsFlat: () => ({ byPage: () => ({ next: async () => ({ done: true }) }) }),
  } as unknown as ContainerClient;
  const endpoints: string[] = [];
  const r = await openLogContainer({
    ...base,
    sink: sink2,
    preferAccount: hint.account,
    preferEndpoint: hint.blobEndpoint,
    containerFactory: async (e) => {
      endpoints.push(e);
      return ok;
    },
  });
  expect(r).toMatchObject({
    auth: 'entra',
    account: { name: 'acct9', id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct9' },
  });
  expect(endpoints).toEqual(['https://acct9.blob.core.windows.net/']);
  expect(sink2.warnings).toEqual([]);
});

describe('the three ways a failure message names the log', () => {
  const guid = '7f0e5a2c-1d3b-4e8f-9a6b-2c4d5e6f7a8b';
  const say = (where: string): string =>
    'Failed while waiting for packerizer: ... Please review the build log to identify which build/customization step failed. ' +
    `For more troubleshooting steps go to https://aka.ms/azvmimagebuilderts. Image Build log location: ${where}. OperationId: op-1. Use this operation ID when contacting support.`;
  const forms: Array<[string, string]> = [
    ['Azure URL', `https://a1b2c3d4e5f6a1b2c3d4e5f6.blob.core.windows.net/packerlogs/${guid}/customization.log`],
    ['simulator path-style URL', `https://127.0.0.1:41234/a1b2c3d4e5f6a1b2c3d4e5f6/packerlogs/${guid}/customization.log`],
    [
      'ARM path',
      `/subscriptions/0000/resourceGroups/IT_rg_t_1/providers/Microsoft.Storage/storageAccounts/a1b2c3d4e5f6a1b2c3d4e5f6/blobServices/default/containers/packerlogs/${guid}/customization.log`,
    ],
  ];
  // Plain test per form (no it.each: its callback's extra argument can be taken for `done`).
  for (const [name, where] of forms) {
    test(`${name}: the container path and account are found`, () => {
      const hint = parseLogPath(say(where));
      expect(hint?.blobPath).toBe(`${guid}/customization.log`);
      expect(hint?.account).toBe('a1b2c3d4e5f6a1b2c3d4e5f6');
    });
  }

  test('the account comes from the ARM listing: a path-style segment that is not an ARM name still opens the listed account', async () => {
    const listed = {
      name: 'stagingacct',
      id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/stagingacct',
      properties: { primaryEndpoints: { blob: 'https://127.0.0.1:41234/devstoreaccount1' } },
    };
    const other = {
      ...listed,
      name: 'otheracct',
      id: listed.id.replace('stagingacct', 'otheracct'),
      properties: { primaryEndpoints: { blob: 'https://otheracct.blob.core.windows.net/' } },
    };
    const arm = { request: async () => ({ value: [other, listed] }) } as unknown as ArmJson;
    const hint = parseLogPath(say(`https://127.0.0.1:41234/devstoreaccount1/packerlogs/${guid}/customization.log`))!;
    const endpoints: string[] = [];
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink: recordingSink(),
      arm,
      preferAccount: hint.account,
      preferEndpoint: hint.blobEndpoint,
      containerFactory: async (e) => {
        endpoints.push(e);
        return { listBlobsFlat: () => ({ byPage: () => ({ next: async () => ({ done: true }) }) }) } as unknown as ContainerClient;
      },
    });
    expect(r).toMatchObject({ auth: 'entra', account: { name: 'stagingacct' } });
    expect(endpoints).toEqual(['https://127.0.0.1:41234/devstoreaccount1/']);
  });

  test('sameBlobEndpoint ignores case, default port and the trailing slash', () => {
    expect(sameBlobEndpoint('https://Acct.blob.core.windows.net:443', 'https://acct.blob.core.windows.net/')).toBe(true);
    expect(sameBlobEndpoint('https://127.0.0.1:1/a/', 'https://127.0.0.1:2/a/')).toBe(false);
  });
});

describe('several accounts in the staging group', () => {
  const account = (name: string, tags?: Record<string, string>) => ({
    name,
    id: `/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/${name}`,
    properties: { primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` } },
    ...(tags ? { tags } : {}),
  });
  const armListing = (value: unknown[]) => ({ request: async () => ({ value }) }) as unknown as ArmJson;
  const containerFor = (hasLogs: (endpoint: string) => boolean) => async (endpoint: string) =>
    ({
      listBlobsFlat: () => ({
        byPage: () => ({
          next: async () => {
            if (!hasLogs(endpoint)) throw { statusCode: 404, code: 'ContainerNotFound' };
            return { done: true };
          },
        }),
      }),
    }) as unknown as ContainerClient;

  test('the one holding packerlogs is used, whatever the listing order', async () => {
    const tried: string[] = [];
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink: recordingSink(),
      arm: armListing([account('usersown'), account('aibstaging')]),
      containerFactory: (e) => {
        tried.push(e);
        return containerFor((x) => x.includes('aibstaging'))(e);
      },
    });
    expect(r).toMatchObject({ account: { name: 'aibstaging' } });
    expect(tried).toEqual(['https://usersown.blob.core.windows.net/', 'https://aibstaging.blob.core.windows.net/']);
  });

  test("Image Builder's tagged account is tried first", async () => {
    const tried: string[] = [];
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink: recordingSink(),
      arm: armListing([account('usersown'), account('aibstaging', { createdBy: 'AzureVMImageBuilder' })]),
      containerFactory: (e) => {
        tried.push(e);
        return containerFor(() => true)(e);
      },
    });
    expect(r).toMatchObject({ account: { name: 'aibstaging' } });
    expect(tried).toEqual(['https://aibstaging.blob.core.windows.net/']);
  });

  test('none holds packerlogs yet: no-account, no warning', async () => {
    const sink = recordingSink();
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm: armListing([account('a1'), account('a2')]),
      containerFactory: containerFor(() => false),
    });
    expect(r).toBe('no-account');
    expect(sink.warnings).toEqual([]);
  });
});

describe('a storage firewall refusal', () => {
  const arm = {
    calls: [] as string[],
    async request(method: string, path: string) {
      this.calls.push(`${method} ${path}`);
      if (method === 'GET') {
        return {
          value: [
            {
              name: 'fw1',
              id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/fw1',
              properties: { primaryEndpoints: { blob: 'https://fw1.blob.core.windows.net/' } },
            },
          ],
        };
      }
      return { keys: [{ value: 'K==' }] };
    },
  };
  test('gets its own warning (network rules, not roles), and no account key is asked for', async () => {
    const sink = recordingSink();
    const firewall = {
      statusCode: 403,
      code: 'AuthorizationFailure',
      message: 'This request is not authorized to perform this operation.',
    };
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink,
      arm: arm as unknown as ArmJson,
      containerFactory: async () =>
        ({
          listBlobsFlat: () => ({
            byPage: () => ({
              next: async () => {
                throw firewall;
              },
            }),
          }),
        }) as unknown as ContainerClient,
    });
    expect(r).toBe('refused');
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(/AuthorizationFailure/);
    expect(sink.warnings[0]).toMatch(/firewall/i);
    expect(sink.warnings[0]).not.toMatch(/Storage Blob Data Reader/);
    expect(arm.calls.filter((c) => c.includes('listKeys'))).toEqual([]);
  });
});

describe('listing refused, the account named by the message: its endpoint comes from the cloud', () => {
  const refusedListing = {
    request: async () => {
      throw Object.assign(new Error('no read'), { statusCode: 403, code: 'AuthorizationFailed' });
    },
  } as unknown as ArmJson;
  const ok = { listBlobsFlat: () => ({ byPage: () => ({ next: async () => ({ done: true }) }) }) } as unknown as ContainerClient;

  test.each([
    ['AzureCloud', 'https://acct7.blob.core.windows.net/'],
    ['AzureUSGovernment', 'https://acct7.blob.core.usgovcloudapi.net/'],
    ['AzureChinaCloud', 'https://acct7.blob.core.chinacloudapi.cn/'],
  ] as const)('%s: an ARM-path message reaches %s', async (cloud, expected) => {
    const hint = parseLogPath(
      'Packer build logs are at location /subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/acct7/blobServices/default/containers/packerlogs/0a1b/customization.log.',
    )!;
    const endpoints: string[] = [];
    const r = await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink: recordingSink(),
      arm: refusedListing,
      preferAccount: hint.account,
      storageSuffix: CLOUDS[cloud].storageSuffix,
      containerFactory: async (e) => {
        endpoints.push(e);
        return ok;
      },
    });
    expect(r).toMatchObject({ account: { name: 'acct7', blobEndpoint: expected } });
    expect(endpoints).toEqual([expected]);
  });

  test('a URL naming a host outside the cloud gets no token: the account is reached at its own cloud host', async () => {
    const hint = parseLogPath('Image Build log location: https://127.0.0.1:4443/acct8/packerlogs/0a1b/customization.log. OperationId: x')!;
    const endpoints: string[] = [];
    await openLogContainer({
      credential: {} as TokenCredential,
      armEndpoint: 'x',
      subscriptionId: 's',
      stagingResourceGroup: 'IT_g',
      sink: recordingSink(),
      arm: refusedListing,
      preferAccount: hint.account,
      preferEndpoint: hint.blobEndpoint,
      storageSuffix: 'core.usgovcloudapi.net',
      containerFactory: async (e) => {
        endpoints.push(e);
        return ok;
      },
    });
    expect(endpoints).toEqual(['https://acct8.blob.core.usgovcloudapi.net/']);
  });
});

test('a storage token goes only to a listed endpoint or a host under the cloud suffix', () => {
  const listed = [{ name: 'a', id: 'x', blobEndpoint: 'https://127.0.0.1:9999/a/' }];
  expect(mayReceiveStorageToken('https://127.0.0.1:9999/a/', listed, 'core.windows.net')).toBe(true);
  expect(mayReceiveStorageToken('https://a.blob.core.windows.net/', [], 'core.windows.net')).toBe(true);
  expect(mayReceiveStorageToken('https://a.blob.core.windows.net.evil.example/', [], 'core.windows.net')).toBe(false);
  expect(mayReceiveStorageToken('http://a.blob.core.windows.net/', [], 'core.windows.net')).toBe(false);
  expect(mayReceiveStorageToken('https://a.blob.core.windows.net/', [], 'core.chinacloudapi.cn')).toBe(false);
  expect(mayReceiveStorageToken('https://127.0.0.1:9998/a/', listed, 'core.windows.net')).toBe(false);
  expect(isUnderStorageSuffix('https://core.windows.net/', 'core.windows.net')).toBe(false);
  expect(blobEndpointFor('ACCT', 'core.chinacloudapi.cn')).toBe('https://acct.blob.core.chinacloudapi.cn/');
});

test("an earlier run's log written to after this run started is not taken for this run's (creation time decides)", async () => {
  const start = new Date('2026-01-01T10:00:00Z');
  const blobs = [
    {
      name: 'old/customization.log',
      properties: { createdOn: new Date('2026-01-01T09:00:00Z'), lastModified: new Date('2026-01-01T10:05:00Z') },
    },
    {
      name: 'new/customization.log',
      properties: { createdOn: new Date('2026-01-01T10:00:30Z'), lastModified: new Date('2026-01-01T10:04:00Z') },
    },
    {
      name: 'new/validation.log',
      properties: { createdOn: new Date('2026-01-01T10:06:00Z'), lastModified: new Date('2026-01-01T10:06:00Z') },
    },
  ];
  const c = {
    listBlobsFlat: () => ({
      async *[Symbol.asyncIterator]() {
        yield* blobs;
      },
    }),
  } as unknown as ContainerClient;
  expect(await findNewestCustomizationLog(c, start)).toBe('new/customization.log');
  expect(await findNewestCustomizationLog(c, new Date('2026-01-01T10:01:00Z'))).toBeUndefined();
});
