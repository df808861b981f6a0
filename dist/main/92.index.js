export const id = 92;
export const ids = [92];
export const modules = {

/***/ 11092:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  STAGING_ACTIONS: () => (/* binding */ STAGING_ACTIONS),
  armReader: () => (/* binding */ armReader),
  osOf: () => (/* binding */ osOf),
  runPreflight: () => (/* binding */ runPreflight),
  skippedNotice: () => (/* binding */ skippedNotice)
});

// EXTERNAL MODULE: ./src/logs/locate.ts
var locate = __webpack_require__(84725);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/preflight/roles.ts
/**
 * Azure RBAC evaluation for one principal: which actions its role assignments grant at a scope.
 * Semantics (https://learn.microsoft.com/azure/role-based-access-control/role-definitions): an assignment applies
 * at its own scope and every scope below it; a role grants an action when one of its permission blocks lists it
 * in `actions` (where `*` matches any run of characters, case-insensitively) and the same block does not list it
 * in `notActions`. NotActions only subtract from their own role: another role that grants the action still grants it.
 */
function patternOf(glob) {
    const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${escaped.join('.*')}$`, 'i');
}
/** Whether an action pattern from a role (`Microsoft.Network/*`, `*\/read`, `*`) matches an action. */
function actionMatches(pattern, action) {
    return patternOf(pattern.trim()).test(action.trim());
}
/** Whether one role definition grants `action` (its notActions subtracting from its own actions only). */
function roleGrants(role, action) {
    return role.permissions.some((p) => (p.actions ?? []).some((a) => actionMatches(a, action)) && !(p.notActions ?? []).some((n) => actionMatches(n, action)));
}
/** Resource IDs compare without regard to case; `resourcegroups` and `resourceGroups` are the same. */
function normScope(scope) {
    return scope.trim().replace(/\/+$/, '').toLowerCase();
}
/** Whether an assignment made at `assignedAt` applies at `scope` (the same scope or one above it). */
function scopeCovers(assignedAt, scope) {
    const a = normScope(assignedAt);
    const s = normScope(scope);
    return a === '' || a === '/' || s === a || s.startsWith(`${a}/`);
}
/** The GUID at the end of a role definition ID (definitions are the same role whatever scope prefixes the ID). */
function roleGuid(roleDefinitionId) {
    return (roleDefinitionId.split('/').pop() ?? roleDefinitionId).toLowerCase();
}
/** The roles (by name) that grant `action` at `scope` to the principal, or an empty list when none does. */
function grantingRoles(action, scope, assignments, definitions) {
    const out = [];
    for (const a of assignments) {
        if (!scopeCovers(a.scope, scope))
            continue;
        const role = definitions.get(roleGuid(a.roleDefinitionId));
        if (role && roleGrants(role, action))
            out.push(role.roleName ?? roleGuid(a.roleDefinitionId));
    }
    return out;
}
/** The actions of `needed` that no assignment grants at `scope`. */
function missingActions(needed, scope, assignments, definitions) {
    return needed.filter((action) => grantingRoles(action, scope, assignments, definitions).length === 0);
}

;// CONCATENATED MODULE: ./src/preflight/arm.ts
/** The Azure reads preflight needs (Network, ManagedIdentity, Authorization, Resources), each answer classified. */


const API = {
    network: '2024-05-01',
    identity: '2023-01-31',
    authorization: '2022-04-01',
    resources: '2021-04-01',
};
class PreflightReads {
    arm;
    skipped = [];
    definitions = new Map();
    constructor(arm) {
        this.arm = arm;
    }
    /** GET `path`; a 404 is "not found", a refusal or any other failure is recorded as skipped (naming `permission`). */
    async read(path, permission, scope) {
        try {
            return { ok: true, body: (await this.arm.get(path)) };
        }
        catch (err) {
            const e = (0,errors/* errorInfo */.fH)(err);
            if (e.status === 404)
                return { ok: false, notFound: true };
            const reason = e.status === 403 || e.code === 'AuthorizationFailed'
                ? 'refused'
                : `failed: ${[e.status, e.code].filter((x) => x !== undefined).join(' ') || e.message}`;
            const skipped = { permission, scope, reason };
            this.skipped.push(skipped);
            return { ok: false, notFound: false, skipped };
        }
    }
    /** Role assignments of one principal at, above and below `scope` (one list, all pages). */
    async assignments(scope, principalId) {
        const out = [];
        const filter = encodeURIComponent(`principalId eq '${principalId}'`);
        let path = `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=${filter}&api-version=${API.authorization}`;
        for (let page = 0; path && page < 20; page++) {
            const r = await this.read(path, 'Microsoft.Authorization/roleAssignments/read', scope);
            if (!r.ok)
                return undefined;
            for (const a of r.body.value ?? []) {
                const p = a.properties;
                const assignee = p?.principalId ?? '';
                if (p?.scope && p.roleDefinitionId && assignee.toLowerCase() === principalId.toLowerCase()) {
                    out.push({ scope: p.scope, roleDefinitionId: p.roleDefinitionId, principalId: assignee });
                }
            }
            path = r.body.nextLink ? new URL(r.body.nextLink).pathname + new URL(r.body.nextLink).search : undefined;
        }
        return out;
    }
    /** The definitions of the assignments' roles, by role GUID; undefined when one could not be read. */
    async definitionsOf(assignments) {
        const ids = [...new Map(assignments.map((a) => [roleGuid(a.roleDefinitionId), a.roleDefinitionId])).entries()];
        const got = await Promise.all(ids.map(([guid, id]) => {
            let p = this.definitions.get(guid);
            if (!p) {
                p = this.read(`${id}?api-version=${API.authorization}`, 'Microsoft.Authorization/roleDefinitions/read', id).then((r) => r.ok
                    ? {
                        id,
                        ...(r.body.properties?.roleName ? { roleName: r.body.properties.roleName } : {}),
                        permissions: r.body.properties?.permissions ?? [],
                    }
                    : undefined);
                this.definitions.set(guid, p);
            }
            return p.then((d) => [guid, d]);
        }));
        const definitions = new Map();
        for (const [g, d] of got) {
            if (d === undefined)
                return undefined;
            definitions.set(g, d);
        }
        return definitions;
    }
}

;// CONCATENATED MODULE: ./src/preflight/nsg.ts
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
const ANY = ['*', 'any'];
const DEFAULT_RULES = [
    rule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    rule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    rule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    rule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
];
function rule(name, priority, direction, access, src, dst) {
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
function ipv4(text) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
    if (!m)
        return undefined;
    const parts = m.slice(1).map(Number);
    if (parts.some((p) => p > 255))
        return undefined;
    // a * 2^24 + b * 2^16 + c * 2^8 + d (each part at most 255, so exact)
    return parts.reduce((n, p) => n * 256 + p, 0);
}
/** `a.b.c.d/n` (or a bare address) → [first, last] addresses, or undefined when not IPv4. */
function cidrRange(cidr) {
    const [addr, bitsText] = cidr.trim().split('/');
    const base = ipv4(addr ?? '');
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
        return undefined;
    const size = 2 ** (32 - bits);
    const first = Math.floor(base / size) * size;
    return [first, first + size - 1];
}
/** Whether every address of `inner` lies in `outer`. */
function cidrContains(outer, inner) {
    const o = cidrRange(outer);
    const i = cidrRange(inner);
    return !!o && !!i && o[0] <= i[0] && i[1] <= o[1];
}
function listOf(one, many) {
    const out = [...(many ?? [])];
    if (one !== undefined && one !== '')
        out.push(one);
    return out;
}
function addressMatches(prefixes, end) {
    return prefixes.some((p) => {
        const x = p.trim();
        if (ANY.includes(x.toLowerCase()))
            return true;
        if (cidrRange(x))
            return end.prefixes.length > 0 && end.prefixes.every((e) => cidrContains(x, e));
        return end.tags.some((t) => t.toLowerCase() === x.toLowerCase());
    });
}
function portCovers(range, port) {
    const x = range.trim();
    if (ANY.includes(x.toLowerCase()))
        return true;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(x);
    if (!m)
        return false;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return lo <= port && port <= hi;
}
function coversAllPorts(ranges) {
    return ranges.some((r) => ANY.includes(r.trim().toLowerCase()) || (portCovers(r, 0) && portCovers(r, 65535)));
}
function ruleMatches(p, flow) {
    if ((p.direction ?? '').toLowerCase() !== flow.direction.toLowerCase())
        return false;
    const proto = (p.protocol ?? '*').toLowerCase();
    if (!ANY.includes(proto) && proto !== flow.protocol.toLowerCase())
        return false;
    if (!coversAllPorts(listOf(p.sourcePortRange, p.sourcePortRanges)))
        return false;
    if (!listOf(p.destinationPortRange, p.destinationPortRanges).some((r) => portCovers(r, flow.port)))
        return false;
    if (!addressMatches(listOf(p.sourceAddressPrefix, p.sourceAddressPrefixes), flow.source))
        return false;
    return addressMatches(listOf(p.destinationAddressPrefix, p.destinationAddressPrefixes), flow.destination);
}
/** What the NSG does with the flow: the first matching rule by priority, default rules included. */
function evaluateFlow(nsg, flow) {
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
        if (!ruleMatches(p, flow))
            continue;
        return { access: (p.access ?? '').toLowerCase() === 'allow' ? 'Allow' : 'Deny', rule: r.name ?? '?', priority, isDefault };
    }
    // Unreachable with the default rules in place (DenyAll* match every flow).
    return { access: 'Deny', rule: 'DenyAll', priority: 65500, isDefault: true };
}

