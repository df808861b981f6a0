/**
 * Finding why a build failed: the failing customizer, its error lines and the last lines before them.
 * The log is read line by line with bounded buffers; it is never held whole in memory.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { redactSas } from '../report.js';
import { familyLabel, familyOfText, hintFor, mayRate, rateLine, type HintContext } from './causes.js';
import { clip, messageCore, shortMessage } from './message.js';

export type CustomizerType = 'Shell' | 'PowerShell' | 'WindowsRestart' | 'File' | 'WindowsUpdate';

export interface Diagnosis {
  /** The customizer (or validator) that failed, when the log names one. */
  customizer?: { name: string; type: CustomizerType; template?: TemplateMatch };
  /** Run sub-state the build stopped in, or `Validating` / `Distributing` for those failures. */
  phase?: string;
  /** The error lines found (packer's verdict and the script's own last error output), cleaned. */
  errorLines: string[];
  /** The last output lines of the failing step, cleaned. */
  context: string[];
  /** One line for the `::error` annotation's title: names the cause (and the failing customizer). */
  title: string;
  /** The lines that say what went wrong, best first, as the log or the service wrote them (at most 3). */
  causeLines: string[];
  /** Cause family of the best line (`vcpu-quota`, `policy`, `exit-code` ...), when recognised. */
  family?: string;
  /** One line with the fix for that family. */
  hint?: string;
  /** Packer's own verdict (`Script exited with non-zero exit status: 100 ...`), when the cause lines do not say it. */
  verdict?: string;
}

export interface DiagnoseInput {
  /** `Failed`, `PartiallySucceeded`, `Canceled`, `TimedOut` (our timeout) ... */
  runState: string;
  /** Last run sub-state seen. */
  runSubState?: string;
  /** `lastRunStatus.message`. */
  message?: string;
  customizationLog?: string;
  validationLog?: string;
  /** The template's `properties.customize[]` (type and name), in order: names the failing customizer as the user does. */
  customizers?: TemplateCustomizer[];
  /** The template has `vmProfile.vnetConfig` (changes the network hints). */
  hasVnetConfig?: boolean;
}

export interface TemplateCustomizer {
  type: string;
  name?: string;
}

/** The template customizer a failing packer provisioner was matched to. */
export interface TemplateMatch {
  /** `name` in the template, if it has one. */
  name?: string;
  /** 1-based position in `properties.customize[]`, and its length. */
  index: number;
  count: number;
}

const CONTEXT_LINES = 15;
const MAX_ERROR_LINES = 8;
const MAX_LINE = 300;

const PROVISIONER_TYPES: Record<string, CustomizerType> = {
  shell: 'Shell',
  'shell-local': 'Shell',
  powershell: 'PowerShell',
  'windows-restart': 'WindowsRestart',
  file: 'File',
  'windows-update': 'WindowsUpdate',
};

/** A log line without its timestamps, run-ID and `PACKER OUT/ERR` prefixes. */
export function cleanLine(raw: string): string {
  let s = raw.replace(/\r$/, '');
  s = s.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?:?\s+/, '');
  s = s.replace(/^\[[^\]]{1,64}\]\s*/, '');
  s = s.replace(/^PACKER(?: (?:OUT|ERR))? ?/, '');
  s = s.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '');
  s = s.replace(/^ui( error)?: /, '');
  s = s.replace(/^\s*(==> )?azure-arm(\.[\w-]+)?: ?/, (m) => (m.trimStart().startsWith('==>') ? '==> ' : ''));
  return s.trimEnd();
}

/** Packer's own debug chatter, not the build's output. */
function isNoise(clean: string): boolean {
  return /^(\[(INFO|DEBUG|TRACE)\]|packer[-\w.]* plugin:|\(telemetry\)|waiting for all plugin)/i.test(clean) || clean.trim() === '';
}

const VERDICT = [
  /Script exited with non-zero exit status/i,
  /Build '[^']+' errored/i,
  /^--> [\w.-]+: /,
  /\d+ error\(s\) occurred/i,
  /^Timeout waiting for/i,
  /^Upload failed/i,
  /^Error (uploading|downloading|restarting|running|executing)/i,
];
const SCRIPT_ERROR = /\b(error|fatal|failed|failure|exception|unable to|cannot|not found|denied)\b|^E: |^\s*\+ CategoryInfo/i;

