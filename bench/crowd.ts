// Figure 4: twenty copies of the bundled action at once against one subscription whose ARM requests share a
// throttled token bucket (429 with Retry-After every other time). Runs dist/ through the simulator's runner.
import { startSimulator } from '../sim/index.ts';
import { runCrowd } from '../sim/crowd.ts';

export interface CrowdFigures {
  copies: number;
  wallMs: number;
  buildMs: number;
  throttled: number;
  armRequestsPerBuild: number;
  perBuild: number[];
  failed: number;
}

export async function crowdFigures(copies: number): Promise<CrowdFigures> {
  const sim = await startSimulator({
    azure: { storageAccountPool: copies + 4, throttle: { capacity: 20, refillPerSec: 10, retryAfter: 'alternate' } },
  });
  const buildMs = 6000;
  const f = (x: number): number => Math.round(buildMs * x);
  try {
    const crowd = await runCrowd(sim, {
      copies,
      resourceGroup: 'rg-bench',
      phases: [
        { subState: 'Queued', durationMs: f(0.1) },
        { subState: 'Building', durationMs: f(0.2) },
        { subState: 'Customizing', durationMs: f(0.4) },
        { subState: 'Optimizing', durationMs: f(0.05) },
        { subState: 'Validating', durationMs: f(0.05) },
        { subState: 'Distributing', durationMs: f(0.2) },
      ],
      with: { 'poll-interval': '500ms', timeout: '4m', 'stream-logs': 'false', 'upload-logs': 'always', 'job-summary': 'false' },
      stepTimeoutMs: 300_000,
    });
    const failed = crowd.runs.filter(
      (r) => r.result.main.outputs['run-state'] !== 'Succeeded' || r.template.runCount !== 1 || r.template.cancelCount !== 0,
    ).length;
    return {
      copies,
      wallMs: crowd.wallMs,
      buildMs,
      throttled: crowd.throttled,
      armRequestsPerBuild: crowd.armRequestsPerBuild,
      perBuild: crowd.runs.map((r) => r.armRequests),
      failed,
    };
  } finally {
    await sim.stop();
  }
}
