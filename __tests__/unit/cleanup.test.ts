import { describe, expect, it } from '@jest/globals';
import { cleanup } from '../../src/cleanup.js';
import { STATE_KEY, STATE_PHASE, STATE_PREVIOUS_START, STATE_RUN_POSTED, STATE_RUN_START, type SavedContext } from '../../src/state.js';
import type { RunStatus } from '../../src/types.js';
import { FakeOps } from './fakes.js';

const ctx: SavedContext = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'rg',
  templateName: 'tpl',
  resourceManagerEndpoint: 'https://management.azure.com',
  armScope: 'https://management.azure.com/.default',
  auth: { type: 'azure-cli', audience: 'api://AzureADTokenExchange', authorityHost: 'https://login.microsoftonline.com' },
};
const START = '2026-01-01T10:00:00.000Z';

function harness(state: Record<string, string>, status: RunStatus | undefined) {
  const ops = new FakeOps(status ? { lastRunStatus: status } : {});
  const lines: string[] = [];
  const made: SavedContext[] = [];
  const deps = {
    getState: (n: string) => state[n] ?? '',
    makeOps: (c: SavedContext) => {
      made.push(c);
      return ops;
    },
    info: (m: string) => lines.push(m),
    warning: (m: string) => lines.push(m),
    debug: () => {},
  };
  return { ops, lines, made, deps };
}

describe('cleanup (post step)', () => {
  it('does nothing, without signing in, when main finished or never started a run', async () => {
    const states: Array<Record<string, string>> = [{}, { [STATE_PHASE]: 'finished', [STATE_KEY]: JSON.stringify(ctx) }];
    for (const state of states) {
      const h = harness(state, { runState: 'Running' });
      expect(await cleanup(h.deps)).toBe('nothing-to-do');
      expect(h.made).toHaveLength(0);
      expect(h.lines).toHaveLength(0);
    }
  });

  it('leaves alone a run main only attached to (cancel-attached: false), and one main lost sight of', async () => {
    for (const [phase, said] of [
      ['attached', /did not start/],
      ['lost', /lost sight of the build/],
    ] as const) {
      const h = harness(
        { [STATE_PHASE]: phase, [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_START]: START },
        { runState: 'Running', startTime: new Date(START) },
      );
      expect(await cleanup(h.deps)).toBe('nothing-to-do');
      expect(h.ops.calls).toEqual([]);
      expect(h.lines.join('\n')).toMatch(said);
    }
  });

  it('cancels our run when main was killed while it was running', async () => {
    const h = harness(
      { [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_START]: START },
      { runState: 'Running', startTime: new Date(START) },
    );
    expect(await cleanup(h.deps)).toBe('canceled');
    expect(h.ops.calls).toEqual(['get', 'cancel']);
    expect(h.made[0]).toEqual(ctx);
  });

  it('without the run start, cancels only a run that started after the saved POST time (2 min skew), not the previous run', async () => {
    const base = { [STATE_PHASE]: 'cancel-sent', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_POSTED]: START };
    const after = harness(base, { runState: 'Running', startTime: new Date('2026-01-01T10:00:40Z') });
    expect(await cleanup(after.deps)).toBe('canceled');
    const skewed = harness(base, { runState: 'Running', startTime: new Date('2026-01-01T09:59:00Z') });
    expect(await cleanup(skewed.deps)).toBe('canceled');
    const before = harness(base, { runState: 'Running', startTime: new Date('2026-01-01T09:50:00Z') });
    expect(await cleanup(before.deps)).toBe('other-run');
    expect(before.ops.calls).toEqual(['get']);
    const previous = harness(
      { ...base, [STATE_PREVIOUS_START]: '2026-01-01T09:59:30.000Z' },
      { runState: 'Running', startTime: new Date('2026-01-01T09:59:30Z') },
    );
    expect(await cleanup(previous.deps)).toBe('other-run');
    expect(previous.ops.calls).toEqual(['get']);
  });

  it('does not cancel, and says why, when neither the run start nor the POST time was saved', async () => {
    const h = harness({ [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Running', startTime: new Date(START) });
    expect(await cleanup(h.deps)).toBe('unknown-run');
    expect(h.ops.calls).toEqual(['get']);
    expect(h.lines.join('\n')).toMatch(/saved neither its run's start nor the time it requested the run.*leaves it alone/);
    const noStart = harness(
      { [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_POSTED]: START },
      { runState: 'Running' },
    );
    expect(await cleanup(noStart.deps)).toBe('unknown-run');
    expect(noStart.ops.calls).toEqual(['get']);
  });

  it('leaves another run alone, and does not cancel twice', async () => {
    const other = harness(
      { [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_START]: START },
      { runState: 'Running', startTime: new Date('2026-01-01T11:00:00Z') },
    );
    expect(await cleanup(other.deps)).toBe('other-run');
    expect(other.ops.calls).toEqual(['get']);
    const canceling = harness({ [STATE_PHASE]: 'cancel-sent', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Canceling' });
    expect(await cleanup(canceling.deps)).toBe('canceling');
    const over = harness({ [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Failed' });
    expect(await cleanup(over.deps)).toBe('not-running');
    expect(over.ops.calls).toEqual(['get']);
  });
});
