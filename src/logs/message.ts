/**
 * The service's failure messages: without the wrappers and boilerplate that say where a failure was reported
 * rather than what it was, and shortened to one line. No dependencies: the action's own error uses it too.
 */

/** Longest line shown in an annotation or summary. */
export const MAX_LINE = 300;

/** A line longer than MAX_LINE, shortened so that the part at `at` (an error code, a family's words) stays. */
export function clip(text: string, at = 0, max = MAX_LINE): string {
  if (text.length <= max) return text;
  if (at < max - 80) return `${text.slice(0, max - 2).trimEnd()} …`;
  const head = text.slice(0, Math.floor(max / 2) - 10).trimEnd();
  const from = Math.max(at - 40, head.length);
  const rest = max - head.length - 6;
  const tail = text.slice(from, from + rest).trim();
  return `${head} … ${tail}${from + rest < text.length ? ' …' : ''}`;
}

/** Wrappers and boilerplate of the service's messages: they say where the failure was reported, not what it was. */
const MESSAGE_WRAPPERS = [
  /Deployment failed\.\s+Correlation ID:?\s*\S+\s*/gi,
  /Failed in (?:building\/customizing|customizing) image:\s*/gi,
  /Failed while waiting for packerizer:\s*/gi,
  /Microservice has failed:\s*/gi,
  /Failed while processing request:\s*/gi,
  /Error when executing packerizer:\s*/gi,
];
const MESSAGE_TAIL =
  /\s*(?:During the image build,? a failure has occurred|Please review the build log|Packer build logs are at location|Image Build log location:|For more troubleshooting steps go to|OperationId:|Use this operation ?ID)[\s\S]*$/i;

/** The service's message without its wrappers and trailing boilerplate (log location, operation ID, links). */
export function messageCore(message: string | undefined): string {
  if (!message) return '';
  let s = message;
  for (const w of MESSAGE_WRAPPERS) s = s.replace(w, '');
  return s.replace(MESSAGE_TAIL, '').trim();
}

/** The service's message, shortened to one line. */
export function shortMessage(message: string | undefined): string {
  const core = messageCore(message).replace(/\s+/g, ' ');
  return clip(core);
}
