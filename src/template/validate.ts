/**
 * Checks a template body against the shape the service accepts (api-version 2025-10-01), before any call.
 * Each problem names its JSON path. In an ARM template, values that are expressions (`[...]`) are left to ARM.
 */
import { isExpression, isObject, type Json, type JsonObject } from './file.js';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const NAME_FORM = '1-64 letters, digits, hyphens, underscores or periods';

const TOP_KEYS = [
  'name',
  'type',
  'id',
  'apiVersion',
  'location',
  'identity',
  'properties',
  'tags',
  'systemData',
  'dependsOn',
  'comments',
  'condition',
];
const PROPERTY_KEYS = [
  'source',
  'customize',
  'optimize',
  'validate',
  'distribute',
  'errorHandling',
  'buildTimeoutInMinutes',
  'vmProfile',
  'additionalDataDisks',
  'stagingResourceGroup',
  'autoRun',
  'managedResourceTags',
  // Read-only: the service fills them; a body copied from a GET may carry them (they are not sent).
  'provisioningState',
  'provisioningError',
  'lastRunStatus',
  'exactStagingResourceGroup',
];
export const READ_ONLY_PROPERTIES = ['provisioningState', 'provisioningError', 'lastRunStatus', 'exactStagingResourceGroup'];
const SOURCE_TYPES: Record<string, string[]> = { PlatformImage: [], ManagedImage: ['imageId'], SharedImageVersion: ['imageVersionId'] };
const CUSTOMIZER_TYPES = ['Shell', 'PowerShell', 'WindowsRestart', 'WindowsUpdate', 'File'];
const VALIDATOR_TYPES = ['Shell', 'PowerShell', 'File'];
const DISTRIBUTOR_TYPES: Record<string, string[]> = { ManagedImage: ['imageId', 'location'], SharedImage: ['galleryImageId'], VHD: [] };

export interface Problem {
  path: string;
  message: string;
}

