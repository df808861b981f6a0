// ARM resource-group deployments (Microsoft.Resources/deployments): PUT with a long-running operation, GET, and the
// operation status. The template is evaluated here with a documented subset of the template language, the part
// image templates use; each Microsoft.VirtualMachineImages/imageTemplates resource is then created as a PUT would.
//
// Expression subset: parameters(), variables(), concat(), format() ({0} {1} ...), resourceGroup() (id, name, location),
// subscription() (id, subscriptionId, tenantId), resourceId(type, names...), uniqueString(), guid(), toLower(),
// toUpper(), string(), union(), createObject(), createArray(), if(), equals(), empty(); '...' strings ('' escapes a
// quote), numbers, true/false/null, property access (.x) and indexing ([i]); '[[' escapes a literal bracket.
// Anything else fails the deployment with InvalidTemplate, naming the function.
//
// Shapes from the ARM REST reference (Deployments - Create Or Update: 201 + Azure-AsyncOperation pointing at
// .../deployments/{name}/operationStatuses/{id}; provisioningState Accepted/Running/Succeeded/Failed) and the
// nested Conflict of a failed image template update as users reported it
// (github.com/julie-ng/azure-image-builder-test README: DeploymentFailed > details[{code: Conflict, message: "{\r\n  \"code\": \"Conflict\", ...}"}]).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../server.ts';
import { armError, azTime, guid } from './common.ts';
import type { ArmWorld } from './arm.ts';
import type { SimTemplate } from './templates.ts';

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Obj = { [k: string]: J };

interface Deployment {
  id: string;
  name: string;
  resourceGroup: string;
  status: 'Accepted' | 'Running' | 'Succeeded' | 'Failed';
  opId: string;
  startTime: number;
  endTime?: number;
  error?: Obj;
  outputResources: Array<{ id: string }>;
  parameters: Obj;
}

const DEPLOYMENTS = new WeakMap<ArmWorld, Map<string, Deployment>>();

class TemplateLanguageError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface EvalContext {
  params: Obj;
  variables: Obj;
  rg: { id: string; name: string; location: string };
  subscriptionId: string;
  tenantId: string;
}

// ----- a small parser for the expression subset -----
function parseExpression(src: string, ctx: EvalContext): J {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src.charAt(i))) i++;
  };
  const expect = (c: string): void => {
    ws();
    if (src[i] !== c) throw new TemplateLanguageError(`expected '${c}' at position ${i} of '${src}'`);
    i++;
  };
  const value = (): J => {
    ws();
    const c = src[i];
    let v: J;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new TemplateLanguageError(`unterminated string in '${src}'`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      v = s;
    } else if (c !== undefined && /[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new TemplateLanguageError(`unexpected '${c}' at position ${i} of '${src}'`);
      i += m[0].length;
      v = Number(m[0]);
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (!m) throw new TemplateLanguageError(`unexpected '${c ?? 'end'}' at position ${i} of '${src}'`);
      i += m[0].length;
      const name = m[0];
      ws();
      if (src[i] !== '(') {
        if (name === 'true') v = true;
        else if (name === 'false') v = false;
        else if (name === 'null') v = null;
        else throw new TemplateLanguageError(`unexpected '${name}' in '${src}'`);
      } else {
        i++;
        const args: J[] = [];
        ws();
        if (src[i] === ')') i++;
        else {
          for (;;) {
            args.push(value());
            ws();
            if (src[i] === ',') {
              i++;
              continue;
            }
            expect(')');
            break;
          }
        }
        v = call(name, args, ctx);
      }
    }
    for (;;) {
      ws();
      if (src[i] === '.') {
        i++;
        const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(src.slice(i));
        if (!m) throw new TemplateLanguageError(`expected a property name at position ${i} of '${src}'`);
        i += m[0].length;
        if (!isObj(v) || !(m[0] in v)) throw new TemplateLanguageError(`the language expression property '${m[0]}' doesn't exist`);
        v = v[m[0]] ?? null;
      } else if (src[i] === '[') {
        i++;
        const k = value();
        expect(']');
        if (Array.isArray(v) && typeof k === 'number') v = v[k] ?? null;
        else if (isObj(v) && typeof k === 'string') v = v[k] ?? null;
        else throw new TemplateLanguageError(`cannot index ${JSON.stringify(v)} with ${JSON.stringify(k)}`);
      } else {
        return v;
      }
    }
  };
  const out = value();
  ws();
  if (i !== src.length) throw new TemplateLanguageError(`unexpected text after position ${i} of '${src}'`);
  return out;
}

function hash13(parts: J[]): string {
  const h = createHash('sha256').update(parts.map(String).join('|')).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let s = '';
  for (let k = 0; k < 13; k++) s += alphabet[h.readUInt8(k) % 32];
  return s;
}

