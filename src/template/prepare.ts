/**
 * Everything about template-file that can be known before any call: the file's form, its checks, the name,
 * provenance, the VHD rule (contract behaviour 13), and the warnings to give. Local work only.
 */
import { generateName, TEMPLATE_NAME } from './name.js';
import { addProvenance, provenanceFromEnv, type Provenance } from './provenance.js';
import {
  isExpression,
  isObject,
  readTemplateFile,
  runCommand as defaultRunCommand,
  TemplateFileError,
  type JsonObject,
  type RunCommand,
  type TemplateFile,
} from './file.js';
import { describeProblems, READ_ONLY_PROPERTIES, validateTemplateBody } from './validate.js';

export interface PrepareSettings {
  templateFile: string;
  /** The template-name input ('' when not given). */
  templateName: string;
  templateParameters?: JsonObject;
  deleteTemplate: 'never' | 'on-success' | 'always';
  /** Where a VHD run output is copied before a delete (the vhd-destination input). */
  vhdDestination?: string;
  /** Whether build logs are wanted (stream-logs or upload-logs): the staging-group warning depends on it. */
  logsWanted: boolean;
}

export interface PreparedTemplate {
  form: 'resource' | 'arm';
  compiledFrom?: 'bicep';
  path: string;
  name: string;
  nameFrom: 'input' | 'file' | 'generated';
  /** Resource form: the body to PUT (provenance added, read-only fields and name left out). */
  body?: JsonObject;
  /** ARM form: the deployment's template (provenance added) and parameters. */
  deployment?: { template: JsonObject; parameters: JsonObject };
  location?: string;
  provenance?: Provenance;
  /** Distribute targets as the file gives them, when literal: type and whether a VHD has its own uri. */
  distribute?: Array<{ type: string; runOutputName?: string; vhdUri?: boolean }>;
  /** Said once the template is being created. */
  warnings: string[];
}

const PARAM_REF = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/;

function literalDistribute(props: unknown): PreparedTemplate['distribute'] {
  if (!isObject(props) || !Array.isArray(props.distribute)) return undefined;
  const out: NonNullable<PreparedTemplate['distribute']> = [];
  for (const d of props.distribute) {
    if (!isObject(d) || typeof d.type !== 'string' || isExpression(d.type)) return undefined;
    const item: NonNullable<PreparedTemplate['distribute']>[number] = { type: d.type };
    if (typeof d.runOutputName === 'string') item.runOutputName = d.runOutputName;
    if (d.type.toUpperCase() === 'VHD') item.vhdUri = typeof d.uri === 'string' && d.uri !== '';
    out.push(item);
  }
  return out;
}

/** The name an ARM template's resource gets, resolving `[parameters('x')]`; sets the parameter when the action chooses the name. */
function armName(
  file: Extract<TemplateFile, { form: 'arm' }>,
  parameters: JsonObject,
  input: string,
  generated: () => string,
): { name: string; from: PreparedTemplate['nameFrom'] } {
  const where = `template-file '${file.path}'`;
  const expr = file.resource.name;
  if (typeof expr === 'string' && !isExpression(expr)) {
    if (input !== '' && input !== expr)
      throw new TemplateFileError(
        `template-name '${input}' differs from the name '${expr}' that ${where} gives its image template: remove one of them.`,
      );
    return { name: expr, from: input !== '' ? 'input' : 'file' };
  }
  const ref = typeof expr === 'string' ? PARAM_REF.exec(expr)?.[1] : undefined;
  if (ref === undefined) {
    if (input !== '') return { name: input, from: 'input' };
    throw new TemplateFileError(
      `${where}: the image template's name is ${JSON.stringify(expr)}, an expression the action cannot evaluate before the deployment. ` +
        `Set template-name to the name it gives, or make the name a parameter (name: "[parameters('imageTemplateName')]") so the action can pass or generate it.`,
    );
  }
  const given = parameters[ref];
  const givenValue = isObject(given) ? given.value : undefined;
  if (typeof givenValue === 'string') {
    if (input !== '' && input !== givenValue)
      throw new TemplateFileError(
        `template-name '${input}' differs from parameter '${ref}' ('${givenValue}') in template-parameters, which names the template: remove one of them.`,
      );
    return { name: givenValue, from: input !== '' ? 'input' : 'file' };
  }
  if (input !== '') {
    parameters[ref] = { value: input };
    return { name: input, from: 'input' };
  }
  const decl = isObject(file.template.parameters) ? file.template.parameters[ref] : undefined;
  if (!isObject(decl))
    throw new TemplateFileError(`${where}: the image template's name is parameter '${ref}', which the template does not declare.`);
  const def = decl.defaultValue;
  if (typeof def === 'string' && !isExpression(def)) return { name: def, from: 'file' };
  if (def !== undefined) {
    throw new TemplateFileError(
      `${where}: parameter '${ref}' names the image template, and its default ${JSON.stringify(def)} is an expression the action cannot evaluate before the deployment: set template-name (passed as '${ref}'), or give '${ref}' in template-parameters.`,
    );
  }
  const name = generated();
  parameters[ref] = { value: name };
  return { name, from: 'generated' };
}

