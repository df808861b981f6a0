// npm run demo [-- --scenario success|failure|timeout|cancel]
// Starts the loopback simulator (Entra, ARM, storage + Azurite, GitHub OIDC and artifacts), runs the
// built action (dist/) as the runner would, streams its log, then shows its outputs, job summary,
// uploaded logs artifact and the requests it made. Exits 0 when the scenario behaved as expected.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator, type TemplateHandle } from './index.ts';
import type { Phase, RunResult } from './runner.ts';
import { applyMasks, parseWorkflowCommand } from './github/commands.ts';
import { isScenarioName, SCENARIOS, type Scenario } from './scenarios.ts';
import type { RecordedRequest } from './server.ts';
import { openZip } from './zip.ts';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint =
  (code: string) =>
  (s: string): string =>
    color ? `\x1b[${code}m${s}\x1b[0m` : s;
const dim = paint('2');
const bold = paint('1');
const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const cyan = paint('36');

function usage(): string {
  return [
    'usage: npm run demo [-- --scenario <name>]',
    '',
    ...Object.values(SCENARIOS).map((s) => `  ${s.name.padEnd(8)} ${s.description}`),
  ].join('\n');
}

function parseArgs(argv: string[]): Scenario {
  let name = 'success';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (a === '--scenario' || a === '-s') {
      name = argv[++i] ?? '';
    } else if (a.startsWith('--scenario=')) {
      name = a.slice('--scenario='.length);
    } else if (isScenarioName(a)) {
      name = a;
    } else {
      console.error(`unknown argument '${a}'\n\n${usage()}`);
      process.exit(2);
    }
  }
  if (!isScenarioName(name)) {
    console.error(`unknown scenario '${name}'\n\n${usage()}`);
    process.exit(2);
  }
  return SCENARIOS[name];
}

/** Renders the action's output as the job log would show it, line by line, each prefixed. */
function liveLog(): (chunk: string, stream: 'stdout' | 'stderr', phase: Phase) => void {
  const partial: Record<string, string> = {};
  const masks: string[] = [];
  let lastPhase: Phase | undefined;
  const print = (phase: Phase, line: string): void => {
    if (phase !== lastPhase) {
      console.log(dim(`  ── ${phase} step ${'─'.repeat(50)}`));
      lastPhase = phase;
    }
    const cmd = parseWorkflowCommand(line);
    let text: string | undefined = line;
    if (cmd) {
      switch (cmd.command) {
        case 'add-mask':
          if (cmd.data.trim()) masks.push(cmd.data.trim());
          text = undefined;
          break;
        case 'group':
          text = bold(`▸ ${cmd.data}`);
          break;
        case 'error':
          text = red(`Error: ${cmd.properties['title'] ? `${cmd.properties['title']}: ` : ''}${cmd.data}`);
          break;
        case 'warning':
          text = yellow(`Warning: ${cmd.data}`);
          break;
        case 'notice':
          text = cyan(`Notice: ${cmd.data}`);
          break;
        default: // endgroup, debug, set-output, save-state, echo, stop-commands
          text = undefined;
      }
    }
    if (text === undefined) return;
    for (const l of applyMasks(text, masks).split('\n')) console.log(`  ${dim('│')} ${l}`);
  };
  return (chunk, stream, phase) => {
    const key = `${phase}:${stream}`;
    const lines = ((partial[key] ?? '') + chunk).split('\n');
    partial[key] = lines.pop() ?? '';
    for (const l of lines) print(phase, l.replace(/\r$/, ''));
  };
}

