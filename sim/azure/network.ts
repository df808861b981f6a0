// Microsoft.Network reads for the preflight checks: virtual networks, subnets and network security groups (GET only).
// Body shapes follow the REST reference (api-version 2024-05-01): Subnets - Get, Virtual Networks - Get, Network
// Security Groups - Get (https://learn.microsoft.com/rest/api/virtualnetwork/), including the six default security
// rules every NSG carries (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
import { guid } from './common.ts';

export interface SubnetSpec {
  name: string;
  addressPrefix: string;
  /** Default 'Enabled', as a new subnet has it. */
  privateLinkServiceNetworkPolicies?: 'Enabled' | 'Disabled';
  /** Service names the subnet is delegated to, e.g. 'Microsoft.ContainerInstance/containerGroups'. */
  delegations?: string[];
  /** Resource ID of the network security group on the subnet. */
  nsg?: string;
}

export interface VnetSpec {
  resourceGroup: string;
  name: string;
  location?: string; // default 'eastus'
  addressPrefixes?: string[]; // default ['10.0.0.0/16']
  subnets: SubnetSpec[];
}

export interface SecurityRuleSpec {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol?: 'Tcp' | 'Udp' | 'Icmp' | '*';
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  sourcePortRange?: string;
  destinationPortRange?: string;
  destinationPortRanges?: string[];
}

export interface NsgSpec {
  resourceGroup: string;
  name: string;
  location?: string;
  rules?: SecurityRuleSpec[];
}

type Json = Record<string, unknown>;
export type ArmAnswer = { status: number; body: unknown };

const DEFAULTS: Array<[string, string, number, 'Inbound' | 'Outbound', 'Allow' | 'Deny', string, string]> = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 'Deny all inbound traffic', 65500, 'Inbound', 'Deny', '*', '*'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    65000,
    'Outbound',
    'Allow',
    'VirtualNetwork',
    'VirtualNetwork',
  ],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', 65001, 'Outbound', 'Allow', '*', 'Internet'],
  ['DenyAllOutBound', 'Deny all outbound traffic', 65500, 'Outbound', 'Deny', '*', '*'],
];

const etag = (): string => `W/"${guid()}"`;

export class NetworkStore {
  private readonly vnets = new Map<string, { id: string; spec: VnetSpec }>();
  private readonly nsgs = new Map<string, { id: string; spec: NsgSpec }>();
  private readonly subscriptionId: string;
  constructor(subscriptionId: string) {
    this.subscriptionId = subscriptionId;
  }

