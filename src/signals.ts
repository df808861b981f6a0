/** SIGINT/SIGTERM from the runner (workflow cancel, step timeout-minutes): abort the wait so the build gets canceled. */

export interface SignalOptions {
  /** Forced exit this long after the first signal (the runner kills 10 s after SIGINT). */
  hardExitMs?: number;
  onSignal?: (signal: NodeJS.Signals) => void;
}

/** Returns an AbortSignal aborted on the first SIGINT or SIGTERM, and a function to remove the handlers. */
export function trapSignals(options: SignalOptions = {}): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    options.onSignal?.(sig);
    controller.abort(new Error(`received ${sig}`));
    const timer = setTimeout(() => process.exit(1), options.hardExitMs ?? 9000);
    timer.unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
