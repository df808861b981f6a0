/** Outputs, annotations and masking, behind a small interface so run() can be tested without @actions/core. */
import * as core from '@actions/core';

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

/**
 * Removes secrets that URLs, connection strings and echoed HTTP headers carry: the query of URLs with a
 * SAS (`sig=`, `sv=`, `se=`), a bare SAS signature (`...&sig=...` outside a URL), `AccountKey=...`, and
 * `Authorization: Bearer|SharedKey ...` header values (packer debug output may echo requests).
 */
export function redactSas(text: string): string {
  return text
    .replace(/(https?:\/\/[^\s?'"]+)\?[^\s'"]*\b(?:sig|sv|se)=[^\s'"]*/gi, '$1')
    .replace(/\bsig=[^&\s'"]+/gi, 'sig=***')
    .replace(/\bAccountKey=[^;\s'"]+/gi, 'AccountKey=***')
    .replace(/(\bAuthorization["']?\s*[:=]\s*\[?["']?\s*)(Bearer|SharedKey(?:Lite)?|SharedAccessSignature)\s+[^\s'",\]]+/gi, '$1$2 ***');
}

export const coreReporter: Reporter = {
  info: (m) => core.info(redactSas(m)),
  warning: (m) => core.warning(redactSas(m)),
  error: (m, title) => core.error(redactSas(m), title ? { title } : {}),
  debug: (m) => core.debug(redactSas(m)),
  setOutput: (n, v) => core.setOutput(n, redactSas(v)),
  saveState: (n, v) => core.saveState(n, v),
  setSecret: (s) => core.setSecret(s),
  markFailed: () => {
    process.exitCode = core.ExitCode.Failure;
  },
  startGroup: (n) => core.startGroup(n),
  endGroup: () => core.endGroup(),
};
