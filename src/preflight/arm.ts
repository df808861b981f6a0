/** The Azure reads preflight needs (Network, ManagedIdentity, Authorization, Resources), each answer classified. */
import { errorInfo } from '../errors.js';
import { roleGuid, type RoleAssignmentInfo, type RoleDefinitionInfo } from './roles.js';

export const API = {
  network: '2024-05-01',
  identity: '2023-01-31',
  authorization: '2022-04-01',
  resources: '2021-04-01',
} as const;

/** GETs an ARM path (with its query); throws errors carrying `statusCode` and `code` (as ArmJson does). */
export interface ArmGet {
  get(path: string): Promise<unknown>;
}

/** A read that was refused (or failed): the check that needed it is skipped, never failed. */
export interface Skipped {
  permission: string;
  scope: string;
  reason: string;
}

export type Read<T> = { ok: true; body: T } | { ok: false; notFound: true } | { ok: false; notFound: false; skipped: Skipped };

export class PreflightReads {
  readonly skipped: Skipped[] = [];
  private readonly definitions = new Map<string, Promise<RoleDefinitionInfo | undefined>>();
  constructor(private readonly arm: ArmGet) {}

  /** GET `path`; a 404 is "not found", a refusal or any other failure is recorded as skipped (naming `permission`). */
  async read<T>(path: string, permission: string, scope: string): Promise<Read<T>> {
    try {
      return { ok: true, body: (await this.arm.get(path)) as T };
    } catch (err) {
      const e = errorInfo(err);
      if (e.status === 404) return { ok: false, notFound: true };
      const reason =
        e.status === 403 || e.code === 'AuthorizationFailed'
          ? 'refused'
          : `failed: ${[e.status, e.code].filter((x) => x !== undefined).join(' ') || e.message}`;
      const skipped = { permission, scope, reason };
      this.skipped.push(skipped);
      return { ok: false, notFound: false, skipped };
    }
  }

  /** Role assignments of one principal at, above and below `scope` (one list, all pages). */
  async assignments(scope: string, principalId: string): Promise<RoleAssignmentInfo[] | undefined> {
    const out: RoleAssignmentInfo[] = [];
    const filter = encodeURIComponent(`principalId eq '${principalId}'`);
    let path: string | undefined =
      `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=${filter}&api-version=${API.authorization}`;
    for (let page = 0; path && page < 20; page++) {
      const r: Read<{
        value?: Array<{ properties?: { scope?: string; roleDefinitionId?: string; principalId?: string } }>;
        nextLink?: string;
      }> = await this.read(path, 'Microsoft.Authorization/roleAssignments/read', scope);
      if (!r.ok) return undefined;
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
  async definitionsOf(assignments: RoleAssignmentInfo[]): Promise<Map<string, RoleDefinitionInfo> | undefined> {
    const ids = [...new Map(assignments.map((a) => [roleGuid(a.roleDefinitionId), a.roleDefinitionId])).entries()];
    const got = await Promise.all(
      ids.map(([guid, id]) => {
        let p = this.definitions.get(guid);
        if (!p) {
          p = this.read<{ id?: string; properties?: { roleName?: string; permissions?: RoleDefinitionInfo['permissions'] } }>(
            `${id}?api-version=${API.authorization}`,
            'Microsoft.Authorization/roleDefinitions/read',
            id,
          ).then((r) =>
            r.ok
              ? {
                  id,
                  ...(r.body.properties?.roleName ? { roleName: r.body.properties.roleName } : {}),
                  permissions: r.body.properties?.permissions ?? [],
                }
              : undefined,
          );
          this.definitions.set(guid, p);
        }
        return p.then((d) => [guid, d] as const);
      }),
    );
    const definitions = new Map<string, RoleDefinitionInfo>();
    for (const [g, d] of got) {
      if (d === undefined) return undefined;
      definitions.set(g, d);
    }
    return definitions;
  }
}
