/**
 * Checks of a template that builds in the user's own network (`vmProfile.vnetConfig`), two modes:
 * - proxy VM (`subnetId` only): Image Builder reaches the build VM through Private Link, a load balancer and a proxy
 *   VM in that subnet. The subnet needs Private Link service network policies disabled, and its NSG must let the
 *   AzureLoadBalancer tag in on TCP 60001 (Linux) / 60000 (Windows) and the proxy reach the build VM on 22 / 5986.
 *   (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-networking)
 * - container instance (`subnetId` + `containerInstanceSubnetId`): no proxy VM, no Private Link. The second subnet must
 *   be in the same VNet, not the build subnet, delegated to Microsoft.ContainerInstance/containerGroups, and able to
 *   reach the build subnet on 22 / 5986 and the Internet on 443 and 445; the build subnet must let it in on 22 / 5986.
 *   (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-json#vnetconfig-optional)
 * In both modes the template's identity needs virtualNetworks/read on the VNet and subnets/join/action on each subnet.
 */
import { API, type PreflightReads } from './arm.js';
import { evaluateFlow, type Endpoint, type Flow, type NsgBody } from './nsg.js';
import { actionMatches, grantingRoles, roleGuid, scopeCovers } from './roles.js';

export interface Finding {
  /** Short annotation title. */
  title: string;
  /** What is wrong, on which resource, and the exact change. */
  message: string;
}

export type OsKind = 'Linux' | 'Windows' | 'Unknown';

interface SubnetBody {
  id?: string;
  name?: string;
  properties?: {
    addressPrefix?: string;
    addressPrefixes?: string[];
    networkSecurityGroup?: { id?: string };
    delegations?: Array<{ name?: string; properties?: { serviceName?: string } }>;
    privateLinkServiceNetworkPolicies?: string;
  };
}

export const ACI_DELEGATION = 'Microsoft.ContainerInstance/containerGroups';
export const NETWORK_ACTIONS = ['Microsoft.Network/virtualNetworks/read', 'Microsoft.Network/virtualNetworks/subnets/join/action'] as const;
/** Where Azure's load balancer probes and forwards from (the AzureLoadBalancer service tag). */
const LOAD_BALANCER: Endpoint = { tags: ['AzureLoadBalancer'], prefixes: ['168.63.129.16/32'] };
const INTERNET: Endpoint = { tags: ['Internet'], prefixes: ['0.0.0.0/0'] };

export interface SubnetRef {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  vnet: string;
  name: string;
  vnetId: string;
}

