/**
 * The job summary: a pure markdown builder and a thin writer over `core.summary`.
 */
import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import { RUNNER_LINE_BREAK } from './redact.js';
import { redactSas } from './report.js';

export interface SubStateSpan {
  /** Run sub-state (Queued, Building, Customizing, ...) or a state such as Canceling. */
  name: string;
  start: Date;
  /** Defaults to the next span's start, or the run's end. */
  end?: Date;
}

export interface SummaryInput {
  template: string;
  resourceGroup?: string;
  /** Succeeded, PartiallySucceeded, Failed, Canceled, TimedOut. */
  runState: string;
  startTime?: Date;
  endTime?: Date;
  durationSeconds?: number;
  imageId?: string;
  vhdUri?: string;
  logsArtifactUrl?: string;
  logsArtifactName?: string;
  /** Blob URL of customization.log (no SAS). */
  logUri?: string;
  timeline?: SubStateSpan[];
  diagnosis?: {
    title: string;
    errorLines: string[];
    context: string[];
    causeLines?: string[];
    hint?: string;
    customizer?: string;
    verdict?: string;
  };
}

const STATE_ICON: Record<string, string> = {
  Succeeded: '✅',
  PartiallySucceeded: '⚠️',
  Failed: '❌',
  Canceled: '⏹️',
  TimedOut: '⏱️',
};

/** Text safe inside a markdown table cell. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

function code(text: string): string {
  return `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;')}</code>`;
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, matching the gantt's dateFormat. */
function ganttTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** Mermaid gantt of the sub-states; empty when there is no timeline. */
export function renderGantt(spans: SubStateSpan[], runEnd: Date | undefined, runState: string): string {
  const rows = spans
    .map((s, i) => ({ name: s.name, start: s.start, end: s.end ?? spans[i + 1]?.start ?? runEnd }))
    .filter((r): r is { name: string; start: Date; end: Date } => r.end !== undefined && r.end.getTime() >= r.start.getTime());
  if (rows.length === 0) return '';
  const failed = runState !== 'Succeeded';
  const lines = [
    '```mermaid',
    'gantt',
    '  title Image build (UTC)',
    '  dateFormat YYYY-MM-DD HH:mm:ss',
    '  axisFormat %H:%M',
    '  section Run',
  ];
  rows.forEach((r, i) => {
    const label = r.name.replace(/[:#;\n\r]/g, ' ').trim() || 'step';
    // A zero-length task is invisible: give it one second.
    const end = r.end.getTime() === r.start.getTime() ? new Date(r.start.getTime() + 1000) : r.end;
    const tag = failed && i === rows.length - 1 ? 'crit, ' : 'done, ';
    lines.push(`  ${label} :${tag}s${i}, ${ganttTime(r.start)}, ${ganttTime(end)}`);
  });
  lines.push('```');
  return lines.join('\n');
}

/** The summary's markdown. Pure: same input, same text. */
export function renderSummary(input: SummaryInput): string {
  const icon = STATE_ICON[input.runState] ?? '';
  const out: string[] = [];
  out.push(`## ${icon ? `${icon} ` : ''}Image Builder: ${cell(input.template)} — ${cell(input.runState)}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Template | ${code(input.resourceGroup ? `${input.resourceGroup}/${input.template}` : input.template)} |`);
  out.push(`| Result | ${cell(input.runState)} |`);
  const duration =
    input.durationSeconds ?? (input.startTime && input.endTime ? (input.endTime.getTime() - input.startTime.getTime()) / 1000 : undefined);
  if (duration !== undefined) out.push(`| Duration | ${formatDuration(duration * 1000)} |`);
  if (input.startTime) out.push(`| Started | ${input.startTime.toISOString()} |`);
  if (input.imageId) out.push(`| Image ID | ${code(input.imageId)} |`);
  if (input.vhdUri) out.push(`| VHD URI | ${code(input.vhdUri)} |`);
  if (input.logsArtifactUrl) {
    out.push(`| Build logs | [${cell(input.logsArtifactName ?? 'logs artifact')}](${input.logsArtifactUrl}) |`);
  }
  if (input.logUri) out.push(`| customization.log | ${code(input.logUri)} |`);
  const gantt = input.timeline ? renderGantt(input.timeline, input.endTime, input.runState) : '';
  if (gantt) out.push('', '### Timeline', '', gantt);
  const d = input.diagnosis;
  if (d && input.runState !== 'Succeeded') {
    // Log lines and the service's message may carry a SAS or a key: none reaches the summary (contract 10).
    out.push('', '### What went wrong', '', `**${cell(redactSas(d.title))}**`);
    if (d.customizer) out.push('', `Failed step: ${code(redactSas(d.customizer))}`);
    if (d.hint) out.push('', `**Fix:** ${cell(redactSas(d.hint))}`);
    const causes = [...(d.causeLines ?? d.errorLines), ...(d.verdict ? [d.verdict] : [])].map(redactSas);
    const key = (l: string): string => l.replace(/\s+/g, ' ').trim().toLowerCase();
    const shown = new Set(causes.map(key));
    // The same line once: the last lines before the error leave out the cause lines above them.
    const context = d.context
      .slice(-10)
      .map(redactSas)
      .filter((l) => !shown.has(key(l)));
    // Lines end where the runner (and CommonMark) end them: a lone \r too.
    const body = [...causes, ...(context.length ? ['---', ...context] : [])].flatMap((l) => l.split(RUNNER_LINE_BREAK));
    if (body.length > 0) {
      const text = body.join('\n');
      const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
      out.push('', `${fence}text`, text, fence);
    }
  }
  return `${out.join('\n')}\n`;
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let cur = 0;
  for (const c of text) {
    cur = c === ch ? cur + 1 : 0;
    if (cur > best) best = cur;
  }
  return best;
}

/** Append the summary to the job summary file. Never throws. */
export async function writeSummary(input: SummaryInput): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(input)).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error)?.message ?? String(err)}`);
  }
}
