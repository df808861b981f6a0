/**
 * The template's life around the run: create it from the file (a PUT, or an ARM deployment), reuse an identical one,
 * replace or refuse a different one, and delete it after the run (cancelling a run still going first).
 */
import {
  allMessages,
  armErrorOf,
  ArmRequestError,
  DEPLOYMENTS_API_VERSION,
  IMAGEBUILDER_API_VERSION,
  waitForOperation,
  type ArmClient,
  type LroOptions,
} from './arm.js';
import { templateDifferences } from './compare.js';
import { isObject, TemplateError, type JsonObject } from './file.js';
import type { PreparedTemplate } from './prepare.js';

/** The service's answer to a PUT that would change an existing template (409 Conflict). */
export const UPDATE_NOT_SUPPORTED = /Update\/Upgrade of image templates is currently not supported/i;
/** Longest wait for a template create or delete (the service takes seconds to minutes). */
export const TEMPLATE_OPERATION_TIMEOUT_MS = 30 * 60_000;

export interface LifecycleLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface LifecycleDeps {
  arm: ArmClient;
  log: LifecycleLog;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  subscriptionId: string;
  resourceGroup: string;
  pollIntervalMs: number;
  signal?: AbortSignal;
  /** Describes an Azure error for the user (the action's describeAzureError). */
  describe(err: unknown): string;
  /** Called just before the first request that may create, change or delete the template. */
  beforeChange?(): void;
}

export type EnsureOutcome = 'created' | 'reused' | 'replaced';

function templatePath(d: LifecycleDeps, name: string): string {
  return `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${encodeURIComponent(name)}`;
}

function lro(d: LifecycleDeps, timeoutMs = TEMPLATE_OPERATION_TIMEOUT_MS): LroOptions {
  return { sleep: d.sleep, now: d.now, intervalMs: d.pollIntervalMs, timeoutMs, ...(d.signal ? { signal: d.signal } : {}) };
}

/** The template as the service returns it, or undefined when it does not exist. */
export async function readTemplate(d: LifecycleDeps, name: string): Promise<JsonObject | undefined> {
  const res = await d.arm.send('GET', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, undefined, d.signal);
  if (res.status === 404) return undefined;
  if (res.status >= 400) throw armErrorOf(res, `GET image template '${name}'`);
  return isObject(res.body) ? res.body : {};
}

function props(t: JsonObject | undefined): JsonObject {
  return t && isObject(t.properties) ? t.properties : {};
}

function runState(t: JsonObject | undefined): string | undefined {
  const s = props(t).lastRunStatus;
  return isObject(s) && typeof s.runState === 'string' ? s.runState : undefined;
}

const running = (t: JsonObject | undefined): boolean => ['running', 'canceling'].includes((runState(t) ?? '').toLowerCase());

function stagingGroup(t: JsonObject | undefined): string | undefined {
  const g = props(t).exactStagingResourceGroup;
  return typeof g === 'string' && g !== '' ? g : undefined;
}

async function putTemplate(d: LifecycleDeps, name: string, body: JsonObject): Promise<{ conflict?: string }> {
  const res = await d.arm.send('PUT', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, body, d.signal);
  if (res.status === 409) {
    const err = armErrorOf(res, `PUT image template '${name}'`);
    if (UPDATE_NOT_SUPPORTED.test(err.message)) return { conflict: err.message };
    throw err;
  }
  if (res.status >= 400) throw armErrorOf(res, `PUT image template '${name}'`);
  await waitForOperation(d.arm, res, `Creating image template '${name}'`, lro(d));
  const after = await readTemplate(d, name);
  const state = String(props(after).provisioningState ?? '');
  if (state.toLowerCase() === 'failed') {
    const e = props(after).provisioningError;
    const msg = isObject(e) ? `${String(e.provisioningErrorCode ?? '')}: ${String(e.message ?? '')}` : 'no detail from the service';
    throw new TemplateError(
      `Image template '${name}' failed to provision (${msg}). The failed template is left in place; fix the file and run again with replace-template: true.`,
      'Template not created',
    );
  }
  return {};
}

/** The body to PUT of a template prepared in resource form. */
function bodyOf(prepared: PreparedTemplate): JsonObject {
  if (!prepared.body) throw new Error(`internal error: template '${prepared.name}' was prepared as a resource but has no body`);
  return prepared.body;
}

