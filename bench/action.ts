// Figure 5, action-level: the bundled action (dist/main + dist/post) run as the runner runs it, through
// sim/runner.ts, against the loopback simulator (sim/index.ts). Each run has a simulator of its own, so its
// request journal holds that run's requests only.
//   5a tail latency: each customization.log line, from written (the simulator's log-write journal) to
//      printed (the harness's arrival time of the job log line), at poll-interval 1 s and 15 s.
//   5b ARM requests per build-hour at the defaults: two builds of different lengths; slope and intercept.
//   5c overhead of the action over the build: main step wall time − the simulated build's duration.
//   5d RSS of the node process running dist/main/index.js per phase, for logs of ~30 MiB, 300 MiB, 1 GiB.
// Knobs (environment): BENCH_ACTION_ONLY=latency,overhead,rss (default all; latency includes 5b),
// BENCH_ACTION_BUILD_S (75), BENCH_ACTION_SHORT_BUILD_S (25), BENCH_ACTION_LOG_MB (10),
// BENCH_ACTION_RSS_MB (30,300,1024), BENCH_ACTION_LOGS=<dir> (each run's job log there, with arrival times).
import { logChunks, median, MiB } from './common.ts';
import { actionDefault, markers, phasesWithLines, runAction, silentPhases, succeeded, type ActionRun } from './action-runs.ts';

export interface ActionFigures {
  rows: string[][];
  notes: string[];
  problems: number;
}

const s1 = (ms: number): string => (ms / 1000).toFixed(1);
const mib = (b: number): string => (b / MiB).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `total` bytes of packer-like log in 4 MiB blocks, cycling through the first 32 MiB that logChunks makes:
 * generating every block costs ~0.1 s of CPU per MiB here, which would make a 1 GiB log mostly generator time.
 */
function* bigLog(total: number): Generator<Buffer> {
  const block = 4 * MiB;
  const pool = [...logChunks(Math.min(total, 32 * MiB), block, 7)];
  for (let sent = 0, i = 0; sent < total; i++) {
    const b = pool[i % pool.length]!.subarray(0, Math.min(block, total - sent));
    sent += b.length;
    yield b;
  }
}

