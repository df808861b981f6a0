/** template-parameters: a JSON object, or the path of a parameters file; turned into the `parameters` of a deployment. */
import { readFileSync } from 'node:fs';
import { isObject, type JsonObject } from './file.js';

export const PARAMETERS_FORM =
  'a JSON object ({"name": value, ...} or {"name": {"value": value}, ...}), or the path of an ARM parameters file (JSON with "parameters")';

/** Deployment parameters ({name: {value}}), or a string saying what is wrong. */
export function parseTemplateParameters(raw: string): { parameters: JsonObject } | { error: string } {
  let text = raw;
  if (!raw.startsWith('{')) {
    if (/\.bicepparam$/i.test(raw)) return { error: 'a .bicepparam file is not supported: give the values as JSON' };
    try {
      text = readFileSync(raw, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        error:
          code === 'ENOENT'
            ? 'neither JSON (it does not start with {) nor an existing file'
            : `the file could not be read (${String(code ?? err)})`,
      };
    }
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isObject(v)) return { error: 'JSON that is not an object' };
  // An ARM parameters file: {"$schema": ".../deploymentParameters.json#", "contentVersion": ..., "parameters": {...}}
  const source = isObject(v.parameters) && (v.$schema !== undefined || v.contentVersion !== undefined) ? v.parameters : v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(source)) {
    if (k.startsWith('$')) continue;
    const wrapped =
      isObject(x) &&
      Object.keys(x).length > 0 &&
      Object.keys(x).every((key) => key === 'value' || key === 'reference' || key === 'metadata');
    out[k] = wrapped ? x : { value: x };
  }
  return { parameters: out };
}