/** Checks one image template: a resource body, or the resource of an ARM template (`arm` true: expressions allowed). */
export function validateTemplateBody(body: JsonObject, arm: boolean): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const skip = (v: unknown): boolean => arm && isExpression(v);
  const str = (v: Json | undefined, path: string, what: string, required = true): void => {
    if (v === undefined) {
      if (required) add(path, `missing: expected ${what}`);
    } else if (!skip(v) && (typeof v !== 'string' || v.trim() === '')) {
      add(path, `expected ${what}, got ${JSON.stringify(v)}`);
    }
  };
  const typed = (v: Json | undefined, path: string, allowed: Record<string, string[]> | string[]): string | undefined => {
    const names = Array.isArray(allowed) ? allowed : Object.keys(allowed);
    if (!isObject(v)) {
      if (!skip(v)) add(path, `expected an object with a type (${names.join(', ')}), got ${JSON.stringify(v) ?? 'nothing'}`);
      return undefined;
    }
    if (skip(v.type)) return undefined;
    if (typeof v.type !== 'string' || !names.includes(v.type)) {
      add(`${path}.type`, `expected one of ${names.join(', ')}, got ${JSON.stringify(v.type) ?? 'nothing'}`);
      return undefined;
    }
    if (!Array.isArray(allowed))
      for (const req of allowed[v.type] ?? []) str(v[req], `${path}.${req}`, `a value (required for type ${v.type})`);
    return v.type;
  };
  const stringMap = (v: Json | undefined, path: string): void => {
    if (v === undefined || skip(v)) return;
    if (!isObject(v)) return add(path, `expected an object of string values, got ${JSON.stringify(v)}`);
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') add(`${path}.${k}`, `expected a string, got ${JSON.stringify(x)}`);
  };
  const list = (v: Json | undefined, path: string, each: (x: Json, p: string) => void, minOne: boolean): void => {
    if (v === undefined) {
      if (minOne) add(path, 'missing: expected an array with at least one entry');
      return;
    }
    if (skip(v)) return;
    if (!Array.isArray(v)) return add(path, `expected an array, got ${JSON.stringify(v)}`);
    if (minOne && v.length === 0) add(path, 'expected at least one entry');
    v.forEach((x, i) => each(x, `${path}[${i}]`));
  };
  const int = (v: Json | undefined, path: string, min: number, max?: number): void => {
    if (v === undefined || skip(v)) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (max !== undefined && v > max)) {
      add(path, `expected a whole number from ${min}${max !== undefined ? ` to ${max}` : ' up'}, got ${JSON.stringify(v)}`);
    }
  };

  for (const k of Object.keys(body)) {
    if (!TOP_KEYS.includes(k) && !(arm && k.startsWith('$')))
      add(k, `unknown field (a template has ${['name', 'location', 'identity', 'properties', 'tags'].join(', ')})`);
  }
  if (arm) str(body.name, 'name', 'the template name');
  else if (body.name !== undefined && (typeof body.name !== 'string' || !NAME.test(body.name)))
    add('name', `expected a template name (${NAME_FORM}), got ${JSON.stringify(body.name)}`);
  str(body.location, 'location', 'an Azure region such as eastus');
  stringMap(body.tags, 'tags');

  const identity = body.identity;
  if (identity === undefined) {
    add(
      'identity',
      'missing: expected {"type": "UserAssigned", "userAssignedIdentities": {"<identity resource ID>": {}}} (the identity the build runs as)',
    );
  } else if (!skip(identity)) {
    if (!isObject(identity)) add('identity', `expected an object, got ${JSON.stringify(identity)}`);
    else if (!skip(identity.type) && identity.type !== 'UserAssigned' && identity.type !== 'None')
      add('identity.type', `expected UserAssigned or None, got ${JSON.stringify(identity.type) ?? 'nothing'}`);
    else if (identity.type === 'UserAssigned' && !skip(identity.userAssignedIdentities)) {
      const ids = identity.userAssignedIdentities;
      if (!isObject(ids) || Object.keys(ids).length === 0) {
        add('identity.userAssignedIdentities', 'expected an object with one user-assigned identity resource ID as key');
      } else {
        for (const k of Object.keys(ids)) {
          if (
            !skip(k) &&
            !/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i.test(
              k,
            )
          ) {
            add(
              `identity.userAssignedIdentities["${k}"]`,
              'expected the resource ID of a user-assigned identity (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)',
            );
          }
        }
      }
    }
  }

  const p = body.properties;
  if (p === undefined) {
    add('properties', 'missing: expected an object with source and distribute');
    return problems;
  }
  if (skip(p)) return problems;
  if (!isObject(p)) {
    add('properties', `expected an object, got ${JSON.stringify(p)}`);
    return problems;
  }
  for (const k of Object.keys(p))
    if (!PROPERTY_KEYS.includes(k)) add(`properties.${k}`, `unknown field (known: ${PROPERTY_KEYS.slice(0, 12).join(', ')})`);
  if (p.source === undefined) add('properties.source', `missing: expected an object with a type (${Object.keys(SOURCE_TYPES).join(', ')})`);
  else typed(p.source, 'properties.source', SOURCE_TYPES);
  list(p.customize, 'properties.customize', (x, path) => void typed(x, path, CUSTOMIZER_TYPES), false);
  if (isObject(p.validate))
    list(p.validate.inVMValidations, 'properties.validate.inVMValidations', (x, path) => void typed(x, path, VALIDATOR_TYPES), false);
  const outputNames = new Map<string, string>();
  list(
    p.distribute,
    'properties.distribute',
    (x, path) => {
      typed(x, path, DISTRIBUTOR_TYPES);
      if (!isObject(x)) return;
      const n = x.runOutputName;
      if (n === undefined) add(`${path}.runOutputName`, `missing: expected a run output name (${NAME_FORM})`);
      else if (!skip(n) && (typeof n !== 'string' || !NAME.test(n)))
        add(`${path}.runOutputName`, `expected ${NAME_FORM}, got ${JSON.stringify(n)}`);
      else if (typeof n === 'string' && !skip(n)) {
        const seen = outputNames.get(n.toLowerCase());
        if (seen) add(`${path}.runOutputName`, `'${n}' is also the runOutputName of ${seen}: each distribute target needs its own`);
        outputNames.set(n.toLowerCase(), path);
      }
      stringMap(x.artifactTags, `${path}.artifactTags`);
    },
    true,
  );
  int(p.buildTimeoutInMinutes, 'properties.buildTimeoutInMinutes', 0, 960);
  if (isObject(p.vmProfile)) int(p.vmProfile.osDiskSizeGB, 'properties.vmProfile.osDiskSizeGB', 0);
  if (p.stagingResourceGroup !== undefined && !skip(p.stagingResourceGroup)) {
    const g = p.stagingResourceGroup;
    if (typeof g !== 'string' || (g !== '' && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(g))) {
      add(
        'properties.stagingResourceGroup',
        `expected a resource group ID (/subscriptions/<id>/resourceGroups/<name>), got ${JSON.stringify(g)}`,
      );
    }
  }
  stringMap(p.managedResourceTags, 'properties.managedResourceTags');
  return problems;
}

/** One message listing every problem, or undefined. */
export function describeProblems(where: string, problems: Problem[]): string | undefined {
  if (problems.length === 0) return undefined;
  const lines = problems.slice(0, 20).map((x) => `  ${x.path}: ${x.message}`);
  if (problems.length > 20) lines.push(`  ... and ${problems.length - 20} more`);
  return `${where} is not a template the service accepts:\n${lines.join('\n')}`;
}