function call(name: string, args: J[], ctx: EvalContext): J {
  const str = (v: J): string => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (name.toLowerCase()) {
    case 'parameters': {
      const k = String(args[0]);
      if (!(k in ctx.params)) throw new TemplateLanguageError(`The template parameter '${k}' is not found.`);
      return ctx.params[k] ?? null;
    }
    case 'variables': {
      const k = String(args[0]);
      if (!(k in ctx.variables)) throw new TemplateLanguageError(`The template variable '${k}' is not found.`);
      return evaluate(ctx.variables[k] ?? null, ctx);
    }
    case 'concat':
      return args.every(Array.isArray) ? (args as J[][]).flat() : args.map(str).join('');
    case 'format':
      return String(args[0]).replace(/\{(\d+)\}/g, (_m, n: string) => str(args[Number(n) + 1] ?? ''));
    case 'resourcegroup':
      return {
        id: ctx.rg.id,
        name: ctx.rg.name,
        location: ctx.rg.location,
        type: 'Microsoft.Resources/resourceGroups',
        properties: { provisioningState: 'Succeeded' },
      };
    case 'subscription':
      return { id: `/subscriptions/${ctx.subscriptionId}`, subscriptionId: ctx.subscriptionId, tenantId: ctx.tenantId };
    case 'resourceid': {
      const type = String(args[0]).split('/');
      const names = args.slice(1).map(String);
      let path = `${type[0]}/${type[1]}/${names[0] ?? ''}`;
      for (let k = 2; k < type.length; k++) path += `/${type[k]}/${names[k - 1] ?? ''}`;
      return `${ctx.rg.id}/providers/${path}`;
    }
    case 'uniquestring':
      return hash13(args);
    case 'guid': {
      const h = createHash('sha1').update(args.map(String).join('|')).digest('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    }
    case 'tolower':
      return String(args[0]).toLowerCase();
    case 'toupper':
      return String(args[0]).toUpperCase();
    case 'string':
      return str(args[0] ?? null);
    case 'union':
      return args.every(isObj)
        ? Object.assign({}, ...(args as Obj[]))
        : [...new Set((args as J[][]).flat().map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as J);
    case 'createobject': {
      const o: Obj = {};
      for (let k = 0; k + 1 < args.length; k += 2) o[String(args[k])] = args[k + 1] ?? null;
      return o;
    }
    case 'createarray':
      return args;
    case 'if':
      return (args[0] === true ? args[1] : args[2]) ?? null;
    case 'equals':
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case 'empty': {
      const v = args[0];
      return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
    }
    default:
      throw new TemplateLanguageError(
        `The template function '${name}' is not valid (the simulator evaluates only the subset documented in sim/azure/deployments.ts).`,
      );
  }
}

function evaluate(v: J, ctx: EvalContext): J {
  if (typeof v === 'string') {
    if (v.startsWith('[[')) return v.slice(1);
    if (v.startsWith('[') && v.endsWith(']')) return parseExpression(v.slice(1, -1), ctx);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => evaluate(x, ctx));
  if (isObj(v)) {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) o[String(evaluate(k, ctx))] = evaluate(x, ctx);
    return o;
  }
  return v;
}

// ----- the handler -----
export function deploymentsHandler(w: ArmWorld) {
  const all = DEPLOYMENTS.get(w) ?? new Map<string, Deployment>();
  DEPLOYMENTS.set(w, all);
  /** `rest` is the path after /subscriptions/{s}/resourceGroups/{g}. Returns false when not a deployments path. */
  return (req: IncomingMessage, res: ServerResponse, body: Buffer, rgName: string, rest: string, apiVersion: string): boolean => {
    const m = /^\/providers\/Microsoft\.Resources\/deployments\/([^/]+)(?:\/operationStatuses\/([^/]+))?$/i.exec(rest);
    if (!m) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const name = decodeURIComponent(m[1] ?? '');
    const key = `${rgName}/${name}`.toLowerCase();
    const rgId = `/subscriptions/${w.subscriptionId}/resourceGroups/${rgName}`;
    const id = `${rgId}/providers/Microsoft.Resources/deployments/${name}`;
    const view = (d: Deployment): Obj => ({
      id: d.id,
      name: d.name,
      type: 'Microsoft.Resources/deployments',
      properties: {
        provisioningState: d.status,
        timestamp: azTime(d.endTime ?? d.startTime),
        mode: 'Incremental',
        parameters: d.parameters,
        outputResources: d.outputResources,
        ...(d.error ? { error: d.error } : {}),
      },
    });
    if (m[2] !== undefined) {
      const d = all.get(key);
      if (!d || d.opId !== m[2] || method !== 'GET') {
        armError(res, 404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
        return true;
      }
      const status = d.status === 'Accepted' ? 'Running' : d.status;
      sendJson(res, 200, { status, ...(d.error ? { error: d.error } : {}) });
      return true;
    }
    if (method === 'GET') {
      const d = all.get(key);
      if (!d) armError(res, 404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
      else sendJson(res, 200, view(d));
      return true;
    }
    if (method !== 'PUT') {
      armError(res, 405, 'MethodNotAllowed', `The requested method '${method}' is not allowed.`);
      return true;
    }
    let given: unknown;
    try {
      given = JSON.parse(body.toString('utf8'));
    } catch {
      armError(res, 400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      return true;
    }
    const props = isObj(given) ? given.properties : undefined;
    const template = isObj(props) ? props.template : undefined;
    const supplied = isObj(props) && isObj(props.parameters) ? props.parameters : {};
    if (!isObj(template)) {
      armError(
        res,
        400,
        'InvalidRequestContent',
        "The request content was invalid: 'properties.template' is required (templateLink is not supported by the simulator).",
      );
      return true;
    }
    // Parameters: supplied values, else defaults (which may be expressions); unknown or missing ones fail validation.
    const declared = isObj(template.parameters) ? template.parameters : {};
    const unknown = Object.keys(supplied).filter((k) => !(k in declared));
    if (unknown.length > 0) {
      armError(
        res,
        400,
        'InvalidTemplate',
        `Deployment template validation failed: 'The template parameters '${unknown.join(', ')}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time.'`,
      );
      return true;
    }
    const ctx: EvalContext = {
      params: {},
      variables: isObj(template.variables) ? template.variables : {},
      rg: { id: rgId, name: rgName, location: 'eastus' },
      subscriptionId: w.subscriptionId,
      tenantId: w.tenantId,
    };
    let resources: Obj[];
    try {
      for (const [k, decl] of Object.entries(declared)) {
        const s = supplied[k];
        if (isObj(s) && 'value' in s) ctx.params[k] = s.value ?? null;
        else if (isObj(decl) && 'defaultValue' in decl) ctx.params[k] = evaluate(decl.defaultValue ?? null, ctx);
        else throw new TemplateLanguageError(`The value for the template parameter '${k}' is not provided.`);
      }
      const list = Array.isArray(template.resources)
        ? template.resources
        : isObj(template.resources)
          ? Object.values(template.resources)
          : [];
      resources = list.filter(isObj).map((r) => evaluate(r, ctx) as Obj);
    } catch (err) {
      armError(res, 400, 'InvalidTemplate', `Deployment template validation failed: '${err instanceof Error ? err.message : String(err)}'`);
      return true;
    }
    const d: Deployment = {
      id,
      name,
      resourceGroup: rgName,
      status: 'Accepted',
      opId: guid(),
      startTime: Date.now(),
      outputResources: [],
      parameters: {},
    };
    for (const [k, v] of Object.entries(ctx.params)) d.parameters[k] = { type: typeof v === 'string' ? 'String' : 'Object', value: v };
    all.set(key, d);
    setTimeout(() => {
      d.status = 'Running';
      const failures: Obj[] = [];
      const pending: Array<{ t: SimTemplate; created: boolean }> = [];
      for (const r of resources) {
        const rid = `${rgId}/providers/${String(r.type)}/${String(r.name)}`;
        if (String(r.type).toLowerCase() !== 'microsoft.virtualmachineimages/imagetemplates') {
          d.outputResources.push({ id: rid });
          continue;
        }
        const tname = String(r.name);
        let t = w.templates.find(
          (x) => x.resourceGroup.toLowerCase() === rgName.toLowerCase() && x.name.toLowerCase() === tname.toLowerCase(),
        );
        if (!t) t = w.addTemplateFromPut(rgName, tname, String(r.location ?? 'eastus'));
        const outcome = t.create({
          identity: r.identity ?? null,
          properties: r.properties ?? null,
          ...(isObj(r.tags) ? { tags: r.tags } : {}),
        } as Record<string, unknown>);
        if (outcome === 'conflict') {
          failures.push({
            code: 'Conflict',
            message: JSON.stringify({ code: 'Conflict', message: CONFLICT_MESSAGE }, null, 2).replace(/\n/g, '\r\n'),
          });
          continue;
        }
        d.outputResources.push({ id: rid });
        pending.push({ t, created: outcome === 'created' });
      }
      setTimeout(() => {
        for (const p of pending) if (p.created) p.t.markCreated();
        d.endTime = Date.now();
        if (failures.length > 0) {
          d.status = 'Failed';
          d.error = {
            code: 'DeploymentFailed',
            message:
              'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.',
            details: failures,
          };
        } else {
          d.status = 'Succeeded';
        }
      }, w.createMs);
    }, 20);
    const op = `${w.origin()}${id}/operationStatuses/${d.opId}?api-version=${apiVersion}`;
    sendJson(res, 201, view(d), { 'azure-asyncoperation': op, 'retry-after': String(w.lroRetryAfterSec) });
    return true;
  };
}

/** The service's answer to a changed body on an existing template (Microsoft Learn troubleshooting page; users' reports). */
export const CONFLICT_MESSAGE =
  'Update/Upgrade of image templates is currently not supported. Please change the name of the template you are submitting. ' +
  'If you have previously tried to submit a template and it failed to provision, you must delete it first and then resubmit. ' +
  'For more information, go to https://aka.ms/azvmimagebuilderts.';
