import { describe, expect, it } from '@jest/globals';
import type { RunStatus } from '../../src/types.js';
import { STALE_POLLS_BEFORE_CHECK, waitForRun } from '../../src/wait.js';
import { FakeClock } from './fakes.js';

function recorder(): { info: string[]; warning: string[]; log: { info(m: string): void; warning(m: string): void } } {
  const info: string[] = [];
  const warning: string[] = [];
  return { info, warning, log: { info: (m) => info.push(m), warning: (m) => warning.push(m) } };
}

function script(steps: Array<RunStatus | Error>): (signal?: AbortSignal) => Promise<RunStatus | undefined> {
  let i = 0;
  return async () => {
    const step = steps[Math.min(i++, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    return step;
  };
}

const running = (sub: string): RunStatus => ({ runState: 'Running', runSubState: sub });

describe('waitForRun', () => {
  it('prints each state change once, with time and elapsed time, and stops at a terminal state', async () => {
    const clock = new FakeClock();
    const r = recorder();
    const polled: string[] = [];
    const result = await waitForRun({
      getStatus: script([
        running('Queued'),
        running('Queued'),
        running('Building'),
        running('Building'),
        running('Customizing'),
        { runState: 'Succeeded' },
      ]),
      clock,
      log: r.log,
      pollIntervalMs: 15_000,
      timeoutMs: 3_600_000,
      onPoll: async (s) => {
        polled.push(s.runSubState ?? s.runState ?? '');
      },
    });
    expect(result.outcome).toBe('done');
    expect(result.status?.runState).toBe('Succeeded');
    expect(r.info).toEqual([
      '10:00:00Z  Running / Queued  (+0ms)',
      '10:00:30Z  Running / Building  (+30s)',
      '10:01:00Z  Running / Customizing  (+1m00s)',
      '10:01:15Z  Succeeded  (+1m15s)',
    ]);
    expect(polled).toHaveLength(6);
    expect(clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000, 15_000]);
  });

  it('times out at the deadline, sleeping only the remaining time', async () => {
    const clock = new FakeClock();
    const r = recorder();
    const result = await waitForRun({
      getStatus: script([running('Customizing')]),
      clock,
      log: r.log,
      pollIntervalMs: 2000,
      timeoutMs: 5000,
    });
    expect(result.outcome).toBe('timeout');
    expect(result.waitedMs).toBe(5000);
    expect(result.status?.runSubState).toBe('Customizing');
    expect(clock.sleeps).toEqual([2000, 2000, 1000]);
    expect(r.info).toHaveLength(1);
  });

  it('rides out transient failures, telling each distinct error once and the recovery', async () => {
    const clock = new FakeClock();
    const r = recorder();
    const boom = Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    const result = await waitForRun({
      getStatus: script([running('Building'), boom, boom, running('Building'), { runState: 'Failed', message: 'x' }]),
      clock,
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
    });
    expect(result.outcome).toBe('done');
    expect(r.warning).toHaveLength(1);
    expect(r.warning[0]).toContain('Service Unavailable');
    expect(r.info.filter((l) => l.includes('readable again after 2 failed reads'))).toHaveLength(1);
    expect(r.info).toHaveLength(3);
  });

  it('keeps retrying failed reads (jittered backoff) until the timeout, and gives up at once on a 403', async () => {
    const clock = new FakeClock();
    const boom = Object.assign(new Error('Bad Gateway'), { statusCode: 502 });
    const r = recorder();
    const result = await waitForRun({
      getStatus: script([boom]),
      clock,
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 10 * 60_000,
      random: () => 0.5,
    });
    expect(result.outcome).toBe('timeout');
    expect(result.readError).toBe('Bad Gateway');
    expect(r.warning).toHaveLength(1);
    // Backoff from the poll interval up to a minute: far fewer reads than one per second.
    expect(clock.sleeps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...clock.sleeps)).toBe(60_000);
    expect(clock.sleeps.length).toBeLessThan(20);
    const denied = Object.assign(new Error('AuthorizationFailed'), { statusCode: 403 });
    const clock2 = new FakeClock();
    await expect(
      waitForRun({ getStatus: script([denied]), clock: clock2, log: recorder().log, pollIntervalMs: 1000, timeoutMs: 60_000 }),
    ).rejects.toBe(denied);
    expect(clock2.sleeps).toHaveLength(0);
  });

  it('a terminal status without a sub-state keeps the last one seen', async () => {
    const result = await waitForRun({
      getStatus: script([running('Validating'), { runState: 'Failed', message: 'x' }]),
      clock: new FakeClock(),
      log: recorder().log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
    });
    expect(result.status).toEqual({ runState: 'Failed', runSubState: 'Validating', message: 'x' });
  });

  it('a throwing onPoll hook never breaks the loop', async () => {
    const r = recorder();
    const result = await waitForRun({
      getStatus: script([running('Building'), running('Building'), running('Building'), running('Building'), { runState: 'Succeeded' }]),
      clock: new FakeClock(),
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
      onPoll: async () => {
        throw new Error('blob gone');
      },
    });
    expect(result.outcome).toBe('done');
    expect(r.warning).toHaveLength(3);
    expect(r.warning[0]).toContain('blob gone');
    expect(r.warning[2]).toContain('not shown');
  });

  it('ignores statuses of the previous run until the new one shows', async () => {
    const r = recorder();
    const old: RunStatus = { runState: 'Succeeded', startTime: new Date('2025-12-31T00:00:00Z') };
    const result = await waitForRun({
      getStatus: script([
        old,
        old,
        { runState: 'Running', runSubState: 'Queued', startTime: new Date() },
        { runState: 'Failed', startTime: new Date() },
      ]),
      clock: new FakeClock(),
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
      isCurrent: (s) => s !== old,
    });
    expect(result.status?.runState).toBe('Failed');
    expect(r.info[0]).toContain('Waiting for the template to show the new run');
    expect(r.info.filter((l) => l.includes('Succeeded'))).toHaveLength(0);
  });

  it("reads the run's operation every few stale polls and stops when the run ended without the template showing it", async () => {
    const r = recorder();
    const old: RunStatus = { runState: 'Succeeded', startTime: new Date('2025-12-31T00:00:00Z') };
    const checks: number[] = [];
    let polls = 0;
    const result = await waitForRun({
      getStatus: async () => {
        polls++;
        return old;
      },
      clock: new FakeClock(),
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 3_600_000,
      isCurrent: (s) => s !== old,
      endedUnseen: async () => {
        checks.push(polls);
        return checks.length === 2 ? { runState: 'Failed', message: 'Source image not found' } : undefined;
      },
    });
    expect(result.outcome).toBe('done');
    expect(result.status).toEqual({ runState: 'Failed', message: 'Source image not found' });
    expect(checks).toEqual([STALE_POLLS_BEFORE_CHECK, 2 * STALE_POLLS_BEFORE_CHECK]);
    expect(r.info.at(-1)).toContain('The run ended before the template showed it: Failed');
  });

  it("does not read the run's operation while the template shows the run", async () => {
    let checks = 0;
    const result = await waitForRun({
      getStatus: script([
        running('Queued'),
        running('Building'),
        running('Building'),
        running('Building'),
        running('Building'),
        { runState: 'Succeeded' },
      ]),
      clock: new FakeClock(),
      log: recorder().log,
      pollIntervalMs: 1000,
      timeoutMs: 3_600_000,
      endedUnseen: async () => {
        checks++;
        return undefined;
      },
    });
    expect(result.status?.runState).toBe('Succeeded');
    expect(checks).toBe(0);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let n = 0;
    const result = await waitForRun({
      getStatus: async () => {
        if (++n === 2) controller.abort();
        return running('Building');
      },
      clock: new FakeClock(),
      log: recorder().log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    expect(result.outcome).toBe('aborted');
    expect(n).toBe(2);
  });

  it('a status read that hangs (or ignores its signal) ends the wait at the timeout, not as a transient error', async () => {
    const r = recorder();
    const signals: AbortSignal[] = [];
    const t0 = Date.now();
    const result = await waitForRun({
      getStatus: (signal) => {
        signals.push(signal!);
        return new Promise<RunStatus | undefined>(() => {});
      },
      clock: new FakeClock(),
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 500,
    });
    expect(result.outcome).toBe('timeout');
    expect(signals[0]?.aborted).toBe(true);
    expect(r.warning).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a read aborted by its own deadline (a long Retry-After) counts as the timeout', async () => {
    const r = recorder();
    const result = await waitForRun({
      getStatus: (signal) =>
        new Promise<RunStatus | undefined>((_, reject) =>
          signal!.addEventListener('abort', () => reject(new Error('The operation was aborted.'))),
        ),
      clock: new FakeClock(),
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 500,
    });
    expect(result.outcome).toBe('timeout');
    expect(r.warning).toEqual([]);
  });

  it('continues the progress of an earlier loop: no reprint of its last state, elapsed from its start', async () => {
    const clock = new FakeClock();
    const r = recorder();
    const first = await waitForRun({
      getStatus: script([running('Customizing')]),
      clock,
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 2000,
    });
    expect(first.lastKey).toBe('Running/Customizing');
    const progressStart = clock.t - 2000;
    await waitForRun({
      getStatus: script([running('Customizing'), { runState: 'Canceling' }, { runState: 'Canceled' }]),
      clock,
      log: r.log,
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
      progressStart,
      lastKey: first.lastKey!,
    });
    expect(r.info.filter((l) => l.includes('Customizing'))).toHaveLength(1);
    expect(r.info.find((l) => l.includes('Canceling'))).toContain('(+3s)');
  });
});
