// End to end, sign-in beyond GitHub OIDC in the public cloud:
// - `auth-type: managed-identity` on a self-hosted runner on an Azure VM: @azure/identity asks the instance metadata
//   service (IMDS) for tokens. The SDK sends IMDS requests to the host in AZURE_POD_IDENTITY_AUTHORITY_HOST when that
//   is set (msal-node dist/client/ManagedIdentitySources/Imds.mjs; identity's imdsMsi.js skips the probe then),
//   which is how the simulator's IMDS on loopback is reached. System-assigned (no client-id) and user-assigned
//   (client-id = the identity's client ID, sent as client_id).
// - Sovereign clouds: the OIDC audience follows `environment` (Microsoft Learn, "Configure an application to trust
//   a managed identity": api://AzureADTokenExchange, api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina),
//   and so does the ARM token scope. The simulator's Entra holds a federated credential per cloud and its ARM accepts
//   each cloud's ARM audience, so each run goes through; the GitHub OIDC endpoint records the audience asked for.
//   The storage host per cloud (<account>.blob.core.usgovcloudapi.net, ...) is checked in unit tests (a loopback
//   simulator cannot answer for those names).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from '../../sim/azure/common.ts';
import { addTemplate, check, errors, run, simulator, type RecordedRequest, type Simulator } from './helpers.ts';

const CLOUD_AUDIENCES = {
  AzureCloud: 'api://AzureADTokenExchange',
  AzureUSGovernment: 'api://AzureADTokenExchangeUSGov',
  AzureChinaCloud: 'api://AzureADTokenExchangeChina',
} as const;
const CLOUD_ARM = {
  AzureCloud: 'https://management.azure.com',
  AzureUSGovernment: 'https://management.usgovcloudapi.net',
  AzureChinaCloud: 'https://management.chinacloudapi.cn',
} as const;

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator({
    azure: {
      entra: { federatedAudience: Object.values(CLOUD_AUDIENCES) },
      armAudiences: [CLOUD_ARM.AzureUSGovernment, CLOUD_ARM.AzureChinaCloud],
    },
  });
});
afterAll(async () => {
  await sim?.stop();
});

const bearerClaims = (q: RecordedRequest): Record<string, unknown> =>
  decodeJwt(String(q.headers['authorization'] ?? '').replace(/^Bearer /i, '')) ?? {};

/** The job environment of a self-hosted runner on an Azure VM: no OIDC variables, IMDS reachable. */
function vmEnv(): Record<string, string> {
  const env = sim.actionEnv();
  delete env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  delete env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  return { ...env, AZURE_POD_IDENTITY_AUTHORITY_HOST: sim.azure.imdsHost };
}

describe('auth-type: managed-identity', () => {
  test.concurrent.each([
    ['system-assigned (no client-id)', undefined],
    ['user-assigned (client-id)', 0],
  ] as const)(
    '%s: tokens come from IMDS in its wire format and every ARM call for the template carries that identity',
    async (_what, userIndex) => {
      const identity =
        userIndex === undefined ? sim.azure.managedIdentities.systemAssigned! : sim.azure.managedIdentities.userAssigned[userIndex]!;
      const t = addTemplate(sim, 'mi');
      const before = sim.journal.requests.length;
      const r = await run(sim, t, {
        with: { 'auth-type': 'managed-identity', 'client-id': userIndex === undefined ? '' : identity.clientId, 'tenant-id': '' },
        env: vmEnv(),
        timeoutMs: 100_000,
      });
      const made = sim.journal.requests.slice(before);
      const mine = made.filter((q) => q.service === 'arm' && q.path.includes(t.name));
      check(r, () => {
        expect(r.main.exitCode).toBe(0);
        expect(errors(r.main)).toEqual([]);
        expect(r.main.outputs['run-state']).toBe('Succeeded');
        // IMDS asked in its wire format: Metadata header, api-version, resource, client_id for a user-assigned identity.
        const imds = made.filter((q) => q.service === 'imds' && q.status === 200);
        const forThis = imds.filter((q) =>
          userIndex === undefined ? q.query['client_id'] === undefined : q.query['client_id'] === identity.clientId,
        );
        expect(forThis.length).toBeGreaterThan(0);
        expect(forThis.every((q) => q.headers['metadata'] === 'true' && q.query['api-version'] === '2018-02-01')).toBe(true);
        expect(forThis.map((q) => q.query['resource'])).toContain('https://management.azure.com');
        // ARM saw this identity's token.
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.every((q) => bearerClaims(q)['oid'] === identity.principalId)).toBe(true);
      });
    },
  );

  test.concurrent(
    'a client-id the VM has no identity for: one sign-in error naming managed identity and client-id, nothing sent to ARM',
    async () => {
      const t = addTemplate(sim, 'mi-unknown');
      const r = await run(sim, t, {
        with: { 'auth-type': 'managed-identity', 'client-id': '00000000-1111-2222-3333-444444444444', 'tenant-id': '' },
        env: vmEnv(),
        timeoutMs: 100_000,
      });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        const e = errors(r.main);
        expect(e).toHaveLength(1);
        expect(e[0]).toMatch(/Managed identity sign-in failed/);
        expect(e[0]).toMatch(/Identity not found/);
        expect(e[0]).toMatch(/client-id/);
        expect(sim.journal.filter((q) => q.service === 'arm' && q.path.includes(t.name))).toEqual([]);
      });
    },
  );
});

describe('sovereign clouds: the audience and the ARM scope follow environment', () => {
  // One run at a time: the GitHub OIDC endpoint's record of audiences is shared by the simulator.
  test.each(Object.keys(CLOUD_AUDIENCES) as Array<keyof typeof CLOUD_AUDIENCES>)('%s', async (cloud) => {
    const t = addTemplate(sim, `cloud-${cloud.toLowerCase()}`);
    const mintsBefore = sim.github.oidc.mints.length;
    const before = sim.journal.requests.length;
    const r = await run(sim, t, { timeoutMs: 100_000, with: { environment: cloud } });
    const mints = sim.github.oidc.mints.slice(mintsBefore);
    const arm = sim.journal.requests.slice(before).filter((q) => q.service === 'arm' && q.path.includes(t.name));
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(mints.length).toBeGreaterThan(0);
      expect(new Set(mints.map((m) => m.requestedAudience))).toEqual(new Set([CLOUD_AUDIENCES[cloud]]));
      expect(mints.every((m) => m.claims['aud'] === CLOUD_AUDIENCES[cloud])).toBe(true);
      expect(arm.length).toBeGreaterThan(0);
      expect(arm.every((q) => bearerClaims(q)['aud'] === CLOUD_ARM[cloud])).toBe(true);
    });
  });
});
