/**
 * Azure RBAC evaluation for one principal: which actions its role assignments grant at a scope.
 * Semantics (https://learn.microsoft.com/azure/role-based-access-control/role-definitions): an assignment applies
 * at its own scope and every scope below it; a role grants an action when one of its permission blocks lists it
 * in `actions` (where `*` matches any run of characters, case-insensitively) and the same block does not list it
 * in `notActions`. NotActions only subtract from their own role: another role that grants the action still grants it.
 */

export interface RolePermission {
  actions?: string[];
  notActions?: string[];
}

export interface RoleDefinitionInfo {
  /** Full resource ID of the role definition. */
  id: string;
  roleName?: string;
  permissions: RolePermission[];
}

export interface RoleAssignmentInfo {
  /** Scope the assignment was made at (subscription, group or resource ID). */
  scope: string;
  roleDefinitionId: string;
  principalId: string;
}

function patternOf(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i');
}

/** Whether an action pattern from a role (`Microsoft.Network/*`, `*\/read`, `*`) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
  return patternOf(pattern.trim()).test(action.trim());
}

/** Whether one role definition grants `action` (its notActions subtracting from its own actions only). */
export function roleGrants(role: Pick<RoleDefinitionInfo, 'permissions'>, action: string): boolean {
  return role.permissions.some(
    (p) => (p.actions ?? []).some((a) => actionMatches(a, action)) && !(p.notActions ?? []).some((n) => actionMatches(n, action)),
  );
}

/** Resource IDs compare without regard to case; `resourcegroups` and `resourceGroups` are the same. */
function normScope(scope: string): string {
  return scope.trim().replace(/\/+$/, '').toLowerCase();
}

/** Whether an assignment made at `assignedAt` applies at `scope` (the same scope or one above it). */
export function scopeCovers(assignedAt: string, scope: string): boolean {
  const a = normScope(assignedAt);
  const s = normScope(scope);
  return a === '' || a === '/' || s === a || s.startsWith(`${a}/`);
}

/** The GUID at the end of a role definition ID (definitions are the same role whatever scope prefixes the ID). */
export function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').pop() ?? roleDefinitionId).toLowerCase();
}

/** The roles (by name) that grant `action` at `scope` to the principal, or an empty list when none does. */
export function grantingRoles(
  action: string,
  scope: string,
  assignments: RoleAssignmentInfo[],
  definitions: Map<string, RoleDefinitionInfo>,
): string[] {
  const out: string[] = [];
  for (const a of assignments) {
    if (!scopeCovers(a.scope, scope)) continue;
    const role = definitions.get(roleGuid(a.roleDefinitionId));
    if (role && roleGrants(role, action)) out.push(role.roleName ?? roleGuid(a.roleDefinitionId));
  }
  return out;
}

/** The actions of `needed` that no assignment grants at `scope`. */
export function missingActions(
  needed: readonly string[],
  scope: string,
  assignments: RoleAssignmentInfo[],
  definitions: Map<string, RoleDefinitionInfo>,
): string[] {
  return needed.filter((action) => grantingRoles(action, scope, assignments, definitions).length === 0);
}
