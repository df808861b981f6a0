/** Outputs, annotations and masking, behind a small interface so run() can be tested without @actions/core. */
import * as core from '@actions/core';
import { redactSecrets, safeText } from './redact.js';

export { redactSecrets, safeText, inertText } from './redact.js';

export interface Reporter {
  info(message: string): void;
  warning(message: string): void;
  /** An error annotation; does not end the step by itself. */
  error(message: string, title?: string): void;
  debug(message: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  setSecret(secret: string): void;
  /** Marks the step failed (exit code 1) without printing anything more. */
  markFailed(): void;
  /** Foldable sections of the job log (optional; never nested). */
  startGroup?(name: string): void;
  endGroup?(): void;
}

/** Kept for the modules that import it from here: the same as `redactSecrets` (see redact.ts). */
export const redactSas = redactSecrets;

export const coreReporter: Reporter = {
  // Every message may quote the build log or a service's answer: no secret, and no line the runner would
  // take as a command (contract 10, 11).
  info: (m) => core.info(safeText(m)),
  warning: (m) => core.warning(safeText(m)),
  error: (m, title) => core.error(safeText(m), title ? { title: redactSecrets(title) } : {}),
  debug: (m) => core.debug(safeText(m)),
  setOutput: (n, v) => core.setOutput(n, redactSecrets(v)),
  saveState: (n, v) => core.saveState(n, redactSecrets(v)),
  setSecret: (s) => core.setSecret(s),
  markFailed: () => {
    process.exitCode = core.ExitCode.Failure;
  },
  startGroup: (n) => core.startGroup(safeText(n)),
  endGroup: () => core.endGroup(),
};
