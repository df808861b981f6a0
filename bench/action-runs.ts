// One run of the bundled action (dist/main, dist/post) as the runner runs it, against a simulator of its own
// (so its request journal holds that run's requests only), with what the action-level figures need: when
// the build started and ended in the simulator, each job log line with its arrival time, the log blob's
// writes with their times, and optionally the RSS of the node process running dist/main/index.js.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { join } from 'node:path';
import { startSimulator, type RecordedRequest, type RunResult, type Simulator, type TemplateHandle } from '../sim/index.ts';
import type { PhaseSpec, TemplateScenario } from '../sim/azure/index.ts';
import { parseActionYaml } from '../sim/github/action-yaml.ts';
import { openZip } from '../sim/zip.ts';
import { sampleRss, type RssTrace } from './action-proc.ts';

export interface ActionRun {
  result: RunResult;
  template: TemplateHandle;
  /** Requests the action made (this simulator served nobody else). */
  journal: RecordedRequest[];
  /** ms since the epoch: the run's POST reached the simulator / the final status became visible. */
  buildStartedAt: number;
  buildEndedAt: number;
  /** Bytes of the run's customization.log. */
  logBytes: number;
  /** The logs artifact holds customization.log with exactly the blob's size. */
  artifactOk: boolean;
  rss?: RssTrace;
  /** The customization.log blob, when the spec asked to keep it. */
  log?: Buffer;
}

export interface RunSpec {
  tag: string;
  phases: PhaseSpec[];
  with: Record<string, string>;
  /** Writes to the log once the build reaches this sub-state (the big logs). */
  writer?: { at: PhaseSpec['subState']; write: (t: TemplateHandle) => Promise<void> };
  sampleRss?: boolean;
  keepLog?: boolean;
  scenario?: Partial<TemplateScenario>;
}

const REPO = join(import.meta.dirname, '..');

/** action.yml's default for an input. */
export function actionDefault(input: string): string {
  const action = parseActionYaml(readFileSync(join(REPO, 'action.yml'), 'utf8'));
  return action.inputs[input]?.default ?? '';
}

/** Phases of a build of `totalMs`, each but Queued writing a numbered line about every `lineEveryMs`. */
export function phasesWithLines(totalMs: number, tag: string, lineEveryMs: number): PhaseSpec[] {
  const shares = { Queued: 0.05, Building: 0.15, Customizing: 0.55, Optimizing: 0.05, Validating: 0.05, Distributing: 0.15 } as const;
  return (Object.keys(shares) as Array<keyof typeof shares>).map((s) => {
    const durationMs = Math.round(totalMs * shares[s]);
    const n = s === 'Queued' ? 0 : Math.max(1, Math.round(durationMs / lineEveryMs));
    return {
      subState: s,
      durationMs,
      lines: Array.from({ length: n }, (_, i) => `PACKER OUT     azure-arm: bench ${tag} ${s} line ${i + 1} of ${n}`),
    };
  });
}

/** Phases of `totalMs` writing nothing themselves (the bench writes the log). */
export function silentPhases(totalMs: number): PhaseSpec[] {
  return phasesWithLines(totalMs, '', 1).map((p) => ({ ...p, lines: [] }));
}

