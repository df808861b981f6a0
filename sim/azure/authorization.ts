// Microsoft.ManagedIdentity (user-assigned identity GET), Microsoft.Authorization (role assignments list with
// $filter, role definition GET) and resource group GET for staging groups: the reads of the preflight checks.
// Shapes: REST reference, api-versions 2023-01-31 (ManagedIdentity), 2022-04-01 (Authorization), 2021-04-01 (Resources).
// - Role Assignments - List For Scope (https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope):
//   "$filter=atScope() to return all role assignments at or above the scope. $filter=principalId eq {id} to return
//   all role assignments at, above or below the scope for the specified principal." assignedTo('{id}') is taken like
//   principalId eq (this sim has no groups). Without a filter: at, above and below.
// - Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles): Owner, Contributor
//   (with its notActions), Reader, Network Contributor.
// - A staging group Image Builder creates gets the tags createdBy / imageTemplateName / imageTemplateResourceGroupName
//   and Contributor for the template's identity (https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-json#properties-stagingresourcegroup).
// Refusals: a read is answered 403 AuthorizationFailed when a template that refers to the resource (its body names it)
// lists the action in access.forbiddenActions (role definitions: any template).
import { guid } from './common.ts';
import type { NetworkStore, ArmAnswer } from './network.ts';
import type { SimTemplate } from './templates.ts';

export interface RoleDefinitionSpec {
  roleName: string;
  actions: string[];
  notActions?: string[];
  /** Role GUID (default: a new one). */
  name?: string;
}

export interface ResourceGroupSpec {
  name: string;
  location: string;
  tags?: Record<string, string>;
}

interface Assignment {
  id: string;
  scope: string;
  principalId: string;
  roleGuid: string;
}

