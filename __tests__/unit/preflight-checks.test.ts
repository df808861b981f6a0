// runPreflight over a fake ARM (paths → bodies): the checks e2e does not reach (Windows ports, the container
// subnet's NSG, a recreated identity, a staging group of another template), the notice for skipped reads, and the
// lazily loaded hook.
import { describe, expect, test } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';
import { runPreflight, type PreflightReporter } from '../../src/preflight/index.js';
import type { TemplateInfo } from '../../src/types.js';
import { createPreflightHook } from '../../src/wiring.js';
import type { Settings } from '../../src/settings.js';

const S = '/subscriptions/s';
const VNET = `${S}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v`;
const NSG = `${S}/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/n`;
const ID = `${S}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib`;
const NETCONTRIB = `${S}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`;
const CONTRIB = `${S}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;

type Answer = unknown | { status: number; code?: string };
function fakeArm(map: Record<string, Answer>): { get(path: string): Promise<unknown>; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async get(path) {
      paths.push(path);
      const key = Object.keys(map).find((k) => path.split('?')[0]!.toLowerCase() === k.toLowerCase());
      const a = key === undefined ? { status: 404 } : map[key];
      if (a && typeof a === 'object' && 'status' in a)
        throw Object.assign(new Error(`HTTP ${(a as { status: number }).status}`), {
          statusCode: (a as { status: number }).status,
          code: (a as { code?: string }).code,
        });
      return a;
    },
  };
}

function recorder(): PreflightReporter & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    error: (m) => lines.push(['error', m]),
    warning: (m) => lines.push(['warning', m]),
    notice: (m) => lines.push(['notice', m]),
    info: (m) => lines.push(['info', m]),
  };
}

const settings = { preflight: 'true' as const, subscriptionId: 's', resourceGroup: 'rg', templateName: 'tpl' };
const rule = (name: string, priority: number, direction: string, access: string, extra: Record<string, unknown> = {}) => ({
  name,
  properties: {
    protocol: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    priority,
    direction,
    access,
    ...extra,
  },
});
const subnet = (name: string, prefix: string, extra: Record<string, unknown> = {}) => ({
  id: `${VNET}/subnets/${name}`,
  properties: { addressPrefix: prefix, networkSecurityGroup: { id: NSG }, ...extra },
});
const assignments = (...list: Array<[string, string]>) => ({
  value: list.map(([scope, def]) => ({ properties: { scope, roleDefinitionId: def, principalId: 'p1' } })),
});
const roleDef = (roleName: string, actions: string[], notActions: string[] = []) => ({
  properties: { roleName, permissions: [{ actions, notActions }] },
});

function template(over: Partial<NonNullable<TemplateInfo['setup']>>, customizers: TemplateInfo['customizers'] = []): TemplateInfo {
  return {
    id: `${S}/resourceGroups/rg/providers/Microsoft.VirtualMachineImages/imageTemplates/tpl`,
    name: 'tpl',
    location: 'eastus',
    runOutputNames: [],
    distributeTypes: [],
    customizers,
    setup: { identities: [{ id: ID, principalId: 'p1' }], ...over },
  };
}

const base = {
  [ID]: { properties: { principalId: 'p1' } },
  [VNET]: { location: 'eastus' },
  [`${VNET}/providers/Microsoft.Authorization/roleAssignments`]: assignments([VNET, NETCONTRIB]),
  [NETCONTRIB]: roleDef('Network Contributor', ['Microsoft.Network/*']),
  [CONTRIB]: roleDef('Contributor', ['*'], ['Microsoft.Authorization/*/Write']),
};

describe('runPreflight', () => {
  test('Windows proxy-VM build: the load balancer port is 60000 and the build VM port 5986', async () => {
    const arm = fakeArm({
      ...base,
      [`${VNET}/subnets/b`]: subnet('b', '10.0.1.0/24', { privateLinkServiceNetworkPolicies: 'Disabled' }),
      [NSG]: {
        properties: {
          securityRules: [
            rule('NoWinRm', 300, 'Inbound', 'Deny', { destinationPortRange: '5986' }),
            rule('NoLb', 310, 'Inbound', 'Deny', { sourceAddressPrefix: 'AzureLoadBalancer', destinationPortRange: '60000' }),
          ],
        },
      },
    });
    const r = recorder();
    const t = template({
      subnetId: `${VNET}/subnets/b`,
      source: { type: 'PlatformImage', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer' },
    });
    expect(await runPreflight(t, settings, { arm, report: r })).toEqual({ ok: false });
    const errors = r.lines.filter(([l]) => l === 'error').map(([, m]) => m);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("rule 'NoLb'");
    expect(errors[0]).toContain('TCP 60000');
    expect(errors[1]).toContain("rule 'NoWinRm'");
    expect(errors[1]).toContain('inbound, TCP 5986');
    expect(errors.join('\n')).not.toContain('60001');
  });

  test('container-instance mode: the container subnet NSG must let it out to the build VM and the Internet', async () => {
    const arm = fakeArm({
      ...base,
      [`${VNET}/subnets/b`]: subnet('b', '10.0.1.0/24'),
      [`${VNET}/subnets/a`]: subnet('a', '10.0.2.0/24', {
        delegations: [{ properties: { serviceName: 'Microsoft.ContainerInstance/containerGroups' } }],
      }),
      [NSG]: {
        properties: {
          securityRules: [rule('NoOut445', 200, 'Outbound', 'Deny', { destinationPortRange: '445', destinationAddressPrefix: 'Internet' })],
        },
      },
    });
    const r = recorder();
    const ok = await runPreflight(
      template({ subnetId: `${VNET}/subnets/b`, containerInstanceSubnetId: `${VNET}/subnets/a` }, [{ type: 'Shell' }]),
      settings,
      { arm, report: r },
    );
    expect(ok).toEqual({ ok: false });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]![1]).toContain('the container instance reaching the Internet on 445');
    expect(r.lines[0]![1]).toContain('--direction Outbound');
  });

  test('a recreated identity, a staging group of another template, and warn mode', async () => {
    const stage = `${S}/resourceGroups/stage`;
    const arm = fakeArm({
      [ID]: { properties: { principalId: 'p2' } },
      [stage]: { location: 'eastus', tags: { imageTemplateName: 'other', imageTemplateResourceGroupName: 'rg' } },
      [`${stage}/providers/Microsoft.Authorization/roleAssignments`]: {
        value: [{ properties: { scope: stage, roleDefinitionId: CONTRIB, principalId: 'p1' } }],
      },
      [CONTRIB]: roleDef('Contributor', ['*'], ['Microsoft.Authorization/*/Write']),
    });
    const r = recorder();
    const ok = await runPreflight(template({ stagingResourceGroup: stage }), { ...settings, preflight: 'warn' }, { arm, report: r });
    expect(ok).toEqual({ ok: true });
    expect(r.lines.map(([l]) => l)).toEqual(['warning', 'warning', 'warning']);
    expect(r.lines[0]![1]).toContain('deleted and created again');
    expect(r.lines[1]![1]).toContain("image template 'other'");
    // The identity as it is now (p2) has no role there: the assignment is the old principal's.
    expect(r.lines[2]![1]).toContain('--role Contributor --scope /subscriptions/s/resourceGroups/stage');
  });

  test('refused reads: one notice naming each permission; nothing failed', async () => {
    const arm = fakeArm({
      [ID]: { status: 403, code: 'AuthorizationFailed' },
      [`${VNET}/subnets/b`]: { status: 403, code: 'AuthorizationFailed' },
      [VNET]: { status: 403, code: 'AuthorizationFailed' },
    });
    const r = recorder();
    expect(await runPreflight(template({ subnetId: `${VNET}/subnets/b` }), settings, { arm, report: r })).toEqual({ ok: true });
    expect(r.lines.map(([l]) => l)).toEqual(['notice']);
    expect(r.lines[0]![1]).toContain("'Microsoft.ManagedIdentity/userAssignedIdentities/read'");
    expect(r.lines[0]![1]).toContain("'Microsoft.Network/virtualNetworks/subnets/read'");
    expect(r.lines[0]![1]).toContain("'Microsoft.Network/virtualNetworks/read'");
  });

  test('a template without vnetConfig reads no Network resource; preflight false reads nothing', async () => {
    const arm = fakeArm(base);
    expect(await runPreflight(template({}), settings, { arm, report: recorder() })).toEqual({ ok: true });
    expect(arm.paths.map((p) => p.split('?')[0])).toEqual([ID]);
    const none = fakeArm(base);
    expect(
      await runPreflight(
        template({ subnetId: `${VNET}/subnets/b` }),
        { ...settings, preflight: 'false' },
        { arm: none, report: recorder() },
      ),
    ).toEqual({ ok: true });
    expect(none.paths).toEqual([]);
  });
});

describe('createPreflightHook', () => {
  const s = {
    preflight: 'true',
    subscriptionId: 's',
    resourceGroup: 'rg',
    templateName: 'tpl',
    resourceManagerEndpoint: 'https://arm',
    armScope: 'x',
  } as Settings;
  test('preflight false: no hook, the module is never loaded', () => {
    let loaded = 0;
    const hook = createPreflightHook({ ...s, preflight: 'false' }, {} as TokenCredential, recorder(), async () => {
      loaded++;
      throw new Error('never');
    });
    expect(hook).toBeUndefined();
    expect(loaded).toBe(0);
  });
  test('a check that cannot run is a warning, never a stop', async () => {
    const r = recorder();
    const hook = createPreflightHook(s, {} as TokenCredential, r, async () => {
      throw new Error('chunk missing');
    });
    expect(await hook!(template({}))).toEqual({ ok: true });
    expect(r.lines).toEqual([['warning', 'Preflight checks could not run: chunk missing (the run goes on)']]);
  });
});
