/** Which failed Azure calls are worth asking again, and how long to wait before the next try. */
import { errorInfo } from './errors.js';
import type { Clock } from './wait.js';

/**
 * A failure that may go away: 408, 429, 5xx, a dropped connection, a timeout, an unreadable body.
 * 4xx answers other than 408 and 429 will not get better by asking again.
 */
export function isTransient(err: unknown): boolean {
  const { status } = errorInfo(err);
  const name = err instanceof Error ? err.name : '';
  // A missing or refused sign-in is final; an aborted call was stopped on purpose.
  if (name === 'CredentialUnavailableError' || name === 'AbortError') return false;
  if (name === 'AuthenticationError' && (status === undefined || (status < 500 && status !== 429))) return false;
  if (status === undefined) return true;
  if (status === 408 || status === 429) return true;
  if (status >= 500) return true;
  // A 2xx whose body could not be read (the SDK's parse error carries the response status).
  return status < 400;
}

export interface Backoff {
  /** Delay before the next try, in ms (exponential from `firstMs` to `maxMs`, ±25 % jitter). */
  next(): number;
  reset(): void;
}

export function backoff(firstMs: number, maxMs: number, random: () => number = Math.random): Backoff {
  let attempt = 0;
  return {
    next() {
      const base = Math.min(maxMs, firstMs * 2 ** attempt);
      attempt++;
      return Math.max(1, Math.round(base * (0.75 + random() * 0.5)));
    },
    reset() {
      attempt = 0;
    },
  };
}

export interface RetryOptions {
  clock: Clock;
  /** ms since the epoch: no new try starts after it; the last error is thrown. */
  deadline: number;
  /** First delay (default 1 s); doubles up to maxDelayMs (default 30 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Told once per distinct error message (the same error again is not repeated). */
  onRetry?: (message: string, delayMs: number) => void;
  signal?: AbortSignal;
  random?: () => number;
}

/** Calls fn until it succeeds, a failure is not transient, or the deadline passes (then the last error is thrown). */
export async function retryTransient<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const delays = backoff(o.firstDelayMs ?? 1000, o.maxDelayMs ?? 30_000, o.random);
  const told = new Set<string>();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || o.signal?.aborted) throw err;
      const delay = delays.next();
      if (o.clock.now() + delay > o.deadline) throw err;
      const msg = errorInfo(err).message;
      if (!told.has(msg)) {
        told.add(msg);
        o.onRetry?.(msg, delay);
      }
      await o.clock.sleep(delay, o.signal);
    }
  }
}
