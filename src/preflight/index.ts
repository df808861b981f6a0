/**
 * Preflight: before a run is started, read what the template depends on and stop on the known traps (own-network
 * setup, the template's identity, a custom staging group) with the exact fix. Loaded with import() only when
 * `preflight` is not false. Reads the caller may not make are skipped, named in one notice, never failures.
 */
import type { TokenCredential } from '@azure/core-auth';
import { ArmJson } from '../logs/locate.js';
import type { TemplateInfo } from '../types.js';
import { API, PreflightReads, type ArmGet, type Skipped } from './arm.js';
import { checkNetwork, type Finding, type OsKind } from './network.js';
import { missingActions } from './roles.js';

export interface PreflightReporter {
  error(message: string, title?: string): void;
  warning(message: string, title?: string): void;
  notice(message: string, title?: string): void;
  info(message: string): void;
}

export interface PreflightSettings {
  preflight: 'true' | 'warn' | 'false';
  subscriptionId: string;
  resourceGroup: string;
  templateName: string;
}

export interface PreflightDeps {
  arm: ArmGet;
  report: PreflightReporter;
}

/** Actions standing for "Contributor or Owner" on the staging group: what Image Builder creates there. */
export const STAGING_ACTIONS = [
  'Microsoft.Compute/virtualMachines/write',
  'Microsoft.Network/networkInterfaces/write',
  'Microsoft.Storage/storageAccounts/write',
  'Microsoft.ContainerInstance/containerGroups/write',
] as const;

/** The ARM reader over the action's credential (the same pipeline as the logs module). */
export function armReader(o: { credential: TokenCredential; armEndpoint: string; armScope: string; subscriptionId: string }): ArmGet {
  const arm = new ArmJson(o);
  return { get: (path) => arm.request('GET', path) };
}

/** Windows or Linux, from the source image and the customizers (Unknown when neither says). */
export function osOf(template: Pick<TemplateInfo, 'setup' | 'customizers'>): OsKind {
  const src = template.setup?.source;
  const text = `${src?.publisher ?? ''} ${src?.offer ?? ''}`.toLowerCase();
  if (/windows/.test(text)) return 'Windows';
  const types = (template.customizers ?? []).map((c) => c.type.toLowerCase());
  if (types.some((t) => t === 'powershell' || t.startsWith('windows'))) return 'Windows';
  if (src?.type === 'PlatformImage' && text.trim() !== '') return 'Linux';
  if (types.includes('shell')) return 'Linux';
  return 'Unknown';
}

function lastSegment(id: string): string {
  return id.replace(/\/+$/, '').split('/').pop() ?? id;
}

function groupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '<group>';
}

/** Runs the checks; reports each failed one (error, or warning with `preflight: warn`) and one notice for skipped reads. */
export async function runPreflight(template: TemplateInfo, settings: PreflightSettings, deps: PreflightDeps): Promise<{ ok: boolean }> {
  if (settings.preflight === 'false') return { ok: true };
  const reads = new PreflightReads(deps.arm);
  const findings: Finding[] = [];
  const setup = template.setup ?? { identities: [] };

  // The template's identity: present, existing, and the one the template was created with.
  let principalId: string | undefined;
  let identityName: string | undefined;
  if (setup.identities.length === 0) {
    findings.push({
      title: 'Template has no identity',
      message: `The template '${template.name}' has no user-assigned identity (identity.userAssignedIdentities): Image Builder builds as that identity. Create one (az identity create --resource-group ${settings.resourceGroup} --name <name>), give it its roles, and recreate the template with identity: { type: 'UserAssigned', userAssignedIdentities: { '<identity id>': {} } }.`,
    });
  }
  for (const ident of setup.identities) {
    const r = await reads.read<{ properties?: { principalId?: string } }>(
      `${ident.id}?api-version=${API.identity}`,
      'Microsoft.ManagedIdentity/userAssignedIdentities/read',
      ident.id,
    );
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
    findings.push(
      ...(await checkNetwork(reads, {
        subnetId: setup.subnetId,
        ...(setup.containerInstanceSubnetId ? { containerInstanceSubnetId: setup.containerInstanceSubnetId } : {}),
        ...(template.location ? { templateLocation: template.location } : {}),
        os: osOf(template),
        ...(principalId ? { principalId } : {}),
        ...(identityName ? { identityName } : {}),
      })),
    );
  } else if (setup.containerInstanceSubnetId) {
    findings.push({
      title: 'containerInstanceSubnetId without subnetId',
      message: `The template sets vmProfile.vnetConfig.containerInstanceSubnetId but not subnetId: the container instance subnet can only be given together with the build VM subnet (subnetId) of the same VNet. Set vnetConfig.subnetId, or remove containerInstanceSubnetId.`,
    });
  }

  if (setup.stagingResourceGroup)
    findings.push(...(await checkStaging(reads, template, settings, setup.stagingResourceGroup, principalId, identityName)));

  const warn = settings.preflight === 'warn';
  for (const f of findings) {
    if (warn) deps.report.warning(f.message, `Preflight: ${f.title}`);
    else deps.report.error(f.message, `Preflight: ${f.title}`);
  }
  if (reads.skipped.length > 0) deps.report.notice(skippedNotice(reads.skipped), 'Preflight: some checks skipped');
  return { ok: warn || findings.length === 0 };
}

export function skippedNotice(skipped: Skipped[]): string {
  const byPermission = new Map<string, Skipped[]>();
  for (const s of skipped) byPermission.set(s.permission, [...(byPermission.get(s.permission) ?? []), s]);
  const parts = [...byPermission.entries()].map(([perm, list]) => {
    const refused = list.every((s) => s.reason === 'refused');
    const scopes = [...new Set(list.map((s) => s.scope))].join(', ');
    return refused ? `'${perm}' on ${scopes}` : `'${perm}' on ${scopes} (${list[0]?.reason ?? ''})`;
  });
  return (
    `Preflight skipped the checks it could not read for: ${parts.join('; ')}. ` +
    `The signed-in identity lacks these read permissions (a Reader role on those scopes grants them), so those traps were not checked; the run goes on.`
  );
}

async function checkStaging(
  reads: PreflightReads,
  template: TemplateInfo,
  settings: PreflightSettings,
  staging: string,
  principalId: string | undefined,
  identityName: string | undefined,
): Promise<Finding[]> {
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
  const r = await reads.read<{ location?: string; tags?: Record<string, string> }>(
    `${scope}?api-version=${API.resources}`,
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    scope,
  );
  // A group that does not exist is created by Image Builder in the template's region, with Contributor for the identity.
  if (!r.ok) return [];
  const out: Finding[] = [];
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
  if (
    usedBy &&
    (usedBy.toLowerCase() !== settings.templateName.toLowerCase() ||
      (usedRg && usedRg.toLowerCase() !== settings.resourceGroup.toLowerCase()))
  ) {
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