interface ScanResult {
  customizer?: { name: string; type: CustomizerType };
  /** Provisioners started up to the failure, in order (undefined: a type we do not know). */
  steps: Array<CustomizerType | undefined>;
  /** 0-based index in `steps` of the failing customizer. */
  failedStep?: number;
  verdicts: string[];
  scriptErrors: string[];
  context: string[];
  sawVerdict: boolean;
  /** Lines that may name the cause, best first (bounded). */
  candidates: Candidate[];
}

export interface Candidate {
  text: string;
  score: number;
  family?: string;
  /** Position in the log (or after it, for the service's message): earlier wins a tie. */
  order: number;
}

interface Pending extends Candidate {
  key: string;
  /** Output of the provisioner counted `step` (0: before any): dropped when a later provisioner starts. */
  step: number;
  inStep: boolean;
}

const MAX_CANDIDATES = 12;

/** The line as shown: without packer's plugin and debug tags (`packer-builder-azure-arm plugin: [INFO] `). */
export function displayLine(clean: string): string {
  return clean
    .replace(/^(?:(?:packer[-\w.]*(?: plugin)?|packer\.exe):\s*)+/i, '')
    .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '')
    .replace(/^\[(?:INFO|DEBUG)\]\s*/, '')
    .replace(/^==> /, '')
    .trim();
}

/** What two lines saying the same thing have in common (packer repeats its verdict as `--> name: ...` and `Build 'name' errored ...: ...`). */
function sameKey(text: string): string {
  return text
    .replace(/^--> [\w.-]+: /, '')
    .replace(/^.*?Build '[^']+' errored(?: after [^:]+)?: /, '')
    .replace(/^[\w.-]*azure-arm[\w.-]*: /, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Keeps the best candidates in a bounded list. */
function addCandidate(list: Pending[], c: Omit<Pending, 'key'>): void {
  const key = sameKey(c.text);
  if (!key) return;
  const same = list.find((x) => x.key === key);
  if (same) {
    if (c.score > same.score) Object.assign(same, { score: c.score, family: c.family ?? same.family });
    return;
  }
  list.push({ ...c, key });
  if (list.length > MAX_CANDIDATES) {
    let worst = 0;
    list.forEach((x, i) => {
      const w = list[worst];
      if (w && (x.score < w.score || (x.score === w.score && x.order > w.order))) worst = i;
    });
    list.splice(worst, 1);
  }
}

export function rankCandidates<T extends Candidate>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => b.score - a.score || a.order - b.order);
}

/**
 * Bytes read from the log at a time. What is in hand when V8 collects its young generation (the chunk's text
 * and lines) is copied, and the more it copies the larger V8 grows that generation and keeps it: measured on
 * a 300 MiB log, 64 KiB reads grew it to 64 MiB, 16 KiB reads left it at 32 MiB (the peak RSS 23 MiB above
 * the baseline instead of 52), at the same speed.
 */
const READ_CHUNK = 16 * 1024;
/** A line longer than this (no line break) is taken in pieces of this size: what is held stays bounded. */
const MAX_HELD_LINE = 1024 * 1024;

/**
 * The lines of a file as readline gives them (a break is \n, \r\n or a lone \r), a chunk's worth at a time:
 * one await per read, not one per line.
 */
export async function* linesOf(file: string): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let held = '';
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    // A \r at the very end may be the first half of a \r\n: it waits for the next chunk.
    const parts = (held + decoder.write(chunk as Buffer)).split(/\r\n|\n|\r(?!$)/);
    held = parts.pop() ?? '';
    while (held.length > MAX_HELD_LINE) {
      parts.push(held.slice(0, MAX_HELD_LINE));
      held = held.slice(MAX_HELD_LINE);
    }
    if (parts.length > 0) yield parts;
  }
  held = (held + decoder.end()).replace(/\r$/, '');
  if (held.length > 0) yield [held];
}

