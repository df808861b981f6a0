import { describe, expect, it } from '@jest/globals';
import { cleanup } from '../../src/cleanup.js';
import { STATE_KEY, STATE_PHASE, STATE_RUN_START, type SavedContext } from '../../src/state.js';
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

  it('cancels our run when main was killed while it was running', async () => {
    const h = harness({ [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_START]: START }, { runState: 'Running', startTime: new Date(START) });
    expect(await cleanup(h.deps)).toBe('canceled');
    expect(h.ops.calls).toEqual(['get', 'cancel']);
    expect(h.made[0]).toEqual(ctx);
  });

  it('cancels when the run start was never recorded', async () => {
    const h = harness({ [STATE_PHASE]: 'cancel-sent', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Running', startTime: new Date(START) });
    expect(await cleanup(h.deps)).toBe('canceled');
  });

  it('leaves another run alone, and does not cancel twice', async () => {
    const other = harness({ [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx), [STATE_RUN_START]: START }, { runState: 'Running', startTime: new Date('2026-01-01T11:00:00Z') });
    expect(await cleanup(other.deps)).toBe('other-run');
    expect(other.ops.calls).toEqual(['get']);
    const canceling = harness({ [STATE_PHASE]: 'cancel-sent', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Canceling' });
    expect(await cleanup(canceling.deps)).toBe('canceling');
    const over = harness({ [STATE_PHASE]: 'started', [STATE_KEY]: JSON.stringify(ctx) }, { runState: 'Failed' });
    expect(await cleanup(over.deps)).toBe('not-running');
    expect(over.ops.calls).toEqual(['get']);
  });
});
