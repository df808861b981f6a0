// Rule evaluation of the preflight checks: NSG rules by priority with the default rules (as
// https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview describes), and RBAC actions with
// wildcards and notActions (https://learn.microsoft.com/azure/role-based-access-control/role-definitions).
import { describe, expect, test } from '@jest/globals';
import { cidrContains, evaluateFlow, type Endpoint, type Flow, type NsgBody, type SecurityRule } from '../../src/preflight/nsg.js';
import {
  actionMatches,
  grantingRoles,
  missingActions,
  roleGrants,
  scopeCovers,
  type RoleDefinitionInfo,
} from '../../src/preflight/roles.js';

const SUBNET: Endpoint = { tags: ['VirtualNetwork'], prefixes: ['10.1.2.0/24'] };
const LB: Endpoint = { tags: ['AzureLoadBalancer'], prefixes: ['168.63.129.16/32'] };
const lbFlow = (port = 60001): Flow => ({ direction: 'Inbound', protocol: 'Tcp', port, source: LB, destination: SUBNET });
const sshFlow: Flow = { direction: 'Inbound', protocol: 'Tcp', port: 22, source: SUBNET, destination: SUBNET };

function r(
  name: string,
  priority: number,
  access: 'Allow' | 'Deny',
  p: Partial<NonNullable<SecurityRule['properties']>> = {},
): SecurityRule {
  return {
    name,
    properties: {
      direction: 'Inbound',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      access,
      priority,
      ...p,
    },
  };
}
const nsg = (...rules: SecurityRule[]): NsgBody => ({ properties: { securityRules: rules } });

