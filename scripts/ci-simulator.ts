// The simulator for a workflow job that runs the action itself (`uses: ./`) on a GitHub runner.
//
//   node scripts/ci-simulator.ts start   starts the simulator in the background (it outlives this step),
//                                        holding the demo's `success` and `failure` templates; writes the
//                                        action's inputs to $GITHUB_OUTPUT and its environment to $GITHUB_ENV
//   node scripts/ci-simulator.ts stop    stops it and prints the requests it answered
//
// Sign-in: on a real runner ACTIONS_ID_TOKEN_REQUEST_URL points at GitHub, whose tokens the simulator's
// Entra cannot verify (and should not trust). The runner only sets ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN for
// a job with `permissions: id-token: write` (actions/runner src/Runner.Worker/Handlers/NodeScriptActionHandler.cs
// sets them only when the job connection has a GenerateIdTokenUrl), and then overwrites whatever $GITHUB_ENV
// says. So the self-test job has no id-token permission, and this script exports the simulator's own OIDC
// endpoint and request token in their place: the action mints, refreshes and exchanges tokens exactly as it
// does against GitHub and Entra. ACTIONS_RUNTIME_TOKEN is always the runner's, so the logs artifact goes to the
// real artifact service of the workflow run.
//
// The background process writes its log to $RUNNER_TEMP/image-builder-sim/sim.log, ends itself after
// IMAGE_BUILDER_SIM_LIFETIME minutes (default 30) if never stopped, and stops on a stop file rather than a
// signal, which works the same on Linux, macOS and Windows.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../sim/index.ts';
import { SCENARIOS } from '../sim/scenarios.ts';

interface Ready {
  pid: number;
  env: Record<string, string>;
  outputs: Record<string, string>;
}

const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'image-builder-sim');
const readyFile = join(dir, 'ready.json');
const stopFile = join(dir, 'stop');
const logFile = join(dir, 'sim.log');

/** `name<<delimiter` form: safe for any value ($GITHUB_ENV / $GITHUB_OUTPUT file commands). */
function fileCommand(file: string | undefined, values: Record<string, string>, label: string): void {
  if (!file) throw new Error(`${label} is not set: run this script as a step of a GitHub Actions job`);
  for (const [k, v] of Object.entries(values)) {
    const eof = `EOF_${randomUUID()}`;
    appendFileSync(file, `${k}<<${eof}\n${v}\n${eof}\n`);
  }
}

async function start(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of [readyFile, stopFile, `${stopFile}.done`]) rmSync(f, { force: true });
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
    windowsHide: true,
  });
  child.unref();
  const deadline = Date.now() + 180_000;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      console.error(readFileSync(logFile, 'utf8'));
      throw new Error(
        child.exitCode !== null
          ? `the simulator exited (${child.exitCode}) before it was ready`
          : 'the simulator was not ready within 180 s',
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as Ready;
  fileCommand(process.env.GITHUB_ENV, ready.env, 'GITHUB_ENV');
  fileCommand(process.env.GITHUB_OUTPUT, ready.outputs, 'GITHUB_OUTPUT');
  console.log(`simulator running (pid ${ready.pid}); log: ${logFile}`);
  for (const [k, v] of Object.entries(ready.outputs)) console.log(`  ${k}: ${v}`);
}

async function serve(): Promise<void> {
  const lifetimeMs = Number(process.env.IMAGE_BUILDER_SIM_LIFETIME || '30') * 60_000;
  const sim = await startSimulator({
    github: {
      ...(process.env.GITHUB_REPOSITORY ? { repository: process.env.GITHUB_REPOSITORY } : {}),
      ...(process.env.GITHUB_REF ? { ref: process.env.GITHUB_REF } : {}),
    },
  });
  const ok = sim.azure.addTemplate(SCENARIOS.success.template);
  const bad = sim.azure.addTemplate(SCENARIOS.failure.template);
  const inputs = sim.actionInputs(ok);
  const ready: Ready = {
    pid: process.pid,
    env: {
      NODE_EXTRA_CA_CERTS: sim.cert.certPath,
      ACTIONS_ID_TOKEN_REQUEST_URL: sim.github.env['ACTIONS_ID_TOKEN_REQUEST_URL'] ?? '',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: sim.github.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '',
    },
    outputs: {
      'subscription-id': inputs['subscription-id'] ?? '',
      'tenant-id': inputs['tenant-id'] ?? '',
      'client-id': inputs['client-id'] ?? '',
      'resource-manager-endpoint': inputs['resource-manager-endpoint'] ?? '',
      'authority-host': inputs['authority-host'] ?? '',
      'resource-group': ok.resourceGroup,
      'template-name': ok.name,
      'failing-template-name': bad.name,
    },
  };
  writeFileSync(`${readyFile}.tmp`, JSON.stringify(ready));
  // Renamed into place so `start` never reads half a file.
  renameSync(`${readyFile}.tmp`, readyFile);
  console.log(`ready: ARM ${sim.azure.armEndpoint}, Entra ${sim.azure.authorityHost}`);
  const began = Date.now();
  while (!existsSync(stopFile) && Date.now() - began < lifetimeMs) await new Promise((r) => setTimeout(r, 500));
  const counts = new Map<string, number>();
  for (const r of sim.journal.requests)
    counts.set(`${r.service} ${r.method} ${r.status}`, (counts.get(`${r.service} ${r.method} ${r.status}`) ?? 0) + 1);
  console.log(`requests answered (${sim.journal.requests.length}):`);
  for (const [k, n] of [...counts].sort()) console.log(`  ${String(n).padStart(4)} × ${k}`);
  await sim.stop();
  writeFileSync(`${stopFile}.done`, '');
}

async function stop(): Promise<void> {
  if (!existsSync(readyFile)) {
    console.log('no simulator was started');
    return;
  }
  writeFileSync(stopFile, '');
  const deadline = Date.now() + 60_000;
  while (!existsSync(`${stopFile}.done`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (!existsSync(`${stopFile}.done`)) {
    const { pid } = JSON.parse(readFileSync(readyFile, 'utf8')) as Ready;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  console.log(readFileSync(logFile, 'utf8'));
}

const command = process.argv[2];
const run = command === 'start' ? start : command === 'serve' ? serve : command === 'stop' ? stop : undefined;
if (!run) {
  console.error('usage: node scripts/ci-simulator.ts start|stop');
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
