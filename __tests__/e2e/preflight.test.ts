// End to end, the preflight checks (issue 11): each known own-network, identity and staging-group trap is caught
// before any run request, with its fix; `preflight: warn` reports and runs; `false` reads nothing of Network,
// ManagedIdentity or Authorization; a read the caller may not make is one notice; a clean template runs silently.
// What each check enforces, and its source:
// - proxy-VM mode (subnetId only): privateLinkServiceNetworkPolicies Disabled; NSG lets AzureLoadBalancer in on
//   60001 (Linux) / 60000 (Windows) and the proxy reach the build VM on 22 / 5986
//   (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-networking);
// - container-instance mode (containerInstanceSubnetId): that subnet delegated to Microsoft.ContainerInstance/containerGroups,
//   same VNet, and subnets/join/action on it (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-json#vnetconfig-optional);
// - an existing stagingResourceGroup in the template's region, Contributor or Owner for the identity
//   (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-json#properties-stagingresourcegroup).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { SecurityRuleSpec, SubnetSpec } from '../../sim/azure/index.ts';
import {
  RG,
  addTemplate,
  check,
  errors,
  posts,
  run,
  simulator,
  uniqueName,
  warnings,
  type RunResult,
  type Simulator,
  type TemplateHandle,
} from './helpers.ts';

const NETWORK_PROVIDERS = /\/providers\/Microsoft\.(Network|ManagedIdentity|Authorization)\//i;

function notices(r: RunResult['main']): string[] {
  return r.annotations.filter((a) => a.level === 'notice').map((a) => a.message);
}

interface NetOptions {
  /** Build subnet policies (default Disabled). */
  policies?: 'Enabled' | 'Disabled';
  /** Container-instance mode: the second subnet's delegations (undefined: proxy-VM mode). */
  aciDelegations?: string[];
  nsgRules?: SecurityRuleSpec[];
  /** Role on the VNet for the template's identity (default Network Contributor; null: none). */
  role?: string | null;
  forbiddenActions?: string[];
  preflight?: string;
  stagingResourceGroup?: string;
}

/** A template building in its own VNet (unique names), with its identity's role assigned as asked. */
function ownNetworkTemplate(
  sim: Simulator,
  prefix: string,
  o: NetOptions = {},
): { t: TemplateHandle; vnet: string; subnetId: string; aciSubnetId?: string; nsgId: string; principal: string } {
  const net = sim.azure.network;
  const vnetName = uniqueName(`vnet-${prefix}`);
  const nsgId = net.addNsg({ resourceGroup: 'rg-net', name: `${vnetName}-nsg`, ...(o.nsgRules ? { rules: o.nsgRules } : {}) });
  const subnets: SubnetSpec[] = [
    { name: 'build', addressPrefix: '10.0.1.0/24', privateLinkServiceNetworkPolicies: o.policies ?? 'Disabled', nsg: nsgId },
  ];
  if (o.aciDelegations) subnets.push({ name: 'aci', addressPrefix: '10.0.2.0/24', delegations: o.aciDelegations, nsg: nsgId });
  const vnet = net.addVnet({ resourceGroup: 'rg-net', name: vnetName, subnets });
  const identityId = `/subscriptions/${sim.azure.subscriptionId}/resourcegroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${uniqueName('id')}`;
  const vnetConfig = { subnetId: vnet.subnetId('build'), ...(o.aciDelegations ? { containerInstanceSubnetId: vnet.subnetId('aci') } : {}) };
  const t = addTemplate(sim, prefix, {
    body: {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
      properties: { vmProfile: { vmSize: 'Standard_D2s_v3', osDiskSizeGB: 0, vnetConfig } },
    },
    ...(o.forbiddenActions ? { access: { forbiddenActions: o.forbiddenActions } } : {}),
    ...(o.stagingResourceGroup ? { stagingResourceGroup: o.stagingResourceGroup } : {}),
  });
  const principal = sim.azure.authorization.principalOf(t);
  if (o.role !== null) sim.azure.authorization.assign(principal, o.role ?? 'Network Contributor', vnet.id);
  return {
    t,
    vnet: vnet.id,
    subnetId: vnet.subnetId('build'),
    ...(o.aciDelegations ? { aciSubnetId: vnet.subnetId('aci') } : {}),
    nsgId,
    principal,
  };
}

