/** Entry point of the main step: wire things up; the one top-level catch. */
import * as core from '@actions/core';
import { ActionError, run, savedContext, type ActionResult } from './action.js';
import { AuthSetupError, createCredential } from './auth.js';
import { createImageBuilderOps } from './imagebuilder.js';
import { coreReporter, safeText } from './report.js';
import { routeAzureSdkLog } from './sdklog.js';
import { InputError, parseSettings } from './settings.js';
import { trapSignals } from './signals.js';
import { createTemplateFromFile, createVhdKeeper, prepareTemplateFile } from './template/index.js';
import { realClock } from './wait.js';
import { createLogHooks, createPreflightHook, createSummaryWriter, groupSafeReporter } from './wiring.js';

async function main(): Promise<void> {
  routeAzureSdkLog(core.isDebug(), (m) => core.debug(m));
  const settings = parseSettings((name) => core.getInput(name), process.env);
  const prepared = await prepareTemplateFile(settings, process.env);
  let subject: string | undefined;
  const credential = createCredential(settings.auth, {
    getIDToken: (aud) => core.getIDToken(aud),
    now: () => Date.now(),
    info: (m) => core.info(safeText(m)),
    setSecret: (s) => core.setSecret(s),
    onSubject: (s) => {
      subject = s;
    },
    env: process.env,
  });
  const ops = createImageBuilderOps(credential, settings, {}, (from, to) =>
    core.info(`This cloud's Image Builder does not accept api-version ${from}; using ${to}, the newest version it lists.`),
  );
  const trap = trapSignals({ onSignal: (sig) => core.info(`Received ${sig}.`) });
  const logs = createLogHooks({ settings, credential, report: coreReporter, signal: trap.signal });
  const report = groupSafeReporter(coreReporter, () => logs.closeGroup());
  const preflight = createPreflightHook(settings, credential, {
    error: (m, title) => core.error(safeText(m), title ? { title } : {}),
    warning: (m, title) => core.warning(safeText(m), title ? { title } : {}),
    notice: (m, title) => core.notice(safeText(m), title ? { title } : {}),
    info: (m) => core.info(safeText(m)),
  });
  const vhds = settings.vhdDestination ? createVhdKeeper({ ...settings, vhdDestination: settings.vhdDestination }, credential) : undefined;
  const fromFile = prepared ? createTemplateFromFile(prepared, settings, credential, savedContext(settings), vhds) : undefined;
  let result: ActionResult | undefined;
  try {
    result = await run(settings, {
      ops,
      clock: realClock,
      report,
      logs,
      summary: createSummaryWriter(settings),
      signal: trap.signal,
      oidcSubject: () => subject,
      ...(preflight ? { preflight } : {}),
      ...(fromFile ? { fromFile } : {}),
      ...(vhds ? { vhds } : {}),
    });
    // Log work still going (a slow storage account) must not keep the process alive once the result is reported.
    if (result.interrupted || result.logsAbandoned) await exitAfterFlush(result.interrupted ? 1 : undefined);
  } finally {
    // After the run and its logs (delete-template); after a signal the post step deletes instead.
    if (fromFile && !trap.signal.aborted) await fromFile.afterRun(result?.state, report);
    trap.dispose();
  }
}

/** Exits once stdout has taken everything written so far (the last annotation must reach the runner). */
async function exitAfterFlush(code?: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code ?? (typeof process.exitCode === 'number' ? process.exitCode : 0));
}

main().catch((err: unknown) => {
  process.exitCode = core.ExitCode.Failure;
  if (err instanceof InputError) {
    core.error(safeText(err.message), { title: 'image-builder-run: invalid input' });
  } else if (err instanceof AuthSetupError) {
    core.error(safeText(err.message), { title: 'image-builder-run: sign-in' });
  } else if (err instanceof ActionError) {
    // TemplateError (template-file) is an ActionError too.
    core.error(safeText(err.message), { title: `image-builder-run: ${err.title}` });
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    core.error(safeText(`image-builder-run failed: ${msg}`), { title: 'image-builder-run' });
    if (err instanceof Error && err.stack) core.debug(safeText(err.stack));
  }
});
