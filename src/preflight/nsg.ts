/**
 * Network security group evaluation as Azure does it (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview):
 * the rules of one direction, custom and default together, are taken by priority (lowest number first) and the first
 * rule that matches the flow decides. Default rules: inbound AllowVnetInBound (65000, VirtualNetwork to VirtualNetwork),
 * AllowAzureLoadBalancerInBound (65001, AzureLoadBalancer to any), DenyAllInBound (65500); outbound AllowVnetOutBound
 * (65000), AllowInternetOutBound (65001, any to Internet), DenyAllOutBound (65500).
 *
 * A rule is taken to match only when it surely covers the flow: an address prefix must contain the whole endpoint (a
 * CIDR that covers part of a subnet, or an application security group, is passed over), and a source port range must
 * cover every port (flows here start from an ephemeral port).
 */

export interface SecurityRuleProperties {
  protocol?: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  access?: string;
  priority?: number;
  direction?: string;
}

export interface SecurityRule {
  name?: string;
  properties?: SecurityRuleProperties;
}

export interface NsgBody {
  id?: string;
  name?: string;
  properties?: { securityRules?: SecurityRule[]; defaultSecurityRules?: SecurityRule[] };
}

/** One side of a flow: the service tags it belongs to and the address ranges it may use. */
export interface Endpoint {
  /** Service tags that include this endpoint, e.g. `VirtualNetwork`, `AzureLoadBalancer`, `Internet`. */
  tags: string[];
  /** IPv4 CIDRs the endpoint's address lies in (any address of them). */
  prefixes: string[];
}

export interface Flow {
  direction: 'Inbound' | 'Outbound';
  protocol: 'Tcp' | 'Udp';
  port: number;
  source: Endpoint;
  destination: Endpoint;
}

export interface Verdict {
  access: 'Allow' | 'Deny';
  rule: string;
  priority: number;
  isDefault: boolean;
}

const ANY = ['*', 'any'];

export const DEFAULT_RULES: SecurityRule[] = [
  rule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
  rule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
  rule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
  rule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
  rule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
  rule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
];

function rule(name: string, priority: number, direction: string, access: string, src: string, dst: string): SecurityRule {
  return {
    name,
    properties: {
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: src,
      destinationAddressPrefix: dst,
      access,
      priority,
      direction,
    },
  };
}

/** `a.b.c.d` → 32-bit number, or undefined. */
function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  // a * 2^24 + b * 2^16 + c * 2^8 + d (each part at most 255, so exact)
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/** `a.b.c.d/n` (or a bare address) → [first, last] addresses, or undefined when not IPv4. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const [addr, bitsText] = cidr.trim().split('/');
  const base = ipv4(addr ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  return [first, first + size - 1];
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = cidrRange(outer);
  const i = cidrRange(inner);
  return !!o && !!i && o[0] <= i[0] && i[1] <= o[1];
}

function listOf(one: string | undefined, many: string[] | undefined): string[] {
  const out = [...(many ?? [])];
  if (one !== undefined && one !== '') out.push(one);
  return out;
}

function addressMatches(prefixes: string[], end: Endpoint): boolean {
  return prefixes.some((p) => {
    const x = p.trim();
    if (ANY.includes(x.toLowerCase())) return true;
    if (cidrRange(x)) return end.prefixes.length > 0 && end.prefixes.every((e) => cidrContains(x, e));
    return end.tags.some((t) => t.toLowerCase() === x.toLowerCase());
  });
}

function portCovers(range: string, port: number): boolean {
  const x = range.trim();
  if (ANY.includes(x.toLowerCase())) return true;
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(x);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= port && port <= hi;
}

function coversAllPorts(ranges: string[]): boolean {
  return ranges.some((r) => ANY.includes(r.trim().toLowerCase()) || (portCovers(r, 0) && portCovers(r, 65535)));
}

function ruleMatches(p: SecurityRuleProperties, flow: Flow): boolean {
  if ((p.direction ?? '').toLowerCase() !== flow.direction.toLowerCase()) return false;
  const proto = (p.protocol ?? '*').toLowerCase();
  if (!ANY.includes(proto) && proto !== flow.protocol.toLowerCase()) return false;
  if (!coversAllPorts(listOf(p.sourcePortRange, p.sourcePortRanges))) return false;
  if (!listOf(p.destinationPortRange, p.destinationPortRanges).some((r) => portCovers(r, flow.port))) return false;
  if (!addressMatches(listOf(p.sourceAddressPrefix, p.sourceAddressPrefixes), flow.source)) return false;
  return addressMatches(listOf(p.destinationAddressPrefix, p.destinationAddressPrefixes), flow.destination);
}

/** What the NSG does with the flow: the first matching rule by priority, default rules included. */
export function evaluateFlow(nsg: NsgBody, flow: Flow): Verdict {
  const custom = (nsg.properties?.securityRules ?? []).map((r) => ({ r, isDefault: false }));
  const defaults = (nsg.properties?.defaultSecurityRules?.length ? nsg.properties.defaultSecurityRules : DEFAULT_RULES).map((r) => ({
    r,
    isDefault: true,
  }));
  const ordered = [...custom, ...defaults]
    .flatMap(({ r, isDefault }) => {
      const p = r.properties;
      return p && typeof p.priority === 'number' ? [{ r, p, priority: p.priority, isDefault }] : [];
    })
    .sort((a, b) => a.priority - b.priority);
  for (const { r, p, priority, isDefault } of ordered) {
    if (!ruleMatches(p, flow)) continue;
    return { access: (p.access ?? '').toLowerCase() === 'allow' ? 'Allow' : 'Deny', rule: r.name ?? '?', priority, isDefault };
  }
  // Unreachable with the default rules in place (DenyAll* match every flow).
  return { access: 'Deny', rule: 'DenyAll', priority: 65500, isDefault: true };
}
