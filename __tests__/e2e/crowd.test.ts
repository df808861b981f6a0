// Twenty copies of the action at once, one subscription, ARM reads throttled by a shared token bucket
// (429 with Retry-After every other time, without it otherwise): each finishes with its own outputs and
// artifact, one accepted run request each, and no cancel.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { runCrowd } from '../../sim/crowd.ts';
import { check, phases, RG, simulator, type Simulator } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  // ARM's real bucket is far larger (about 250 reads, refilled 25 a second, per principal and region); scaled to
  // twenty builds polling every 500 ms, it runs dry at once and stays short.
  sim = await simulator({ azure: { storageAccountPool: 24, throttle: { capacity: 20, refillPerSec: 10, retryAfter: 'alternate' } } });
});
afterAll(async () => {
  await sim?.stop();
});

test('twenty throttled builds at once all finish with their own outputs, one run each, no cancel', async () => {
  const crowd = await runCrowd(sim, {
    copies: 20,
    resourceGroup: RG,
    phases: phases(6000),
    with: { 'poll-interval': '500ms', timeout: '4m', 'stream-logs': 'false', 'upload-logs': 'always', 'job-summary': 'false' },
    stepTimeoutMs: 240_000,
  });
  expect(crowd.throttled).toBeGreaterThan(0);
  const artifactNames = new Set<string>();
  for (const { template: t, result: r } of crowd.runs) {
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.outputs['image-id']).toBe(
        `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute/images/managedImageOutput`,
      );
      expect(r.main.outputs['staging-resource-group']).toBe(t.stagingResourceGroup);
      expect(t.runCount).toBe(1);
      expect(t.cancelCount).toBe(0);
      const runs = sim.journal.filter(
        (q) => q.service === 'arm' && q.method === 'POST' && q.path.toLowerCase().endsWith(`/imagetemplates/${t.name.toLowerCase()}/run`),
      );
      expect(runs.filter((q) => q.status === 202)).toHaveLength(1);
      expect(r.main.outputs['logs-artifact-id']).toMatch(/^\d+$/);
      const artifact = sim.github.artifacts.artifacts.find((a) => String(a.id) === r.main.outputs['logs-artifact-id']);
      expect(artifact?.name).toContain(t.name);
      artifactNames.add(artifact!.name);
      expect(r.post?.exitCode).toBe(0);
    });
  }
  expect(artifactNames.size).toBe(20);
  expect(sim.journal.filter((q) => q.service === 'arm' && q.method === 'POST' && q.path.toLowerCase().endsWith('/cancel'))).toHaveLength(0);
}, 420_000);
