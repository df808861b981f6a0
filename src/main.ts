/** Entry point of the main step: wire things up; the one top-level catch. */
import * as core from '@actions/core';
import { ActionError, run } from './action.js';
import { AuthSetupError, createCredential } from './auth.js';
import { createImageBuilderOps } from './imagebuilder.js';
import { coreReporter, redactSas } from './report.js';
import { routeAzureSdkLog } from './sdklog.js';
import { InputError, parseSettings } from './settings.js';
import { trapSignals } from './signals.js';
import { realClock } from './wait.js';
import { createLogHooks, createSummaryWriter, groupSafeReporter } from './wiring.js';

async function main(): Promise<void> {
  routeAzureSdkLog(core.isDebug(), (m) => core.debug(m));
  const settings = parseSettings((name) => core.getInput(name), process.env);
  let subject: string | undefined;
  const credential = createCredential(settings.auth, {
    getIDToken: (aud) => core.getIDToken(aud),
    now: () => Date.now(),
    info: (m) => core.info(m),
    setSecret: (s) => core.setSecret(s),
    onSubject: (s) => {
      subject = s;
    },
    env: process.env,
  });
  const ops = createImageBuilderOps(credential, settings);
  const trap = trapSignals({ onSignal: (sig) => core.info(`Received ${sig}.`) });
  const logs = createLogHooks({ settings, credential, report: coreReporter, signal: trap.signal });
  const report = groupSafeReporter(coreReporter, () => logs.closeGroup());
  try {
    const result = await run(settings, {
      ops,
      clock: realClock,
      report,
      logs,
      summary: createSummaryWriter(settings),
      signal: trap.signal,
      oidcSubject: () => subject,
    });
    if (result.interrupted) process.exit(1);
  } finally {
    trap.dispose();
  }
}

main().catch((err: unknown) => {
  process.exitCode = core.ExitCode.Failure;
  if (err instanceof InputError) {
    core.error(err.message, { title: 'image-builder-run: invalid input' });
  } else if (err instanceof AuthSetupError) {
    core.error(err.message, { title: 'image-builder-run: sign-in' });
  } else if (err instanceof ActionError) {
    core.error(redactSas(err.message), { title: `image-builder-run: ${err.title}` });
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    core.error(redactSas(`image-builder-run failed: ${msg}`), { title: 'image-builder-run' });
    if (err instanceof Error && err.stack) core.debug(err.stack);
  }
});
