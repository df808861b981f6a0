/**
 * The main step after its light start (src/launch.ts): sign-in, the Image Builder client, signals, logs, preflight,
 * template-file, and run(). Loaded with import() while the first ID token request is in flight.
 */
import * as core from '@actions/core';
import { run, savedContext, type ActionResult } from './action.js';
import { createCredential } from './auth.js';
import { createImageBuilderOps } from './imagebuilder.js';
import type { Launch } from './launch.js';
import { coreReporter, safeText } from './report.js';
import { routeAzureSdkLog } from './sdklog.js';
import { trapSignals } from './signals.js';
import { realClock } from './wait.js';
import { createLogHooks, createPreflightHook, createSummaryWriter, groupSafeReporter } from './wiring.js';

export async function runSession({ settings, prepared, idToken }: Launch): Promise<void> {
  routeAzureSdkLog(core.isDebug(), (m) => core.debug(m));
  let subject: string | undefined;
  const credential = createCredential(settings.auth, {
    getIDToken: (aud) => core.getIDToken(aud),
    ...(idToken ? { prefetchedIdToken: idToken } : {}),
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
  // src/template is loaded only for template-file or vhd-destination.
  const template = prepared || settings.vhdDestination ? await import('./template/index.js') : undefined;
  const vhds =
    template && settings.vhdDestination
      ? template.createVhdKeeper({ ...settings, vhdDestination: settings.vhdDestination }, credential)
      : undefined;
  const fromFile =
    template && prepared ? template.createTemplateFromFile(prepared, settings, credential, savedContext(settings), vhds) : undefined;
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