/** A short label for a request: method and the meaningful end of its path. */
function requestLabel(r: RecordedRequest): string {
  const p = r.path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/^\/subscriptions\/\{id\}\/resourceGroups\/[^/]+\/providers\//i, '')
    .replace(/^\/subscriptions\/\{id\}\/providers\//i, '')
    .replace(/Microsoft\.(VirtualMachineImages|Storage|Compute)\//g, '')
    .replace(/\/packerlogs\/\{id\}\//, '/packerlogs/{run}/')
    .replace(/^\/[a-z0-9]{24}\//, '/{account}/')
    .replace(/^\/twirp\/github\.actions\.results\.api\.v1\./, 'twirp ')
    .replace(/\/[0-9a-f]{64}\.zip$/, '/{sha256}.zip')
    .replace(/\/_apis\/distributedtask\/hubs\/Actions\/plans\/\{id\}\/jobs\/\{id\}\//, '/…/');
  const short = p.length > 70 ? `…${p.slice(-69)}` : p;
  return `${r.method} ${short}`;
}

function printRequests(sim: Simulator, since: number): void {
  const reqs = sim.journal.requests.filter((r) => r.at >= since);
  const services = [...new Set(reqs.map((r) => r.service))];
  console.log(bold(`\nRequests the action made (${reqs.length}):`));
  for (const s of services) {
    const of = reqs.filter((r) => r.service === s);
    const failed = of.filter((r) => r.status < 200 || r.status >= 400).length;
    console.log(`  ${s.padEnd(12)} ${String(of.length).padStart(4)}${failed ? yellow(`  (${failed} answered ≥400 or dropped)`) : ''}`);
    const counts = new Map<string, number>();
    for (const r of of) counts.set(requestLabel(r), (counts.get(requestLabel(r)) ?? 0) + 1);
    const sorted = [...counts].sort((a, b) => b[1] - a[1]);
    for (const [label, n] of sorted.slice(0, 5)) console.log(dim(`      ${String(n).padStart(4)} × ${label}`));
    if (sorted.length > 5) console.log(dim(`           … ${sorted.length - 5} more kinds`));
  }
}

function printResult(sim: Simulator, result: RunResult): void {
  const steps = [result.pre, result.main, result.post].filter((s) => s !== undefined);
  console.log(bold('\nSteps:'));
  for (const s of steps) {
    const how = s.signalsSent.length ? `, signals ${s.signalsSent.map((x) => x.signal).join(' → ')}` : '';
    const c = s.conclusion === 'success' ? green : s.conclusion === 'cancelled' ? yellow : red;
    console.log(
      `  ${s.phase.padEnd(5)} ${c(s.conclusion.padEnd(9))} exit ${s.exitCode ?? s.signal} in ${(s.durationMs / 1000).toFixed(1)} s${how}`,
    );
  }
  const annotations = steps.flatMap((s) => s.annotations.map((a) => ({ ...a, phase: s.phase })));
  if (annotations.length) {
    console.log(bold('\nAnnotations:'));
    for (const a of annotations) {
      const c = a.level === 'error' ? red : a.level === 'warning' ? yellow : cyan;
      const msg = a.message.length > 700 ? `${a.message.slice(0, 250)} … ${a.message.slice(-400)}` : a.message;
      console.log(
        `  ${c(a.level)} (${a.phase})${a.title ? ` ${bold(a.title)}` : ''}\n${msg
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n')}`,
      );
    }
  }
  console.log(bold('\nOutputs:'));
  const outputs = result.main.outputs;
  if (Object.keys(outputs).length === 0) console.log(dim('  (none)'));
  for (const [k, v] of Object.entries(outputs)) {
    console.log(`  ${k.padEnd(24)} ${v.length > 160 ? `${v.slice(0, 160)}…` : v}`);
  }
  console.log(bold('\nJob summary:'));
  const summary = result.summary.trimEnd();
  if (!summary) console.log(dim('  (empty)'));
  const lines = summary ? summary.split('\n') : [];
  for (const l of lines.slice(0, 40)) console.log(`  ${dim('┆')} ${l}`);
  if (lines.length > 40) console.log(dim(`  ┆ … ${lines.length - 40} more lines`));

  console.log(bold('\nUploaded artifacts:'));
  const artifacts = sim.github.artifacts.artifacts;
  if (artifacts.length === 0) console.log(dim('  (none)'));
  for (const a of artifacts) {
    console.log(`  ${a.name}  (id ${a.id}, ${a.size} bytes, retention ${a.retentionDays} days)`);
    try {
      const zip = openZip(a.bytes);
      for (const e of zip.entries) console.log(`    ${e.name.padEnd(40)} ${String(e.size).padStart(8)} bytes`);
    } catch (err) {
      console.log(red(`    not a readable zip: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

interface Check {
  ok: boolean;
  what: string;
}

function check(s: Scenario, sim: Simulator, result: RunResult, handle: TemplateHandle): Check[] {
  const e = s.expect;
  const status = handle.status();
  const log = result.main.log;
  const checks: Check[] = [
    { ok: result.main.conclusion === e.conclusion, what: `main step ${e.conclusion} (was ${result.main.conclusion})` },
    { ok: status?.runState === e.finalRunState, what: `build ended ${e.finalRunState} in Azure (was ${status?.runState ?? 'no run'})` },
    { ok: handle.cancelCount > 0 === e.cancelRequested, what: e.cancelRequested ? 'the action canceled the build' : 'no cancel request' },
    { ok: (result.post !== undefined) === e.post, what: e.post ? 'post step ran' : 'no post step' },
  ];
  if (e.runStateOutput !== undefined) {
    checks.push({
      ok: result.main.outputs['run-state'] === e.runStateOutput,
      what: `run-state output ${e.runStateOutput} (was ${result.main.outputs['run-state'] ?? 'unset'})`,
    });
  }
  if (e.artifact !== undefined) {
    const n = sim.github.artifacts.artifacts.length;
    checks.push({ ok: n > 0 === e.artifact, what: e.artifact ? 'logs artifact uploaded' : 'no artifact' });
  }
  for (const text of e.logIncludes) checks.push({ ok: log.includes(text), what: `log shows "${text}"` });
  return checks;
}

async function main(): Promise<number> {
  const scenario = parseArgs(process.argv.slice(2));
  const root = join(import.meta.dirname, '..');
  if (!existsSync(join(root, 'dist', 'main', 'index.js')) || !existsSync(join(root, 'dist', 'post', 'index.js'))) {
    console.error(red('dist/ is missing: run `npm run build` first (the demo runs the built action, as the runner would).'));
    return 2;
  }
  const t0 = Date.now();
  console.log(bold(`image-builder-run demo: scenario '${scenario.name}'`));
  console.log(`  ${scenario.description}`);
  console.log(dim('  Everything runs on this machine: Entra ID, Azure Resource Manager (Image Builder, Storage),'));
  console.log(dim('  blob storage (Azurite), GitHub OIDC and the artifact service are loopback https simulators;'));
  console.log(dim('  the action is dist/ run by node as the GitHub runner would, with its inputs, env and post step.'));

  const sim = await startSimulator();
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${sig}: stopping the simulator`);
    void sim.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const handle = sim.azure.addTemplate(scenario.template);
    const started = Date.now();
    console.log(
      dim(`  simulator up in ${((started - t0) / 1000).toFixed(1)} s: ARM ${sim.azure.armEndpoint}, Entra ${sim.azure.authorityHost}`),
    );
    console.log(`\n${bold('with:')}`);
    const inputs = { ...sim.actionInputs(handle), ...scenario.with };
    for (const [k, v] of Object.entries(inputs)) console.log(`  ${k}: ${v}`);
    if (scenario.cancel) {
      console.log(
        yellow(
          `\n  The workflow will be canceled ${scenario.cancel.afterMs / 1000} s after the build reaches ${scenario.cancel.atSubState}.`,
        ),
      );
    }
    console.log(bold('\nAction log:'));

    const cancel = scenario.cancel;
    const cancelWhen = cancel
      ? handle
          .subState(cancel.atSubState)
          .then(() => new Promise<void>((r) => setTimeout(r, cancel.afterMs)))
          .then(() => {
            console.log(yellow('  ⨯ workflow canceled: the runner sends SIGINT (SIGTERM 7.5 s later if still running)'));
          })
      : undefined;
    const result = await sim.run(handle, {
      with: scenario.with,
      onOutput: liveLog(),
      timeoutMs: 60_000,
      ...(cancelWhen ? { cancel: { when: cancelWhen } } : {}),
    });
    // A build canceled by the action reaches Canceled a moment later; give it that moment.
    if (handle.status()?.runState === 'Canceling') {
      await Promise.race([handle.finished(handle.finishedCount + 1), new Promise((r) => setTimeout(r, 5000))]);
    }
    printResult(sim, result);
    printRequests(sim, started);

    const checks = check(scenario, sim, result, handle);
    console.log(bold(`\nScenario '${scenario.name}' expectations:`));
    for (const c of checks) console.log(`  ${c.ok ? green('✔') : red('✘')} ${c.what}`);
    const ok = checks.every((c) => c.ok);
    console.log(
      `\n${ok ? green('Behaved as expected') : red('Did NOT behave as expected')} in ${((Date.now() - t0) / 1000).toFixed(1)} s.`,
    );
    return ok ? 0 : 1;
  } finally {
    stopping = true;
    await sim.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(red(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    process.exit(1);
  },
);
