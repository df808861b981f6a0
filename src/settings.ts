/**
 * The action's one typed settings object, parsed once from the inputs. Nothing else reads inputs.
 * Parsing is pure and throws an InputError (naming the input, the value and the expected form)
 * before any network call.
 */
import { urlForDisplay } from './redact.js';
import { CLOUDS, CLOUD_NAMES, type CloudName } from './clouds.js';
import { DURATION_FORM, parseDuration } from './duration.js';
import type { JsonObject } from './template/file.js';
import { PARAMETERS_FORM, parseTemplateParameters } from './template/parameters.js';

export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`Input '${input}' ${value === '' ? 'is empty' : `has the value '${value}'`}: expected ${expected}.`);
    this.name = 'InputError';
  }
}

export type AuthType = 'oidc' | 'azure-cli' | 'managed-identity';
export type OnTimeout = 'cancel' | 'leave';
export type IfRunning = 'attach' | 'fail';
export type PartialSuccess = 'fail' | 'warn';
export type UploadLogs = 'always' | 'on-failure' | 'never';
export type Preflight = 'true' | 'warn' | 'false';
export type DeleteTemplate = 'never' | 'on-success' | 'always';

export interface AuthSettings {
  /** Resolved sign-in method (`auto` is resolved while parsing). */
  type: AuthType;
  /** Entra app / user-assigned identity client ID (required for oidc; for managed-identity it picks a user-assigned identity). */
  clientId?: string;
  /** Entra tenant ID (required for oidc). */
  tenantId?: string;
  /** Audience of the GitHub OIDC token (default: the cloud's token-exchange audience). */
  audience: string;
  /** Entra authority host (https). */
  authorityHost: string;
}

export interface Settings {
  /** Subscription that holds the template. */
  subscriptionId: string;
  /** Resource group of the template. */
  resourceGroup: string;
  /** Template name. */
  templateName: string;
  auth: AuthSettings;
  /** Cloud name from `environment`. */
  environment: CloudName;
  /** Azure Resource Manager base URL (https, no trailing slash). */
  resourceManagerEndpoint: string;
  /** Token scope for Resource Manager. */
  armScope: string;
  /** The cloud's storage endpoint suffix (`core.windows.net`, ...): blob hosts a storage token may go to. */
  storageSuffix: string;
  /** Longest wait for the build, in ms. */
  timeoutMs: number;
  onTimeout: OnTimeout;
  /** Longest wait for Canceled after a cancel, in ms. */
  cancelTimeoutMs: number;
  /** Time between two status reads, in ms. */
  pollIntervalMs: number;
  ifRunning: IfRunning;
  /** Whether a run this step attached to (did not start) may be canceled by the timeout, a signal or the post step. */
  cancelAttached: boolean;
  partialSuccess: PartialSuccess;
  /** Run output feeding image-uri / image-id / vhd-uri; undefined: the first distribute target. */
  runOutputName?: string;
  streamLogs: boolean;
  uploadLogs: UploadLogs;
  /** Logs artifact name; undefined: the default unique name. */
  logsArtifactName?: string;
  /** Logs artifact retention in days; undefined: the repository default. */
  logsRetentionDays?: number;
  jobSummary: boolean;
  preflight: Preflight;
  /** The template to create, then run: a resource body, an ARM template or a Bicep file. */
  templateFile?: string;
  /** Deployment parameters ({name: {value}}) for an ARM or Bicep template-file. */
  templateParameters?: JsonObject;
  /** Replace a template-file template that exists with a different body (delete, then create). */
  replaceTemplate: boolean;
  deleteTemplate: DeleteTemplate;
  /** vhd-destination: the blob container a VHD run output is copied to (https, no query), without a trailing slash. */
  vhdDestination?: string;
  /** false: start or attach, set the outputs known at start, and end the step. */
  wait: boolean;
}

export type GetInput = (name: string) => string;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\p{L}\p{N}._()]{1,90}$/u;
const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, value, `one of ${allowed.join(', ')}`);
}

/** The spellings core.getBooleanInput accepts (YAML 1.2 core schema booleans). */
const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

function bool(name: string, value: string): boolean {
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputError(name, value, 'true or false (also True, TRUE, False or FALSE)');
}

function guid(name: string, value: string, envName: string): string {
  if (!GUID.test(value)) {
    throw new InputError(name, value, `a GUID such as 00000000-0000-0000-0000-000000000000 (from the input or env ${envName})`);
  }
  return value.toLowerCase();
}

function duration(name: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InputError(name, value, DURATION_FORM);
  return ms;
}

function httpsUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(name, value, 'an https URL such as https://management.azure.com');
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    // Echoed without what may be secret: user-info, query (a SAS) and fragment.
    const shown = url.username || url.password || url.search || url.hash ? urlForDisplay(value) : value;
    throw new InputError(name, shown, 'an https URL without credentials, query or fragment, such as https://management.azure.com');
  }
  return url.toString().replace(/\/+$/, '');
}

