// Runs a node action the way the GitHub runner does: inputs from action.yml defaults overlaid with
// the step's `with:`, the file-command files, the job environment, `node <runs.main>` with the Node
// running this harness, workflow commands read from stdout/stderr, then `runs.post` (post-if
// defaults to always()) with STATE_<name> from the main step. Cancellation follows the runner:
// SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that, each sent to the step's process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter as PATH_SEP, dirname, join, resolve } from 'node:path';
import { parseActionYaml, type ActionDefinition } from './github/action-yaml.ts';
import {
  applyMasks,
  LineSplitter,
  parseKeyValueFile,
  parsePathFile,
  parseRunnerCommand,
  REGISTERED_COMMANDS,
  toAnnotation,
  type Annotation,
} from './github/commands.ts';

export type { Annotation } from './github/commands.ts';
export type { ActionDefinition } from './github/action-yaml.ts';

export type Phase = 'pre' | 'main' | 'post';

export interface GitHubContext {
  repository?: string;
  runId?: string;
  runNumber?: string;
  runAttempt?: string;
  job?: string;
  /** GITHUB_ACTION: the step id (`__run`, `__owner_repo`, ...). */
  action?: string;
  ref?: string;
  sha?: string;
  actor?: string;
  eventName?: string;
  workflow?: string;
  serverUrl?: string;
  retentionDays?: string;
}

export interface RunActionOptions {
  /** Folder holding action.yml (or action.yaml); runs.main / runs.post are relative to it. */
  actionDir: string;
  /** The step's `with:`. */
  with?: Record<string, string>;
  /** Extra environment (runtime and OIDC variables, AZURE_*, the step's `env:`); applied last. */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE and the working directory; a fresh temp dir by default. */
  workspace?: string;
  /** Root for RUNNER_TEMP, the tool cache and the file-command files; a fresh temp dir by default. */
  runnerDir?: string;
  /** PEM file for NODE_EXTRA_CA_CERTS (the simulator's certificate). */
  caCertPath?: string;
  /** RUNNER_DEBUG=1 (debug messages shown in the log). */
  debug?: boolean;
  github?: GitHubContext;
  /** Start from this process's environment (minus proxies, NODE_OPTIONS, INPUT_*, STATE_*, GITHUB_*, ACTIONS_*) instead of a minimal one. */
  inheritEnv?: boolean;
  /** Live output, chunk by chunk as the process writes it. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr', phase: Phase) => void;
  /** Called once each step's process has started. */
  onStart?: (phase: Phase, pid: number) => void;
  /**
   * Workflow cancellation of the main step: when `when` resolves, when `signal` aborts, or at the
   * first output line matching `onLine`, the runner's SIGINT → SIGTERM → SIGKILL sequence starts.
   */
  cancel?: { when?: Promise<unknown>; signal?: AbortSignal; onLine?: RegExp | ((line: string) => boolean) };
  /** The step's `timeout-minutes`, in ms: the same signal sequence, and the step fails. */
  stepTimeoutMs?: number;
  /** Override the runner's 7500 / 2500 ms (tests of the harness only). */
  cancelTimings?: { sigtermAfterMs?: number; sigkillAfterMs?: number };
  /** Safety net per step: SIGKILL and fail when a step runs longer. Default 10 minutes. */
  timeoutMs?: number;
  /** Run runs.post when the action has one (default true). */
  runPost?: boolean;
  /** Node binary; default process.execPath (the Node 24 running the harness). */
  nodePath?: string;
}

export interface SignalSent {
  signal: NodeJS.Signals;
  /** ms since the Unix epoch. */
  at: number;
}

/** A stdout or stderr line as the harness received it (before any command handling or masking). */
export interface TimedLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** ms since the Unix epoch when the chunk completing the line arrived (the runner timestamps job log lines so). */
  at: number;
}