  private rgPath(rg: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}`;
  }

  /** Adds (or replaces) a VNet with its subnets; returns its ID and a subnet ID maker. */
  addVnet(spec: VnetSpec): { id: string; subnetId(name: string): string } {
    const id = `${this.rgPath(spec.resourceGroup)}/providers/Microsoft.Network/virtualNetworks/${spec.name}`;
    this.vnets.set(id.toLowerCase(), { id, spec });
    return { id, subnetId: (name) => `${id}/subnets/${name}` };
  }

  /** Adds (or replaces) a network security group; returns its ID. */
  addNsg(spec: NsgSpec): string {
    const id = `${this.rgPath(spec.resourceGroup)}/providers/Microsoft.Network/networkSecurityGroups/${spec.name}`;
    this.nsgs.set(id.toLowerCase(), { id, spec });
    return id;
  }

  private subnetBody(vnetId: string, s: SubnetSpec): Json {
    const id = `${vnetId}/subnets/${s.name}`;
    const props: Json = {
      provisioningState: 'Succeeded',
      addressPrefix: s.addressPrefix,
      delegations: (s.delegations ?? []).map((serviceName, i) => ({
        name: `delegation${i}`,
        id: `${id}/delegations/delegation${i}`,
        etag: etag(),
        properties: { provisioningState: 'Succeeded', serviceName, actions: ['Microsoft.Network/virtualNetworks/subnets/action'] },
        type: 'Microsoft.Network/virtualNetworks/subnets/delegations',
      })),
      privateEndpointNetworkPolicies: 'Disabled',
      privateLinkServiceNetworkPolicies: s.privateLinkServiceNetworkPolicies ?? 'Enabled',
    };
    if (s.nsg) props.networkSecurityGroup = { id: s.nsg };
    return { name: s.name, id, etag: etag(), properties: props, type: 'Microsoft.Network/virtualNetworks/subnets' };
  }

  private ruleBody(nsgId: string, kind: 'securityRules' | 'defaultSecurityRules', r: SecurityRuleSpec & { description?: string }): Json {
    const p: Json = {
      provisioningState: 'Succeeded',
      protocol: r.protocol ?? '*',
      sourcePortRange: r.sourcePortRange ?? '*',
      access: r.access,
      priority: r.priority,
      direction: r.direction,
      sourcePortRanges: [],
      destinationPortRanges: r.destinationPortRanges ?? [],
      sourceAddressPrefixes: r.sourceAddressPrefixes ?? [],
      destinationAddressPrefixes: r.destinationAddressPrefixes ?? [],
    };
    if (r.description) p.description = r.description;
    if (!r.destinationPortRanges?.length) p.destinationPortRange = r.destinationPortRange ?? '*';
    if (!r.sourceAddressPrefixes?.length) p.sourceAddressPrefix = r.sourceAddressPrefix ?? '*';
    if (!r.destinationAddressPrefixes?.length) p.destinationAddressPrefix = r.destinationAddressPrefix ?? '*';
    return {
      name: r.name,
      id: `${nsgId}/${kind}/${r.name}`,
      etag: etag(),
      type: `Microsoft.Network/networkSecurityGroups/${kind}`,
      properties: p,
    };
  }

  /** Answers a Microsoft.Network GET, or undefined when the path is not one of ours. */
  get(path: string): ArmAnswer | undefined {
    const m =
      /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(virtualNetworks|networkSecurityGroups)\/([^/]+)(?:\/subnets\/([^/]+))?$/i.exec(
        path,
      );
    if (!m) return undefined;
    const [, rg, type, name, subnet] = m as unknown as [string, string, string, string, string | undefined];
    const notFound = (what: string): ArmAnswer => ({
      status: 404,
      body: {
        error: {
          code: 'ResourceNotFound',
          message: `The Resource '${what}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        },
      },
    });
    if (type.toLowerCase() === 'networksecuritygroups') {
      if (subnet !== undefined) return undefined;
      const n = this.nsgs.get(path.toLowerCase());
      if (!n) return notFound(`Microsoft.Network/networkSecurityGroups/${name}`);
      const subnets: Json[] = [];
      for (const v of this.vnets.values()) {
        for (const s of v.spec.subnets) if (s.nsg?.toLowerCase() === n.id.toLowerCase()) subnets.push({ id: `${v.id}/subnets/${s.name}` });
      }
      return {
        status: 200,
        body: {
          name: n.spec.name,
          id: n.id,
          etag: etag(),
          type: 'Microsoft.Network/networkSecurityGroups',
          location: n.spec.location ?? 'eastus',
          properties: {
            provisioningState: 'Succeeded',
            resourceGuid: guid(),
            securityRules: (n.spec.rules ?? []).map((r) => this.ruleBody(n.id, 'securityRules', r)),
            defaultSecurityRules: DEFAULTS.map(([rn, description, priority, direction, access, src, dst]) =>
              this.ruleBody(n.id, 'defaultSecurityRules', {
                name: rn,
                description,
                priority,
                direction,
                access,
                sourceAddressPrefix: src,
                destinationAddressPrefix: dst,
              }),
            ),
            subnets,
          },
        },
      };
    }
    const vnetPath = path.replace(/\/subnets\/[^/]+$/i, '');
    const v = this.vnets.get(vnetPath.toLowerCase());
    if (!v) return notFound(`Microsoft.Network/virtualNetworks/${name}`);
    if (subnet !== undefined) {
      const s = v.spec.subnets.find((x) => x.name.toLowerCase() === subnet.toLowerCase());
      if (!s)
        return {
          status: 404,
          body: { error: { code: 'NotFound', message: `Resource ${v.id}/subnets/${subnet} not found.`, details: [] } },
        };
      return { status: 200, body: this.subnetBody(v.id, s) };
    }
    return {
      status: 200,
      body: {
        name: v.spec.name,
        id: v.id,
        etag: etag(),
        type: 'Microsoft.Network/virtualNetworks',
        location: v.spec.location ?? 'eastus',
        properties: {
          provisioningState: 'Succeeded',
          resourceGuid: guid(),
          addressSpace: { addressPrefixes: v.spec.addressPrefixes ?? ['10.0.0.0/16'] },
          subnets: v.spec.subnets.map((s) => this.subnetBody(v.id, s)),
          virtualNetworkPeerings: [],
          enableDdosProtection: false,
        },
      },
    };
  }
}