/** Scan one log file, line by line. */
export async function scanLog(file: string): Promise<ScanResult> {
  const res: ScanResult = { steps: [], verdicts: [], scriptErrors: [], context: [], sawVerdict: false, candidates: [] };
  const pending: Pending[] = [];
  let lineNo = 0;
  // A provisioner that is followed by another one succeeded (packer stops at the first failing one): what its
  // output looked like an error is not the cause.
  const stepStarted = (): void => {
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i];
      if (p?.inStep && p.step === steps.length) pending.splice(i, 1);
    }
  };
  // Provisioners are counted by `(telemetry) Starting provisioner` lines; in a log without them, by the
  // `Provisioning with ...` / `Restarting Machine` / `Uploading` lines that start a new customizer.
  const steps: Array<CustomizerType | undefined> = [];
  let telemetry = false;
  let current: { name: string; type: CustomizerType; open: boolean } | undefined;
  let snap:
    | {
        current?: { name: string; type: CustomizerType; open: boolean };
        steps: number;
        ring: string[];
        errors: string[];
        closed?: { context: string[]; errors: string[] };
      }
    | undefined;
  let ring: string[] = [];
  let stepErrors: string[] = [];
  let closed: { context: string[]; errors: string[] } | undefined;
  let provisioningFailed = false;
  let errorSummary = false;
  const push = (arr: string[], s: string, max: number): void => {
    arr.push(s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)} …` : s);
    if (arr.length > max) arr.shift();
  };
  // One line at a time, synchronously: per line nothing is awaited, so little outlives a young-generation GC.
  const take = (raw: string): void => {
    const line = cleanLine(raw);
    const start = /\(telemetry\) Starting provisioner ([\w-]+)/.exec(line);
    if (start?.[1]) {
      const type = PROVISIONER_TYPES[start[1].toLowerCase()];
      current = type ? { name: start[1], type, open: true } : undefined;
      telemetry = true;
      stepStarted();
      steps.push(type);
      ring = [];
      stepErrors = [];
      closed = undefined;
      return;
    }
    if (/\(telemetry\) ending ([\w-]+)/.test(line)) {
      if (current?.open) {
        current.open = false;
        closed = { context: ring, errors: stepErrors };
        ring = [];
        stepErrors = [];
      }
      return;
    }
    const named =
      /Provisioning with shell script: (.+)$/.exec(line) ??
      /Provisioning with [Pp]ower[Ss]hell script: (.+)$/.exec(line) ??
      (/Provisioning with [Pp]owershell\.\.\./.test(line) ? ['', 'inline PowerShell'] : null);
    if (named?.[1]) {
      if (!(current?.open && current.name === (current.type === 'Shell' ? 'shell' : 'powershell'))) {
        ring = [];
        stepErrors = [];
      }
      const type: CustomizerType = /shell script/.test(line) && !/ower[Ss]hell/.test(line) ? 'Shell' : 'PowerShell';
      current = { name: named[1].trim(), type, open: true };
      if (!telemetry) {
        stepStarted();
        steps.push(type);
      }
    } else if (/^==> Restarting Machine/i.test(line)) {
      if (!current || current.type !== 'WindowsRestart') {
        current = { name: 'windows-restart', type: 'WindowsRestart', open: true };
        if (!telemetry) {
          stepStarted();
          steps.push('WindowsRestart');
        }
      }
    } else if (/^==> Uploading (.+) => (.+)$/.test(line) && (!current || current.type === 'File')) {
      const [, from, to] = /^==> Uploading (.+) => (.+)$/.exec(line) ?? [];
      current = { name: `${from} => ${to}`, type: 'File', open: true };
      if (!telemetry) {
        stepStarted();
        steps.push('File');
      }
    }
    lineNo++;
    if (mayRate(line)) {
      const shown = displayLine(line);
      const inStep = Boolean(current?.open) && !res.sawVerdict;
      // `--> name: ...` lists artifacts after a success; only after packer's error summary is it a verdict.
      const r = /^--> /.test(line) && !errorSummary && !/didn't complete/.test(line) ? undefined : rateLine(shown, inStep);
      // A step's own generic error output counts only before packer's verdict (after it comes the clean-up).
      if (r && (r.family || r.score !== 50 || inStep)) {
        addCandidate(pending, { text: clip(shown, r.at), score: r.score, family: r.family, order: lineNo, step: steps.length, inStep });
      }
    }
    if (
      /Provisioning step had errors|Script exited with non-zero exit status|Upload failed|Timeout waiting for machine to restart|Error (uploading|restarting)/i.test(
        line,
      )
    ) {
      provisioningFailed = true;
    }
    if (/didn't complete successfully and had errors/i.test(line)) errorSummary = true;
    if (/^--> /.test(line) && !errorSummary) return;
    if (VERDICT.some((r) => r.test(line.replace(/^==> /, '')))) {
      if (!res.sawVerdict) {
        res.sawVerdict = true;
        snap = { current: current && { ...current }, steps: steps.length, ring: ring.slice(), errors: stepErrors.slice(), closed };
      }
      const v = line.replace(/^==> /, '');
      if (!res.verdicts.includes(v) && res.verdicts.length < MAX_ERROR_LINES) res.verdicts.push(v);
      return;
    }
    if (isNoise(line)) {
      if (/\[ERROR\]/.test(line) && current?.open) push(stepErrors, line.replace(/^.*?\[ERROR\]\s*/, ''), 3);
      return;
    }
    if (!res.sawVerdict && !/^==> Provisioning step had errors/.test(line)) {
      push(ring, line, CONTEXT_LINES);
      if (current?.open && !line.startsWith('==> ') && SCRIPT_ERROR.test(line)) push(stepErrors, line, 4);
    }
  };
  for await (const lines of linesOf(file)) for (const raw of lines) take(raw);
  res.candidates = rankCandidates(pending).map(({ text, score, family, order }) => ({ text, score, ...(family ? { family } : {}), order }));
  if (snap) {
    res.steps = steps.slice(0, snap.steps);
    if (snap.current && snap.steps > 0) res.failedStep = snap.steps - 1;
    if (snap.current?.open) {
      res.customizer = { name: snap.current.name, type: snap.current.type };
      res.context = snap.ring;
      res.scriptErrors = snap.errors;
    } else if (snap.current && provisioningFailed && snap.closed) {
      res.customizer = { name: snap.current.name, type: snap.current.type };
      res.context = snap.closed.context;
      res.scriptErrors = snap.closed.errors;
    } else {
      res.context = snap.ring;
      res.scriptErrors = snap.errors;
    }
  }
  return res;
}

async function exists(file: string | undefined): Promise<boolean> {
  if (!file) return false;
  try {
    return (await fs.stat(file)).size > 0;
  } catch {
    return false;
  }
}

/** Lines of the service's message that may name the cause (ordered after every log line). */
function messageCandidates(message: string | undefined, after: number): Candidate[] {
  const core = messageCore(message);
  if (!core) return [];
  const out: Candidate[] = [];
  core
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const r = rateLine(line);
      if (r) out.push({ text: clip(line, r.at), score: r.score, ...(r.family ? { family: r.family } : {}), order: after + 1 + i });
    });
  // A message with nothing recognisable is still the service's own account of the failure.
  if (out.length === 0) out.push({ text: clip(core.replace(/\s+/g, ' ')), score: 20, order: after + 1 });
  return out;
}

function verdictText(verdicts: string[]): string | undefined {
  const errored = verdicts.find((v) => /errored after [^:]+: /.test(v));
  if (errored) return errored.replace(/^.*?errored after [^:]+: /, '');
  const arrow = verdicts.find((v) => v.startsWith('--> '));
  if (arrow) return arrow.replace(/^--> [\w.-]+: /, '');
  return verdicts[0];
}

const TEMPLATE_TYPES: Record<string, CustomizerType> = {
  shell: 'Shell',
  powershell: 'PowerShell',
  windowsrestart: 'WindowsRestart',
  file: 'File',
  windowsupdate: 'WindowsUpdate',
};

/**
 * The template customizer behind the failing provisioner. Image Builder runs `customize[]` in order, one
 * packer provisioner each, and may add its own after them; so the provisioners started up to the failure
 * must be a type-for-type prefix of the template's customizers. Anything else (more provisioners than
 * customizers, a type that differs, an unknown type) is not matched: the packer name is kept.
 */
export function matchCustomizer(
  steps: ReadonlyArray<CustomizerType | undefined>,
  failedStep: number | undefined,
  customizers: readonly TemplateCustomizer[] | undefined,
): TemplateMatch | undefined {
  if (!customizers?.length || failedStep === undefined || failedStep !== steps.length - 1) return undefined;
  if (steps.length > customizers.length) return undefined;
  for (let i = 0; i < steps.length; i++) {
    const want = TEMPLATE_TYPES[String(customizers[i]?.type ?? '').toLowerCase()];
    if (steps[i] === undefined || steps[i] !== want) return undefined;
  }
  const name = customizers[failedStep]?.name?.trim();
  return { ...(name ? { name } : {}), index: failedStep + 1, count: customizers.length };
}

export function customizerLabel(c: { name: string; type: CustomizerType; template?: TemplateMatch }): string {
  const m = c.template;
  if (!m) return `Customizer '${c.name}' (${c.type})`;
  const pos = `#${m.index} of ${m.count}`;
  return m.name ? `Customizer '${m.name}' (${c.type}, ${pos}, packer: '${c.name}')` : `Customizer ${pos} (${c.type}, packer: '${c.name}')`;
}

