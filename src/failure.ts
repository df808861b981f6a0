/** The main step's one top-level catch: an error as the user sees it (@actions/core is loaded only then, if not yet). */
import { AuthSetupError } from './oidc.js';
import { safeText } from './redact.js';
import { ActionError } from './runContext.js';
import { InputError } from './settings.js';

export async function reportFailure(err: unknown): Promise<void> {
  const core = await import('@actions/core');
  process.exitCode = core.ExitCode.Failure;
  if (err instanceof InputError) {
    core.error(safeText(err.message), { title: 'image-builder-run: invalid input' });
  } else if (err instanceof AuthSetupError) {
    core.error(safeText(err.message), { title: 'image-builder-run: sign-in' });
  } else if (err instanceof ActionError) {
    // TemplateError (template-file) is an ActionError too.
    core.error(safeText(err.message), { title: `image-builder-run: ${err.title}` });
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    core.error(safeText(`image-builder-run failed: ${msg}`), { title: 'image-builder-run' });
    if (err instanceof Error && err.stack) core.debug(safeText(err.stack));
  }
}