/** '15s', '1m', '250ms' → ms (the forms the bench passes or action.yml declares). */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`bench: cannot read the duration '${text}' (expected e.g. 15s)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

/** The blob's non-empty lines, each with the offset just past its line break. */
function blobLines(bytes: Buffer): Array<{ text: string; end: number }> {
  const out: Array<{ text: string; end: number }> = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, start)) {
    const text = bytes.subarray(start, i).toString('utf8').replace(/\r$/, '');
    if (text.trim() !== '') out.push({ text, end: i + 1 });
    start = i + 1;
  }
  return out;
}

interface Latency {
  /** Per line printed, ms; in blob order. */
  ms: number[];
  firstMs?: number;
  lines: number;
  /** Every line of the blob printed exactly once. */
  once: boolean;
}

/**
 * 5a for one run. A line is written when storage acknowledged the append holding its line break; it is
 * printed when the harness received the job log line (workflow-command neutralising undone).
 */
function latencies(r: ActionRun): Latency {
  const writes = r.template.logWrites.filter((w) => w.path === r.template.logBlobPath);
  const writtenAt = (end: number): number => writes.find((w) => w.offset < end && end <= w.offset + w.bytes)?.at ?? NaN;
  const printed = new Map<string, number[]>();
  for (const l of r.result.main.lines) {
    if (l.stream !== 'stdout') continue;
    const text = l.text.replace(/\u200b/g, '');
    printed.set(text, [...(printed.get(text) ?? []), l.at]);
  }
  const lines = blobLines(r.log ?? Buffer.alloc(0));
  const out: Latency = { ms: [], lines: lines.length, once: lines.length > 0 };
  for (const l of lines) {
    const at = printed.get(l.text);
    if (at?.length !== 1) out.once = false;
    if (at?.[0] === undefined) continue;
    const ms = at[0] - writtenAt(l.end);
    out.ms.push(ms);
    if (l === lines[0]) out.firstMs = ms;
  }
  return out;
}

function armCount(r: ActionRun, from = 0, to = Infinity): number {
  return r.journal.filter((q) => q.service === 'arm' && q.at > from && q.at <= to).length;
}

/** The status reads of the wait loop: GETs of the template itself. */
function statusReads(r: ActionRun): number[] {
  const tail = `/imagetemplates/${r.template.name}`.toLowerCase();
  return r.journal.filter((q) => q.service === 'arm' && q.method === 'GET' && q.path.toLowerCase().endsWith(tail)).map((q) => q.at);
}

function servicesNote(r: ActionRun): string {
  const n: Record<string, number> = {};
  for (const q of r.journal) n[q.service] = (n[q.service] ?? 0) + 1;
  return Object.entries(n)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** ARM requests by kind for the report: method and the last path segment or two. */
function armKinds(r: ActionRun, from = 0, to = Infinity): string {
  const n = new Map<string, number>();
  for (const q of r.journal) {
    if (q.service !== 'arm' || q.at <= from || q.at > to) continue;
    const segs = q.path.split('/').filter(Boolean);
    const i = segs.findIndex((s) => /^providers$/i.test(s));
    const k = `${q.method} ${
      i >= 0
        ? segs.slice(i + 1, i + 2).join('/') +
          '/' +
          segs
            .slice(i + 2)
            .filter((_, j) => j % 2 === 0)
            .join('/')
        : segs.slice(-1)[0]
    }`;
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n.entries()].map(([k, v]) => `${v}× ${k}`).join('; ');
}

export async function actionFigures(log: (line: string) => void): Promise<ActionFigures> {
  const only = new Set((process.env.BENCH_ACTION_ONLY ?? 'latency,overhead,rss').split(','));
  const buildMs = Number(process.env.BENCH_ACTION_BUILD_S ?? 75) * 1000;
  const shortMs = Number(process.env.BENCH_ACTION_SHORT_BUILD_S ?? 25) * 1000;
  const logMb = Number(process.env.BENCH_ACTION_LOG_MB ?? 10);
  const rssMbs = (process.env.BENCH_ACTION_RSS_MB ?? '30,300,1024').split(',').map(Number);
  const rows: string[][] = [];
  const notes: string[] = [];
  let problems = 0;
  const row = (...cells: string[]): void => void rows.push(cells);
  const check = (ok: boolean, what: string): void => {
    if (ok) return;
    problems++;
    notes.push(`check failed: ${what}`);
    log(`  CHECK FAILED: ${what}`);
  };
  const defaultPoll = actionDefault('poll-interval');

  if (only.has('latency')) {
    // 5a at 1 s and at the default poll (15 s), and 5b's short build at the defaults, at once: each has its own
    // simulator; the 15 s run is 5b's long build (its inputs are the defaults but for the connection).
    const lineEvery = 500;
    const [fast, slow, short] = await Promise.all([
      runAction({ tag: 'lat1', phases: phasesWithLines(buildMs, 'lat1', lineEvery), with: { 'poll-interval': '1s' }, keepLog: true }),
      runAction({
        tag: 'latd',
        phases: phasesWithLines(buildMs, 'latd', lineEvery),
        with: { 'poll-interval': defaultPoll },
        keepLog: true,
      }),
      runAction({ tag: 'short', phases: phasesWithLines(shortMs, 'short', lineEvery), with: { 'poll-interval': defaultPoll } }),
    ]);
    for (const [r, poll] of [
      [fast, '1s'],
      [slow, defaultPoll],
    ] as const) {
      const lat = latencies(r);
      const pollMs = durationMs(poll);
      log(
        `  latency run, poll ${poll}: build ${s1(r.buildEndedAt - r.buildStartedAt)} s, ${lat.lines} lines, ${lat.ms.length} printed, ` +
          `each once: ${lat.once}, first line after ${lat.firstMs === undefined ? '—' : s1(lat.firstMs)} s; requests: ${servicesNote(r)}`,
      );
      check(
        succeeded(r),
        `5a poll ${poll}: the build did not succeed (exit ${r.result.main.exitCode}, run-state ${r.result.main.outputs['run-state']})`,
      );
      check(lat.once, `5a poll ${poll}: not every log line was printed exactly once (${lat.ms.length} of ${lat.lines} printed)`);
      check(r.artifactOk, `5a poll ${poll}: no logs artifact holding the whole customization.log`);
      const ms = lat.ms.length > 0 ? lat.ms : [NaN];
      row(
        '5a latency',
        `poll ${poll}: first line written → printed, s`,
        '1',
        lat.firstMs === undefined ? '—' : s1(lat.firstMs),
        '',
        `target ≤ ${s1(2 * pollMs)} (2 polls): ${lat.firstMs !== undefined && lat.firstMs <= 2 * pollMs ? 'met' : 'NOT met'}`,
      );
      row(
        '5a latency',
        `poll ${poll}: every line written → printed, s`,
        String(lat.ms.length),
        s1(median(ms)),
        `${s1(Math.min(...ms))}–${s1(Math.max(...ms))}`,
        `max ≤ ${s1(2 * pollMs)}: ${Math.max(...ms) <= 2 * pollMs ? 'met' : 'NOT met'}; ${s1(buildMs)} s build, a line every ${s1(lineEvery)} s`,
      );
    }

    // 5b: ARM requests per minute of build (slope) and fixed start/finish cost (intercept), at the defaults.
    const dur = (r: ActionRun): number => (r.buildEndedAt - r.buildStartedAt) / 60_000;
    const [a, b] = [short, slow];
    check(succeeded(short), `5b short build did not succeed (exit ${short.result.main.exitCode})`);
    const slope = (armCount(b) - armCount(a)) / (dur(b) - dur(a));
    const intercept = armCount(a) - slope * dur(a);
    log(`  ARM, short build (${s1(dur(a) * 60_000)} s): ${armCount(a)} requests: ${armKinds(a)}`);
    log(`  ARM, long build (${s1(dur(b) * 60_000)} s): ${armCount(b)} requests: ${armKinds(b)}`);
    // Per poll: the extra ARM requests of the long build over the short one per extra status read (the
    // wait loop's GETs of the template): the fixed costs are the same in both and cancel out.
    const readsA = statusReads(a);
    const readsB = statusReads(b);
    const perPoll = (armCount(b) - armCount(a)) / (readsB.length - readsA.length);
    const [first, last] = [readsB[1] ?? 0, readsB.at(-1) ?? 0];
    log(`  ARM of the long build between its status reads 2 and ${readsB.length}: ${armKinds(b, first, last)}`);
    row(
      '5b ARM',
      `ARM requests per build-hour (poll ${defaultPoll}, defaults)`,
      '2',
      (intercept + 60 * slope).toFixed(0),
      '',
      'intercept + 60 × slope',
    );
    row(
      '5b ARM',
      'slope: ARM requests per minute of build',
      '2',
      slope.toFixed(2),
      '',
      `${(60_000 / durationMs(defaultPoll)).toFixed(2)} polls a minute`,
    );
    row(
      '5b ARM',
      'intercept: ARM requests at start and finish',
      '2',
      intercept.toFixed(1),
      '',
      `builds of ${s1(dur(a) * 60_000)} s (${armCount(a)}) and ${s1(dur(b) * 60_000)} s (${armCount(b)})`,
    );
    row(
      '5b ARM',
      'ARM requests per poll (extra requests ÷ extra status reads)',
      '2',
      perPoll.toFixed(2),
      '',
      `status reads ${readsA.length} / ${readsB.length}; slope × poll interval ${((slope * durationMs(defaultPoll)) / 60_000).toFixed(2)}; target 1.00`,
    );
    const other = (svc: string): string =>
      `${b.journal.filter((q) => q.service === svc).length} / ${a.journal.filter((q) => q.service === svc).length}`;
    row(
      '5b other',
      'entra / blob / artifacts / github-oidc requests, long / short build',
      '2',
      `${other('entra')} · ${other('blob')} · ${other('artifacts')} · ${other('github-oidc')}`,
      '',
      '',
    );
  }

  if (only.has('overhead')) {
    // 5c: a ~10 MB log, written in 1 MiB appends through Customizing, tailed at a 1 s poll, downloaded, uploaded.
    const total = 12_000;
    const phases = silentPhases(total);
    const customizing = phases.find((p) => p.subState === 'Customizing')!.durationMs;
    const chunks = Math.max(1, Math.round(logMb));
    const r = await runAction({
      tag: 'overhead',
      phases,
      with: { 'poll-interval': '1s' },
      writer: {
        at: 'Customizing',
        write: (t) =>
          t.appendLog(
            (async function* () {
              for (const c of logChunks(logMb * MiB, Math.ceil((logMb * MiB) / chunks), 5)) {
                yield c;
                await sleep(customizing / chunks);
              }
            })(),
          ),
      },
    });
    const m = markers(r);
    const main = r.result.main;
    const build = r.buildEndedAt - r.buildStartedAt;
    log(
      `  overhead run: main ${s1(main.durationMs)} s, build ${s1(build)} s, log ${mib(r.logBytes)} MiB, post ${s1(r.result.post?.durationMs ?? NaN)} s; requests: ${servicesNote(r)}`,
    );
    check(succeeded(r), `5c: the build did not succeed (exit ${main.exitCode})`);
    check(r.artifactOk, '5c: no logs artifact holding the whole customization.log');
    row(
      '5c overhead',
      `main step − build (${mib(r.logBytes)} MiB log, poll 1s), s`,
      '1',
      s1(main.durationMs - build),
      '',
      `main ${s1(main.durationMs)} s, build ${s1(build)} s`,
    );
    const firstOut = main.lines[0]?.at;
    row(
      '5c overhead',
      'of which: step start → run POSTed, s',
      '1',
      s1(r.buildStartedAt - main.startedAt),
      '',
      `start-up, sign-in, preflight, template read; first output at ${firstOut ? s1(firstOut - main.startedAt) : '—'}`,
    );
    row(
      '5c overhead',
      'of which: build ended → final status printed, s',
      '1',
      m.final ? s1(m.final - r.buildEndedAt) : '—',
      '',
      'poll lag (≤ 1 poll)',
    );
    row(
      '5c overhead',
      'of which: final status → step exit, s',
      '1',
      m.final ? s1(main.exitedAt - m.final) : '—',
      '',
      `download, diagnose, zip, upload${m.upload ? ` (upload ${s1(main.exitedAt - m.upload)})` : ''}`,
    );
    row('5c overhead', 'post step wall time, s', '1', s1(r.result.post?.durationMs ?? NaN), '', 'not in the figure above');
  }

  if (only.has('rss')) {
    // 5d: each size its own build; the log appended straight to the blob in 4 MiB blocks from Customizing on,
    // polled every 1 s; the run's final status waits for the last block.
    const peaks: Record<number, number> = {};
    for (const sizeMb of rssMbs) {
      const r = await runAction({
        tag: `rss${sizeMb}`,
        // 6 s of waiting with no log at all first, so the waiting phase is waiting only.
        phases: [
          { subState: 'Queued', durationMs: 2000, lines: [] },
          { subState: 'Building', durationMs: 4000, lines: [] },
          { subState: 'Customizing', durationMs: 4000, lines: [] },
          { subState: 'Optimizing', durationMs: 500, lines: [] },
          { subState: 'Validating', durationMs: 500, lines: [] },
          { subState: 'Distributing', durationMs: 1000, lines: [] },
        ],
        with: { 'poll-interval': '1s' },
        sampleRss: true,
        writer: { at: 'Customizing', write: (t) => t.appendLog(bigLog(sizeMb * MiB)) },
      });
      const main = r.result.main;
      const m = markers(r);
      const samples = r.rss?.samples ?? [];
      // Waiting ends with the first log line printed or, when the tail prints late (it may read for seconds
      // before printing a summarised burst), with the first log write storage acknowledged: from then on the
      // action has a log to read, whether it shows it yet or not.
      const firstWrite = r.template.logWrites.find((w) => w.path === r.template.logBlobPath && w.bytes > 0)?.at;
      const tailFrom = Math.min(m.firstLog ?? Infinity, firstWrite ?? Infinity, m.final ?? Infinity);
      const bounds: Array<[string, number, number | undefined]> = [
        ['waiting', main.startedAt, tailFrom],
        ['tail', tailFrom, m.final],
        ['download/diagnose', m.final ?? Infinity, m.upload],
        ['artifact upload', m.upload ?? Infinity, undefined],
      ];
      const peakIn = (from: number, to: number | undefined): number | undefined => {
        const xs = samples.filter((s) => s.at >= from && s.at < (to ?? Infinity)).map((s) => s.rss);
        return xs.length > 0 ? Math.max(...xs) : undefined;
      };
      const per = bounds.map(([name, from, to]) => [name, peakIn(from, to)] as const);
      const peak = Math.max(r.rss?.hwm ?? 0, ...samples.map((s) => s.rss));
      peaks[sizeMb] = peak;
      log(
        `  rss run ${sizeMb} MiB: log ${mib(r.logBytes)} MiB, main ${s1(main.durationMs)} s (build ${s1(r.buildEndedAt - r.buildStartedAt)} s), ` +
          `${samples.length} samples of pid ${r.rss?.pid}, ` +
          per.map(([n, p]) => `${n} ${p === undefined ? '—' : mib(p)}`).join(', ') +
          `, VmHWM ${mib(r.rss?.hwm ?? NaN)} MiB`,
      );
      check(succeeded(r), `5d ${sizeMb} MiB: the build did not succeed (exit ${main.exitCode})`);
      check(r.artifactOk, `5d ${sizeMb} MiB: no logs artifact holding the whole customization.log`);
      check(samples.length > 0, `5d ${sizeMb} MiB: no RSS sample of the node process running dist/main/index.js`);
      const waiting = per[0]![1];
      row(
        `5d ${sizeMb} MiB`,
        'RSS peak per phase: waiting / tail / download+diagnose / upload, MiB',
        String(samples.length),
        per.map(([, p]) => (p === undefined ? '—' : mib(p))).join(' / '),
        '',
        `waiting target ≤ 80: ${waiting !== undefined && waiting <= 80 * MiB ? 'met' : 'NOT met'}`,
      );
      row(
        `5d ${sizeMb} MiB`,
        'RSS peak of the main step (VmHWM), MiB',
        '1',
        mib(peak),
        '',
        sizeMb === 300 ? `target ≤ 150: ${peak <= 150 * MiB ? 'met' : 'NOT met'}` : `log ${mib(r.logBytes)} MiB`,
      );
    }
    const sizes = Object.keys(peaks).map(Number);
    if (sizes.length >= 2) {
      const lo = Math.min(...sizes);
      const hi = Math.max(...sizes);
      const d = peaks[hi]! - peaks[lo]!;
      row('5d', `RSS peak ${hi} MiB log − ${lo} MiB log, MiB`, '', mib(d), '', `target ≤ 10: ${d <= 10 * MiB ? 'met' : 'NOT met'}`);
    }
  }
  return { rows, notes, problems };
}