/** The step failed on exactly one preflight error containing every `parts`, and no run was requested. */
function expectTrap(sim: Simulator, r: RunResult, t: TemplateHandle, parts: string[]): void {
  check(r, () => {
    expect(r.main.exitCode).toBe(1);
    const e = errors(r.main);
    expect(e).toHaveLength(1);
    for (const p of parts) expect(e[0]).toContain(p);
    expect(r.main.annotations.find((a) => a.level === 'error')?.title).toMatch(/^Preflight: /);
    expect(posts(sim, t.name, 'run')).toEqual([]);
    expect(r.main.outputs['run-state']).toBeUndefined();
    expect(r.post?.exitCode).toBe(0);
    expect(posts(sim, t.name, 'cancel')).toEqual([]);
  });
}

describe('preflight catches each trap before any run request', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test.concurrent('a clean own-network template passes with no extra output and runs', async () => {
    const n = ownNetworkTemplate(sim, 'clean');
    const r = await run(sim, n.t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.annotations).toEqual([]);
      expect(r.main.log).not.toMatch(/preflight/i);
      // The checks did read the subnet, its NSG and the identity's role assignments at the VNet.
      const answered = (path: string): number[] =>
        sim.journal
          .filter((q) => q.service === 'arm' && q.method === 'GET' && q.path.toLowerCase() === path.toLowerCase())
          .map((q) => q.status);
      expect(answered(n.subnetId)).toEqual([200]);
      expect(answered(n.nsgId)).toEqual([200]);
      expect(answered(`${n.vnet}/providers/Microsoft.Authorization/roleAssignments`)).toEqual([200]);
      // Network Contributor's definition was read to evaluate its actions.
      expect(
        answered(
          `/subscriptions/${sim.azure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`,
        ).length,
      ).toBeGreaterThanOrEqual(1);
      expect(posts(sim, n.t.name, 'run').map((q) => q.status)).toEqual([202]);
    });
  });

  test.concurrent('proxy-VM mode: Private Link service network policies enabled on the build subnet', async () => {
    const n = ownNetworkTemplate(sim, 'plsp', { policies: 'Enabled' });
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [
      n.subnetId,
      'privateLinkServiceNetworkPolicies',
      "'Enabled'",
      'az network vnet subnet update --resource-group rg-net',
      '--name build --disable-private-link-service-network-policies true',
    ]);
  });

  test.concurrent('container-instance mode: the second subnet not delegated (and the proxy-only policy not asked for)', async () => {
    const n = ownNetworkTemplate(sim, 'aci', { policies: 'Enabled', aciDelegations: [] });
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [
      n.aciSubnetId!,
      'containerInstanceSubnetId',
      'az network vnet subnet update --resource-group rg-net',
      '--name aci --delegations Microsoft.ContainerInstance/containerGroups',
    ]);
  });

  test.concurrent('container-instance mode, delegated: passes', async () => {
    const n = ownNetworkTemplate(sim, 'aci-ok', { policies: 'Enabled', aciDelegations: ['Microsoft.ContainerInstance/containerGroups'] });
    const r = await run(sim, n.t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.annotations).toEqual([]);
      expect(posts(sim, n.t.name, 'run')).toHaveLength(1);
    });
  });

  test.concurrent('the identity lacks subnets/join/action: its role only reads the VNet', async () => {
    const roleName = uniqueName('VNet reader');
    sim.azure.authorization.addRoleDefinition({ roleName, actions: ['Microsoft.Network/virtualNetworks/read'] });
    const n = ownNetworkTemplate(sim, 'nojoin', { role: roleName });
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [
      "'Microsoft.Network/virtualNetworks/subnets/join/action'",
      n.subnetId,
      n.principal,
      `az role assignment create --assignee-object-id ${n.principal} --assignee-principal-type ServicePrincipal --role "Network Contributor" --scope ${n.vnet}`,
    ]);
  });

  test.concurrent('the identity lacks subnets/join/action through notActions of a wildcard role', async () => {
    const roleName = uniqueName('Network minus join');
    sim.azure.authorization.addRoleDefinition({
      roleName,
      actions: ['Microsoft.Network/*'],
      notActions: ['Microsoft.Network/virtualNetworks/subnets/join/action'],
    });
    const n = ownNetworkTemplate(sim, 'notact', { role: roleName });
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [
      "'Microsoft.Network/virtualNetworks/subnets/join/action'",
      `role '${roleName}' lists it in notActions`,
      'az role assignment create',
    ]);
  });

  test.concurrent('an NSG rule with a higher priority denies the load balancer ports', async () => {
    const n = ownNetworkTemplate(sim, 'lbdeny', {
      nsgRules: [
        {
          name: 'DenyLbPorts',
          priority: 200,
          direction: 'Inbound',
          access: 'Deny',
          protocol: 'Tcp',
          sourceAddressPrefix: 'AzureLoadBalancer',
          destinationPortRange: '60000-60001',
        },
        {
          name: 'AllowLbLate',
          priority: 300,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'AzureLoadBalancer',
          destinationPortRange: '60000-60001',
        },
      ],
    });
    const r = await run(sim, n.t);
    // The template builds Linux (Canonical, Shell): the load balancer forwards to the proxy on 60001.
    expectTrap(sim, r, n.t, [
      'AzureLoadBalancer',
      "rule 'DenyLbPorts' (priority 200)",
      'TCP 60001',
      `az network nsg rule create --resource-group rg-net --nsg-name ${n.nsgId.split('/').pop()}`,
      '--priority 199',
      '--destination-port-ranges 60001',
    ]);
  });

  test.concurrent('a custom deny-all stops the proxy VM reaching the build VM on 22', async () => {
    const n = ownNetworkTemplate(sim, 'denyall', {
      nsgRules: [
        {
          name: 'AllowLb',
          priority: 100,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'AzureLoadBalancer',
          destinationPortRange: '60000-60001',
        },
        { name: 'DenyAllIn', priority: 4096, direction: 'Inbound', access: 'Deny' },
      ],
    });
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [
      'VirtualNetwork to VirtualNetwork',
      "rule 'DenyAllIn' (priority 4096)",
      'inbound, TCP 22',
      '--destination-port-ranges 22',
    ]);
  });

  test.concurrent("the template's identity no longer exists", async () => {
    const n = ownNetworkTemplate(sim, 'noid');
    const id = sim.azure.authorization.identityOf(n.t);
    sim.azure.authorization.deleteIdentity(id);
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [id, 'does not exist', `az identity create --resource-group ${RG} --name ${id.split('/').pop()}`]);
  });

  test.concurrent('an existing staging resource group in another region', async () => {
    const group = uniqueName('rg-stage');
    const scope = sim.azure.authorization.addResourceGroup({ name: group, location: 'westus' });
    const n = ownNetworkTemplate(sim, 'stage', { stagingResourceGroup: group });
    sim.azure.authorization.assign(n.principal, 'Contributor', scope);
    const r = await run(sim, n.t);
    expectTrap(sim, r, n.t, [`'${group}'`, "'westus'", "'eastus'", `az group create --name ${group} --location eastus`]);
  });

  test.concurrent('preflight: warn reports the trap as a warning and runs', async () => {
    const n = ownNetworkTemplate(sim, 'warn', { policies: 'Enabled' });
    const r = await run(sim, n.t, { with: { preflight: 'warn' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(errors(r.main)).toEqual([]);
      const w = warnings(r.main);
      expect(w).toHaveLength(1);
      expect(w[0]).toContain('--disable-private-link-service-network-policies true');
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(posts(sim, n.t.name, 'run')).toHaveLength(1);
    });
  });

  test.concurrent('a read the caller may not make: one notice naming the permission, no failure, the run goes on', async () => {
    const n = ownNetworkTemplate(sim, 'noread', {
      policies: 'Disabled',
      forbiddenActions: ['Microsoft.Authorization/roleAssignments/read'],
    });
    const r = await run(sim, n.t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(errors(r.main)).toEqual([]);
      expect(warnings(r.main)).toEqual([]);
      const notes = notices(r.main);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain("'Microsoft.Authorization/roleAssignments/read'");
      expect(notes[0]).toContain(n.vnet);
      expect(
        sim.journal.filter(
          (q) => q.status === 403 && q.path.toLowerCase() === `${n.vnet}/providers/Microsoft.Authorization/roleAssignments`.toLowerCase(),
        ),
      ).toHaveLength(1);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
    });
  });
});

describe('preflight: false, and a template without vnetConfig', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test('false: a trapped template runs, with no Network, ManagedIdentity or Authorization read at all', async () => {
    const n = ownNetworkTemplate(sim, 'off', { policies: 'Enabled', role: null });
    const r = await run(sim, n.t, { with: { preflight: 'false' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.annotations).toEqual([]);
      expect(posts(sim, n.t.name, 'run')).toHaveLength(1);
      expect(sim.journal.filter((q) => q.service === 'arm' && NETWORK_PROVIDERS.test(q.path))).toEqual([]);
    });
  });

  test('no vnetConfig: no Network read (the identity is still checked), and it runs silently', async () => {
    const before = sim.journal.requests.length;
    const t = addTemplate(sim, 'novnet');
    const r = await run(sim, t);
    const made = sim.journal.requests.slice(before).filter((q) => q.service === 'arm');
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.annotations).toEqual([]);
      expect(made.filter((q) => /\/providers\/Microsoft\.Network\//i.test(q.path))).toEqual([]);
      expect(made.filter((q) => /\/providers\/Microsoft\.ManagedIdentity\//i.test(q.path)).map((q) => q.status)).toEqual([200]);
    });
  });
});
