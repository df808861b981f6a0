// End to end, how a build ends: the bundled action (dist/) run as the runner runs it against the
// simulator, for each distribute type, run-output selection, a failed build and partial success both ways.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { addTemplate, armFor, check, errors, posts, run, simulator, stateLines, warnings, type Simulator } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

/** Phases long enough (several polls each) that every sub-state is seen. */
const SLOW_ENOUGH = [
  { subState: 'Queued', durationMs: 500 },
  { subState: 'Building', durationMs: 600 },
  { subState: 'Customizing', durationMs: 800 },
  { subState: 'Optimizing', durationMs: 500 },
  { subState: 'Validating', durationMs: 500 },
  { subState: 'Distributing', durationMs: 600 },
] as const;

describe('a build that succeeds', () => {
  test.concurrent('managed image: outputs, one run request, each state printed once, token claims shown and masked', async () => {
    const t = addTemplate(sim, 'managed', {
      distribute: [{ type: 'ManagedImage', runOutputName: 'ubuntu-managed' }],
      phases: SLOW_ENOUGH.map((p) => ({ ...p })),
    });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.conclusion).toBe('success');
      expect(errors(r.main)).toEqual([]);
      const imageId = `/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute/images/ubuntu-managed`;
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.outputs['image-id']).toBe(imageId);
      expect(r.main.outputs['image-uri']).toBe(imageId);
      expect(r.main.outputs['vhd-uri'] ?? '').toBe('');
      expect(r.main.outputs['staging-resource-group']).toBe(t.stagingResourceGroup);
      expect(Number(r.main.outputs['duration-seconds'])).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(r.main.outputs['run-outputs'] ?? '[]')).toEqual([
        { name: 'ubuntu-managed', artifactId: imageId, artifactUri: '', provisioningState: 'Succeeded' },
      ]);

      // Requests: one run, no cancel, the status read by polling, run outputs read once.
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([202]);
      expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      expect(armFor(sim, t.name).filter((q) => q.path.endsWith('/runOutputs')).length).toBe(1);

      // Each state / sub-state change printed once, in order.
      const seen = stateLines(r.main.log).map((l) => l.replace(/^\S+\s+/, '').replace(/\s+\(\+.*\)$/, ''));
      expect(new Set(seen).size).toBe(seen.length);
      // In the build's order. A loaded machine may poll slower than a sub-second phase lasts, so not every
      // phase need be seen; the simulator's phases are what the service reports, the action prints each once.
      const order = ['Queued', 'Building', 'Customizing', 'Optimizing', 'Validating', 'Distributing'].map((sub) => `Running / ${sub}`);
      const running = seen.filter((l) => l.startsWith('Running / '));
      expect(running.length).toBeGreaterThanOrEqual(2);
      expect(running.map((l) => order.indexOf(l))).toEqual([...running.map((l) => order.indexOf(l))].sort((a, b) => a - b));
      expect(running.every((l) => order.includes(l))).toBe(true);
      expect(seen.at(-1)).toMatch(/^Succeeded/);

      // The token's claims appear; the token never does (it is masked).
      expect(r.main.log).toMatch(/iss=https:\/\/token\.actions\.githubusercontent\.com/);
      expect(r.main.log).toContain('sub=repo:octo-org/octo-repo:ref:refs/heads/main');
      expect(r.main.log).toContain('aud=api://AzureADTokenExchange');
      const minted = sim.github.oidc.mints.map((m) => m.token);
      const mine = minted.filter((tok) => r.main.masks.includes(tok));
      expect(mine.length).toBeGreaterThan(0);
      const rawWithoutMaskCommands = (r.main.stdout + r.main.stderr)
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      for (const tok of minted) {
        expect(rawWithoutMaskCommands).not.toContain(tok);
        expect(r.main.log).not.toContain(tok);
      }
      // Nor does any Entra access token the action sent to ARM.
      for (const q of armFor(sim, t.name)) {
        const bearer = String(q.headers['authorization'] ?? '').replace(/^Bearer /, '');
        expect(bearer.length).toBeGreaterThan(20);
        expect(r.main.stdout).not.toContain(bearer);
      }

      // The post step finds nothing to do: no request about the template.
      expect(r.post?.exitCode).toBe(0);
      expect(errors(r.post!)).toEqual([]);
      expect(
        armFor(sim, t.name)
          .filter((q) => q.at >= r.post!.startedAt)
          .map((q) => q.method),
      ).toEqual([]);
    });
  });

  test.concurrent('gallery image version: image-id is the version', async () => {
    const t = addTemplate(sim, 'gallery', { distribute: [{ type: 'SharedImage', runOutputName: 'ubuntu-gallery' }] });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const id = r.main.outputs['image-id'] ?? '';
      expect(id).toMatch(
        new RegExp(
          `^/subscriptions/${sim.azure.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft\\.Compute/galleries/[^/]+/images/ubuntu-gallery/versions/\\d+\\.\\d+\\.\\d+$`,
        ),
      );
      expect(r.main.outputs['image-uri']).toBe(id);
      expect(r.main.outputs['vhd-uri'] ?? '').toBe('');
      expect(posts(sim, t.name, 'run')).toHaveLength(1);
    });
  });

  test.concurrent('VHD: vhd-uri and image-uri are the blob URL, image-id is empty', async () => {
    const t = addTemplate(sim, 'vhd', { distribute: [{ type: 'VHD', runOutputName: 'ubuntu-vhd' }] });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      const uri = r.main.outputs['vhd-uri'] ?? '';
      expect(uri).toMatch(/^https:\/\/.+\/vhds\/.+\.vhd$/);
      expect(uri).not.toContain('?');
      expect(r.main.outputs['image-uri']).toBe(uri);
      expect(r.main.outputs['image-id'] ?? '').toBe('');
      const outs = JSON.parse(r.main.outputs['run-outputs'] ?? '[]') as Array<Record<string, string>>;
      expect(outs).toEqual([{ name: 'ubuntu-vhd', artifactId: '', artifactUri: uri, provisioningState: 'Succeeded' }]);
    });
  });

  test.concurrent('run-output-name picks the second distribute target; an unknown one fails naming the input', async () => {
    const distribute = [
      { type: 'ManagedImage' as const, runOutputName: 'first-managed' },
      { type: 'SharedImage' as const, runOutputName: 'second-gallery' },
    ];
    const t = addTemplate(sim, 'pick', { distribute });
    const bad = addTemplate(sim, 'pick-bad', { distribute });
    const [r, rb] = await Promise.all([
      run(sim, t, { with: { 'run-output-name': 'second-gallery' } }),
      run(sim, bad, { with: { 'run-output-name': 'third-vhd' } }),
    ]);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['image-id']).toMatch(/\/galleries\/[^/]+\/images\/second-gallery\/versions\//);
      expect(r.main.outputs['image-uri']).toBe(r.main.outputs['image-id']);
      const names = (JSON.parse(r.main.outputs['run-outputs'] ?? '[]') as Array<{ name: string }>).map((o) => o.name);
      expect(names.sort()).toEqual(['first-managed', 'second-gallery']);
    });
    check(rb, () => {
      expect(rb.main.exitCode).not.toBe(0);
      expect(rb.main.outputs['run-state']).toBe('Succeeded');
      expect(rb.main.outputs['image-id'] ?? '').toBe('');
      const e = errors(rb.main).join('\n');
      expect(e).toContain('run-output-name');
      expect(e).toContain('third-vhd');
      expect(e).toContain('first-managed');
    });
  });
});