export async function runAction(spec: RunSpec): Promise<ActionRun> {
  const sim: Simulator = await startSimulator({ azure: { storageAccountPool: 2 } });
  try {
    const t = sim.azure.addTemplate({ resourceGroup: 'rg-bench', name: `bench-${spec.tag}`, phases: spec.phases, ...spec.scenario });
    let buildStartedAt = 0;
    let buildEndedAt = 0;
    t.events.once('runStarted', () => (buildStartedAt = Date.now()));
    t.events.once('finished', () => (buildEndedAt = Date.now()));
    const writing = spec.writer
      ? t
          .runStarted()
          .then(() => t.subState(spec.writer!.at))
          .then(() => spec.writer!.write(t))
      : undefined;
    let sampler: ReturnType<typeof sampleRss> | undefined;
    const result = await sim.run(t, {
      with: spec.with,
      timeoutMs: 20 * 60_000,
      onStart: (phase, pid) => {
        if (phase === 'main' && spec.sampleRss) sampler = sampleRss(pid, join('dist', 'main', 'index.js'));
      },
      onOutput: () => undefined,
    });
    const rss = sampler?.stop();
    const dump = process.env.BENCH_ACTION_LOGS;
    if (dump) {
      // Each job log line with its arrival time since the step started, and the build's start and end.
      const rel = (at: number): string => `+${((at - result.main.startedAt) / 1000).toFixed(3).padStart(8)}`;
      const text = [
        ...result.main.lines.map((l) => ({ at: l.at, s: `${rel(l.at)} ${l.stream === 'stderr' ? '[stderr] ' : ''}${l.text}` })),
        { at: buildStartedAt, s: `${rel(buildStartedAt)} [sim] run started` },
        { at: buildEndedAt, s: `${rel(buildEndedAt)} [sim] final status visible` },
        ...(t.logWrites[0] ? [{ at: t.logWrites[0].at, s: `${rel(t.logWrites[0].at)} [sim] first log write` }] : []),
        ...(rss?.samples ?? [])
          .filter((_, i) => i % 10 === 0)
          .map((x) => ({ at: x.at, s: `${rel(x.at)} [rss] ${(x.rss / 1048576).toFixed(1)} MiB` })),
      ]
        .sort((a, b) => a.at - b.at)
        .map((x) => x.s)
        .join('\n');
      mkdirSync(dump, { recursive: true });
      writeFileSync(join(dump, `${spec.tag}.log`), `${text}\n`);
    }
    await writing?.catch(() => undefined);
    await t.flushLogs();
    const logPath = t.logBlobPath;
    const logBytes = t.logWrites.filter((w) => w.path === logPath).reduce((end, w) => Math.max(end, w.offset + w.bytes), 0);
    const artifactOk = sim.github.artifacts.artifacts.some((a) => {
      try {
        return openZip(a.bytes).entries.some((e) => e.name.endsWith('customization.log') && e.size === logBytes);
      } catch {
        return false;
      }
    });
    const log =
      spec.keepLog && logPath
        ? await new BlobClient(
            `${sim.azure.azuriteOrigin}/${t.storageAccount}/${logPath}`,
            new StorageSharedKeyCredential(t.storageAccount, t.storageKey),
          ).downloadToBuffer()
        : undefined;
    return {
      result,
      ...(log ? { log } : {}),
      template: t,
      journal: [...sim.journal.requests],
      buildStartedAt,
      buildEndedAt,
      logBytes,
      artifactOk,
      ...(rss ? { rss } : {}),
    };
  } finally {
    await sim.stop();
  }
}

const FINAL = /^\d\d:\d\d:\d\dZ\s{2}(Succeeded|PartiallySucceeded|Failed|Canceled)\b|^Build succeeded\b/;

/** When the harness received the first main-step line matching `re`, or undefined. */
export function lineAt(r: ActionRun, re: RegExp): number | undefined {
  return r.result.main.lines.find((l) => re.test(l.text))?.at;
}

/** Markers of the main step from its job log: first build-log line, final status, artifact upload. */
export function markers(r: ActionRun): { firstLog?: number; final?: number; upload?: number } {
  const m: { firstLog?: number; final?: number; upload?: number } = {};
  const firstLog = lineAt(r, /^::group::Build log: /);
  const final = lineAt(r, FINAL);
  // Falls back on the first request to the artifact service, should the job log's wording change.
  const upload = lineAt(r, /^::group::Uploading the build logs as artifact/) ?? r.journal.find((q) => q.service === 'artifacts')?.at;
  if (firstLog !== undefined) m.firstLog = firstLog;
  if (final !== undefined) m.final = final;
  if (upload !== undefined) m.upload = upload;
  return m;
}

export function succeeded(r: ActionRun): boolean {
  return r.result.main.exitCode === 0 && r.result.main.outputs['run-state'] === 'Succeeded';
}