;// CONCATENATED MODULE: ./src/preflight/network.ts
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



const ACI_DELEGATION = 'Microsoft.ContainerInstance/containerGroups';
const NETWORK_ACTIONS = ['Microsoft.Network/virtualNetworks/read', 'Microsoft.Network/virtualNetworks/subnets/join/action'];
/** Where Azure's load balancer probes and forwards from (the AzureLoadBalancer service tag). */
const LOAD_BALANCER = { tags: ['AzureLoadBalancer'], prefixes: ['168.63.129.16/32'] };
const INTERNET = { tags: ['Internet'], prefixes: ['0.0.0.0/0'] };
function parseSubnetId(id) {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i.exec(id.trim());
    if (!m)
        return undefined;
    const [, sub, rg, vnet, name] = m;
    return {
        id: id.trim().replace(/\/$/, ''),
        subscriptionId: sub,
        resourceGroup: rg,
        vnet,
        name,
        vnetId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`,
    };
}
function endpointOf(s) {
    const p = s.properties;
    return { tags: ['VirtualNetwork'], prefixes: [...(p?.addressPrefixes ?? []), ...(p?.addressPrefix ? [p.addressPrefix] : [])] };
}
function subnetFlag(s) {
    return `--resource-group ${s.resourceGroup} --vnet-name ${s.vnet} --name ${s.name}`;
}
function nsgRef(id) {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityGroups\/([^/]+)/i.exec(id);
    return { rg: m?.[1] ?? '<group>', name: m?.[2] ?? '<nsg>' };
}
/** Ports the build VM is reached on, by OS (both when the OS is not known). */
function remotePorts(os) {
    return os === 'Linux' ? [22] : os === 'Windows' ? [5986] : [22, 5986];
}
/** Proxy VM ports the load balancer forwards to, by OS. */
function proxyPorts(os) {
    return os === 'Linux' ? [60001] : os === 'Windows' ? [60000] : [60000, 60001];
}
async function checkNetwork(reads, input) {
    const out = [];
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
    const get = (s) => reads.read(`${s.id}?api-version=${API.network}`, 'Microsoft.Network/virtualNetworks/subnets/read', s.id);
    const [buildRead, aciRead, vnetRead] = await Promise.all([
        get(build),
        aci ? get(aci) : Promise.resolve(undefined),
        reads.read(`${build.vnetId}?api-version=${API.network}`, 'Microsoft.Network/virtualNetworks/read', build.vnetId),
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
        }
        else if (aci.id.toLowerCase() === build.id.toLowerCase()) {
            out.push({
                title: 'Container instance subnet is the build subnet',
                message: `vmProfile.vnetConfig.containerInstanceSubnetId and subnetId are the same subnet '${build.id}': the container instance needs a subnet of its own in the VNet '${build.vnet}', delegated to ${ACI_DELEGATION}.`,
            });
        }
        if (aciRead?.ok) {
            const delegated = (aciRead.body.properties?.delegations ?? []).some((d) => norm(d.properties?.serviceName ?? '') === norm(ACI_DELEGATION));
            if (!delegated) {
                out.push({
                    title: 'Container instance subnet not delegated',
                    message: `The subnet '${aci.id}' (vmProfile.vnetConfig.containerInstanceSubnetId) is not delegated to ${ACI_DELEGATION}, so the build's container instance cannot be placed in it. Fix: az network vnet subnet update ${subnetFlag(aci)} --delegations ${ACI_DELEGATION}`,
                });
            }
        }
    }
    else if (buildRead.ok) {
        const policy = buildRead.body.properties?.privateLinkServiceNetworkPolicies ?? 'Enabled';
        if (norm(policy) !== 'disabled') {
            out.push({
                title: 'Private Link service network policies enabled on the build subnet',
                message: `The subnet '${build.id}' (vmProfile.vnetConfig.subnetId) has privateLinkServiceNetworkPolicies '${policy}': Image Builder places a Private Link service there to reach the build VM, which needs them Disabled. Fix: az network vnet subnet update ${subnetFlag(build)} --disable-private-link-service-network-policies true  (or set privateLinkServiceNetworkPolicies: 'Disabled' on the subnet in your template).`,
            });
        }
    }
    if (buildRead.ok)
        out.push(...(await checkNsgs(reads, build, buildRead.body, aci, aciRead?.ok ? aciRead.body : undefined, input.os)));
    if (input.principalId)
        out.push(...(await checkNetworkRoles(reads, build, aci, input.principalId, input.identityName)));
    return out;
}
function norm(s) {
    return s.replace(/\s+/g, '').toLowerCase();
}
async function readNsg(reads, subnet) {
    const id = subnet.properties?.networkSecurityGroup?.id;
    if (!id)
        return undefined;
    const r = await reads.read(`${id}?api-version=${API.network}`, 'Microsoft.Network/networkSecurityGroups/read', id);
    return r.ok ? { id, body: r.body } : undefined;
}
function nsgFinding(nsgId, subnet, need, blockedBy, priority) {
    const { rg, name } = nsgRef(nsgId);
    const f = need.flow;
    const fixPriority = Math.max(100, Math.min(4096, priority - 1));
    return {
        title: `NSG blocks ${need.what}`,
        message: `The network security group '${name}' on subnet '${subnet.name}' (${subnet.id}) denies ${need.what} (${f.direction.toLowerCase()}, TCP ${f.port}): ` +
            `rule '${blockedBy}' (priority ${priority}) matches it first. Add a rule that allows it with a lower priority number: ` +
            `az network nsg rule create --resource-group ${rg} --nsg-name ${name} --name ${need.ruleName} --priority ${fixPriority} --direction ${f.direction} --access Allow ` +
            `--protocol Tcp --source-address-prefixes ${need.from} --source-port-ranges '*' --destination-address-prefixes ${need.to} --destination-port-ranges ${f.port}`,
    };
}
async function checkNsgs(reads, build, buildBody, aci, aciBody, os) {
    const buildEnd = endpointOf(buildBody);
    const [buildNsg, aciNsg] = await Promise.all([readNsg(reads, buildBody), aciBody ? readNsg(reads, aciBody) : Promise.resolve(undefined)]);
    const checks = [];
    const cidr = (e) => (e.prefixes.length === 1 ? (e.prefixes[0] ?? 'VirtualNetwork') : 'VirtualNetwork');
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
                for (const direction of ['Inbound', 'Outbound']) {
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
    }
    else if (aciBody) {
        const aciEnd = endpointOf(aciBody);
        // The same flow leaves the container subnet and enters the build subnet: each NSG on the way must allow it.
        const ends = [
            { nsg: aciNsg, subnet: aci, direction: 'Outbound' },
            { nsg: buildNsg, subnet: build, direction: 'Inbound' },
        ];
        for (const port of remotePorts(os)) {
            for (const { nsg, subnet, direction } of ends) {
                if (!nsg)
                    continue;
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
    const out = [];
    for (const c of checks) {
        const v = evaluateFlow(c.nsg.body, c.need.flow);
        if (v.access === 'Deny')
            out.push(nsgFinding(c.nsg.id, c.subnet, c.need, v.rule, v.priority));
    }
    return out;
}
async function checkNetworkRoles(reads, build, aci, principalId, identityName) {
    // One list at the VNet's scope returns the principal's assignments at, above and below it (both subnets included).
    const assignments = await reads.assignments(build.vnetId, principalId);
    if (!assignments)
        return [];
    const definitions = await reads.definitionsOf(assignments);
    if (!definitions)
        return [];
    const needs = [
        { action: NETWORK_ACTIONS[0], scope: build.vnetId },
        { action: NETWORK_ACTIONS[1], scope: build.id },
        ...(aci && aci.vnetId.toLowerCase() === build.vnetId.toLowerCase() ? [{ action: NETWORK_ACTIONS[1], scope: aci.id }] : []),
    ];
    const out = [];
    const who = identityName
        ? `The template's identity '${identityName}' (principal ${principalId})`
        : `The template's identity (principal ${principalId})`;
    for (const n of needs) {
        if (grantingRoles(n.action, n.scope, assignments, definitions).length > 0)
            continue;
        // Say when a role lists the action but takes it back in notActions.
        const excluded = assignments
            .filter((a) => scopeCovers(a.scope, n.scope))
            .map((a) => definitions.get(roleGuid(a.roleDefinitionId)))
            .flatMap((d) => d && d.permissions.some((p) => (p.actions ?? []).some((x) => actionMatches(x, n.action))) ? [`'${d.roleName ?? d.id}'`] : []);
        const because = excluded.length ? ` (role ${excluded.join(', ')} lists it in notActions)` : '';
        out.push({
            title: `Identity lacks ${n.action}`,
            message: `${who} is missing the permission '${n.action}' on '${n.scope}'${because}. Image Builder needs '${NETWORK_ACTIONS[0]}' and '${NETWORK_ACTIONS[1]}' on the network. ` +
                `Fix: az role assignment create --assignee-object-id ${principalId} --assignee-principal-type ServicePrincipal --role "Network Contributor" --scope ${build.vnetId}  ` +
                `(or a custom role with just these two actions). Role assignments can take a few minutes to apply.`,
        });
    }
    return out;
}

;// CONCATENATED MODULE: ./src/preflight/index.ts




/** Actions standing for "Contributor or Owner" on the staging group: what Image Builder creates there. */
const STAGING_ACTIONS = [
    'Microsoft.Compute/virtualMachines/write',
    'Microsoft.Network/networkInterfaces/write',
    'Microsoft.Storage/storageAccounts/write',
    'Microsoft.ContainerInstance/containerGroups/write',
];
/** The ARM reader over the action's credential (the same pipeline as the logs module). */
function armReader(o) {
    const arm = new locate/* ArmJson */.Bn(o);
    return { get: (path) => arm.request('GET', path) };
}
/** Windows or Linux, from the source image and the customizers (Unknown when neither says). */
function osOf(template) {
    const src = template.setup?.source;
    const text = `${src?.publisher ?? ''} ${src?.offer ?? ''}`.toLowerCase();
    if (/windows/.test(text))
        return 'Windows';
    const types = (template.customizers ?? []).map((c) => c.type.toLowerCase());
    if (types.some((t) => t === 'powershell' || t.startsWith('windows')))
        return 'Windows';
    if (src?.type === 'PlatformImage' && text.trim() !== '')
        return 'Linux';
    if (types.includes('shell'))
        return 'Linux';
    return 'Unknown';
}
function lastSegment(id) {
    return id.replace(/\/+$/, '').split('/').pop() ?? id;
}
function groupOf(id) {
    return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '<group>';
}
/** Runs the checks; reports each failed one (error, or warning with `preflight: warn`) and one notice for skipped reads. */
async function runPreflight(template, settings, deps) {
    if (settings.preflight === 'false')
        return { ok: true };
    const reads = new PreflightReads(deps.arm);
    const findings = [];
    const setup = template.setup ?? { identities: [] };
    // The template's identity: present, existing, and the one the template was created with.
    let principalId;
    let identityName;
    if (setup.identities.length === 0) {
        findings.push({
            title: 'Template has no identity',
            message: `The template '${template.name}' has no user-assigned identity (identity.userAssignedIdentities): Image Builder builds as that identity. Create one (az identity create --resource-group ${settings.resourceGroup} --name <name>), give it its roles, and recreate the template with identity: { type: 'UserAssigned', userAssignedIdentities: { '<identity id>': {} } }.`,
        });
    }
    for (const ident of setup.identities) {
        const r = await reads.read(`${ident.id}?api-version=${API.identity}`, 'Microsoft.ManagedIdentity/userAssignedIdentities/read', ident.id);
        const name = lastSegment(ident.id);
        if (!r.ok && r.notFound) {
            findings.push({
                title: 'Template identity not found',
                message: `The user-assigned identity '${ident.id}' assigned to the template '${template.name}' does not exist. Create it (az identity create --resource-group ${groupOf(ident.id)} --name ${name}), give it its roles again, and recreate the template so that it refers to the new identity.`,
            });
            continue;
        }
        const actual = r.ok ? r.body.properties?.principalId : undefined;
        if (actual && ident.principalId && actual.toLowerCase() !== ident.principalId.toLowerCase()) {
            findings.push({
                title: 'Template identity was recreated',
                message: `The user-assigned identity '${ident.id}' now has principal ${actual}, but the template '${template.name}' holds principal ${ident.principalId}: the identity was deleted and created again after the template. Delete and recreate the template (az image builder delete, then create it again) so that it uses the identity as it is now.`,
            });
        }
        principalId ??= actual ?? ident.principalId;
        identityName ??= name;
    }
    if (setup.subnetId) {
        findings.push(...(await checkNetwork(reads, {
            subnetId: setup.subnetId,
            ...(setup.containerInstanceSubnetId ? { containerInstanceSubnetId: setup.containerInstanceSubnetId } : {}),
            ...(template.location ? { templateLocation: template.location } : {}),
            os: osOf(template),
            ...(principalId ? { principalId } : {}),
            ...(identityName ? { identityName } : {}),
        })));
    }
    else if (setup.containerInstanceSubnetId) {
        findings.push({
            title: 'containerInstanceSubnetId without subnetId',
            message: `The template sets vmProfile.vnetConfig.containerInstanceSubnetId but not subnetId: the container instance subnet can only be given together with the build VM subnet (subnetId) of the same VNet. Set vnetConfig.subnetId, or remove containerInstanceSubnetId.`,
        });
    }
    if (setup.stagingResourceGroup)
        findings.push(...(await checkStaging(reads, template, settings, setup.stagingResourceGroup, principalId, identityName)));
    const warn = settings.preflight === 'warn';
    for (const f of findings) {
        if (warn)
            deps.report.warning(f.message, `Preflight: ${f.title}`);
        else
            deps.report.error(f.message, `Preflight: ${f.title}`);
    }
    if (reads.skipped.length > 0)
        deps.report.notice(skippedNotice(reads.skipped), 'Preflight: some checks skipped');
    return { ok: warn || findings.length === 0 };
}
function skippedNotice(skipped) {
    const byPermission = new Map();
    for (const s of skipped)
        byPermission.set(s.permission, [...(byPermission.get(s.permission) ?? []), s]);
    const parts = [...byPermission.entries()].map(([perm, list]) => {
        const refused = list.every((s) => s.reason === 'refused');
        const scopes = [...new Set(list.map((s) => s.scope))].join(', ');
        return refused ? `'${perm}' on ${scopes}` : `'${perm}' on ${scopes} (${list[0]?.reason ?? ''})`;
    });
    return (`Preflight skipped the checks it could not read for: ${parts.join('; ')}. ` +
        `The signed-in identity lacks these read permissions (a Reader role on those scopes grants them), so those traps were not checked; the run goes on.`);
}
async function checkStaging(reads, template, settings, staging, principalId, identityName) {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/?$/i.exec(staging.trim());
    if (!m)
        return [
            {
                title: 'stagingResourceGroup is not a resource group ID',
                message: `The template's stagingResourceGroup '${staging}' is not a resource group ID: set it to /subscriptions/<subscription>/resourceGroups/<name> (the subscription of the template).`,
            },
        ];
    const [, subscription = '', name = ''] = m;
    const scope = `/subscriptions/${subscription}/resourceGroups/${name}`;
    const r = await reads.read(`${scope}?api-version=${API.resources}`, 'Microsoft.Resources/subscriptions/resourceGroups/read', scope);
    // A group that does not exist is created by Image Builder in the template's region, with Contributor for the identity.
    if (!r.ok)
        return [];
    const out = [];
    const loc = r.body.location;
    if (loc && template.location && loc.replace(/\s+/g, '').toLowerCase() !== template.location.replace(/\s+/g, '').toLowerCase()) {
        out.push({
            title: 'Staging resource group in another region',
            message: `The staging resource group '${name}' (stagingResourceGroup) is in '${loc}' but the template is in '${template.location}': an existing staging group must be in the template's region. Delete it (az group delete --name ${name}) so Image Builder creates it, or create it in '${template.location}' (az group create --name ${name} --location ${template.location}).`,
        });
    }
    const tags = Object.fromEntries(Object.entries(r.body.tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const usedBy = tags['imagetemplatename'];
    const usedRg = tags['imagetemplateresourcegroupname'];
    if (usedBy &&
        (usedBy.toLowerCase() !== settings.templateName.toLowerCase() ||
            (usedRg && usedRg.toLowerCase() !== settings.resourceGroup.toLowerCase()))) {
        out.push({
            title: 'Staging resource group used by another template',
            message: `The staging resource group '${name}' (stagingResourceGroup) belongs to the image template '${usedBy}'${usedRg ? ` in '${usedRg}'` : ''} (its imageTemplateName tag): a staging group serves one template. Give this template an empty or new group in stagingResourceGroup.`,
        });
    }
    if (principalId) {
        const assignments = await reads.assignments(scope, principalId);
        const definitions = assignments ? await reads.definitionsOf(assignments) : undefined;
        if (assignments && definitions && missingActions(STAGING_ACTIONS, scope, assignments, definitions).length > 0) {
            out.push({
                title: 'Identity has no role on the staging resource group',
                message: `The template's identity${identityName ? ` '${identityName}'` : ''} (principal ${principalId}) has no Contributor or Owner role on the existing staging resource group '${name}': Image Builder builds there as that identity. Fix: az role assignment create --assignee-object-id ${principalId} --assignee-principal-type ServicePrincipal --role Contributor --scope ${scope}`,
            });
        }
    }
    return out;
}


/***/ })

};