export function parseSubnetId(id: string): SubnetRef | undefined {
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i.exec(
      id.trim(),
    );
  if (!m) return undefined;
  const [, sub, rg, vnet, name] = m as unknown as [string, string, string, string, string];
  return {
    id: id.trim().replace(/\/$/, ''),
    subscriptionId: sub,
    resourceGroup: rg,
    vnet,
    name,
    vnetId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`,
  };
}

function endpointOf(s: SubnetBody): Endpoint {
  const p = s.properties;
  return { tags: ['VirtualNetwork'], prefixes: [...(p?.addressPrefixes ?? []), ...(p?.addressPrefix ? [p.addressPrefix] : [])] };
}

function subnetFlag(s: SubnetRef): string {
  return `--resource-group ${s.resourceGroup} --vnet-name ${s.vnet} --name ${s.name}`;
}

function nsgRef(id: string): { rg: string; name: string } {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityGroups\/([^/]+)/i.exec(id);
  return { rg: m?.[1] ?? '<group>', name: m?.[2] ?? '<nsg>' };
}

/** Ports the build VM is reached on, by OS (both when the OS is not known). */
export function remotePorts(os: OsKind): number[] {
  return os === 'Linux' ? [22] : os === 'Windows' ? [5986] : [22, 5986];
}
/** Proxy VM ports the load balancer forwards to, by OS. */
export function proxyPorts(os: OsKind): number[] {
  return os === 'Linux' ? [60001] : os === 'Windows' ? [60000] : [60000, 60001];
}

export interface NetworkInput {
  subnetId: string;
  containerInstanceSubnetId?: string;
  templateLocation?: string;
  os: OsKind;
  /** The template identity's principal, when known (role checks need it). */
  principalId?: string;
  identityName?: string;
}

export async function checkNetwork(reads: PreflightReads, input: NetworkInput): Promise<Finding[]> {
  const out: Finding[] = [];
  const build = parseSubnetId(input.subnetId);
  if (!build) {
    return [
      {
        title: 'vnetConfig.subnetId is not a subnet ID',
        message: `The template's vmProfile.vnetConfig.subnetId '${input.subnetId}' is not a subnet resource ID. Set it to /subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>.`,
      },
    ];
  }
  const aciId = input.containerInstanceSubnetId;
  const aci = aciId ? parseSubnetId(aciId) : undefined;
  if (aciId && !aci) {
    out.push({
      title: 'vnetConfig.containerInstanceSubnetId is not a subnet ID',
      message: `The template's vmProfile.vnetConfig.containerInstanceSubnetId '${aciId}' is not a subnet resource ID. Set it to a subnet of the VNet '${build.vnetId}'.`,
    });
  }

  const get = (s: SubnetRef) =>
    reads.read<SubnetBody>(`${s.id}?api-version=${API.network}`, 'Microsoft.Network/virtualNetworks/subnets/read', s.id);
  const [buildRead, aciRead, vnetRead] = await Promise.all([
    get(build),
    aci ? get(aci) : Promise.resolve(undefined),
    reads.read<{ location?: string }>(`${build.vnetId}?api-version=${API.network}`, 'Microsoft.Network/virtualNetworks/read', build.vnetId),
  ]);

  if (!buildRead.ok && buildRead.notFound) {
    out.push({
      title: 'Build VM subnet not found',
      message: `The subnet '${build.id}' (vmProfile.vnetConfig.subnetId) does not exist. Create it (az network vnet subnet create ${subnetFlag(build)} --address-prefixes <cidr>) or set vnetConfig.subnetId to an existing subnet.`,
    });
  }
  if (aci && aciRead && !aciRead.ok && aciRead.notFound) {
    out.push({
      title: 'Container instance subnet not found',
      message: `The subnet '${aci.id}' (vmProfile.vnetConfig.containerInstanceSubnetId) does not exist. Create it in the VNet '${build.vnet}' (az network vnet subnet create ${subnetFlag(aci)} --address-prefixes <cidr> --delegations ${ACI_DELEGATION}).`,
    });
  }
  if (vnetRead.ok && input.templateLocation && vnetRead.body.location && norm(vnetRead.body.location) !== norm(input.templateLocation)) {
    out.push({
      title: 'VNet in another region',
      message: `The VNet '${build.vnetId}' is in '${vnetRead.body.location}' but the template is in '${input.templateLocation}': Image Builder needs the VNet in the template's region. Use a subnet of a VNet in '${input.templateLocation}' in vmProfile.vnetConfig.`,
    });
  }

  if (aci) {
    if (aci.vnetId.toLowerCase() !== build.vnetId.toLowerCase()) {
      out.push({
        title: 'Container instance subnet in another VNet',
        message: `The container instance subnet '${aci.id}' is not in the VNet of the build VM subnet ('${build.vnetId}'): vmProfile.vnetConfig.containerInstanceSubnetId must be a subnet of the same VNet as subnetId.`,
      });
    } else if (aci.id.toLowerCase() === build.id.toLowerCase()) {
      out.push({
        title: 'Container instance subnet is the build subnet',
        message: `vmProfile.vnetConfig.containerInstanceSubnetId and subnetId are the same subnet '${build.id}': the container instance needs a subnet of its own in the VNet '${build.vnet}', delegated to ${ACI_DELEGATION}.`,
      });
    }
    if (aciRead?.ok) {
      const delegated = (aciRead.body.properties?.delegations ?? []).some(
        (d) => norm(d.properties?.serviceName ?? '') === norm(ACI_DELEGATION),
      );
      if (!delegated) {
        out.push({
          title: 'Container instance subnet not delegated',
          message: `The subnet '${aci.id}' (vmProfile.vnetConfig.containerInstanceSubnetId) is not delegated to ${ACI_DELEGATION}, so the build's container instance cannot be placed in it. Fix: az network vnet subnet update ${subnetFlag(aci)} --delegations ${ACI_DELEGATION}`,
        });
      }
    }
  } else if (buildRead.ok) {
    const policy = buildRead.body.properties?.privateLinkServiceNetworkPolicies ?? 'Enabled';
    if (norm(policy) !== 'disabled') {
      out.push({
        title: 'Private Link service network policies enabled on the build subnet',
        message: `The subnet '${build.id}' (vmProfile.vnetConfig.subnetId) has privateLinkServiceNetworkPolicies '${policy}': Image Builder places a Private Link service there to reach the build VM, which needs them Disabled. Fix: az network vnet subnet update ${subnetFlag(build)} --disable-private-link-service-network-policies true  (or set privateLinkServiceNetworkPolicies: 'Disabled' on the subnet in your template).`,
      });
    }
  }

  if (buildRead.ok) out.push(...(await checkNsgs(reads, build, buildRead.body, aci, aciRead?.ok ? aciRead.body : undefined, input.os)));
  if (input.principalId) out.push(...(await checkNetworkRoles(reads, build, aci, input.principalId, input.identityName)));
  return out;
}