/**
 * What went wrong, from the run's status and its logs. Never throws for a missing or unreadable log.
 * Its text goes to the annotation and the job summary, so SAS tokens, account keys and auth headers that
 * log lines or the message carry are removed (contract 10).
 */
export async function diagnose(input: DiagnoseInput): Promise<Diagnosis> {
  const d = await diagnoseRaw(input);
  return {
    ...d,
    ...(d.customizer ? { customizer: { ...d.customizer, name: redactSas(d.customizer.name) } } : {}),
    errorLines: d.errorLines.map(redactSas),
    context: d.context.map(redactSas),
    causeLines: d.causeLines.map(redactSas),
    ...(d.hint ? { hint: redactSas(d.hint) } : {}),
    ...(d.verdict ? { verdict: redactSas(d.verdict) } : {}),
    title: redactSas(d.title),
  };
}

async function diagnoseRaw(input: DiagnoseInput): Promise<Diagnosis> {
  const phase = input.runSubState;
  const where = phase ? ` during ${phase}` : '';
  if (input.runState === 'TimedOut') {
    return { phase, errorLines: [], context: [], causeLines: [], title: `The build timed out${where}.` };
  }
  if (input.runState === 'Canceled' || input.runState === 'Canceling') {
    return { phase, errorLines: [], context: [], causeLines: [], title: `The build was canceled${where}.` };
  }
  const validating = phase === 'Validating' || /validat/i.test(messageCore(input.message));
  const distributing = phase === 'Distributing' || /distribut/i.test(messageCore(input.message));
  const ctx: HintContext = { ...(input.hasVnetConfig !== undefined ? { hasVnetConfig: input.hasVnetConfig } : {}), distributing };

  let scan: ScanResult | undefined;
  let inValidation = false;
  const { validationLog, customizationLog } = input;
  if (validating && validationLog && (await exists(validationLog))) {
    scan = await safeScan(validationLog);
    inValidation = Boolean(scan?.sawVerdict || scan?.candidates.length);
    if (!inValidation) scan = undefined;
  }
  if (!scan && customizationLog && (await exists(customizationLog))) scan = await safeScan(customizationLog);

  const logCandidates = scan?.candidates ?? [];
  const lastOrder = logCandidates.reduce((m, c) => Math.max(m, c.order), 0);
  const ranked = rankCandidates([...logCandidates, ...messageCandidates(input.message, lastOrder)]);
  const best = ranked[0];
  // The best line, and the next ones that weigh nearly as much (a quota line and the ARM error around it).
  const causes = best ? ranked.filter((c) => c.score >= best.score - 10).slice(0, 3) : [];
  const causeLines = causes.map((c) => c.text);
  const family = best?.family ?? causes.find((c) => c.family)?.family;
  const hint = hintFor(
    family,
    causes
      .filter((c) => c.family === family)
      .map((c) => c.text)
      .join(' '),
    ctx,
  );

  // The failing customizer, as the template names it.
  let customizer: Diagnosis['customizer'];
  if (scan?.sawVerdict && scan.customizer) {
    const counted = scan.failedStep !== undefined && scan.steps[scan.failedStep] === scan.customizer.type;
    const match = counted && !inValidation ? matchCustomizer(scan.steps, scan.failedStep, input.customizers) : undefined;
    customizer = match ? { ...scan.customizer, template: match } : scan.customizer;
  }
  const cause = best?.text ?? (scan?.sawVerdict ? verdictText(scan.verdicts) : undefined) ?? shortMessage(input.message);
  let title: string;
  if (inValidation) title = `Validation failed${customizer ? ` in validator '${customizer.name}' (${customizer.type})` : ''}: ${cause}`;
  else if (customizer) title = `${customizerLabel(customizer)} failed: ${cause}`;
  else if (distributing && !validating) title = prefixed('Distribution failed', cause);
  else if (validating) title = prefixed('Validation failed', cause);
  else if (cause) {
    const label = familyLabel(family);
    const named = label && !cause.toLowerCase().startsWith(label.toLowerCase()) ? `${label}: ${cause}` : cause;
    title = input.runState === 'PartiallySucceeded' ? `The build partially succeeded: ${named}` : named;
  } else title = `The build ${input.runState === 'PartiallySucceeded' ? 'partially succeeded' : 'failed'}${where}.`;

  const seen = new Set(causeLines.map(sameKey));
  const more = [...(scan?.scriptErrors ?? []), ...(scan?.verdicts ?? [])].filter((l) => {
    const k = sameKey(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const verdict = scan?.sawVerdict ? verdictText(scan.verdicts) : undefined;
  const verdictShown = verdict === undefined || causeLines.some((l) => sameKey(l).includes(sameKey(verdict)));
  return {
    ...(customizer ? { customizer } : {}),
    ...(verdict && !verdictShown ? { verdict } : {}),
    phase: inValidation
      ? 'Validating'
      : distributing && !validating && !customizer
        ? 'Distributing'
        : (phase ?? (scan?.sawVerdict ? 'Customizing' : undefined)),
    errorLines: [...causeLines, ...more].slice(0, MAX_ERROR_LINES),
    context: scan?.context ?? [],
    causeLines,
    ...(family ? { family } : {}),
    ...(hint ? { hint } : {}),
    title,
  };
}

function prefixed(head: string, msg: string): string {
  if (!msg) return `${head}: no message from the service.`;
  return msg.toLowerCase().startsWith(head.toLowerCase()) ? msg : `${head}: ${msg}`;
}

async function safeScan(file: string): Promise<ScanResult | undefined> {
  try {
    return await scanLog(file);
  } catch {
    return undefined;
  }
}

/** The family of the service's message alone (for callers without a log). */
export function messageFamily(message: string | undefined): string | undefined {
  return familyOfText(messageCore(message));
}

/** Annotation body: the cause lines, the fix, and the last lines before them (not repeating any), bounded in size. */
export function excerpt(d: Diagnosis, maxChars = 3500): string {
  const shown = new Set(d.causeLines.map(sameKey));
  const parts: string[] = [...d.causeLines];
  if (d.hint) parts.push(`Fix: ${d.hint}`);
  const context = d.context.slice(-10).filter((l) => !shown.has(sameKey(l)));
  if (context.length > 0) parts.push('Last lines before the error:', ...context.map((l) => `  ${l}`));
  let text = parts.join('\n');
  if (text.length > maxChars) text = `${text.slice(0, maxChars - 1)}…`;
  return text;
}

/**
 * Title and message for `core.error(message, { title })`: one-line title (at most 200 characters) and a
 * message of at most `maxChars` (GitHub truncates long annotations).
 */
export function annotationOf(d: Diagnosis, maxChars = 4000): { title: string; message: string } {
  const oneLine = d.title.replace(/\s+/g, ' ').trim();
  const title = oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
  const body = excerpt(d, maxChars);
  const message = body || oneLine;
  return { title, message: message.length > maxChars ? message.slice(0, maxChars) : message };
}
