import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, parseSettings } from '../../src/settings.js';

const SUB = '11111111-1111-1111-1111-111111111111';
const CLIENT = '22222222-2222-2222-2222-222222222222';
const TENANT = '33333333-3333-3333-3333-333333333333';

function inputs(values: Record<string, string>): (name: string) => string {
  return (name) => values[name] ?? '';
}
const base = { 'subscription-id': SUB, 'resource-group': 'rg-images', 'template-name': 'ubuntu-2404' };

describe('parseSettings', () => {
  it('applies the defaults of action.yml', () => {
    const s = parseSettings(inputs(base), {});
    expect(s).toMatchObject({
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      templateName: 'ubuntu-2404',
      auth: { type: 'azure-cli', audience: 'api://AzureADTokenExchange', authorityHost: 'https://login.microsoftonline.com' },
      environment: 'AzureCloud',
      resourceManagerEndpoint: 'https://management.azure.com',
      armScope: 'https://management.azure.com/.default',
      timeoutMs: 4 * 3600_000,
      onTimeout: 'cancel',
      cancelTimeoutMs: 600_000,
      pollIntervalMs: 15_000,
      ifRunning: 'attach',
      partialSuccess: 'fail',
      streamLogs: true,
      uploadLogs: 'always',
      jobSummary: true,
      preflight: 'true',
      deleteTemplate: 'never',
    });
    expect(s.runOutputName).toBeUndefined();
    expect(s.logsRetentionDays).toBeUndefined();
    expect(s.templateFile).toBeUndefined();
  });

  it('falls back to the AZURE_* environment and resolves auto to oidc', () => {
    const s = parseSettings(inputs({ 'resource-group': 'rg', 'template-name': 't' }), {
      AZURE_SUBSCRIPTION_ID: SUB,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      AZURE_AUTHORITY_HOST: 'https://login.example.test/',
    });
    expect(s.subscriptionId).toBe(SUB);
    expect(s.auth).toEqual({
      type: 'oidc',
      clientId: CLIENT,
      tenantId: TENANT,
      audience: 'api://AzureADTokenExchange',
      authorityHost: 'https://login.example.test',
    });
  });

  it('inputs win over the environment', () => {
    const other = '44444444-4444-4444-4444-444444444444';
    const s = parseSettings(inputs({ ...base, 'client-id': CLIENT, 'tenant-id': TENANT }), {
      AZURE_CLIENT_ID: other,
      AZURE_TENANT_ID: other,
    });
    expect(s.auth.clientId).toBe(CLIENT);
    expect(s.auth.tenantId).toBe(TENANT);
  });

  it('auto without a client or tenant is azure-cli; explicit azure-cli keeps ids', () => {
    expect(parseSettings(inputs({ ...base, 'client-id': CLIENT }), {}).auth.type).toBe('azure-cli');
    expect(parseSettings(inputs({ ...base, 'client-id': CLIENT, 'tenant-id': TENANT, 'auth-type': 'azure-cli' }), {}).auth.type).toBe(
      'azure-cli',
    );
  });

  it.each([
    [
      'AzureUSGovernment',
      'https://management.usgovcloudapi.net',
      'https://login.microsoftonline.us',
      'https://management.usgovcloudapi.net/.default',
    ],
    [
      'AzureChinaCloud',
      'https://management.chinacloudapi.cn',
      'https://login.chinacloudapi.cn',
      'https://management.chinacloudapi.cn/.default',
    ],
    ['azurecloud', 'https://management.azure.com', 'https://login.microsoftonline.com', 'https://management.azure.com/.default'],
  ])('environment %s picks its endpoints', (env, arm, authority, scope) => {
    const s = parseSettings(inputs({ ...base, environment: env }), {});
    expect(s.resourceManagerEndpoint).toBe(arm);
    expect(s.auth.authorityHost).toBe(authority);
    expect(s.armScope).toBe(scope);
  });

  // Audiences per cloud: Microsoft Learn, "Configure an application to trust a managed identity" (federated
  // credential audiences: api://AzureADTokenExchange, ...USGov, ...China).
  it.each([
    ['AzureCloud', 'api://AzureADTokenExchange', 'core.windows.net'],
    ['AzureUSGovernment', 'api://AzureADTokenExchangeUSGov', 'core.usgovcloudapi.net'],
    ['AzureChinaCloud', 'api://AzureADTokenExchangeChina', 'core.chinacloudapi.cn'],
  ])('environment %s: the audience default is its token-exchange audience, storage suffix %s', (env, audience, suffix) => {
    const s = parseSettings(inputs({ ...base, environment: env }), {});
    expect(s.auth.audience).toBe(audience);
    expect(s.storageSuffix).toBe(suffix);
    expect(parseSettings(inputs({ ...base, environment: env, audience: 'api://custom' }), {}).auth.audience).toBe('api://custom');
  });

  it('managed-identity: client-id (optional) picks a user-assigned identity; no tenant needed', () => {
    expect(parseSettings(inputs({ ...base, 'auth-type': 'managed-identity' }), {}).auth).toMatchObject({ type: 'managed-identity' });
    expect(parseSettings(inputs({ ...base, 'auth-type': 'managed-identity' }), {}).auth.clientId).toBeUndefined();
    expect(parseSettings(inputs({ ...base, 'auth-type': 'managed-identity', 'client-id': CLIENT }), {}).auth).toMatchObject({
      type: 'managed-identity',
      clientId: CLIENT,
    });
    expect(() => parseSettings(inputs({ ...base, 'auth-type': 'managed-identity', 'client-id': 'x' }), {})).toThrow(/client-id/);
    expect(() => parseSettings(inputs({ ...base, 'auth-type': 'msi' }), {})).toThrow(/auth-type.*managed-identity/);
  });

  it('endpoint overrides keep the cloud scope', () => {
    const s = parseSettings(
      inputs({
        ...base,
        environment: 'AzureUSGovernment',
        'resource-manager-endpoint': 'https://127.0.0.1:8443/',
        'authority-host': 'https://127.0.0.1:9443',
      }),
      { AZURE_AUTHORITY_HOST: 'https://ignored.example' },
    );
    expect(s.resourceManagerEndpoint).toBe('https://127.0.0.1:8443');
    expect(s.auth.authorityHost).toBe('https://127.0.0.1:9443');
    expect(s.armScope).toBe('https://management.usgovcloudapi.net/.default');
  });

  it('parses the optional inputs', () => {
    const s = parseSettings(
      inputs({
        ...base,
        timeout: '3s',
        'poll-interval': '200ms',
        'cancel-timeout': '90',
        'on-timeout': 'leave',
        'if-running': 'fail',
        'partial-success': 'warn',
        'run-output-name': 'vhdOutput',
        'stream-logs': 'false',
        'upload-logs': 'on-failure',
        'logs-artifact-name': 'my-logs',
        'logs-retention-days': '90',
        'job-summary': 'false',
        preflight: 'warn',
        'template-file': 'images/ubuntu.json',
        'delete-template': 'on-success',
        'replace-template': 'true',
        wait: 'true',
      }),
      {},
    );
    expect(s).toMatchObject({
      timeoutMs: 3000,
      pollIntervalMs: 200,
      cancelTimeoutMs: 90 * 60_000,
      onTimeout: 'leave',
      ifRunning: 'fail',
      partialSuccess: 'warn',
      runOutputName: 'vhdOutput',
      streamLogs: false,
      uploadLogs: 'on-failure',
      logsArtifactName: 'my-logs',
      logsRetentionDays: 90,
      jobSummary: false,
      preflight: 'warn',
      deleteTemplate: 'on-success',
      replaceTemplate: true,
      wait: true,
    });
  });

  it('template-parameters: a JSON object (values wrapped as ARM parameters) or a parameters file', () => {
    const withFile = { 'subscription-id': SUB, 'resource-group': 'rg', 'template-file': 'image.json' };
    const s = parseSettings(
      inputs({ ...withFile, 'template-parameters': '{"name": "img", "tags": {"a": "b"}, "loc": {"value": "eastus"}}' }),
      {},
    );
    expect(s.templateParameters).toEqual({ name: { value: 'img' }, tags: { value: { a: 'b' } }, loc: { value: 'eastus' } });
    const dir = mkdtempSync(join(tmpdir(), 'ibr-params-'));
    writeFileSync(
      join(dir, 'p.json'),
      JSON.stringify({
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
        contentVersion: '1.0.0.0',
        parameters: { name: { value: 'x' } },
      }),
    );
    expect(parseSettings(inputs({ ...withFile, 'template-parameters': join(dir, 'p.json') }), {}).templateParameters).toEqual({
      name: { value: 'x' },
    });
    expect(() => parseSettings(inputs({ ...withFile, 'template-parameters': '{"a": ' }), {})).toThrow(
      /Input 'template-parameters' has the value '\{"a":': expected a JSON object.*not valid JSON/,
    );
    expect(() => parseSettings(inputs({ ...withFile, 'template-parameters': 'missing.json' }), {})).toThrow(
      /neither JSON .* nor an existing file/,
    );
    expect(() => parseSettings(inputs({ ...base, 'template-parameters': '{}' }), {})).toThrow(
      /Input 'template-parameters' has the value '\{\}': expected no value unless template-file is set/,
    );
  });

  it('delete-template needs template-file, and is refused with wait: false', () => {
    expect(() => parseSettings(inputs({ ...base, 'delete-template': 'always' }), {})).toThrow(
      /Input 'delete-template' has the value 'always': expected never unless template-file is set/,
    );
    expect(() =>
      parseSettings(
        inputs({
          'subscription-id': SUB,
          'resource-group': 'rg',
          'template-file': 't.json',
          'delete-template': 'on-success',
          wait: 'false',
        }),
        {},
      ),
    ).toThrow(/Input 'delete-template' has the value 'on-success': expected never when wait is false/);
  });

  it('template-file makes template-name optional', () => {
    const s = parseSettings(inputs({ 'subscription-id': SUB, 'resource-group': 'rg', 'template-file': 'tpl.json' }), {});
    expect(s.templateFile).toBe('tpl.json');
    expect(s.templateName).toBe('');
  });

  const bad: Array<[string, Record<string, string>, NodeJS.ProcessEnv]> = [
    ['subscription-id', { 'subscription-id': '' }, {}],
    ['subscription-id', { 'subscription-id': 'not-a-guid' }, {}],
    ['subscription-id', { 'subscription-id': '' }, { AZURE_SUBSCRIPTION_ID: '1234' }],
    ['resource-group', { 'resource-group': '' }, {}],
    ['resource-group', { 'resource-group': 'rg/../x' }, {}],
    ['resource-group', { 'resource-group': 'ends-with-dot.' }, {}],
    ['resource-group', { 'resource-group': 'x'.repeat(91) }, {}],
    ['template-name', { 'template-name': '' }, {}],
    ['template-name', { 'template-name': 'has space' }, {}],
    ['template-name', { 'template-name': 't'.repeat(65) }, {}],
    ['client-id', { 'client-id': 'abc', 'tenant-id': TENANT }, {}],
    ['tenant-id', { 'client-id': CLIENT, 'tenant-id': 'contoso.onmicrosoft.com' }, {}],
    ['auth-type', { 'auth-type': 'password' }, {}],
    ['client-id', { 'auth-type': 'oidc', 'tenant-id': TENANT }, {}],
    ['tenant-id', { 'auth-type': 'oidc', 'client-id': CLIENT }, {}],
    ['environment', { environment: 'AzureGermanCloud' }, {}],
    ['resource-manager-endpoint', { 'resource-manager-endpoint': 'http://management.azure.com' }, {}],
    ['resource-manager-endpoint', { 'resource-manager-endpoint': 'management.azure.com' }, {}],
    ['authority-host', { 'authority-host': 'http://login.microsoftonline.com' }, {}],
    ['authority-host', {}, { AZURE_AUTHORITY_HOST: 'ftp://login' }],
    ['timeout', { timeout: '0' }, {}],
    ['timeout', { timeout: '-1h' }, {}],
    ['timeout', { timeout: 'forever' }, {}],
    ['poll-interval', { 'poll-interval': '0s' }, {}],
    ['cancel-timeout', { 'cancel-timeout': '10 minutes' }, {}],
    ['on-timeout', { 'on-timeout': 'ignore' }, {}],
    ['if-running', { 'if-running': 'wait' }, {}],
    ['partial-success', { 'partial-success': 'ok' }, {}],
    ['run-output-name', { 'run-output-name': 'a/b' }, {}],
    ['stream-logs', { 'stream-logs': 'yes' }, {}],
    ['stream-logs', { 'stream-logs': 'tRUE' }, {}],
    ['job-summary', { 'job-summary': '1' }, {}],
    ['upload-logs', { 'upload-logs': 'sometimes' }, {}],
    ['logs-artifact-name', { 'logs-artifact-name': 'a:b' }, {}],
    ['logs-retention-days', { 'logs-retention-days': '0' }, {}],
    ['logs-retention-days', { 'logs-retention-days': '91' }, {}],
    ['logs-retention-days', { 'logs-retention-days': '7.5' }, {}],
    ['preflight', { preflight: 'strict' }, {}],
    ['delete-template', { 'delete-template': 'yes' }, {}],
    ['replace-template', { 'replace-template': 'yes' }, {}],
    ['wait', { wait: 'no' }, {}],
  ];

  // every row has all three columns: jest passes a done callback to a test function with more parameters than the row
  it.each(bad)('rejects bad %s (%j)', (name, values, env) => {
    let caught: unknown;
    try {
      parseSettings(inputs({ ...base, ...values }), env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    const err = caught as InputError;
    expect(err.input).toBe(name);
    expect(err.message).toContain(`'${name}'`);
    expect(err.message).toContain('expected');
    const given = values[name] || (Object.values(env)[0] ?? '');
    expect(err.value).toBe(given.trim());
    if (err.value !== '') expect(err.message).toContain(`'${err.value}'`);
    else expect(err.message).toContain('is empty');
  });

  it.each([
    ['resource-manager-endpoint', 'https://user:pw-s3cret@arm.example'],
    ['authority-host', 'https://login.example/?sig=s3cretSig%3D&sv=2022'],
  ])('echoes a bad %s without its user-info or query', (name, value) => {
    let caught: unknown;
    try {
      parseSettings(inputs({ ...base, [name]: value }), {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    const err = caught as InputError;
    expect(err.input).toBe(name);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).toMatch(/'https:\/\/(arm|login)\.example\/'/);
  });
});
