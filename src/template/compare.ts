/**
 * Is an existing template the one the file describes? Compares the body we would send with the template as the
 * service returns it: every value we send must be there (ARM IDs and locations without regard to case); what the
 * service adds is accepted only when it is a default (false, 0, '', empty) or filled in by the service itself.
 */
import { isObject, type Json, type JsonObject } from './file.js';
import { READ_ONLY_PROPERTIES } from './validate.js';

/** Fields the service fills in on its own; never a difference. */
const SERVICE_FILLED = new Set([...READ_ONLY_PROPERTIES, 'sha256Checksum', 'exactVersion', 'principalId', 'clientId', 'systemData']);

function isDefault(v: Json | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isDefault);
  return false;
}

function looseEqual(a: Json, b: Json, key: string): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    // ARM IDs ('resourcegroups' vs 'resourceGroups') and regions ('East US' vs 'eastus') come back normalised.
    if (a.startsWith('/subscriptions/') || key === 'location')
      return a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
  }
  return a === b;
}

/** Paths where `actual` (the service's) differs from `wanted` (ours); empty when identical. */
export function bodyDifferences(wanted: Json | undefined, actual: Json | undefined, path = '', key = ''): string[] {
  if (wanted === undefined) return isDefault(actual) || SERVICE_FILLED.has(key) ? [] : [path];
  if (isObject(wanted)) {
    if (!isObject(actual)) return isDefault(wanted) && isDefault(actual) ? [] : [path];
    const out: string[] = [];
    const actualKeys = new Map(Object.keys(actual).map((k) => [k.toLowerCase(), k]));
    const seen = new Set<string>();
    for (const [k, v] of Object.entries(wanted)) {
      const ak = actual[k] !== undefined ? k : (actualKeys.get(k.toLowerCase()) ?? k);
      seen.add(ak);
      out.push(...bodyDifferences(v, actual[ak], path ? `${path}.${k}` : k, k));
    }
    for (const [k, v] of Object.entries(actual)) {
      if (!seen.has(k)) out.push(...bodyDifferences(undefined, v, path ? `${path}.${k}` : k, k));
    }
    return out;
  }
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return isDefault(wanted) && isDefault(actual) ? [] : [path];
    return wanted.flatMap((v, i) => bodyDifferences(v, actual[i], `${path}[${i}]`, key));
  }
  if (actual === undefined || actual === null) return isDefault(wanted) ? [] : [path];
  return looseEqual(wanted, actual, key) ? [] : [path];
}

/** The parts of a template that decide whether it is the same one: location, identity, tags, properties. */
export function comparable(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of ['location', 'identity', 'tags', 'properties']) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

export function templateDifferences(wanted: JsonObject, existing: JsonObject): string[] {
  return bodyDifferences(comparable(wanted), comparable(existing));
}
