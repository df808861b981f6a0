/**
 * Reads `template-file` and tells its form: a resource body (JSON), an ARM deployment template (JSON) holding one
 * Microsoft.VirtualMachineImages/imageTemplates resource, or a Bicep file compiled to one with `az bicep build`.
 * Local work only: nothing here calls Azure.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ActionError } from '../runContext.js';

export const IMAGE_TEMPLATE_TYPE = 'Microsoft.VirtualMachineImages/imageTemplates';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An error about a template-file template, written for the user; `title` heads its annotation. */
export class TemplateError extends ActionError {
  override name = 'TemplateError';
  constructor(message: string, title = 'template-file') {
    super(message, title);
  }
}

/** A problem with template-file (or template-parameters) found before any call. */
export class TemplateFileError extends TemplateError {
  override name = 'TemplateFileError';
}

export type TemplateFile =
  /** A resource body: what a PUT of the template sends. */
  | { form: 'resource'; path: string; body: JsonObject }
  /** An ARM template (from JSON or compiled from Bicep); `resource` is its imageTemplates resource (a live reference into `template`). */
  | { form: 'arm'; path: string; compiledFrom?: 'bicep'; template: JsonObject; resource: JsonObject };

/** Runs a command; resolves with stdout, rejects with the error of child_process (code ENOENT when missing). */
export type RunCommand = (file: string, args: string[]) => Promise<string>;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        Object.assign(err, { stderr: String(stderr) });
        reject(err);
      } else {
        resolve(String(stdout));
      }
    });
  });

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An ARM template expression (`[...]`, not the `[[` escape of a literal bracket). */
export function isExpression(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('[') && !v.startsWith('[[') && v.endsWith(']');
}

/** JSON.parse with a message naming the file, line and column. */
export function parseJson(text: string, what: string): Json {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(clean) as Json;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg)?.[1];
    let where = '';
    if (pos !== undefined) {
      const before = clean.slice(0, Number(pos)).split('\n');
      where = ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    }
    throw new TemplateFileError(`${what} is not valid JSON${where}: ${msg}`);
  }
}

function looksLikeDeploymentTemplate(o: JsonObject): boolean {
  const schema = typeof o.$schema === 'string' ? o.$schema.toLowerCase() : '';
  if (schema.includes('deploymenttemplate.json')) return true;
  return !schema && 'resources' in o && 'contentVersion' in o;
}

/** The template's resources, whether an array or (languageVersion 2.0) an object keyed by symbolic name. */
export function armResources(template: JsonObject): Array<{ path: string; resource: JsonObject }> {
  const r = template.resources;
  if (Array.isArray(r)) return r.flatMap((x, i) => (isObject(x) ? [{ path: `resources[${i}]`, resource: x }] : []));
  if (isObject(r)) return Object.entries(r).flatMap(([k, x]) => (isObject(x) ? [{ path: `resources.${k}`, resource: x }] : []));
  return [];
}

function fromArm(path: string, template: JsonObject, compiledFrom?: 'bicep'): TemplateFile {
  const label = compiledFrom ? `template-file '${path}' (compiled from Bicep)` : `template-file '${path}'`;
  const all = armResources(template);
  const found = all.filter(
    (x) => typeof x.resource.type === 'string' && x.resource.type.toLowerCase() === IMAGE_TEMPLATE_TYPE.toLowerCase(),
  );
  const [one, ...others] = found;
  if (one === undefined || others.length > 0) {
    const types = all.map((x) => String(x.resource.type)).join(', ') || 'none';
    throw new TemplateFileError(
      `${label} is an ARM template with ${found.length === 0 ? 'no' : found.length} ${IMAGE_TEMPLATE_TYPE} resources (resources: ${types}): ` +
        'the action runs exactly one; put each image template in a file of its own (a matrix over files runs several).',
    );
  }
  if (one.resource.copy !== undefined) {
    throw new TemplateFileError(
      `${label}: ${one.path}.copy: an image template in a copy loop makes several templates; the action runs exactly one.`,
    );
  }
  return { form: 'arm', path, ...(compiledFrom ? { compiledFrom } : {}), template, resource: one.resource };
}

/** Compiles a Bicep file with the Bicep CLI that `az` carries (installed on GitHub-hosted runners). */
async function compileBicep(path: string, run: RunCommand): Promise<JsonObject> {
  let out: string;
  try {
    out = await run('az', ['bicep', 'build', '--file', path, '--stdout']);
  } catch (err) {
    const e = err as { code?: unknown; stderr?: unknown; message?: unknown };
    if (e.code === 'ENOENT') {
      throw new TemplateFileError(
        `template-file '${path}' is a Bicep file, and compiling it needs the Azure CLI (az), which is not on PATH. ` +
          'GitHub-hosted runners have it; on a self-hosted runner install the Azure CLI (then az bicep install), or commit the compiled JSON (az bicep build --file <file>) and pass that.',
      );
    }
    const detail = String(e.stderr ?? '').trim() || String(e.message ?? err);
    throw new TemplateFileError(
      `template-file '${path}': az bicep build failed: ${detail.split('\n').slice(0, 20).join('\n')}\n` +
        'If Bicep itself is missing, install it with az bicep install.',
    );
  }
  const compiled = parseJson(out, `The output of az bicep build for '${path}'`);
  if (!isObject(compiled) || !looksLikeDeploymentTemplate(compiled)) {
    throw new TemplateFileError(`template-file '${path}': az bicep build did not print an ARM template.`);
  }
  return compiled;
}

/** Reads and classifies template-file. Throws TemplateFileError with what to fix. */
export async function readTemplateFile(path: string, run: RunCommand = runCommand): Promise<TemplateFile> {
  if (/\.bicepparam$/i.test(path)) {
    throw new TemplateFileError(
      `template-file '${path}' is a Bicep parameters file: pass the .bicep file as template-file and its parameters with template-parameters (JSON).`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new TemplateFileError(
      code === 'ENOENT'
        ? `template-file '${path}' does not exist (paths are relative to the workspace: check out the repository first, with actions/checkout).`
        : `template-file '${path}' could not be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (/\.bicep$/i.test(path)) return fromArm(path, await compileBicep(path, run), 'bicep');
  const parsed = parseJson(text, `template-file '${path}'`);
  if (!isObject(parsed))
    throw new TemplateFileError(
      `template-file '${path}' holds JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}: expected an object (a template resource body or an ARM template).`,
    );
  if (looksLikeDeploymentTemplate(parsed)) return fromArm(path, parsed);
  return { form: 'resource', path, body: parsed };
}