export async function prepareTemplate(
  s: PrepareSettings,
  env: NodeJS.ProcessEnv,
  run: RunCommand = defaultRunCommand,
): Promise<PreparedTemplate> {
  const file = await readTemplateFile(s.templateFile, run);
  const where =
    file.form === 'arm' && file.compiledFrom ? `template-file '${file.path}' (compiled from Bicep)` : `template-file '${file.path}'`;
  const body = file.form === 'resource' ? file.body : file.resource;
  const problems = describeProblems(where, validateTemplateBody(body, file.form === 'arm'));
  if (problems) throw new TemplateFileError(problems);
  if (file.form === 'resource' && s.templateParameters !== undefined) {
    throw new TemplateFileError(
      `template-parameters is set, but ${where} is a template resource body, which has no parameters: pass an ARM or Bicep template, or remove template-parameters.`,
    );
  }
  const generated = (): string =>
    generateName({
      env,
      file: s.templateFile,
      distinguishing: JSON.stringify(
        Object.entries(env)
          .filter(([k]) => k.startsWith('INPUT_'))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    });

  const warnings: string[] = [];
  const prepared: PreparedTemplate = { form: file.form, path: file.path, name: '', nameFrom: 'generated', warnings };
  if (file.form === 'arm' && file.compiledFrom) prepared.compiledFrom = file.compiledFrom;
  const provenance = provenanceFromEnv(env);
  if (provenance) prepared.provenance = provenance;
  else warnings.push('Not in a GitHub workflow run (GITHUB_REPOSITORY, GITHUB_SHA or GITHUB_RUN_ID missing): no provenance tags added.');

  if (file.form === 'resource') {
    const fileName = typeof body.name === 'string' ? body.name : undefined;
    if (s.templateName !== '' && fileName !== undefined && fileName !== s.templateName) {
      throw new TemplateFileError(`template-name '${s.templateName}' differs from the name '${fileName}' in ${where}: remove one of them.`);
    }
    prepared.name = s.templateName || fileName || generated();
    prepared.nameFrom = s.templateName ? 'input' : fileName ? 'file' : 'generated';
    const out = without(JSON.parse(JSON.stringify(body)) as JsonObject, ['name', 'id', 'type', 'systemData', 'apiVersion']);
    if (isObject(out.properties)) out.properties = without(out.properties, READ_ONLY_PROPERTIES);
    if (provenance)
      warnings.push(
        ...addProvenance(out, provenance).map((p) => `Provenance: ${p} is not an object; its artifactTags could not be tagged.`),
      );
    prepared.body = out;
    if (typeof out.location === 'string') prepared.location = out.location;
  } else {
    const template = JSON.parse(JSON.stringify(file.template)) as JsonObject;
    const copy = resourceInCopy(template, file);
    const parameters: JsonObject = JSON.parse(JSON.stringify(s.templateParameters ?? {})) as JsonObject;
    const declared = isObject(template.parameters) ? Object.keys(template.parameters) : [];
    const unknown = Object.keys(parameters).filter((k) => !declared.includes(k));
    if (unknown.length > 0) {
      throw new TemplateFileError(
        `template-parameters sets ${unknown.map((k) => `'${k}'`).join(', ')}, which ${where} does not declare (it declares: ${declared.join(', ') || 'none'}).`,
      );
    }
    const n = armName({ ...file, template }, parameters, s.templateName, generated);
    prepared.name = n.name;
    prepared.nameFrom = n.from;
    if (provenance) {
      warnings.push(
        ...addProvenance(copy, provenance).map(
          (p) =>
            `Provenance: ${p} is an expression; its artifactTags could not be tagged (give distribute as a list to have the image tagged).`,
        ),
      );
    }
    prepared.deployment = { template, parameters };
    if (typeof copy.location === 'string' && !isExpression(copy.location)) prepared.location = copy.location;
  }
  if (!TEMPLATE_NAME.test(prepared.name)) {
    throw new TemplateFileError(
      `The template name '${prepared.name}' (from ${prepared.nameFrom === 'file' ? where : 'template-name'}) is not valid: expected 1-64 letters, digits, hyphens, underscores or periods.`,
    );
  }

  const props =
    file.form === 'resource' ? prepared.body?.properties : (prepared.deployment && armResourceOf(prepared.deployment.template))?.properties;
  const distribute = literalDistribute(props);
  if (distribute) prepared.distribute = distribute;
  if (s.deleteTemplate !== 'never' && s.vhdDestination === undefined) {
    const lost = (distribute ?? []).filter((d) => d.type.toUpperCase() === 'VHD' && !d.vhdUri);
    if (lost.length > 0) {
      throw new TemplateFileError(
        `delete-template is ${s.deleteTemplate}, and ${where} has a VHD distribute target (${lost.map((d) => d.runOutputName ?? '?').join(', ')}) that writes the VHD into the template's staging resource group, ` +
          'which deleting the template deletes: the VHD would be lost. Set vhd-destination to a blob container of yours (the action copies the VHD there before the delete), give the VHD target its own uri (a blob URL in a storage account of yours), or set delete-template: never.',
      );
    }
    if (distribute === undefined)
      warnings.push(
        `${where}: distribute is an expression, so the action cannot tell before the run whether a VHD target would be lost when the template is deleted.`,
      );
  }
  const staging = isObject(props) ? props.stagingResourceGroup : undefined;
  if ((staging === undefined || staging === '') && s.logsWanted) {
    warnings.push(
      `${where} sets no properties.stagingResourceGroup, so the service makes a new IT_... staging group for this template, on which no role could be granted beforehand: ` +
        "reading the build log needs Storage Blob Data Reader (and Reader) there, or at the subscription. Point stagingResourceGroup at a group prepared once, with the roles granted on it (see the README's 'A prepared staging resource group').",
    );
  }
  return prepared;
}

function armResourceOf(template: JsonObject): JsonObject | undefined {
  const r = template.resources;
  const list = Array.isArray(r) ? r : isObject(r) ? Object.values(r) : [];
  return list.find(
    (x): x is JsonObject =>
      isObject(x) && typeof x.type === 'string' && x.type.toLowerCase() === 'microsoft.virtualmachineimages/imagetemplates',
  );
}

/** The imageTemplates resource inside our own copy of the template (the one we send). */
function resourceInCopy(template: JsonObject, file: TemplateFile): JsonObject {
  const found = armResourceOf(template);
  if (!found) throw new TemplateFileError(`template-file '${file.path}': no image template resource.`);
  return found;
}

/** A copy of `o` without the given keys (the others in their order). */
function without(o: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}
