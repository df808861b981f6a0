/** What the main step saves for the post step (core.saveState), and reads back. */
import type { AuthType, Settings } from './settings.js';

export const STATE_KEY = 'ibr-context';
export const STATE_PHASE = 'ibr-phase';
export const STATE_RUN_START = 'ibr-run-start';
/** When the main step was about to send the run POST (ISO time, runner's clock). */
export const STATE_RUN_POSTED = 'ibr-run-posted';
/** startTime of the template's previous run, read before the run POST (ISO time; absent when it had none). */
export const STATE_PREVIOUS_START = 'ibr-previous-start';

/**
 * Phase of the main step, saved as it moves on:
 * - `started`: a run was requested (or attached with cancel-attached: true); the post step cancels it if still
 *   Running and provably ours (its start equals STATE_RUN_START, or is after STATE_RUN_POSTED).
 * - `attached`: following a run this step did not start (cancel-attached: false); the post step leaves it alone.
 * - `cancel-sent`: the main step sent a cancel (timeout or signal); the post step checks again.
 * - `lost`: the main step could no longer read the run's status; the post step leaves the build alone (a healthy
 *   build must not be canceled because a status read failed).
 * - `finished`: the run reached a terminal state, or was left running on purpose; the post step does nothing.
 */
export type Phase = 'started' | 'attached' | 'cancel-sent' | 'lost' | 'finished';

/** What the post step needs to sign in again and find the template. */
export interface SavedContext {
  subscriptionId: string;
  resourceGroup: string;
  templateName: string;
  resourceManagerEndpoint: string;
  armScope: string;
  auth: {
    type: AuthType;
    clientId?: string;
    tenantId?: string;
    audience: string;
    authorityHost: string;
  };
}

export function parseSavedContext(text: string): SavedContext | undefined {
  if (text === '') return undefined;
  try {
    const v = JSON.parse(text) as SavedContext;
    if (typeof v.subscriptionId !== 'string' || typeof v.templateName !== 'string' || typeof v.auth?.type !== 'string') return undefined;
    return v;
  } catch {
    return undefined;
  }
}

export function savedContext(settings: Settings): SavedContext {
  const auth: SavedContext['auth'] = {
    type: settings.auth.type,
    audience: settings.auth.audience,
    authorityHost: settings.auth.authorityHost,
  };
  if (settings.auth.clientId) auth.clientId = settings.auth.clientId;
  if (settings.auth.tenantId) auth.tenantId = settings.auth.tenantId;
  return {
    subscriptionId: settings.subscriptionId,
    resourceGroup: settings.resourceGroup,
    templateName: settings.templateName,
    resourceManagerEndpoint: settings.resourceManagerEndpoint,
    armScope: settings.armScope,
    auth,
  };
}
