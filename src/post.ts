/** Entry point of the post step: cancel a build the main step left running; otherwise stay quiet. */
import * as core from '@actions/core';
import { createCredential } from './auth.js';
import { cleanup } from './cleanup.js';
import { describeAzureError } from './errors.js';
import { createImageBuilderOps } from './imagebuilder.js';
import { STATE_KEY, parseSavedContext } from './state.js';

async function post(): Promise<void> {
  await cleanup({
    getState: (name) => core.getState(name),
    makeOps: (ctx) =>
      createImageBuilderOps(
        createCredential(ctx.auth, {
          getIDToken: (aud) => core.getIDToken(aud),
          now: () => Date.now(),
          info: (m) => core.info(m),
          setSecret: (s) => core.setSecret(s),
          env: process.env,
        }),
        ctx,
        {},
        (from, to) => core.info(`This cloud's Image Builder does not accept api-version ${from}; using ${to}, the newest version it lists.`),
      ),
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    debug: (m) => core.debug(m),
  });
}

post().catch((err: unknown) => {
  process.exitCode = core.ExitCode.Failure;
  const ctx = parseSavedContext(core.getState(STATE_KEY));
  const msg = ctx
    ? describeAzureError(err, { subscriptionId: ctx.subscriptionId, resourceGroup: ctx.resourceGroup, templateName: ctx.templateName })
    : err instanceof Error
      ? err.message
      : String(err);
  core.error(`image-builder-run (post): could not check or cancel the build: ${msg}`, {
    title: 'image-builder-run: post step',
  });
});