export interface StepResult {
  phase: Phase;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** As the runner would conclude: cancelled when the workflow was canceled, failure on a non-zero exit, a timeout or a bad file command. */
  conclusion: 'success' | 'failure' | 'cancelled';
  stdout: string;
  stderr: string;
  /** stdout and stderr lines in arrival order with the masks known at that time applied, commands rendered as the runner logs them. */
  log: string;
  /** Every stdout and stderr line, raw, with its arrival time, in arrival order. */
  lines: TimedLine[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** Variables the step wrote to GITHUB_ENV. */
  env: Record<string, string>;
  /** Directories the step wrote to GITHUB_PATH. */
  path: string[];
  /** This step's GITHUB_STEP_SUMMARY content. */
  summary: string;
  annotations: Annotation[];
  masks: string[];
  debug: string[];
  /** Titles of ::group:: blocks, in order. */
  groups: string[];
  /** Environment the step's process was started with. */
  processEnv: Record<string, string>;
  signalsSent: SignalSent[];
  /** When SIGINT was sent (ms since epoch), if the step was canceled. */
  sigintAt?: number;
  cancelledBy?: 'workflow' | 'timeout-minutes';
  /** Killed by the harness's safety net (timeoutMs). */
  timedOut: boolean;
  /** Malformed file-command files (the runner fails the step on these). */
  fileCommandErrors: string[];
  /** Workflow commands the runner refused (an invalid stop token, set-env, add-path): the step fails. */
  commandErrors: string[];
  startedAt: number;
  exitedAt: number;
  durationMs: number;
}

export interface RunResult {
  pre?: StepResult;
  main: StepResult;
  post?: StepResult;
  /** The job summary: the steps' summaries concatenated, as GitHub shows them. */
  summary: string;
  workspace: string;
  runnerTemp: string;
  action: ActionDefinition;
}

/** The runner's wait after SIGINT before SIGTERM, and after SIGTERM before the kill. */
export const RUNNER_SIGTERM_AFTER_MS = 7500;
export const RUNNER_SIGKILL_AFTER_MS = 2500;

/** Reads action.yml (or action.yaml) of a folder. */
export function readActionDefinition(actionDir: string): ActionDefinition {
  for (const f of ['action.yml', 'action.yaml']) {
    let text: string;
    try {
      text = readFileSync(join(actionDir, f), 'utf8');
    } catch {
      continue;
    }
    return parseActionYaml(text);
  }
  throw new Error(`no action.yml or action.yaml in ${actionDir}`);
}

/** INPUT_<NAME>: upper-cased, spaces to underscores, hyphens kept (as the runner and @actions/core do). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Evaluates the few status functions a pre-if / post-if uses. */
export function evaluateStatusCondition(expr: string | undefined, status: 'success' | 'failure' | 'cancelled'): boolean {
  const e = (expr ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').replace(/\s+/g, '');
  switch (e) {
    case 'always()':
    case 'true':
      return true;
    case 'success()':
      return status === 'success';
    case 'failure()':
      return status === 'failure';
    case 'cancelled()':
      return status === 'cancelled';
    case '!cancelled()':
      return status !== 'cancelled';
    case 'false':
      return false;
    default:
      throw new Error(`the harness cannot evaluate the condition '${expr ?? ''}'`);
  }
}

function baseEnvironment(inherit: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (inherit) {
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined) continue;
      if (/^(INPUT_|STATE_|GITHUB_|ACTIONS_|RUNNER_)/.test(k)) continue;
      if (/^(https?_proxy|all_proxy|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|JEST_WORKER_ID)$/i.test(k)) continue;
      env[k] = v;
    }
  } else {
    // Windows needs SystemRoot (DNS, crypto), TEMP/TMP and the user profile folders in a child's environment.
    for (const k of [
      'PATH',
      'Path',
      'HOME',
      'LANG',
      'LC_ALL',
      'TZ',
      'USER',
      'SHELL',
      'TMPDIR',
      'SystemRoot',
      'SYSTEMROOT',
      'windir',
      'TEMP',
      'TMP',
      'USERPROFILE',
      'APPDATA',
      'LOCALAPPDATA',
      'ComSpec',
      'PATHEXT',
    ]) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
  }
  return env;
}

