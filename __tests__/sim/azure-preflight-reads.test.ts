// The simulator's Network, ManagedIdentity and Authorization reads, as the REST reference describes them:
// role assignment lists with $filter=atScope() (at or above the scope) and principalId eq (at, above or below;
// https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope), NSG bodies with their six
// default rules, and 403 AuthorizationFailed through access.forbiddenActions.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { start, type Started } from './azure-helpers.ts';

describe('preflight reads in the simulator', () => {
  let s: Started;
  let get: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  beforeAll(async () => {
    s = await start({ storageAccountPool: 2 });
    get = async (path) => {
      const res = await fetch(`${s.sim.armEndpoint}${path}`, { headers: { authorization: `Bearer ${s.sim.mintAccessToken()}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
  });
  afterAll(async () => {
    await s?.stop();
  });

  test('role assignments: atScope() is at or above; principalId eq adds below; other principals are left out', async () => {
    const sub = `/subscriptions/${s.sim.subscriptionId}`;
    const vnet = s.sim.network.addVnet({ resourceGroup: 'net', name: 'v', subnets: [{ name: 'a', addressPrefix: '10.0.0.0/24' }] });
    const a = s.sim.authorization;
    a.assign('p1', 'Reader', sub);
    a.assign('p1', 'Network Contributor', vnet.subnetId('a'));
    a.assign('p2', 'Owner', `${sub}/resourceGroups/net`);
    const list = async (scope: string, filter: string): Promise<string[]> => {
      const r = await get(
        `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(filter)}&api-version=2022-04-01`,
      );
      expect(r.status).toBe(200);
      return (r.body.value as Array<{ properties: { scope: string; principalId: string } }>)
        .map((x) => `${x.properties.principalId}@${x.properties.scope.split('/').pop()}`)
        .sort();
    };
    expect(await list(vnet.id, "principalId eq 'p1'")).toEqual([`p1@${s.sim.subscriptionId}`, 'p1@a']);
    expect(await list(vnet.id, 'atScope()')).toEqual([`p1@${s.sim.subscriptionId}`, 'p2@net']);
    expect(await list(vnet.id, "atScope() and assignedTo('p2')")).toEqual(['p2@net']);
    const def = await get(
      `${sub}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7?api-version=2022-04-01`,
    );
    expect((def.body.properties as { roleName: string; permissions: Array<{ actions: string[] }> }).permissions[0]!.actions).toContain(
      'Microsoft.Network/*',
    );
  });

  test('an NSG carries its rules and the six default rules; a missing subnet is 404 NotFound', async () => {
    const nsg = s.sim.network.addNsg({
      resourceGroup: 'net',
      name: 'n',
      rules: [{ name: 'DenyAll', priority: 4096, direction: 'Inbound', access: 'Deny' }],
    });
    const r = await get(`${nsg}?api-version=2024-05-01`);
    const p = r.body.properties as {
      securityRules: Array<{ name: string }>;
      defaultSecurityRules: Array<{ name: string; properties: { priority: number } }>;
    };
    expect(p.securityRules.map((x) => x.name)).toEqual(['DenyAll']);
    expect(p.defaultSecurityRules.map((x) => `${x.name}:${x.properties.priority}`)).toEqual([
      'AllowVnetInBound:65000',
      'AllowAzureLoadBalancerInBound:65001',
      'DenyAllInBound:65500',
      'AllowVnetOutBound:65000',
      'AllowInternetOutBound:65001',
      'DenyAllOutBound:65500',
    ]);
    const v = s.sim.network.addVnet({ resourceGroup: 'net', name: 'v2', subnets: [] });
    expect((await get(`${v.subnetId('nope')}?api-version=2024-05-01`)).status).toBe(404);
  });

  test("a template's identity exists with the template's principal; forbiddenActions refuse reads of what it names", async () => {
    const t = s.sim.addTemplate({
      resourceGroup: 'rg-x',
      name: 'tpl',
      access: { forbiddenActions: ['Microsoft.Network/virtualNetworks/subnets/read'] },
      body: {
        properties: {
          vmProfile: {
            vnetConfig: {
              subnetId: `/subscriptions/${s.sim.subscriptionId}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/a`,
            },
          },
        },
      },
    });
    const id = s.sim.authorization.identityOf(t);
    const mi = await get(`${id}?api-version=2023-01-31`);
    expect(mi.status).toBe(200);
    expect((mi.body.properties as { principalId: string }).principalId).toBe(s.sim.authorization.principalOf(t));
    const sn = await get(
      `/subscriptions/${s.sim.subscriptionId}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/a?api-version=2024-05-01`,
    );
    expect(sn.status).toBe(403);
    expect((sn.body.error as { code: string }).code).toBe('AuthorizationFailed');
    s.sim.authorization.deleteIdentity(id);
    expect((await get(`${id}?api-version=2023-01-31`)).status).toBe(404);
  });
});
