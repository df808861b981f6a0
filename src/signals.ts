/** SIGINT/SIGTERM from the runner (workflow cancel, step timeout-minutes): abort the wait so the build gets canceled. */

/**
 * On Windows the runner sends Ctrl+C, then Ctrl+Break, which Node reports as SIGINT and SIGBREAK
 * (actions/runner src/Runner.Sdk/ProcessInvoker.cs SendSIGINT / SendSIGTERM). Listening for SIGBREAK
 * elsewhere is harmless: nothing sends it.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGBREAK'];

export interface SignalOptions {
  /** Forced exit this long after the first signal (the runner kills 10 s after SIGINT). */
  hardExitMs?: number;
  onSignal?: (signal: NodeJS.Signals) => void;
}

/** Returns an AbortSignal aborted on the first SIGINT, SIGTERM or SIGBREAK, and a function to remove the handlers. */
export function trapSignals(options: SignalOptions = {}): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    options.onSignal?.(sig);
    controller.abort(new Error(`received ${sig}`));
    const timer = setTimeout(() => process.exit(1), options.hardExitMs ?? 9000);
    timer.unref();
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}
