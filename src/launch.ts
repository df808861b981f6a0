/**
 * The light start of the main step: everything up to the first request, and that request. The inputs (and a
 * template-file) are parsed and checked, the sign-in set-up is checked, and with OIDC the first GitHub ID token
 * request is sent, all without @actions/core or the Azure SDK: src/session.ts (those and the rest of the action)
 * is loaded while that request is in flight.
 */
import { sendIdTokenRequest } from './idToken.js';
import { requestFirstIdToken } from './oidc.js';
import { parseSettings, type Settings } from './settings.js';
import type { PreparedTemplate } from './template/index.js';

export interface Launch {
  settings: Settings;
  /** template-file, read and checked. */
  prepared?: PreparedTemplate;
  /** OIDC: the first ID token, requested before the rest of the action was loaded. */
  idToken?: Promise<string>;
}

/** An input as the runner passes it (INPUT_<NAME>, spaces as underscores, upper case), trimmed like core.getInput. */
export function readInput(name: string, env: NodeJS.ProcessEnv): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/**
 * Throws InputError, TemplateFileError or AuthSetupError, each before any network call. Returns once the first ID
 * token request is on the wire: loading the rest any earlier would hold it back (one thread).
 */
export async function launch(env: NodeJS.ProcessEnv = process.env): Promise<Launch> {
  const settings = parseSettings((name) => readInput(name, env), env);
  const prepared =
    settings.templateFile !== undefined ? await (await import('./template/index.js')).prepareTemplateFile(settings, env) : undefined;
  const first = requestFirstIdToken(settings.auth, env, (audience) =>
    sendIdTokenRequest(audience, env, async (aud) => (await import('@actions/core')).getIDToken(aud)),
  );
  await first?.sent;
  return { settings, ...(prepared ? { prepared } : {}), ...(first ? { idToken: first.token } : {}) };
}
