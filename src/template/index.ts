/**
 * template-file, as the action uses it at three points: before any call (prepare: read, check, name), before the
 * template is read (ensure: create, reuse, replace or refuse), and after the run and its logs (delete). The post
 * step deletes a template the main step could not (killed).
 */
import type { TokenCredential } from '@azure/core-auth';
import { describeAzureError } from '../errors.js';
import type { Reporter } from '../report.js';
import type { Settings } from '../settings.js';
import type { SavedContext } from '../state.js';
import { createArmClient, type ArmClient } from './arm.js';
import { deleteTemplate, ensureTemplate, type LifecycleDeps } from './lifecycle.js';
import { TemplateError } from './file.js';
import { prepareTemplate, type PreparedTemplate } from './prepare.js';
import type { VhdKeeper } from './vhd.js';

export { TemplateError, TemplateFileError } from './file.js';
export type { PreparedTemplate } from './prepare.js';
export { createVhdKeeper, type VhdKeeper } from './vhd.js';

/** Saved for the post step: what to delete if the main step could not. */
export const STATE_TEMPLATE = 'ibr-template-file';

interface SavedTemplate {
  ctx: SavedContext;
  deleteTemplate: Settings['deleteTemplate'];
  cancelTimeoutMs: number;
  pollIntervalMs: number;
  /** true while the template may exist and its delete (per delete-template) has not been done. */
  pending: boolean;
  /** A VHD copy to vhd-destination started and did not finish: deleting the template could lose the VHD. */
  vhdAtRisk?: boolean;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/**
 * Before any call: reads, checks and names the template of template-file, and sets settings.templateName.
 * Throws TemplateFileError (written for the user) on a problem.
 */
export async function prepareTemplateFile(settings: Settings, env: NodeJS.ProcessEnv): Promise<PreparedTemplate | undefined> {
  if (settings.templateFile === undefined) return undefined;
  const prepared = await prepareTemplate(
    {
      templateFile: settings.templateFile,
      templateName: settings.templateName,
      ...(settings.templateParameters ? { templateParameters: settings.templateParameters } : {}),
      deleteTemplate: settings.deleteTemplate,
      logsWanted: settings.streamLogs || settings.uploadLogs !== 'never',
      ...(settings.vhdDestination !== undefined ? { vhdDestination: settings.vhdDestination } : {}),
    },
    env,
  );
  settings.templateName = prepared.name;
  return prepared;
}

export interface TemplateFromFile {
  readonly prepared: PreparedTemplate;
  /** Before the template is read: create it, reuse it, replace it or refuse. Throws TemplateError. */
  ensure(report: Reporter, signal?: AbortSignal): Promise<void>;
  /** After the run and its logs: delete per delete-template (state: the run's final state, if known). Never throws. */
  afterRun(state: string | undefined, report: Reporter): Promise<void>;
}

function lifecycleDeps(
  arm: ArmClient,
  ctx: { subscriptionId: string; resourceGroup: string; templateName: string },
  pollIntervalMs: number,
  log: LifecycleDeps['log'],
  signal?: AbortSignal,
): LifecycleDeps {
  return {
    arm,
    log,
    sleep,
    now: () => Date.now(),
    subscriptionId: ctx.subscriptionId,
    resourceGroup: ctx.resourceGroup,
    pollIntervalMs,
    ...(signal ? { signal } : {}),
    describe: (err) => describeAzureError(err, ctx),
  };
}

/** `vhds` (vhd-destination): the template is deleted only once its VHD run outputs are copied. */
export function createTemplateFromFile(
  prepared: PreparedTemplate,
  settings: Settings,
  credential: TokenCredential,
  saved: SavedContext,
  vhds?: VhdKeeper,
): TemplateFromFile {
  const arm = createArmClient(credential, settings.resourceManagerEndpoint, settings.armScope);
  let ensured = false;
  let lastPending: { report: Reporter; pending: boolean } | undefined;
  const save = (report: Reporter, pending: boolean): void => {
    lastPending = { report, pending };
    const s: SavedTemplate = {
      ctx: saved,
      deleteTemplate: settings.deleteTemplate,
      cancelTimeoutMs: settings.cancelTimeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      pending,
    };
    if (vhds && ['copying', 'failed'].includes(vhds.state())) s.vhdAtRisk = true;
    report.saveState(STATE_TEMPLATE, JSON.stringify(s));
  };
  if (vhds) {
    vhds.onChange = () => {
      if (lastPending) save(lastPending.report, lastPending.pending);
    };
  }
  return {
    prepared,
    async ensure(report, signal) {
      for (const w of prepared.warnings) report.warning(w);
      const deletes = settings.deleteTemplate !== 'never';
      // For the post step: only a template this step created, changed or went on to run is its to delete.
      const deps: LifecycleDeps = {
        ...lifecycleDeps(arm, settings, settings.pollIntervalMs, report, signal),
        ...(deletes ? { beforeChange: () => save(report, true) } : {}),
      };
      let outcome;
      try {
        outcome = await ensureTemplate(deps, prepared, settings.replaceTemplate);
      } catch (err) {
        if (err instanceof TemplateError) throw err;
        throw new TemplateError(
          `Could not create image template '${prepared.name}' from ${prepared.path}: ${deps.describe(err)}`,
          'Azure request failed',
        );
      }
      ensured = true;
      if (deletes) save(report, true);
      if (prepared.provenance) {
        report.info(
          `Provenance: ${outcome === 'reused' ? 'the template carries' : 'tagged the template and its images with'} source-repository=${prepared.provenance['source-repository']}, ` +
            `source-commit=${prepared.provenance['source-commit']}, source-run=${prepared.provenance['source-run']}.`,
        );
      }
    },
    async afterRun(state, report) {
      if (!ensured || settings.deleteTemplate === 'never') return;
      if (settings.deleteTemplate === 'on-success' && state !== 'Succeeded') {
        report.info(
          `delete-template is on-success and the run ended ${state ?? 'without a known state'}: keeping image template '${settings.templateName}' to look into.`,
        );
        save(report, false);
        return;
      }
      const produced = state === 'Succeeded' || state === 'PartiallySucceeded';
      if (vhds && (vhds.state() === 'failed' || vhds.state() === 'copying' || (produced && vhds.state() === 'not-run'))) {
        report.warning(
          `Keeping image template '${settings.templateName}' (delete-template: ${settings.deleteTemplate}): its VHD run output was not copied to ${vhds.destination} (vhd-destination), ` +
            `and deleting the template would delete the VHD. Copy the VHD, then delete the template: az image builder delete -g ${settings.resourceGroup} -n ${settings.templateName}.`,
        );
        save(report, false);
        return;
      }
      await deleteTemplate(lifecycleDeps(arm, settings, settings.pollIntervalMs, report), settings.templateName, {
        cancelTimeoutMs: settings.cancelTimeoutMs,
      });
      save(report, false);
    },
  };
}

export interface PostDeleteDeps {
  getState(name: string): string;
  makeArm(ctx: SavedContext): ArmClient;
  info(message: string): void;
  warning(message: string): void;
}

/** Post step: deletes a template-file template the main step left behind (delete-template: always, main step killed). */
export async function deleteLeftoverTemplate(deps: PostDeleteDeps): Promise<void> {
  const raw = deps.getState(STATE_TEMPLATE);
  if (raw === '') return;
  let s: SavedTemplate;
  try {
    s = JSON.parse(raw) as SavedTemplate;
  } catch {
    return;
  }
  if (!s.pending || !s.ctx) return;
  if (s.vhdAtRisk) {
    deps.warning(
      `The main step ended before copying the VHD to vhd-destination: keeping image template '${s.ctx.templateName}', whose delete would delete the VHD.`,
    );
    return;
  }
  if (s.deleteTemplate !== 'always') {
    deps.info(`delete-template is ${s.deleteTemplate} and the main step did not finish: keeping image template '${s.ctx.templateName}'.`);
    return;
  }
  deps.info(`The main step ended before deleting image template '${s.ctx.templateName}' (delete-template: always): deleting it now.`);
  await deleteTemplate(lifecycleDeps(deps.makeArm(s.ctx), s.ctx, s.pollIntervalMs, deps), s.ctx.templateName, {
    cancelTimeoutMs: s.cancelTimeoutMs,
  });
}

export { createArmClient };
