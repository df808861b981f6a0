/**
 * The failure annotation, composed once from the action's title, the service's message and what the logs
 * said: a title that names the cause, then the failing step, the cause lines, the fix, the service's message
 * (once, shortened, and only where it adds something), the last lines before the error and where the whole
 * log is. No line appears twice.
 */
import { clip, shortMessage } from './logs/message.js';
import type { BuildLogOutcome } from './types.js';

export const MAX_TITLE = 200;
export const MAX_MESSAGE = 4000;

export interface Annotation {
  title: string;
  message: string;
}

const norm = (s: string): string =>
  s
    .replace(/\s*…\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The step's failure message, once and short: `The image build failed (Failed, sub-state X): <message>` with the
 * service message's wrappers and boilerplate removed. The action's own trailing note (`(partial-success: fail;
 * ...)`) and the operation ID (what support asks for) stay; the message itself is left out where a cause line
 * already says it.
 */
function serviceLine(failureMessage: string, causeLines: string[]): string | undefined {
  const note = /\s(\([^()]*\))\.?\s*$/.exec(failureMessage)?.[1];
  const base = note ? failureMessage.slice(0, failureMessage.lastIndexOf(note)).trim() : failureMessage;
  const short = shortMessage(base);
  const cut = short.indexOf(': ');
  const head = cut > 0 && cut < 80 ? short.slice(0, cut) : '';
  const rest = head ? short.slice(cut + 2) : short;
  const r = norm(rest);
  const covered =
    r === '' ||
    causeLines.some((l) => {
      const c = norm(l);
      return c.includes(r) || r.includes(c) || (c.length > 40 && r.startsWith(c.slice(0, 40)));
    });
  const op = /OperationId:?\s*([\w-]+)/i.exec(failureMessage)?.[1];
  const extra = `${note ? ` ${note}.` : ''}${op ? ` OperationId: ${op}.` : ''}`;
  const main = covered ? (head ? `${head}.` : '') : clip(short);
  const line = `${main}${extra}`.trim();
  return line || undefined;
}

function whereLogs(o: BuildLogOutcome): string | undefined {
  const parts: string[] = [];
  if (o.artifactName) parts.push(`artifact '${o.artifactName}'${o.artifactUrl ? ` (${o.artifactUrl})` : ''}`);
  if (o.logUri) parts.push(`log-uri ${o.logUri}`);
  return parts.length ? `Full build log: ${parts.join(', ')}` : undefined;
}

/**
 * Title and message of the step's `::error` for a failure: `actionTitle` is the action's own (e.g. `Image build
 * failed`), `failureMessage` the message the step fails with, `outcome` what the logs seam found.
 */
export function failureAnnotation(actionTitle: string, failureMessage: string, outcome: BuildLogOutcome): Annotation {
  const d = outcome.diagnosisDetail;
  const where = whereLogs(outcome);
  if (!d) {
    // No structured diagnosis: the service's message as it is, the logs seam's text (if any) and where the log is.
    const parts = [failureMessage, outcome.diagnosis, where].filter((p): p is string => Boolean(p));
    const title = outcome.diagnosisTitle ? `${actionTitle}: ${outcome.diagnosisTitle}` : actionTitle;
    return { title: oneLine(title, MAX_TITLE), message: parts.join('\n\n').slice(0, MAX_MESSAGE) };
  }
  const causeLines = d.causeLines ?? d.errorLines;
  const head: string[] = [];
  if (d.customizer) head.push(`Failed step: ${d.customizer}`);
  if (causeLines.length) head.push(...causeLines);
  else head.push(d.title);
  if (d.verdict) head.push(`Packer: ${d.verdict}`);
  if (d.hint) head.push(`Fix: ${d.hint}`);
  const service = serviceLine(failureMessage, causeLines.length ? causeLines : [d.title]);
  if (service) head.push(`Service: ${service}`);
  const tail = where ? [where] : [];
  const shown = new Set(head.map(norm));
  const context = d.context
    .slice(-10)
    .filter((l) => !shown.has(norm(l)) && !causeLines.some((c) => norm(c).includes(norm(l)) && l.trim().length > 20));
  let body = '';
  // Context lines go first when the annotation is too long; the cause, the fix and the log's place stay.
  for (let n = context.length; n >= 0; n--) {
    const ctx = n > 0 ? ['Last lines before the error:', ...context.slice(-n).map((l) => `  ${l}`)] : [];
    body = [...head, ...ctx, ...tail].join('\n');
    if (body.length <= MAX_MESSAGE) break;
  }
  if (body.length > MAX_MESSAGE) body = `${body.slice(0, MAX_MESSAGE - 1)}…`;
  return { title: oneLine(`${actionTitle}: ${d.title}`, MAX_TITLE), message: body };
}
