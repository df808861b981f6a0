// Shared helpers of the end-to-end tests: the bundled action (dist/) run as the runner runs it, against
// the loopback simulator. Everything checked comes from the action's side of the wire: exit code,
// outputs, annotations, log, saved state, and the journal of requests it made.
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { startSimulator, type RecordedRequest, type RunResult, type Simulator, type SimulatorOptions } from '../../sim/index.ts';
import type { PhaseSpec, TemplateHandle, TemplateScenario } from '../../sim/azure/index.ts';
import type { SimRunOptions } from '../../sim/index.ts';

export type { Simulator, RunResult, TemplateHandle, RecordedRequest };

export const RG = 'rg-images';
/** Azure's services, as the journal names them. */
export const AZURE_SERVICES = ['entra', 'arm', 'blob'] as const;

/** One simulator per test file (or describe); each template takes a staging account, so keep a few spare. */
export async function simulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ ...opts, azure: { storageAccountPool: 16, ...opts.azure } });
}

/** A template name unique in the simulator. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Phases of a build lasting about `totalMs` (a second stands for minutes of a real build). */
export function phases(totalMs: number): PhaseSpec[] {
  const f = (x: number): number => Math.round(totalMs * x);
  return [
    { subState: 'Queued', durationMs: f(0.1) },
    { subState: 'Building', durationMs: f(0.2) },
    { subState: 'Customizing', durationMs: f(0.4) },
    { subState: 'Optimizing', durationMs: f(0.05) },
    { subState: 'Validating', durationMs: f(0.05) },
    { subState: 'Distributing', durationMs: f(0.2) },
  ];
}

export function addTemplate(sim: Simulator, prefix: string, s: Partial<TemplateScenario> = {}): TemplateHandle {
  return sim.azure.addTemplate({ resourceGroup: RG, name: uniqueName(prefix), phases: phases(1500), ...s });
}

/**
 * Inputs every run gets on top of sim.actionInputs: short polls, no artifact upload or summary unless a
 * test asks (they are covered by the logs tests), and a fast cancel wait.
 */
export const FAST: Record<string, string> = {
  'poll-interval': '200ms',
  timeout: '1m',
  'cancel-timeout': '20s',
  'upload-logs': 'never',
  'job-summary': 'false',
};

export function run(sim: Simulator, t: { resourceGroup: string; name: string }, opts: SimRunOptions = {}): Promise<RunResult> {
  // timeoutMs: the harness's safety net (SIGKILL) per step, well under jest's test timeout, so a hung
  // action fails its test instead of holding a worker for the harness's default 10 minutes.
  return sim.run(t, { timeoutMs: 60_000, ...opts, with: { ...FAST, ...opts.with } });
}

/** Journal entries of ARM requests about one template (path contains its name), oldest first. */
export function armFor(sim: Simulator, name: string): RecordedRequest[] {
  const needle = `/imageTemplates/${name}`.toLowerCase();
  return sim.journal.filter((r) => r.service === 'arm' && r.path.toLowerCase().includes(needle));
}

export function posts(sim: Simulator, name: string, action: 'run' | 'cancel'): RecordedRequest[] {
  return armFor(sim, name).filter((r) => r.method === 'POST' && r.path.toLowerCase().endsWith(`/${action}`));
}

export function errors(r: { annotations: { level: string; message: string; title?: string }[] }): string[] {
  return r.annotations.filter((a) => a.level === 'error').map((a) => a.message);
}

export function warnings(r: { annotations: { level: string; message: string }[] }): string[] {
  return r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
}

/** Lines of the main step's log that announce a state/sub-state change (the wait loop's progress lines). */
export function stateLines(log: string): string[] {
  return log.split('\n').filter((l) => /^\d\d:\d\d:\d\dZ\s{2}\S/.test(l));
}

/** A one-paragraph description of a run, printed when an expectation fails. */
export function describeRun(r: RunResult): string {
  const step = (name: string, s: RunResult['main'] | undefined): string =>
    s
      ? `--- ${name}: exit ${s.exitCode} signal ${s.signal} conclusion ${s.conclusion}\n${s.log}\noutputs ${JSON.stringify(s.outputs)}\n`
      : '';
  return step('main', r.main) + step('post', r.post);
}

/** Expects with the run's log attached to the failure message. */
export function check(r: RunResult, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) e.message += `\n\n${describeRun(r)}`;
    throw e;
  }
}

/**
 * Someone outside the action (another workflow, the portal, the CLI) posts an action on the template
 * with a token of its own. ARM paths are case-insensitive; the capitals keep a fault aimed at the
 * action's own `/run` or `/cancel` off it.
 */
export function postElsewhere(sim: Simulator, t: { id: string }, action: 'Run' | 'Cancel'): Promise<number> {
  const url = new URL(`${sim.azure.armEndpoint}${t.id}/${action}?api-version=2024-02-01`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', ca: sim.cert.cert, headers: { authorization: `Bearer ${sim.azure.mintAccessToken()}`, 'content-length': '0' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Another workflow (or a person with the CLI) starts a run of the template. */
export function startRunElsewhere(sim: Simulator, t: { id: string }): Promise<number> {
  return postElsewhere(sim, t, 'Run');
}