describe('a build that does not fully succeed', () => {
  test.concurrent('failed: exit 1, run-state Failed, the service message as an error, no cancel', async () => {
    const t = addTemplate(sim, 'failed', { outcome: 'Failed', failure: { atSubState: 'Customizing' } });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.conclusion).toBe('failure');
      expect(r.main.outputs['run-state']).toBe('Failed');
      expect(r.main.outputs['image-id'] ?? '').toBe('');
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain('Packer build command has failed');
      expect(e[0]).toContain('Customizing');
      expect(posts(sim, t.name, 'run')).toHaveLength(1);
      expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
    });
  });

  const partial = {
    outcome: 'PartiallySucceeded' as const,
    distribute: [
      { type: 'ManagedImage' as const, runOutputName: 'ok-managed' },
      { type: 'SharedImage' as const, runOutputName: 'broken-gallery', fail: true },
    ],
  };

  test.concurrent('partially succeeded, partial-success: fail (default): the step fails naming the input', async () => {
    const t = addTemplate(sim, 'partial-fail', partial);
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      expect(r.main.outputs['run-state']).toBe('PartiallySucceeded');
      const outs = JSON.parse(r.main.outputs['run-outputs'] ?? '[]') as Array<{ name: string; provisioningState: string }>;
      expect(outs.find((o) => o.name === 'broken-gallery')?.provisioningState).toBe('Failed');
      expect(outs.find((o) => o.name === 'ok-managed')?.provisioningState).toBe('Succeeded');
      const e = errors(r.main).join('\n');
      expect(e).toContain('partial-success');
      expect(e).toContain('broken-gallery');
    });
  });

  test.concurrent('partially succeeded, partial-success: warn: the step succeeds with a warning', async () => {
    const t = addTemplate(sim, 'partial-warn', partial);
    const r = await run(sim, t, { with: { 'partial-success': 'warn' } });
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.conclusion).toBe('success');
      expect(r.main.outputs['run-state']).toBe('PartiallySucceeded');
      expect(r.main.outputs['image-id']).toMatch(/\/images\/ok-managed$/);
      expect(errors(r.main)).toEqual([]);
      expect(warnings(r.main).join('\n')).toMatch(/partially succeeded[\s\S]*broken-gallery/);
    });
  });
});
