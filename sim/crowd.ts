// Many copies of the action at once against one subscription whose ARM reads share a throttled token
// bucket (as a release pipeline building a dozen images does): the end-to-end test and the benchmark both
// run it. Each copy runs its own template; the figures come from the simulator's journal.
import type { PhaseSpec, TemplateHandle } from './azure/index.ts';
import type { RunResult, Simulator } from './index.ts';

export interface CrowdOptions {
  copies: number;
  resourceGroup: string;
  /** Phases of each build. */
  phases: PhaseSpec[];
  /** Inputs for every copy on top of the simulator's. */
  with: Record<string, string>;
  /** Safety net per step (ms). */
  stepTimeoutMs: number;
}

export interface CrowdRun {
  template: TemplateHandle;
  result: RunResult;
  /** ARM requests about this template (run, cancel, reads), and how many were answered 429. */
  armRequests: number;
  throttled: number;
}

export interface CrowdResult {
  runs: CrowdRun[];
  wallMs: number;
  /** 429s the token bucket answered during the crowd (all requests, the logs' ARM calls included). */
  throttled: number;
  /** ARM requests of the crowd, over the copies. */
  armRequestsPerBuild: number;
}

export async function runCrowd(sim: Simulator, o: CrowdOptions): Promise<CrowdResult> {
  const tag = Math.random().toString(16).slice(2, 8);
  const templates = Array.from({ length: o.copies }, (_, i) =>
    sim.azure.addTemplate({
      resourceGroup: o.resourceGroup,
      name: `crowd-${tag}-${String(i + 1).padStart(2, '0')}`,
      phases: o.phases.map((p) => ({ ...p })),
    }),
  );
  const since = sim.journal.requests.length;
  const throttledBefore = sim.azure.throttled();
  const start = Date.now();
  const results = await Promise.all(templates.map((t) => sim.run(t, { with: o.with, timeoutMs: o.stepTimeoutMs })));
  const wallMs = Date.now() - start;
  const arm = sim.journal.requests.slice(since).filter((q) => q.service === 'arm');
  const runs = templates.map((template, i) => {
    const mine = arm.filter((q) => q.path.toLowerCase().includes(`/imagetemplates/${template.name.toLowerCase()}`));
    const result = results[i];
    if (result === undefined) throw new Error(`crowd: no result for template ${template.name}`);
    return { template, result, armRequests: mine.length, throttled: mine.filter((q) => q.status === 429).length };
  });
  return { runs, wallMs, throttled: sim.azure.throttled() - throttledBefore, armRequestsPerBuild: arm.length / o.copies };
}