function norm(s: string): string {
  return s.replace(/\s+/g, '').toLowerCase();
}

async function readNsg(reads: PreflightReads, subnet: SubnetBody): Promise<{ id: string; body: NsgBody } | undefined> {
  const id = subnet.properties?.networkSecurityGroup?.id;
  if (!id) return undefined;
  const r = await reads.read<NsgBody>(`${id}?api-version=${API.network}`, 'Microsoft.Network/networkSecurityGroups/read', id);
  return r.ok ? { id, body: r.body } : undefined;
}

interface NeededFlow {
  flow: Flow;
  what: string;
  ruleName: string;
  /** Address prefixes for the az rule's source and destination. */
  from: string;
  to: string;
}

function nsgFinding(nsgId: string, subnet: SubnetRef, need: NeededFlow, blockedBy: string, priority: number): Finding {
  const { rg, name } = nsgRef(nsgId);
  const f = need.flow;
  const fixPriority = Math.max(100, Math.min(4096, priority - 1));
  return {
    title: `NSG blocks ${need.what}`,
    message:
      `The network security group '${name}' on subnet '${subnet.name}' (${subnet.id}) denies ${need.what} (${f.direction.toLowerCase()}, TCP ${f.port}): ` +
      `rule '${blockedBy}' (priority ${priority}) matches it first. Add a rule that allows it with a lower priority number: ` +
      `az network nsg rule create --resource-group ${rg} --nsg-name ${name} --name ${need.ruleName} --priority ${fixPriority} --direction ${f.direction} --access Allow ` +
      `--protocol Tcp --source-address-prefixes ${need.from} --source-port-ranges '*' --destination-address-prefixes ${need.to} --destination-port-ranges ${f.port}`,
  };
}