interface StepPlan {
  phase: Phase;
  script: string;
  env: Record<string, string>;
  cwd: string;
  runnerTemp: string;
  cancel?: RunActionOptions['cancel'];
  stepTimeoutMs?: number;
}

export async function runAction(opts: RunActionOptions): Promise<RunResult> {
  const actionDir = resolve(opts.actionDir);
  const action = readActionDefinition(actionDir);
  if (!/^node\d+$/.test(action.runs.using)) throw new Error(`runs.using '${action.runs.using}' is not a node runtime`);

  const runnerDir = opts.runnerDir ?? mkdtempSync(join(tmpdir(), 'sim-runner-'));
  const runnerTemp = join(runnerDir, 'temp');
  const toolCache = join(runnerDir, 'tool-cache');
  const workspace = resolve(opts.workspace ?? join(runnerDir, 'workspace'));
  for (const d of [runnerTemp, toolCache, workspace, join(runnerTemp, '_runner_file_commands')]) mkdirSync(d, { recursive: true });

  const gh = opts.github ?? {};
  const repository = gh.repository ?? 'octo-org/octo-repo';
  const ref = gh.ref ?? 'refs/heads/main';
  const serverUrl = gh.serverUrl ?? 'https://github.com';
  const eventPath = join(runnerTemp, '_github_workflow', 'event.json');
  mkdirSync(dirname(eventPath), { recursive: true });
  writeFileSync(
    eventPath,
    JSON.stringify({
      ref,
      repository: { full_name: repository, name: repository.split('/')[1] ?? repository, owner: { login: repository.split('/')[0] ?? '' } },
    }),
  );

  // Inputs: every declared input with its default, overlaid with `with:` (undeclared ones too, after a warning).
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = spec.default ?? '';
  const runnerAnnotations: Annotation[] = [];
  const unexpected = Object.keys(opts.with ?? {}).filter((k) => !(k in action.inputs));
  if (unexpected.length > 0) {
    runnerAnnotations.push({
      level: 'warning',
      message: `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(action.inputs).join("', '")}']`,
    });
  }
  Object.assign(inputs, opts.with ?? {});

  const jobEnv: Record<string, string> = {
    ...baseEnvironment(opts.inheritEnv ?? false),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    RUNNER_OS: ({ win32: 'Windows', darwin: 'macOS' } as Record<string, string>)[process.platform] ?? 'Linux',
    RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64',
    RUNNER_NAME: 'GitHub Actions 1000000001',
    RUNNER_ENVIRONMENT: 'github-hosted',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_RUN_ID: gh.runId ?? '1658821493',
    GITHUB_RUN_NUMBER: gh.runNumber ?? '10',
    GITHUB_RUN_ATTEMPT: gh.runAttempt ?? '1',
    GITHUB_JOB: gh.job ?? 'build',
    GITHUB_ACTION: gh.action ?? '__image-builder-run',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_SHA: gh.sha ?? 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    GITHUB_ACTOR: gh.actor ?? 'octocat',
    GITHUB_TRIGGERING_ACTOR: gh.actor ?? 'octocat',
    GITHUB_EVENT_NAME: gh.eventName ?? 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKFLOW: gh.workflow ?? 'Build image',
    GITHUB_SERVER_URL: serverUrl,
    GITHUB_API_URL: serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`,
    GITHUB_GRAPHQL_URL: serverUrl === 'https://github.com' ? 'https://api.github.com/graphql' : `${serverUrl}/api/graphql`,
    GITHUB_RETENTION_DAYS: gh.retentionDays ?? '90',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  if (opts.debug) jobEnv['RUNNER_DEBUG'] = '1';
  if (opts.caCertPath) jobEnv['NODE_EXTRA_CA_CERTS'] = resolve(opts.caCertPath);
  for (const [k, v] of Object.entries(inputs)) jobEnv[inputEnvName(k)] = v;
  Object.assign(jobEnv, opts.env ?? {});

  const timings = {
    sigtermAfterMs: opts.cancelTimings?.sigtermAfterMs ?? RUNNER_SIGTERM_AFTER_MS,
    sigkillAfterMs: opts.cancelTimings?.sigkillAfterMs ?? RUNNER_SIGKILL_AFTER_MS,
  };
  const run = (plan: StepPlan): Promise<StepResult> =>
    runStep(plan, opts.nodePath ?? process.execPath, timings, opts.timeoutMs ?? 600_000, opts.debug ?? false, opts.onOutput, opts.onStart);

  // Environment carried from step to step: GITHUB_ENV and GITHUB_PATH of earlier steps.
  let carried: Record<string, string> = { ...jobEnv };
  let state: Record<string, string> = {};
  const carry = (r: StepResult): void => {
    carried = { ...carried, ...r.env };
    if (r.path.length > 0) carried['PATH'] = [...[...r.path].reverse(), carried['PATH'] ?? ''].filter(Boolean).join(PATH_SEP);
    state = { ...state, ...r.state };
  };
  const stateEnv = (): Record<string, string> => Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));

  let pre: StepResult | undefined;
  if (action.runs.pre && evaluateStatusCondition(action.runs['pre-if'], 'success')) {
    pre = await run({ phase: 'pre', script: join(actionDir, action.runs.pre), env: carried, cwd: workspace, runnerTemp });
    carry(pre);
  }
  let main: StepResult;
  if (!pre || pre.conclusion === 'success') {
    const mainPlan: StepPlan = {
      phase: 'main',
      script: join(actionDir, action.runs.main),
      env: { ...carried, ...stateEnv() },
      cwd: workspace,
      runnerTemp,
    };
    if (opts.cancel) mainPlan.cancel = opts.cancel;
    if (opts.stepTimeoutMs !== undefined) mainPlan.stepTimeoutMs = opts.stepTimeoutMs;
    main = await run(mainPlan);
  } else {
    main = { ...pre, phase: 'main', conclusion: pre.conclusion, stdout: '', stderr: '', log: '', lines: [], annotations: [] };
  }
  main.annotations.unshift(...runnerAnnotations);
  carry(main);

  let post: StepResult | undefined;
  const jobStatus = pre?.conclusion === 'cancelled' || main.conclusion === 'cancelled' ? 'cancelled' : main.conclusion;
  if (action.runs.post && (opts.runPost ?? true) && evaluateStatusCondition(action.runs['post-if'], jobStatus)) {
    post = await run({
      phase: 'post',
      script: join(actionDir, action.runs.post),
      env: { ...carried, ...stateEnv() },
      cwd: workspace,
      runnerTemp,
    });
  }

  const result: RunResult = {
    main,
    summary: [pre, main, post].map((s) => s?.summary ?? '').join(''),
    workspace,
    runnerTemp,
    action,
  };
  if (pre) result.pre = pre;
  if (post) result.post = post;
  return result;
}

function runStep(
  plan: StepPlan,
  nodePath: string,
  timings: { sigtermAfterMs: number; sigkillAfterMs: number },
  safetyNetMs: number,
  debugEnabled: boolean,
  onOutput: RunActionOptions['onOutput'],
  onStart: RunActionOptions['onStart'],
): Promise<StepResult> {
  const dir = join(plan.runnerTemp, '_runner_file_commands');
  const files = {
    GITHUB_OUTPUT: join(dir, `set_output_${randomUUID()}`),
    GITHUB_STATE: join(dir, `save_state_${randomUUID()}`),
    GITHUB_ENV: join(dir, `set_env_${randomUUID()}`),
    GITHUB_PATH: join(dir, `add_path_${randomUUID()}`),
    GITHUB_STEP_SUMMARY: join(dir, `step_summary_${randomUUID()}`),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env = { ...plan.env, ...files };

  const r: StepResult = {
    phase: plan.phase,
    exitCode: null,
    signal: null,
    conclusion: 'success',
    stdout: '',
    stderr: '',
    log: '',
    lines: [],
    outputs: {},
    state: {},
    env: {},
    path: [],
    summary: '',
    annotations: [],
    masks: [],
    debug: [],
    groups: [],
    processEnv: env,
    signalsSent: [],
    timedOut: false,
    fileCommandErrors: [],
    commandErrors: [],
    startedAt: Date.now(),
    exitedAt: 0,
    durationMs: 0,
  };
  const commandOutputs: Record<string, string> = {};
  const commandState: Record<string, string> = {};
  let stopToken: string | undefined;

  return new Promise<StepResult>((resolvePromise) => {
    const child = spawn(nodePath, [plan.script], { cwd: plan.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let exited = false;
    const timers: NodeJS.Timeout[] = [];
    const send = (signal: NodeJS.Signals): void => {
      if (exited) return;
      r.signalsSent.push({ signal, at: Date.now() });
      if (signal === 'SIGINT') r.sigintAt = r.signalsSent.at(-1)?.at;
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    };
    let cancelling = false;
    const startCancel = (by: 'workflow' | 'timeout-minutes'): void => {
      if (cancelling || exited) return;
      cancelling = true;
      r.cancelledBy = by;
      send('SIGINT');
      timers.push(
        setTimeout(() => {
          send('SIGTERM');
          timers.push(setTimeout(() => send('SIGKILL'), timings.sigkillAfterMs));
        }, timings.sigtermAfterMs),
      );
    };
    if (plan.cancel?.when) {
      plan.cancel.when.then(
        () => startCancel('workflow'),
        () => undefined,
      );
    }
    const abort = plan.cancel?.signal;
    if (abort) {
      if (abort.aborted) queueMicrotask(() => startCancel('workflow'));
      else abort.addEventListener('abort', () => startCancel('workflow'), { once: true });
    }
    if (plan.stepTimeoutMs !== undefined) timers.push(setTimeout(() => startCancel('timeout-minutes'), plan.stepTimeoutMs));
    timers.push(
      setTimeout(() => {
        if (exited) return;
        r.timedOut = true;
        send('SIGKILL');
      }, safetyNetMs),
    );
    const onLine = plan.cancel?.onLine;
    const lineMatches = (line: string): boolean =>
      onLine === undefined ? false : typeof onLine === 'function' ? onLine(line) : onLine.test(line);

    const logLine = (text: string): void => {
      r.log += `${applyMasks(text, r.masks)}\n`;
    };
    // The runner's command handling (sim/github/commands.ts says where each rule comes from).
    const registered = [...REGISTERED_COMMANDS];
    const handleLine = (line: string): void => {
      if (lineMatches(line)) startCancel('workflow');
      const cmd = line.includes('##[') || line.includes('::') ? parseRunnerCommand(line, registered) : undefined;
      if (!cmd) return logLine(line);
      if (stopToken !== undefined) {
        if (cmd.command.toLowerCase() !== stopToken.toLowerCase()) return logLine(line);
        logLine(line);
        registered.splice(registered.indexOf(cmd.command), 1);
        stopToken = undefined;
        return;
      }
      switch (cmd.command) {
        case 'add-mask':
          if (cmd.data.trim()) {
            const add = (m: string): void => {
              if (!r.masks.includes(m)) r.masks.push(m);
            };
            add(cmd.data);
            for (const part of cmd.data.split(/[\r\n]+/)) if (part.trim()) add(part.trim());
          }
          return;
        case 'error':
        case 'warning':
        case 'notice': {
          const a = toAnnotation(cmd);
          if (a) r.annotations.push(a);
          return logLine(`##[${cmd.command}]${cmd.data}`);
        }
        case 'debug':
          r.debug.push(cmd.data);
          if (debugEnabled) logLine(`##[debug]${cmd.data}`);
          return;
        case 'group':
          r.groups.push(cmd.data);
          return logLine(`##[group]${cmd.data}`);
        case 'endgroup':
          return logLine('##[endgroup]');
        case 'stop-commands': {
          const token = cmd.data;
          if (!token || registered.some((c) => c.toLowerCase() === token.toLowerCase()) || token.toLowerCase() === 'pause-logging') {
            r.annotations.push({ level: 'error', message: `Unable to process command '${line}' successfully.` });
            r.commandErrors.push(line);
            return;
          }
          stopToken = token;
          registered.push(token);
          if (token.length > 6) r.masks.push(token);
          return logLine(line);
        }
        case 'set-output':
          if (cmd.properties['name']) commandOutputs[cmd.properties['name']] = cmd.data;
          return;
        case 'save-state':
          if (cmd.properties['name']) commandState[cmd.properties['name']] = cmd.data;
          return;
        case 'set-env':
        case 'add-path':
          // Refused unless ACTIONS_ALLOW_UNSECURE_COMMANDS: the step fails.
          r.annotations.push({ level: 'error', message: `Unable to process command '${line}' successfully.` });
          r.commandErrors.push(line);
          return;
        case 'echo':
        case 'add-matcher':
        case 'remove-matcher':
          return;
        default:
          return logLine(line);
      }
    };

    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      r[stream] += text;
      onOutput?.(text, stream, plan.phase);
      const at = Date.now();
      for (const l of splitters[stream].push(text)) {
        r.lines.push({ stream, text: l, at });
        handleLine(l);
      }
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    child.on('spawn', () => {
      if (child.pid !== undefined) onStart?.(plan.phase, child.pid);
    });

    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      if (finished) return;
      finished = true;
      exited = true;
      for (const t of timers) clearTimeout(t);
      for (const s of ['stdout', 'stderr'] as const) {
        const last = splitters[s].end();
        if (last !== undefined) {
          r.lines.push({ stream: s, text: last, at: Date.now() });
          handleLine(last);
        }
      }
      r.exitCode = code;
      r.signal = signal;
      r.exitedAt = Date.now();
      r.durationMs = r.exitedAt - r.startedAt;
      if (spawnError) {
        r.stderr += String(spawnError);
        r.annotations.push({ level: 'error', message: `Failed to start node: ${spawnError.message}` });
      }
      const read = (f: string): string => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      const kv = (f: string, label: string): Record<string, string> => {
        try {
          return parseKeyValueFile(read(f), label);
        } catch (e) {
          r.fileCommandErrors.push(e instanceof Error ? e.message : String(e));
          return {};
        }
      };
      r.outputs = { ...commandOutputs, ...kv(files.GITHUB_OUTPUT, 'GITHUB_OUTPUT') };
      r.state = { ...commandState, ...kv(files.GITHUB_STATE, 'GITHUB_STATE') };
      r.env = kv(files.GITHUB_ENV, 'GITHUB_ENV');
      if (Object.keys(r.env).some((k) => k.toUpperCase() === 'NODE_OPTIONS')) {
        // The runner refuses this one.
        r.fileCommandErrors.push("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
        delete r.env['NODE_OPTIONS'];
      }
      r.path = parsePathFile(read(files.GITHUB_PATH));
      r.summary = read(files.GITHUB_STEP_SUMMARY);
      if (r.cancelledBy === 'workflow') r.conclusion = 'cancelled';
      else if (
        code !== 0 ||
        r.timedOut ||
        r.cancelledBy === 'timeout-minutes' ||
        r.fileCommandErrors.length > 0 ||
        r.commandErrors.length > 0 ||
        spawnError
      ) {
        r.conclusion = 'failure';
      }
      resolvePromise(r);
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('close', (code, signal) => finish(code, signal));
    // A grandchild that inherited stdout can keep the pipes open after the action exits:
    // give the streams a moment, then stop waiting for them.
    child.on('exit', (code, signal) => {
      exited = true;
      const t = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 2000);
      t.unref();
      timers.push(t);
    });
  });
}