const BUILT_IN: Array<RoleDefinitionSpec & { name: string; description: string }> = [
  {
    name: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    actions: ['*'],
  },
  {
    name: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    description:
      'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  },
  {
    name: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    actions: ['*/read'],
  },
  {
    name: '4d97b98b-1d4f-4787-a291-c67834d212e7',
    roleName: 'Network Contributor',
    description: 'Lets you manage networks, but not access to them.',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Network/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
  },
];

const norm = (s: string): string => s.replace(/\/+$/, '').toLowerCase();
const covers = (above: string, scope: string): boolean => norm(scope) === norm(above) || norm(scope).startsWith(`${norm(above)}/`);

export type ExtraRead = ArmAnswer | { forbidden: { action: string; scope: string } };

export class AuthorizationStore {
  private readonly definitions = new Map<string, RoleDefinitionSpec & { name: string; description?: string; custom: boolean }>();
  private readonly assignments: Assignment[] = [];
  private readonly identities = new Map<string, { principalId: string; clientId: string } | 'deleted'>();
  private readonly groups = new Map<string, ResourceGroupSpec>();

  private readonly subscriptionId: string;
  private readonly tenantId: string;
  private readonly templates: SimTemplate[];
  constructor(subscriptionId: string, tenantId: string, templates: SimTemplate[]) {
    this.subscriptionId = subscriptionId;
    this.tenantId = tenantId;
    this.templates = templates;
    for (const b of BUILT_IN) this.definitions.set(b.name, { ...b, custom: false });
  }

  private defId(g: string): string {
    return `/subscriptions/${this.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;
  }

  /** The principal the template shows for its (first) user-assigned identity. */
  principalOf(t: { resourceGroup: string; name: string }): string {
    const sim = this.templates.find(
      (x) => x.resourceGroup.toLowerCase() === t.resourceGroup.toLowerCase() && x.name.toLowerCase() === t.name.toLowerCase(),
    );
    const ids =
      (sim?.resource().identity as { userAssignedIdentities?: Record<string, { principalId?: string }> } | undefined)
        ?.userAssignedIdentities ?? {};
    const first = Object.values(ids)[0]?.principalId;
    if (!first) throw new Error(`azure sim: template ${t.resourceGroup}/${t.name} has no user-assigned identity`);
    return first;
  }

  /** The resource ID of the template's (first) user-assigned identity. */
  identityOf(t: { resourceGroup: string; name: string }): string {
    const sim = this.templates.find(
      (x) => x.resourceGroup.toLowerCase() === t.resourceGroup.toLowerCase() && x.name.toLowerCase() === t.name.toLowerCase(),
    );
    const ids =
      (sim?.resource().identity as { userAssignedIdentities?: Record<string, unknown> } | undefined)?.userAssignedIdentities ?? {};
    const first = Object.keys(ids)[0];
    if (!first) throw new Error(`azure sim: template ${t.resourceGroup}/${t.name} has no user-assigned identity`);
    return first;
  }

  /** An identity a template names exists with the template's principal unless deleted or given another principal here. */
  deleteIdentity(id: string): void {
    this.identities.set(id.toLowerCase(), 'deleted');
  }
  recreateIdentity(id: string): string {
    const principalId = guid();
    this.identities.set(id.toLowerCase(), { principalId, clientId: guid() });
    return principalId;
  }

  addRoleDefinition(spec: RoleDefinitionSpec): string {
    const name = spec.name ?? guid();
    this.definitions.set(name, { ...spec, name, custom: true });
    return this.defId(name);
  }

  /** Assigns a role (by name or definition GUID/ID) to a principal at a scope. */
  assign(principalId: string, role: string, scope: string): void {
    const def = [...this.definitions.values()].find(
      (d) => d.roleName.toLowerCase() === role.toLowerCase() || d.name === role.split('/').pop(),
    );
    if (!def) throw new Error(`azure sim: no role definition '${role}'`);
    const name = guid();
    this.assignments.push({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      scope,
      principalId,
      roleGuid: def.name,
    });
  }

  /** A resource group the user made (e.g. a custom staging group), with its region and tags. */
  addResourceGroup(spec: ResourceGroupSpec): string {
    this.groups.set(spec.name.toLowerCase(), spec);
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${spec.name}`;
  }

  private referencing(resource: string): SimTemplate[] {
    const needle = norm(resource);
    return this.templates.filter((t) => t.exists() && JSON.stringify(t.resource()).toLowerCase().includes(needle));
  }

  private refused(action: string, resource: string, all = false): boolean {
    return (all ? this.templates : this.referencing(resource)).some((t) => t.forbidden.includes(action));
  }

  /** Staging groups Image Builder made (not the user): Contributor for each identity of the template, at the group. */
  private implicitAssignments(): Assignment[] {
    const out: Assignment[] = [];
    for (const t of this.templates) {
      if (!t.exists() || this.groups.has(t.stagingResourceGroupName.toLowerCase())) continue;
      const ids =
        (t.resource().identity as { userAssignedIdentities?: Record<string, { principalId?: string }> } | undefined)
          ?.userAssignedIdentities ?? {};
      for (const v of Object.values(ids)) {
        if (v.principalId)
          out.push({
            id: `${t.stagingResourceGroup}/providers/Microsoft.Authorization/roleAssignments/${guid()}`,
            scope: t.stagingResourceGroup,
            principalId: v.principalId,
            roleGuid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
          });
      }
    }
    return out;
  }

  private assignmentBody(a: Assignment): Record<string, unknown> {
    const now = new Date().toISOString();
    return {
      properties: {
        roleDefinitionId: this.defId(a.roleGuid),
        principalId: a.principalId,
        principalType: 'ServicePrincipal',
        scope: a.scope,
        condition: null,
        conditionVersion: null,
        createdOn: now,
        updatedOn: now,
        createdBy: null,
        updatedBy: null,
        delegatedManagedIdentityResourceId: null,
        description: null,
      },
      id: a.id,
      type: 'Microsoft.Authorization/roleAssignments',
      name: a.id.split('/').pop(),
    };
  }

  /** Answers the preflight reads this store and `network` know; undefined for any other request. */
  handle(method: string, path: string, query: URLSearchParams, network: NetworkStore): ExtraRead | undefined {
    if (method !== 'GET') return undefined;
    const p = path.replace(/\/+$/, '');
    const answer = network.get(p);
    if (answer) {
      const action = /\/subnets\/[^/]+$/i.test(p)
        ? 'Microsoft.Network/virtualNetworks/subnets/read'
        : /\/networkSecurityGroups\//i.test(p)
          ? 'Microsoft.Network/networkSecurityGroups/read'
          : 'Microsoft.Network/virtualNetworks/read';
      return this.refused(action, p) ? { forbidden: { action, scope: p } } : answer;
    }
    let m =
      /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(p);
    if (m) {
      const action = 'Microsoft.ManagedIdentity/userAssignedIdentities/read';
      if (this.refused(action, p)) return { forbidden: { action, scope: p } };
      const known = this.identities.get(p.toLowerCase());
      let principal = known === 'deleted' ? undefined : known;
      if (!known) {
        const t = this.referencing(p)[0];
        const entry = Object.entries(
          (t?.resource().identity as { userAssignedIdentities?: Record<string, { principalId?: string; clientId?: string }> } | undefined)
            ?.userAssignedIdentities ?? {},
        ).find(([k]) => k.toLowerCase() === p.toLowerCase())?.[1];
        if (entry?.principalId) principal = { principalId: entry.principalId, clientId: entry.clientId ?? guid() };
      }
      if (!principal) {
        return {
          status: 404,
          body: {
            error: {
              code: 'ResourceNotFound',
              message: `The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/${m[2]}' under resource group '${m[1]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
            },
          },
        };
      }
      return {
        status: 200,
        body: {
          id: p,
          name: m[2],
          type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
          location: 'eastus',
          tags: {},
          properties: { tenantId: this.tenantId, principalId: principal.principalId, clientId: principal.clientId },
        },
      };
    }
    m = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i.exec(p);
    if (m) {
      const scope = m[1] ?? '';
      const action = 'Microsoft.Authorization/roleAssignments/read';
      if (this.refused(action, scope)) return { forbidden: { action, scope } };
      const filter = query.get('$filter') ?? '';
      const atScope = /atScope\(\)/i.test(filter);
      const who = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1] ?? /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
      const all = [...this.assignments, ...this.implicitAssignments()];
      const value = all.filter((a) => {
        if (who !== undefined && a.principalId.toLowerCase() !== who.toLowerCase()) return false;
        const aboveOrAt = covers(a.scope, scope);
        return atScope ? aboveOrAt : aboveOrAt || covers(scope, a.scope);
      });
      return { status: 200, body: { value: value.map((a) => this.assignmentBody(a)) } };
    }
    m = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(p);
    if (m) {
      const action = 'Microsoft.Authorization/roleDefinitions/read';
      if (this.refused(action, p, true)) return { forbidden: { action, scope: p } };
      const d = this.definitions.get((m[1] ?? '').toLowerCase());
      if (!d)
        return {
          status: 404,
          body: {
            error: {
              code: 'RoleDefinitionDoesNotExist',
              message: "The specified role definition with ID '" + (m[1] ?? '') + "' does not exist.",
            },
          },
        };
      return {
        status: 200,
        body: {
          properties: {
            roleName: d.roleName,
            type: d.custom ? 'CustomRole' : 'BuiltInRole',
            description: d.description ?? '',
            assignableScopes: [d.custom ? `/subscriptions/${this.subscriptionId}` : '/'],
            permissions: [{ actions: d.actions, notActions: d.notActions ?? [], dataActions: [], notDataActions: [] }],
            createdOn: '2015-02-02T21:55:09.8806423Z',
            updatedOn: '2024-01-01T00:00:00.0000000Z',
            createdBy: null,
            updatedBy: null,
          },
          id: this.defId(d.name),
          type: 'Microsoft.Authorization/roleDefinitions',
          name: d.name,
        },
      };
    }
    m = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i.exec(p);
    if (m) {
      const name = m[1] ?? '';
      const explicit = this.groups.get(name.toLowerCase());
      const owner = this.templates.find((t) => t.exists() && t.stagingResourceGroupName.toLowerCase() === name.toLowerCase());
      if (!explicit && !owner) return undefined;
      const action = 'Microsoft.Resources/subscriptions/resourceGroups/read';
      if (this.refused(action, p)) return { forbidden: { action, scope: p } };
      const tags = explicit
        ? explicit.tags
        : owner
          ? { createdBy: 'AzureVMImageBuilder', imageTemplateName: owner.name, imageTemplateResourceGroupName: owner.resourceGroup }
          : undefined;
      const location = explicit ? explicit.location : owner?.location;
      return {
        status: 200,
        body: {
          id: p,
          name,
          type: 'Microsoft.Resources/resourceGroups',
          location,
          ...(tags ? { tags } : {}),
          properties: { provisioningState: 'Succeeded' },
        },
      };
    }
    return undefined;
  }
}