describe('NSG evaluation', () => {
  test('no custom rules: the default rules let the load balancer and the VNet in', () => {
    expect(evaluateFlow(nsg(), lbFlow())).toMatchObject({
      access: 'Allow',
      rule: 'AllowAzureLoadBalancerInBound',
      priority: 65001,
      isDefault: true,
    });
    expect(evaluateFlow(nsg(), sshFlow)).toMatchObject({ access: 'Allow', rule: 'AllowVnetInBound', priority: 65000 });
    expect(evaluateFlow(nsg(), { ...sshFlow, source: { tags: ['Internet'], prefixes: ['0.0.0.0/0'] } })).toMatchObject({
      access: 'Deny',
      rule: 'DenyAllInBound',
    });
  });

  test('a custom deny-all above the defaults blocks both flows; an allow with a lower number wins over it', () => {
    const denyAll = r('DenyEverything', 4000, 'Deny');
    expect(evaluateFlow(nsg(denyAll), lbFlow())).toMatchObject({ access: 'Deny', rule: 'DenyEverything', isDefault: false });
    expect(evaluateFlow(nsg(denyAll), sshFlow)).toMatchObject({ access: 'Deny', rule: 'DenyEverything' });
    const allowLb = r('AllowLb', 3990, 'Allow', {
      protocol: 'Tcp',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationPortRange: '60000-60001',
    });
    expect(evaluateFlow(nsg(denyAll, allowLb), lbFlow(60000))).toMatchObject({ access: 'Allow', rule: 'AllowLb' });
    expect(evaluateFlow(nsg(denyAll, allowLb), lbFlow(60001))).toMatchObject({ access: 'Allow', rule: 'AllowLb' });
    // The same allow with a higher number than the deny comes too late.
    expect(evaluateFlow(nsg(denyAll, { ...allowLb, properties: { ...allowLb.properties, priority: 4010 } }), lbFlow())).toMatchObject({
      access: 'Deny',
      rule: 'DenyEverything',
    });
  });

  test('a deny of the load balancer ports only, by tag, by port list, or by protocol', () => {
    expect(
      evaluateFlow(
        nsg(r('NoLb', 200, 'Deny', { sourceAddressPrefix: 'AzureLoadBalancer', destinationPortRange: '60000-60001' })),
        lbFlow(),
      ),
    ).toMatchObject({ access: 'Deny', rule: 'NoLb' });
    expect(
      evaluateFlow(
        nsg(r('NoPorts', 200, 'Deny', { destinationPortRange: undefined, destinationPortRanges: ['443', '60001'] })),
        lbFlow(60001),
      ),
    ).toMatchObject({ access: 'Deny' });
    expect(
      evaluateFlow(
        nsg(r('NoPorts', 200, 'Deny', { destinationPortRange: undefined, destinationPortRanges: ['443', '60001'] })),
        lbFlow(60000),
      ),
    ).toMatchObject({ access: 'Allow' });
    expect(evaluateFlow(nsg(r('NoUdp', 200, 'Deny', { protocol: 'Udp' })), lbFlow())).toMatchObject({ access: 'Allow', isDefault: true });
    // Direction matters: an outbound deny does not touch inbound traffic.
    expect(evaluateFlow(nsg(r('NoOut', 200, 'Deny', { direction: 'Outbound' })), lbFlow())).toMatchObject({ access: 'Allow' });
  });

  test('address prefixes: a CIDR must contain the whole endpoint; other tags do not match', () => {
    expect(
      evaluateFlow(nsg(r('DenyVnetCidr', 300, 'Deny', { sourceAddressPrefix: '10.0.0.0/8', destinationPortRange: '22' })), sshFlow),
    ).toMatchObject({ access: 'Deny', rule: 'DenyVnetCidr' });
    // Part of the subnet only: not surely this flow.
    expect(
      evaluateFlow(nsg(r('DenyHalf', 300, 'Deny', { sourceAddressPrefix: '10.1.2.0/25', destinationPortRange: '22' })), sshFlow),
    ).toMatchObject({ access: 'Allow', isDefault: true });
    expect(evaluateFlow(nsg(r('DenyInternet', 300, 'Deny', { sourceAddressPrefix: 'Internet' })), sshFlow)).toMatchObject({
      access: 'Allow',
    });
    expect(
      evaluateFlow(nsg(r('DenyLbIp', 300, 'Deny', { sourceAddressPrefixes: ['168.63.129.16'], sourceAddressPrefix: undefined })), lbFlow()),
    ).toMatchObject({ access: 'Deny', rule: 'DenyLbIp' });
    expect(
      evaluateFlow(
        nsg(r('DenyVnetTag', 300, 'Deny', { sourceAddressPrefix: 'virtualnetwork', destinationAddressPrefix: 'VirtualNetwork' })),
        sshFlow,
      ),
    ).toMatchObject({ access: 'Deny' });
    expect(cidrContains('10.0.0.0/8', '10.1.2.0/24')).toBe(true);
    expect(cidrContains('10.1.2.0/25', '10.1.2.0/24')).toBe(false);
  });

  test('a rule limited to some source ports is not taken to match (flows start from ephemeral ports)', () => {
    expect(evaluateFlow(nsg(r('DenyFromPort', 200, 'Deny', { sourcePortRange: '1000-2000' })), sshFlow)).toMatchObject({
      access: 'Allow',
      isDefault: true,
    });
    expect(evaluateFlow(nsg(r('DenyAllPorts', 200, 'Deny', { sourcePortRange: '0-65535' })), sshFlow)).toMatchObject({ access: 'Deny' });
  });

  test("rules are taken by priority whatever their order in the body, and the body's own default rules are used", () => {
    const body: NsgBody = {
      properties: {
        securityRules: [r('Late', 500, 'Allow'), r('Early', 100, 'Deny', { destinationPortRange: '22' })],
        defaultSecurityRules: [r('OnlyDefault', 65500, 'Allow')],
      },
    };
    expect(evaluateFlow(body, sshFlow)).toMatchObject({ rule: 'Early', access: 'Deny' });
    expect(evaluateFlow(body, lbFlow())).toMatchObject({ rule: 'Late', access: 'Allow' });
    expect(
      evaluateFlow({ properties: { securityRules: [], defaultSecurityRules: [r('OnlyDefault', 65500, 'Allow')] } }, lbFlow()),
    ).toMatchObject({ rule: 'OnlyDefault' });
  });
});

