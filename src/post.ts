/** Entry point of the post step: cancel a build the main step left running; otherwise stay quiet. */
import * as core from '@actions/core';
import { createCredential } from './auth.js';
import { cleanup } from './cleanup.js';
import { describeAzureError } from './errors.js';
import { createImageBuilderOps } from './imagebuilder.js';
import { safeText } from './redact.js';
import { routeAzureSdkLog } from './sdklog.js';
import { STATE_KEY, parseSavedContext, type SavedContext } from './state.js';
import { createArmClient, deleteLeftoverTemplate } from './template/index.js';

const credentialFor = (ctx: SavedContext) =>
  createCredential(ctx.auth, {
    getIDToken: (aud) => core.getIDToken(aud),
    now: () => Date.now(),
    info: (m) => core.info(safeText(m)),
    setSecret: (s) => core.setSecret(s),
    env: process.env,
  });

async function post(): Promise<void> {
  routeAzureSdkLog(core.isDebug(), (m) => core.debug(m));
  try {
    await cleanup({
      getState: (name) => core.getState(name),
      makeOps: (ctx) =>
        createImageBuilderOps(credentialFor(ctx), ctx, {}, (from, to) =>
          core.info(`This cloud's Image Builder does not accept api-version ${from}; using ${to}, the newest version it lists.`),
        ),
      info: (m) => core.info(safeText(m)),
      warning: (m) => core.warning(safeText(m)),
      debug: (m) => core.debug(safeText(m)),
    });
  } finally {
    await deleteLeftoverTemplate({
      getState: (name) => core.getState(name),
      makeArm: (ctx) => createArmClient(credentialFor(ctx), ctx.resourceManagerEndpoint, ctx.armScope),
      info: (m) => core.info(safeText(m)),
      warning: (m) => core.warning(safeText(m)),
    });
  }
}

post().catch((err: unknown) => {
  process.exitCode = core.ExitCode.Failure;
  const ctx = parseSavedContext(core.getState(STATE_KEY));
  const msg = ctx
    ? describeAzureError(err, { subscriptionId: ctx.subscriptionId, resourceGroup: ctx.resourceGroup, templateName: ctx.templateName })
    : err instanceof Error
      ? err.message
      : String(err);
  core.error(safeText(`image-builder-run (post): could not check or cancel the build: ${msg}`), {
    title: 'image-builder-run: post step',
  });
});
