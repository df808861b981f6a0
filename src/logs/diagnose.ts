/**
 * Finding why a build failed: the failing customizer, its error lines and the last lines before them.
 * The log is read line by line with bounded buffers; it is never held whole in memory.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { redactSas } from '../report.js';

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
  /** One line for the `::error` annotation's title. */
  title: string;
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
  s = s.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?\s+/, '');
  s = s.replace(/^\[[^\]]{1,64}\]\s*/, '');
  s = s.replace(/^PACKER (OUT|ERR) ?/, '');
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
}

/** Scan one log file, line by line. */
export async function scanLog(file: string): Promise<ScanResult> {
  const res: ScanResult = { steps: [], verdicts: [], scriptErrors: [], context: [], sawVerdict: false };
  // Provisioners are counted by `(telemetry) Starting provisioner` lines; in a log without them, by the
  // `Provisioning with ...` / `Restarting Machine` / `Uploading` lines that start a new customizer.
  const steps: Array<CustomizerType | undefined> = [];
  let telemetry = false;
  let current: { name: string; type: CustomizerType; open: boolean } | undefined;
  let snap:
    | { current?: { name: string; type: CustomizerType; open: boolean }; steps: number; ring: string[]; errors: string[]; closed?: { context: string[]; errors: string[] } }
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
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of rl) {
    const line = cleanLine(raw);
    const start = /\(telemetry\) Starting provisioner ([\w-]+)/.exec(line);
    if (start?.[1]) {
      const type = PROVISIONER_TYPES[start[1].toLowerCase()];
      current = type ? { name: start[1], type, open: true } : undefined;
      telemetry = true;
      steps.push(type);
      ring = [];
      stepErrors = [];
      closed = undefined;
      continue;
    }
    if (/\(telemetry\) ending ([\w-]+)/.test(line)) {
      if (current?.open) {
        current.open = false;
        closed = { context: ring, errors: stepErrors };
        ring = [];
        stepErrors = [];
      }
      continue;
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
      if (!telemetry) steps.push(type);
    } else if (/^==> Restarting Machine/i.test(line)) {
      if (!current || current.type !== 'WindowsRestart') {
        current = { name: 'windows-restart', type: 'WindowsRestart', open: true };
        if (!telemetry) steps.push('WindowsRestart');
      }
    } else if (/^==> Uploading (.+) => (.+)$/.test(line) && (!current || current.type === 'File')) {
      const m = /^==> Uploading (.+) => (.+)$/.exec(line)!;
      current = { name: `${m[1]} => ${m[2]}`, type: 'File', open: true };
      if (!telemetry) steps.push('File');
    }
    if (/Provisioning step had errors|Script exited with non-zero exit status|Upload failed|Timeout waiting for machine to restart|Error (uploading|restarting)/i.test(line)) {
      provisioningFailed = true;
    }
    if (/didn't complete successfully and had errors/i.test(line)) errorSummary = true;
    if (/^--> /.test(line) && !errorSummary) continue;
    if (VERDICT.some((r) => r.test(line.replace(/^==> /, '')))) {
      if (!res.sawVerdict) {
        res.sawVerdict = true;
        snap = { current: current && { ...current }, steps: steps.length, ring: ring.slice(), errors: stepErrors.slice(), closed };
      }
      const v = line.replace(/^==> /, '');
      if (!res.verdicts.includes(v) && res.verdicts.length < MAX_ERROR_LINES) res.verdicts.push(v);
      continue;
    }
    if (isNoise(line)) {
      if (/\[ERROR\]/.test(line) && current?.open) push(stepErrors, line.replace(/^.*?\[ERROR\]\s*/, ''), 3);
      continue;
    }
    if (!res.sawVerdict && !/^==> Provisioning step had errors/.test(line)) {
      push(ring, line, CONTEXT_LINES);
      if (current?.open && !line.startsWith('==> ') && SCRIPT_ERROR.test(line)) push(stepErrors, line, 4);
    }
  }
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

function shortMessage(message: string | undefined): string {
  if (!message) return '';
  const cut = message.replace(/\s+/g, ' ').replace(/\s*Image Build log location:.*$/i, '').trim();
  return cut.length > MAX_LINE ? `${cut.slice(0, MAX_LINE)} …` : cut;
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

function customizerLabel(c: { name: string; type: CustomizerType; template?: TemplateMatch }): string {
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
    title: redactSas(d.title),
  };
}

async function diagnoseRaw(input: DiagnoseInput): Promise<Diagnosis> {
  const phase = input.runSubState;
  const where = phase ? ` during ${phase}` : '';
  if (input.runState === 'TimedOut') {
    return { phase, errorLines: [], context: [], title: `The build timed out${where}.` };
  }
  if (input.runState === 'Canceled' || input.runState === 'Canceling') {
    return { phase, errorLines: [], context: [], title: `The build was canceled${where}.` };
  }
  const msg = shortMessage(input.message);
  const validating = phase === 'Validating' || /validat/i.test(input.message ?? '');
  const distributing = phase === 'Distributing' || /distribut/i.test(input.message ?? '');

  if (validating && (await exists(input.validationLog))) {
    const scan = await safeScan(input.validationLog!);
    if (scan?.sawVerdict) {
      const why = verdictText(scan.verdicts) ?? msg;
      const who = scan.customizer ? ` in validator '${scan.customizer.name}' (${scan.customizer.type})` : '';
      return {
        customizer: scan.customizer,
        phase: 'Validating',
        errorLines: [...scan.scriptErrors, ...scan.verdicts].slice(0, MAX_ERROR_LINES),
        context: scan.context,
        title: `Validation failed${who}: ${why}`,
      };
    }
  }
  if (await exists(input.customizationLog)) {
    const scan = await safeScan(input.customizationLog!);
    if (scan?.sawVerdict) {
      const why = verdictText(scan.verdicts) ?? msg;
      // Only when the provisioner counted last is the one blamed (same type).
      const counted = scan.failedStep !== undefined && scan.steps[scan.failedStep] === scan.customizer?.type;
      const match = scan.customizer && counted ? matchCustomizer(scan.steps, scan.failedStep, input.customizers) : undefined;
      const customizer = scan.customizer && (match ? { ...scan.customizer, template: match } : scan.customizer);
      const title = customizer ? `${customizerLabel(customizer)} failed: ${why}` : `The build failed${where}: ${why}`;
      return {
        customizer,
        phase: phase ?? 'Customizing',
        errorLines: [...scan.scriptErrors, ...scan.verdicts].slice(0, MAX_ERROR_LINES),
        context: scan.context,
        title,
      };
    }
  }
  if (distributing && !validating) {
    return { phase: 'Distributing', errorLines: msg ? [msg] : [], context: [], title: prefixed('Distribution failed', msg) };
  }
  if (validating) {
    return { phase: 'Validating', errorLines: msg ? [msg] : [], context: [], title: prefixed('Validation failed', msg) };
  }
  return {
    phase,
    errorLines: msg ? [msg] : [],
    context: [],
    title: `The build ${input.runState === 'PartiallySucceeded' ? 'partially succeeded' : 'failed'}${where}${msg ? `: ${msg}` : '.'}`,
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

/** Annotation body: the error lines and the last lines before them, bounded in size. */
export function excerpt(d: Diagnosis, maxChars = 3500): string {
  const parts: string[] = [];
  if (d.context.length > 0) parts.push('Last lines before the error:', ...d.context.slice(-10).map((l) => `  ${l}`));
  if (d.errorLines.length > 0) parts.push('Errors:', ...d.errorLines.map((l) => `  ${l}`));
  let text = parts.join('\n');
  if (text.length > maxChars) text = `…${text.slice(text.length - maxChars + 1)}`;
  return text;
}

/**
 * Title and message for `core.error(message, { title })`: one-line title (at most 200 characters) and a
 * message of at most `maxChars` (GitHub truncates long annotations).
 */
export function annotationOf(d: Diagnosis, maxChars = 4000): { title: string; message: string } {
  const oneLine = d.title.replace(/\s+/g, ' ').trim();
  const title = oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
  const body = excerpt(d, Math.max(0, maxChars - oneLine.length - 2));
  const message = body ? `${oneLine}\n${body}` : oneLine;
  return { title, message: message.length > maxChars ? message.slice(0, maxChars) : message };
}