const def = (roleName: string, actions: string[], notActions: string[] = []): RoleDefinitionInfo => ({
  id: `/providers/Microsoft.Authorization/roleDefinitions/${roleName}`,
  roleName,
  permissions: [{ actions, notActions }],
});
const JOIN = 'Microsoft.Network/virtualNetworks/subnets/join/action';
const READ = 'Microsoft.Network/virtualNetworks/read';
const VNET = '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v';

describe('RBAC evaluation', () => {
  test('wildcards match any run of characters, without regard to case', () => {
    expect(actionMatches('*', JOIN)).toBe(true);
    expect(actionMatches('Microsoft.Network/*', JOIN)).toBe(true);
    expect(actionMatches('microsoft.network/virtualnetworks/*', READ)).toBe(true);
    expect(actionMatches('*/read', READ)).toBe(true);
    expect(actionMatches('*/read', JOIN)).toBe(false);
    expect(actionMatches('Microsoft.Network/virtualNetworks/subnets/*/action', JOIN)).toBe(true);
    expect(actionMatches('Microsoft.Compute/*', JOIN)).toBe(false);
    expect(actionMatches('Microsoft.Network/virtualNetworks.read', READ)).toBe(false);
  });

  test('notActions take back what the same role grants, not what another role grants', () => {
    const noJoin = def('Net minus join', ['Microsoft.Network/*'], ['Microsoft.Network/virtualNetworks/subnets/join/action']);
    expect(roleGrants(noJoin, READ)).toBe(true);
    expect(roleGrants(noJoin, JOIN)).toBe(false);
    expect(roleGrants(def('Wild not', ['*'], ['*/action']), JOIN)).toBe(false);
    const defs = new Map([
      ['a', noJoin],
      ['b', def('Joiner', [JOIN])],
    ]);
    const only = [{ scope: VNET, roleDefinitionId: '/x/a', principalId: 'p' }];
    expect(missingActions([READ, JOIN], `${VNET}/subnets/s1`, only, defs)).toEqual([JOIN]);
    const both = [...only, { scope: `${VNET}/subnets/s1`, roleDefinitionId: '/x/b', principalId: 'p' }];
    expect(missingActions([READ, JOIN], `${VNET}/subnets/s1`, both, defs)).toEqual([]);
    expect(grantingRoles(JOIN, `${VNET}/subnets/s1`, both, defs)).toEqual(['Joiner']);
  });

  test('an assignment applies at its scope and below, not above or beside it', () => {
    expect(scopeCovers('/subscriptions/s', VNET)).toBe(true);
    expect(scopeCovers('/subscriptions/s/resourcegroups/NET', VNET)).toBe(true);
    expect(scopeCovers(`${VNET}/subnets/s1`, VNET)).toBe(false);
    expect(scopeCovers('/subscriptions/s/resourceGroups/ne', VNET)).toBe(false);
    const defs = new Map([['n', def('Network Contributor', ['Microsoft.Network/*'])]]);
    // Join granted on one subnet only: the VNet read is still missing, and the other subnet lacks the join.
    const onSubnet = [{ scope: `${VNET}/subnets/s1`, roleDefinitionId: '/x/n', principalId: 'p' }];
    expect(missingActions([READ], VNET, onSubnet, defs)).toEqual([READ]);
    expect(missingActions([JOIN], `${VNET}/subnets/s2`, onSubnet, defs)).toEqual([JOIN]);
    expect(missingActions([JOIN], `${VNET}/subnets/s1`, onSubnet, defs)).toEqual([]);
  });

  test('a role whose definition could not be matched grants nothing', () => {
    expect(
      missingActions([READ], VNET, [{ scope: '/subscriptions/s', roleDefinitionId: '/x/unknown', principalId: 'p' }], new Map()),
    ).toEqual([READ]);
  });
});
