/** The polling loop: one template read per poll, progress printed once per change, timeout, outages ridden out. */
import { formatDuration } from './duration.js';
import { errorInfo } from './errors.js';
import { backoff, isTransient } from './retry.js';
import { isKnownRunState } from './runstatus.js';
import { TERMINAL_STATES, type RunStatus } from './types.js';

export interface Clock {
  /** ms since the epoch. */
  now(): number;
  /** Resolves after ms, or early when the signal aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface WaitLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface WaitOptions {
  /** Reads the run status (one template GET). */
  getStatus(signal?: AbortSignal): Promise<RunStatus | undefined>;
  clock: Clock;
  log: WaitLog;
  pollIntervalMs: number;
  /** Longest wait from the loop's start. */
  timeoutMs: number;
  /** When to stop; default: a terminal runState. */
  isDone?: (status: RunStatus) => boolean;
  /** Whether a status belongs to the run we follow (false: the template still shows the previous run). */
  isCurrent?: (status: RunStatus) => boolean;
  /**
   * Asked every STALE_POLLS_BEFORE_CHECK polls while the template still shows the previous run: a terminal
   * status when the run ended without the template ever showing it (e.g. the run's operation failed).
   */
  endedUnseen?: (signal: AbortSignal) => Promise<RunStatus | undefined>;
  /** Called after each successful read of a current status; errors are caught and warned about. */
  onPoll?: (status: RunStatus) => Promise<void>;
  /** Aborts the wait (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Longest delay between two reads while reads fail (default: 4 poll intervals, at least 60 s). */
  maxRetryDelayMs?: number;
  /** Jitter source for the delays between failed reads (default Math.random). */
  random?: () => number;
  /** When the progress started (ms since the epoch), for the elapsed time printed; default: this loop's start. */
  progressStart?: number;
  /** The last state/sub-state key printed by an earlier loop, so it is not printed again. */
  lastKey?: string;
}

export interface WaitResult {
  outcome: 'done' | 'timeout' | 'aborted';
  /** The last current status read. */
  status: RunStatus | undefined;
  /** How long the loop waited, in ms. */
  waitedMs: number;
  /** The last state/sub-state key printed (pass it on to a following loop). */
  lastKey?: string;
  /** The error of the last read, when the loop ended while reads were failing. */
  readError?: string;
}

/** `p`, or a rejection as soon as `signal` aborts (even if the work behind `p` ignores the signal). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function describe(status: RunStatus): string {
  return status.runSubState ? `${status.runState ?? '?'} / ${status.runSubState}` : `${status.runState ?? '?'}`;
}

/** Stale polls (template still showing the previous run) between two reads of the run's own operation. */
export const STALE_POLLS_BEFORE_CHECK = 4;

export async function waitForRun(opts: WaitOptions): Promise<WaitResult> {
  const { clock, log } = opts;
  const isDone = opts.isDone ?? ((s: RunStatus) => TERMINAL_STATES.includes(s.runState ?? ''));
  const isCurrent = opts.isCurrent ?? (() => true);
  const start = clock.now();
  const progressStart = opts.progressStart ?? start;
  const deadline = start + opts.timeoutMs;
  const retryDelays = backoff(opts.pollIntervalMs, opts.maxRetryDelayMs ?? Math.max(60_000, 4 * opts.pollIntervalMs), opts.random);
  let lastKey: string | undefined = opts.lastKey;
  let last: RunStatus | undefined;
  /** The last sub-state seen: a terminal status often comes without one, and a failure should still name its phase. */
  let lastSubState: string | undefined;
  let hookWarnings = 0;
  let stalePolls = 0;
  /** The current outage: when it began, how many reads failed, the errors already told. */
  let outage: { since: number; failures: number; told: Set<string>; last: string } | undefined;
  const unknownStates = new Set<string>();

  for (;;) {
    const end = (outcome: WaitResult['outcome'], status: RunStatus | undefined): WaitResult => ({
      outcome,
      status,
      waitedMs: clock.now() - start,
      ...(lastKey !== undefined ? { lastKey } : {}),
      ...(outage ? { readError: outage.last } : {}),
    });
    if (opts.signal?.aborted) return end('aborted', last);
    let status: RunStatus | undefined;
    let ok = false;
    // A hung read (or a long Retry-After inside the client) must not carry the wait past the timeout.
    const readTimeout = AbortSignal.timeout(Math.max(1000, deadline - clock.now()));
    const readSignal = opts.signal ? AbortSignal.any([opts.signal, readTimeout]) : readTimeout;
    try {
      status = await raceAbort(opts.getStatus(readSignal), readSignal);
      ok = true;
    } catch (err) {
      if (opts.signal?.aborted) return end('aborted', last);
      if (readTimeout.aborted) {
        outage ??= { since: clock.now(), failures: 0, told: new Set(), last: '' };
        outage.last = `no answer within the timeout`;
        return end('timeout', last);
      }
      if (!isTransient(err)) throw err;
      const msg = errorInfo(err).message;
      outage ??= { since: clock.now(), failures: 0, told: new Set(), last: msg };
      outage.failures++;
      outage.last = msg;
      // Each distinct error once: an outage of an hour must not print a warning per poll.
      if (!outage.told.has(msg)) {
        outage.told.add(msg);
        log.warning(`Reading the run status failed: ${msg} (the build is not affected; retrying until the timeout)`);
      }
    }
    if (ok) {
      if (outage) {
        log.info(
          `Run status readable again after ${outage.failures} failed read${outage.failures === 1 ? '' : 's'} over ${formatDuration(clock.now() - outage.since)}.`,
        );
        outage = undefined;
        retryDelays.reset();
      }
      if (status !== undefined && isCurrent(status)) {
        // Printed as it came; returned with the last sub-state seen when it has none (a failure names its phase).
        if (status.runSubState) lastSubState = status.runSubState;
        last =
          status.runSubState || lastSubState === undefined || status.runState === 'Running'
            ? status
            : { ...status, runSubState: lastSubState };
        if (status.runState !== undefined && !isKnownRunState(status.runState) && !unknownStates.has(status.runState)) {
          unknownStates.add(status.runState);
          log.warning(
            `The service reports a run state this action does not know: '${status.runState}'. Waiting for a known one (until the timeout).`,
          );
        }
        const key = `${status.runState ?? ''}/${status.runSubState ?? ''}`;
        if (key !== lastKey) {
          lastKey = key;
          const now = clock.now();
          log.info(`${new Date(now).toISOString().slice(11, 19)}Z  ${describe(status)}  (+${formatDuration(now - progressStart)})`);
        }
        if (opts.onPoll) {
          try {
            await opts.onPoll(status);
          } catch (err) {
            hookWarnings++;
            if (hookWarnings <= 3) {
              log.warning(
                `Build log tail: ${err instanceof Error ? err.message : String(err)}${hookWarnings === 3 ? ' (further errors of the log tail are not shown)' : ''}`,
              );
            }
          }
        }
        if (isDone(status)) return end('done', last);
      } else {
        stalePolls++;
        if (stalePolls === 1) log.info('Waiting for the template to show the new run...');
        if (opts.endedUnseen && stalePolls % STALE_POLLS_BEFORE_CHECK === 0) {
          const ended = await opts.endedUnseen(readSignal).catch(() => undefined);
          if (ended) {
            log.info(`The run ended before the template showed it: ${describe(ended)}`);
            return end('done', ended);
          }
        }
      }
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) return end('timeout', last);
    const delay = outage ? retryDelays.next() : opts.pollIntervalMs;
    await clock.sleep(Math.min(delay, remaining), opts.signal);
  }
}