async function deploy(d: LifecycleDeps, prepared: PreparedTemplate): Promise<{ conflict?: string }> {
  const dep = prepared.deployment;
  if (!dep) throw new Error(`internal error: template '${prepared.name}' was prepared as an ARM template but has no deployment`);
  const depName = `image-builder-run-${prepared.name}`.slice(0, 64);
  const path = `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.Resources/deployments/${encodeURIComponent(depName)}?api-version=${DEPLOYMENTS_API_VERSION}`;
  const res = await d.arm.send(
    'PUT',
    path,
    { properties: { mode: 'Incremental', template: dep.template, parameters: dep.parameters } },
    d.signal,
  );
  const conflictOf = (err: unknown): string | undefined =>
    allMessages(err).find((m) => UPDATE_NOT_SUPPORTED.test(m) && !m.trim().startsWith('{'));
  if (res.status >= 400) {
    const err = armErrorOf(res, `Deployment '${depName}'`);
    const c = conflictOf({ message: err.message, details: err.details });
    if (c) return { conflict: c };
    throw err;
  }
  try {
    await waitForOperation(d.arm, res, `Deployment '${depName}'`, lro(d));
  } catch (err) {
    const c = conflictOf(err);
    if (c) return { conflict: c };
    const detail = allMessages(err)
      .filter((m) => !m.trim().startsWith('{'))
      .slice(1, 4);
    throw new TemplateError(
      `Deployment '${depName}' of ${prepared.path} failed: ${d.describe(err)}${detail.length ? `\n${detail.map((m) => `  ${m}`).join('\n')}` : ''}`,
      'Template not created',
    );
  }
  return {};
}

/** `probe`: the template exists, and the service decides whether the body is unchanged (accepted) or not (409, no change). */
async function create(d: LifecycleDeps, prepared: PreparedTemplate, probe = false): Promise<{ conflict?: string }> {
  if (!probe) d.beforeChange?.();
  return prepared.form === 'resource' ? putTemplate(d, prepared.name, bodyOf(prepared)) : deploy(d, prepared);
}

/** Waits until the template shows no run in progress (bounded); true when it did. */
async function waitNotRunning(d: LifecycleDeps, name: string, timeoutMs: number): Promise<boolean> {
  const deadline = d.now() + timeoutMs;
  for (;;) {
    const t = await readTemplate(d, name);
    if (!running(t)) return true;
    if (d.now() + d.pollIntervalMs > deadline) return false;
    await d.sleep(d.pollIntervalMs, d.signal);
  }
}

/** DELETE and wait for it; resolves when the template is gone. */
async function deleteAndWait(d: LifecycleDeps, name: string): Promise<void> {
  const res = await d.arm.send('DELETE', `${templatePath(d, name)}?api-version=${IMAGEBUILDER_API_VERSION}`, undefined, d.signal);
  if (res.status === 404 || res.status === 204) return;
  if (res.status >= 400) throw armErrorOf(res, `DELETE image template '${name}'`);
  await waitForOperation(d.arm, res, `Deleting image template '${name}'`, lro(d));
}

/** Makes sure the template of the file exists: create, reuse an identical one, replace (replace-template) or refuse a different one. */
export async function ensureTemplate(d: LifecycleDeps, prepared: PreparedTemplate, replace: boolean): Promise<EnsureOutcome> {
  const { name } = prepared;
  const where = `resource group '${d.resourceGroup}'`;
  let existing = await readTemplate(d, name);
  const stateOf = (t: JsonObject | undefined): string => String(props(t).provisioningState ?? '').toLowerCase();
  if (existing && stateOf(existing) === 'deleting') {
    d.log.info(`Image template '${name}' is being deleted; waiting for it to go before creating it again.`);
    const deadline = d.now() + TEMPLATE_OPERATION_TIMEOUT_MS;
    while (existing && stateOf(existing) === 'deleting' && d.now() < deadline) {
      await d.sleep(d.pollIntervalMs, d.signal);
      existing = await readTemplate(d, name);
    }
  }
  if (!existing) {
    d.log.info(`Creating image template '${name}' in ${where} from ${prepared.path}${prepared.form === 'arm' ? ' (ARM deployment)' : ''}.`);
    const r = await create(d, prepared);
    if (r.conflict) throw refusal(d, prepared, undefined, r.conflict);
    return 'created';
  }

  let diffs: string[] | undefined;
  if (stateOf(existing) === 'failed')
    diffs = ['properties.provisioningState (Failed: a template that failed to provision must be deleted and created again)'];
  else if (prepared.form === 'resource') diffs = templateDifferences(bodyOf(prepared), existing);
  if (diffs !== undefined && diffs.length === 0) {
    d.log.info(`Image template '${name}' already exists with the same body: reusing it.`);
    return 'reused';
  }
  let conflict: string | undefined;
  if (diffs === undefined || stateOf(existing) !== 'failed') {
    // The service decides: an unchanged body is accepted, a changed one refused (409) without any change.
    const r = await create(d, prepared, true);
    if (!r.conflict) {
      d.log.info(`Image template '${name}' already exists; the service accepted the body unchanged: reusing it.`);
      return 'reused';
    }
    conflict = r.conflict;
  }
  if (!replace) throw refusal(d, prepared, diffs, conflict);
  if (running(existing)) {
    throw new TemplateError(
      `Image template '${name}' must be replaced (replace-template: true), but it has a run in progress (${runState(existing)}), and a template cannot be deleted while it runs. ` +
        'Wait for that run to end (or cancel it: az image builder cancel), then run this step again; or give this template a name of its own.',
      'Template not replaced',
    );
  }
  d.log.info(
    `Replacing image template '${name}' (replace-template: true): deleting it${stagingGroup(existing) ? ` and its staging group ${stagingGroup(existing)}` : ''}, then creating it from ${prepared.path}.`,
  );
  d.beforeChange?.();
  await deleteAndWait(d, name);
  const again = await create(d, prepared);
  if (again.conflict) throw refusal(d, prepared, diffs, again.conflict);
  return 'replaced';
}

