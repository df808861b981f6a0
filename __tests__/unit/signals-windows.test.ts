// The runner cancels a step on Windows with Ctrl+C then Ctrl+Break (actions/runner
// src/Runner.Sdk/ProcessInvoker.cs: SendSIGINT -> CTRL_C, SendSIGTERM -> CTRL_BREAK); Node reports
// Ctrl+Break as SIGBREAK. Either must abort the wait so the build gets canceled.
import { expect, test } from '@jest/globals';
import { trapSignals } from '../../src/signals.js';

test.each(['SIGINT', 'SIGTERM', 'SIGBREAK'] as const)('%s aborts the wait', (sig) => {
  const seen: string[] = [];
  // The forced exit must never fire within the test run: it would end the jest worker.
  const trap = trapSignals({ hardExitMs: 2_000_000_000, onSignal: (s) => seen.push(s) });
  try {
    process.emit(sig, sig);
    expect(trap.signal.aborted).toBe(true);
    expect(seen).toEqual([sig]);
  } finally {
    trap.dispose();
  }
});

test('dispose removes every handler', () => {
  const before = ['SIGINT', 'SIGTERM', 'SIGBREAK'].map((s) => process.listenerCount(s));
  trapSignals().dispose();
  expect(['SIGINT', 'SIGTERM', 'SIGBREAK'].map((s) => process.listenerCount(s))).toEqual(before);
});