async function checkNsgs(
  reads: PreflightReads,
  build: SubnetRef,
  buildBody: SubnetBody,
  aci: SubnetRef | undefined,
  aciBody: SubnetBody | undefined,
  os: OsKind,
): Promise<Finding[]> {
  const buildEnd = endpointOf(buildBody);
  const [buildNsg, aciNsg] = await Promise.all([readNsg(reads, buildBody), aciBody ? readNsg(reads, aciBody) : Promise.resolve(undefined)]);
  const checks: Array<{ nsg: { id: string; body: NsgBody }; subnet: SubnetRef; need: NeededFlow }> = [];
  const cidr = (e: Endpoint): string => (e.prefixes.length === 1 ? (e.prefixes[0] ?? 'VirtualNetwork') : 'VirtualNetwork');
  if (!aci) {
    if (buildNsg) {
      for (const port of proxyPorts(os)) {
        checks.push({
          nsg: buildNsg,
          subnet: build,
          need: {
            what: 'the AzureLoadBalancer service tag reaching the proxy VM',
            ruleName: `AllowAzureLoadBalancer${port}`,
            from: 'AzureLoadBalancer',
            to: cidr(buildEnd),
            flow: { direction: 'Inbound', protocol: 'Tcp', port, source: LOAD_BALANCER, destination: buildEnd },
          },
        });
      }
      for (const port of remotePorts(os)) {
        for (const direction of ['Inbound', 'Outbound'] as const) {
          checks.push({
            nsg: buildNsg,
            subnet: build,
            need: {
              what: 'the proxy VM reaching the build VM (VirtualNetwork to VirtualNetwork)',
              ruleName: `AllowProxyToBuildVm${direction}${port}`,
              from: cidr(buildEnd),
              to: cidr(buildEnd),
              flow: { direction, protocol: 'Tcp', port, source: buildEnd, destination: buildEnd },
            },
          });
        }
      }
    }
  } else if (aciBody) {
    const aciEnd = endpointOf(aciBody);
    // The same flow leaves the container subnet and enters the build subnet: each NSG on the way must allow it.
    const ends = [
      { nsg: aciNsg, subnet: aci, direction: 'Outbound' as const },
      { nsg: buildNsg, subnet: build, direction: 'Inbound' as const },
    ];
    for (const port of remotePorts(os)) {
      for (const { nsg, subnet, direction } of ends) {
        if (!nsg) continue;
        checks.push({
          nsg,
          subnet,
          need: {
            what: 'the container instance reaching the build VM',
            ruleName: `AllowAciToBuildVm${port}`,
            from: cidr(aciEnd),
            to: cidr(buildEnd),
            flow: { direction, protocol: 'Tcp', port, source: aciEnd, destination: buildEnd },
          },
        });
      }
    }
    if (aciNsg) {
      for (const port of [443, 445]) {
        checks.push({
          nsg: aciNsg,
          subnet: aci,
          need: {
            what: `the container instance reaching the Internet on ${port}`,
            ruleName: `AllowAciInternet${port}`,
            from: cidr(aciEnd),
            to: 'Internet',
            flow: { direction: 'Outbound', protocol: 'Tcp', port, source: aciEnd, destination: INTERNET },
          },
        });
      }
    }
  }
  const out: Finding[] = [];
  for (const c of checks) {
    const v = evaluateFlow(c.nsg.body, c.need.flow);
    if (v.access === 'Deny') out.push(nsgFinding(c.nsg.id, c.subnet, c.need, v.rule, v.priority));
  }
  return out;
}

async function checkNetworkRoles(
  reads: PreflightReads,
  build: SubnetRef,
  aci: SubnetRef | undefined,
  principalId: string,
  identityName?: string,
): Promise<Finding[]> {
  // One list at the VNet's scope returns the principal's assignments at, above and below it (both subnets included).
  const assignments = await reads.assignments(build.vnetId, principalId);
  if (!assignments) return [];
  const definitions = await reads.definitionsOf(assignments);
  if (!definitions) return [];
  const needs: Array<{ action: string; scope: string }> = [
    { action: NETWORK_ACTIONS[0], scope: build.vnetId },
    { action: NETWORK_ACTIONS[1], scope: build.id },
    ...(aci && aci.vnetId.toLowerCase() === build.vnetId.toLowerCase() ? [{ action: NETWORK_ACTIONS[1], scope: aci.id }] : []),
  ];
  const out: Finding[] = [];
  const who = identityName
    ? `The template's identity '${identityName}' (principal ${principalId})`
    : `The template's identity (principal ${principalId})`;
  for (const n of needs) {
    if (grantingRoles(n.action, n.scope, assignments, definitions).length > 0) continue;
    // Say when a role lists the action but takes it back in notActions.
    const excluded = assignments
      .filter((a) => scopeCovers(a.scope, n.scope))
      .map((a) => definitions.get(roleGuid(a.roleDefinitionId)))
      .flatMap((d) =>
        d && d.permissions.some((p) => (p.actions ?? []).some((x) => actionMatches(x, n.action))) ? [`'${d.roleName ?? d.id}'`] : [],
      );
    const because = excluded.length ? ` (role ${excluded.join(', ')} lists it in notActions)` : '';
    out.push({
      title: `Identity lacks ${n.action}`,
      message:
        `${who} is missing the permission '${n.action}' on '${n.scope}'${because}. Image Builder needs '${NETWORK_ACTIONS[0]}' and '${NETWORK_ACTIONS[1]}' on the network. ` +
        `Fix: az role assignment create --assignee-object-id ${principalId} --assignee-principal-type ServicePrincipal --role "Network Contributor" --scope ${build.vnetId}  ` +
        `(or a custom role with just these two actions). Role assignments can take a few minutes to apply.`,
    });
  }
  return out;
}