function refusal(
  d: LifecycleDeps,
  prepared: PreparedTemplate,
  diffs: string[] | undefined,
  serviceMessage: string | undefined,
): TemplateError {
  const differs = diffs?.length ? ` It differs at: ${diffs.slice(0, 8).join(', ')}${diffs.length > 8 ? ', ...' : ''}.` : '';
  const quote = serviceMessage ?? 'Update/Upgrade of image templates is currently not supported.';
  return new TemplateError(
    `Image template '${prepared.name}' already exists in resource group '${d.resourceGroup}' with a different body than ${prepared.path}, and the service does not change a template in place: "${quote}"${differs} ` +
      'Nothing was changed. Either set replace-template: true to delete it and create it again from the file, ' +
      `or give this template a name of its own (template-name${prepared.nameFrom === 'file' ? ', or remove the name from the file to have one generated per run' : ''}).`,
    'Template exists with a different body',
  );
}

export interface DeleteOptions {
  /** Longest wait for a run still going to stop after the cancel. */
  cancelTimeoutMs: number;
}

/**
 * Deletes the template after the run (its logs already fetched): a run still going is canceled first and waited
 * for; the delete is waited for. Never throws: a failure is a warning naming what is left (it costs money).
 */
export async function deleteTemplate(d: LifecycleDeps, name: string, o: DeleteOptions): Promise<boolean> {
  let staging: string | undefined;
  const leftover = (why: string): false => {
    d.log.warning(
      `Could not delete image template '${name}' in resource group '${d.resourceGroup}': ${why}. It is left in place${staging ? ` with its staging resource group ${staging}` : ''}, ` +
        `which cost money: delete it with az image builder delete -g ${d.resourceGroup} -n ${name}.`,
    );
    return false;
  };
  try {
    const t = await readTemplate(d, name);
    if (!t) {
      d.log.info(`Image template '${name}' is already gone.`);
      return true;
    }
    staging = stagingGroup(t);
    if (running(t)) {
      if ((runState(t) ?? '').toLowerCase() === 'running') {
        d.log.info(`Image template '${name}' still has a run going: canceling it before the delete.`);
        const res = await d.arm.send(
          'POST',
          `${templatePath(d, name)}/cancel?api-version=${IMAGEBUILDER_API_VERSION}`,
          undefined,
          d.signal,
        );
        if (res.status >= 400 && res.status !== 409) throw armErrorOf(res, `Cancel of '${name}'`);
      }
      if (!(await waitNotRunning(d, name, o.cancelTimeoutMs)))
        return leftover(`its run did not stop within ${Math.round(o.cancelTimeoutMs / 1000)} s of the cancel (cancel-timeout)`);
    }
    d.log.info(`Deleting image template '${name}'${staging ? ` (and its staging resource group ${staging})` : ''}.`);
    await deleteAndWait(d, name);
    d.log.info(`Image template '${name}' deleted.`);
    return true;
  } catch (err) {
    return leftover(
      err instanceof ArmRequestError || (err as { statusCode?: unknown })?.statusCode !== undefined
        ? d.describe(err)
        : err instanceof Error
          ? err.message
          : String(err),
    );
  }
}