const CONTAINER = /^(?:\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
const VHD_DESTINATION_FORM =
  'an https blob container URL without a SAS, query or user-info, such as https://<account>.blob.core.windows.net/<container> (the identity signs in to it with Entra ID)';

/** A blob container URL: https, no user-info, query (a SAS) or fragment; the container (last path segment) well formed. */
function blobContainerUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(name, value, VHD_DESTINATION_FORM);
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    const shown = url.username || url.password || url.search || url.hash ? urlForDisplay(value) : value;
    throw new InputError(name, shown, VHD_DESTINATION_FORM);
  }
  const segments = url.pathname.split('/').filter(Boolean);
  // Path-style endpoints (an emulator, or an IP address) carry the account as the first segment.
  const pathStyle = /^[\d.]+$|^\[|^localhost$/i.test(url.hostname);
  if (segments.length !== (pathStyle ? 2 : 1) || !CONTAINER.test(segments.at(-1) ?? '')) {
    throw new InputError(name, value, `${VHD_DESTINATION_FORM}; a container name is 3-63 lowercase letters, digits and single hyphens`);
  }
  return `${url.origin}/${segments.join('/')}`;
}

/** Parses and checks every input. Throws InputError on the first bad one. */
export function parseSettings(getInput: GetInput, env: NodeJS.ProcessEnv): Settings {
  const input = (name: string): string => getInput(name).trim();
  const orEnv = (name: string, envName: string): string => input(name) || (env[envName] ?? '').trim();

  const subscriptionRaw = orEnv('subscription-id', 'AZURE_SUBSCRIPTION_ID');
  if (subscriptionRaw === '') {
    throw new InputError('subscription-id', '', 'a subscription GUID, given as the input or as env AZURE_SUBSCRIPTION_ID');
  }
  const subscriptionId = guid('subscription-id', subscriptionRaw, 'AZURE_SUBSCRIPTION_ID');

  const resourceGroup = input('resource-group');
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    throw new InputError(
      'resource-group',
      resourceGroup,
      'a resource group name: 1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period',
    );
  }

  const templateFile = input('template-file') || undefined;
  const templateName = input('template-name');
  if (templateName === '' && templateFile === undefined) {
    throw new InputError(
      'template-name',
      '',
      'the name of an existing image template (1-64 letters, digits, hyphens, underscores or periods)',
    );
  }
  if (templateName !== '' && !TEMPLATE_NAME.test(templateName)) {
    throw new InputError('template-name', templateName, 'an image template name: 1-64 letters, digits, hyphens, underscores or periods');
  }

  const clientRaw = orEnv('client-id', 'AZURE_CLIENT_ID');
  const tenantRaw = orEnv('tenant-id', 'AZURE_TENANT_ID');
  const clientId = clientRaw === '' ? undefined : guid('client-id', clientRaw, 'AZURE_CLIENT_ID');
  const tenantId = tenantRaw === '' ? undefined : guid('tenant-id', tenantRaw, 'AZURE_TENANT_ID');
  const authTypeRaw = oneOf('auth-type', input('auth-type') || 'auto', ['auto', 'oidc', 'azure-cli', 'managed-identity'] as const);
  let authType: AuthType;
  if (authTypeRaw === 'auto') {
    authType = clientId !== undefined && tenantId !== undefined ? 'oidc' : 'azure-cli';
  } else {
    authType = authTypeRaw;
  }
  if (authType === 'oidc') {
    if (clientId === undefined) {
      throw new InputError(
        'client-id',
        '',
        'the client ID (GUID) of the app or identity with a federated credential when auth-type is oidc (input or env AZURE_CLIENT_ID)',
      );
    }
    if (tenantId === undefined) {
      throw new InputError('tenant-id', '', 'the Entra tenant ID (GUID) when auth-type is oidc (input or env AZURE_TENANT_ID)');
    }
  }

  const envRaw = input('environment') || 'AzureCloud';
  const environment = CLOUD_NAMES.find((c) => c.toLowerCase() === envRaw.toLowerCase());
  if (environment === undefined) throw new InputError('environment', envRaw, `one of ${CLOUD_NAMES.join(', ')}`);
  const cloud = CLOUDS[environment];
  // Each cloud's Entra ID exchanges GitHub tokens for its own audience: the default follows `environment`.
  const audience = input('audience') || cloud.tokenExchangeAudience;

  const armRaw = input('resource-manager-endpoint');
  const resourceManagerEndpoint = armRaw === '' ? cloud.resourceManagerEndpoint : httpsUrl('resource-manager-endpoint', armRaw);
  const authorityRaw = input('authority-host') || (env.AZURE_AUTHORITY_HOST ?? '').trim();
  const authorityHost = authorityRaw === '' ? cloud.authorityHost : httpsUrl('authority-host', authorityRaw);

  const timeoutMs = duration('timeout', input('timeout') || '4h');
  const onTimeout = oneOf('on-timeout', input('on-timeout') || 'cancel', ['cancel', 'leave'] as const);
  const cancelTimeoutMs = duration('cancel-timeout', input('cancel-timeout') || '10m');
  const pollIntervalMs = duration('poll-interval', input('poll-interval') || '15s');
  const ifRunning = oneOf('if-running', input('if-running') || 'attach', ['attach', 'fail'] as const);
  const cancelAttached = bool('cancel-attached', input('cancel-attached') || 'false');
  const partialSuccess = oneOf('partial-success', input('partial-success') || 'fail', ['fail', 'warn'] as const);

  const runOutputRaw = input('run-output-name');
  if (runOutputRaw !== '' && !TEMPLATE_NAME.test(runOutputRaw)) {
    throw new InputError('run-output-name', runOutputRaw, 'a run output name: 1-64 letters, digits, hyphens, underscores or periods');
  }

  const streamLogs = bool('stream-logs', input('stream-logs') || 'true');
  const uploadLogs = oneOf('upload-logs', input('upload-logs') || 'always', ['always', 'on-failure', 'never'] as const);
  const artifactRaw = input('logs-artifact-name');
  if (/[":<>|*?\\/\r\n]/.test(artifactRaw)) {
    throw new InputError('logs-artifact-name', artifactRaw, 'an artifact name without " : < > | * ? \\ / or line breaks');
  }
  const retentionRaw = input('logs-retention-days');
  let logsRetentionDays: number | undefined;
  if (retentionRaw !== '') {
    if (!/^\d+$/.test(retentionRaw) || Number(retentionRaw) < 1 || Number(retentionRaw) > 90) {
      throw new InputError('logs-retention-days', retentionRaw, 'a whole number of days from 1 to 90');
    }
    logsRetentionDays = Number(retentionRaw);
  }
  const jobSummary = bool('job-summary', input('job-summary') || 'true');
  const preflight = oneOf('preflight', input('preflight') || 'true', ['true', 'warn', 'false'] as const);
  const deleteTemplate = oneOf('delete-template', input('delete-template') || 'never', ['never', 'on-success', 'always'] as const);
  const paramsRaw = input('template-parameters');
  let templateParameters: JsonObject | undefined;
  if (paramsRaw !== '') {
    if (templateFile === undefined)
      throw new InputError(
        'template-parameters',
        paramsRaw,
        'no value unless template-file is set (the parameters are those of an ARM or Bicep template-file)',
      );
    const parsed = parseTemplateParameters(paramsRaw);
    if ('error' in parsed)
      throw new InputError(
        'template-parameters',
        paramsRaw.length > 200 ? `${paramsRaw.slice(0, 200)}…` : paramsRaw,
        `${PARAMETERS_FORM}; got ${parsed.error}`,
      );
    templateParameters = parsed.parameters;
  }
  const replaceTemplate = bool('replace-template', input('replace-template') || 'false');
  const wait = bool('wait', input('wait') || 'true');
  const vhdRaw = input('vhd-destination');
  const vhdDestination = vhdRaw === '' ? undefined : blobContainerUrl('vhd-destination', vhdRaw);
  if (vhdDestination !== undefined && !wait) {
    throw new InputError(
      'vhd-destination',
      vhdDestination,
      'no value when wait is false (the VHD exists only once the build has finished, and the step ends before that)',
    );
  }
  if (deleteTemplate !== 'never' && templateFile === undefined) {
    throw new InputError(
      'delete-template',
      deleteTemplate,
      'never unless template-file is set (the action deletes only templates it creates from template-file)',
    );
  }
  if (!wait && deleteTemplate !== 'never') {
    throw new InputError(
      'delete-template',
      deleteTemplate,
      'never when wait is false (the step ends while the build runs, so nothing could delete the template after it; delete it in the step that waits)',
    );
  }

  const settings: Settings = {
    subscriptionId,
    resourceGroup,
    templateName,
    auth: { type: authType, audience, authorityHost },
    environment,
    resourceManagerEndpoint,
    armScope: cloud.armScope,
    storageSuffix: cloud.storageSuffix,
    timeoutMs,
    onTimeout,
    cancelTimeoutMs,
    pollIntervalMs,
    ifRunning,
    cancelAttached,
    partialSuccess,
    streamLogs,
    uploadLogs,
    jobSummary,
    preflight,
    replaceTemplate,
    deleteTemplate,
    wait,
  };
  if (clientId !== undefined) settings.auth.clientId = clientId;
  if (tenantId !== undefined) settings.auth.tenantId = tenantId;
  if (runOutputRaw !== '') settings.runOutputName = runOutputRaw;
  if (artifactRaw !== '') settings.logsArtifactName = artifactRaw;
  if (logsRetentionDays !== undefined) settings.logsRetentionDays = logsRetentionDays;
  if (templateFile !== undefined) settings.templateFile = templateFile;
  if (templateParameters !== undefined) settings.templateParameters = templateParameters;
  if (vhdDestination !== undefined) settings.vhdDestination = vhdDestination;
  return settings;
}
