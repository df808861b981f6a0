/**
 * The run status as the service really sends it, made safe to reason about: state names in one case,
 * the Go zero time (`0001-01-01T00:00:00Z`, which the SDK turns into a year-1 Date) and an end before the
 * start read as "no time", and whether a status belongs to the run this step follows.
 */
import type { RunStatus } from './types.js';

const RUN_STATES = ['Running', 'Canceling', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];
const SUB_STATES = ['Queued', 'Building', 'Customizing', 'Optimizing', 'Validating', 'Distributing'];

/** The service's clock (startTime) and the runner's (when we sent the POST) may differ by this much. */
export const CLOCK_SKEW_MS = 2 * 60_000;

function canonical(value: string, known: string[]): string {
  return known.find((k) => k.toLowerCase() === value.toLowerCase()) ?? value;
}

/** A real time, or undefined for a missing, unreadable or zero (year 1) one. */
function realTime(d: unknown): Date | undefined {
  const t = d instanceof Date ? d : typeof d === 'string' ? new Date(d) : undefined;
  if (t === undefined || !Number.isFinite(t.getTime()) || t.getUTCFullYear() < 2000) return undefined;
  return t;
}

export function normalizeRunStatus(s: {
  runState?: unknown;
  runSubState?: unknown;
  message?: unknown;
  startTime?: unknown;
  endTime?: unknown;
}): RunStatus {
  const out: RunStatus = {};
  if (typeof s.runState === 'string' && s.runState !== '') out.runState = canonical(s.runState, RUN_STATES);
  if (typeof s.runSubState === 'string' && s.runSubState !== '') out.runSubState = canonical(s.runSubState, SUB_STATES);
  if (typeof s.message === 'string' && s.message !== '') out.message = s.message;
  const start = realTime(s.startTime);
  const end = realTime(s.endTime);
  if (start) out.startTime = start;
  if (end && (!start || end.getTime() >= start.getTime())) out.endTime = end;
  return out;
}

export function isKnownRunState(state: string | undefined): boolean {
  return state !== undefined && RUN_STATES.includes(state);
}

/**
 * Whether a status read after our POST is our run's: not the run the template showed before (same start),
 * and not older than the POST (allowing for clock skew). A run without a start time counts while in progress.
 */
export function isOwnRun(s: RunStatus, postedAt: number, previousStart: number | undefined): boolean {
  if (s.startTime === undefined) return s.runState === 'Running' || s.runState === 'Canceling';
  const start = s.startTime.getTime();
  return start !== previousStart && start >= postedAt - CLOCK_SKEW_MS;
}
