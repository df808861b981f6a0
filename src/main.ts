/** Entry point of the main step: wire things up; the one top-level catch. */
import * as core from '@actions/core';
import { ActionError, run } from './action.js';
import { AuthSetupError, createCredential } from './auth.js';
import { createImageBuilderOps } from './imagebuilder.js';
import { coreReporter, redactSas } from './report.js';
import { InputError, parseSettings } from './settings.js';
import { trapSignals } from './signals.js';
import { realClock } from './wait.js';
import { createLogHooks, createSummaryWriter, groupSafeReporter } from './wiring.js';

async function main(): Promise<void> {
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
  const ops = createImageBuilderOps(credential, settings, {}, (from, to) =>
    core.info(`This cloud's Image Builder does not accept api-version ${from}; using ${to}, the newest version it lists.`),
  );
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
    // Log work still going (a slow storage account) must not keep the process alive once the result is reported.
    if (result.interrupted || result.logsAbandoned) await exitAfterFlush(result.interrupted ? 1 : undefined);
  } finally {
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
