/**
 * When to ask ARM again for the staging group's storage account while it is not there yet.
 *
 * The first look is at once; after each look that found nothing the next waits longer: from about one poll
 * interval, doubling, up to LOOK_CAP_POLLS poll intervals (with the same ±25 % jitter as every other backoff
 * here, so that many builds started together do not ask together). At the cap a look costs one ARM read per
 * LOOK_CAP_POLLS polls: the template GET of each poll stays the bulk of the ARM reads (at most 1.1 per poll).
 * Once the account is known, looking for the log is a blob listing (storage, not ARM) and this is not asked.
 */
import { backoff } from '../retry.js';
import type { Clock } from './types.js';

/** The longest wait between two ARM looks, in poll intervals. */
export const LOOK_CAP_POLLS = 10;

export interface LookSchedule {
  /** Whether a look is due now. */
  due(): boolean;
  /** A look that started at `startedAt` (clock ms) found nothing, or failed: the next one waits longer. */
  missed(startedAt: number): void;
}

export function lookSchedule(pollIntervalMs: number, clock: Clock, random?: () => number): LookSchedule {
  const poll = Math.max(1, pollIntervalMs);
  const delays = backoff(poll, poll * LOOK_CAP_POLLS, random);
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    due: () => clock.now() >= nextAt,
    // Half a poll early: the poll that comes about one delay later takes the look, not the one after it.
    missed: (startedAt) => {
      nextAt = startedAt + delays.next() - poll / 2;
    },
  };
}
