/** Shared shapes: the run status we poll, the end result, and the seams for build logs and the job summary. */

export type RunState = 'Running' | 'Canceling' | 'Succeeded' | 'PartiallySucceeded' | 'Failed' | 'Canceled';
/** What the step reports in `run-state`: a service state or TimedOut. */
export type FinalRunState = 'Succeeded' | 'PartiallySucceeded' | 'Failed' | 'Canceled' | 'TimedOut';

export const TERMINAL_STATES: readonly string[] = ['Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];
export const IN_PROGRESS_STATES: readonly string[] = ['Running', 'Canceling'];

/** `properties.lastRunStatus` of the template, as read on each poll. */
export interface RunStatus {
  runState?: string;
  runSubState?: string;
  message?: string;
  startTime?: Date;
  endTime?: Date;
}

/** The few template facts the action uses. */
export interface TemplateInfo {
  /** ARM resource ID of the template. */
  id: string;
  name: string;
  location?: string;
  /** Full resource ID of the staging resource group (`/subscriptions/<s>/resourceGroups/<g>`), if known. */
  stagingResourceGroupId?: string;
  /** runOutputName of each distribute target, in template order. */
  runOutputNames: string[];
  /** Distribute target types (ManagedImage, SharedImage, VHD), in template order. */
  distributeTypes: string[];
  /** The template's customizers (`properties.customize[]`): type and name, in template order. */
  customizers?: Array<{ type: string; name?: string }>;
  /** The template has `vmProfile.vnetConfig` (the build VM sits in the user's own network). */
  hasVnetConfig?: boolean;
  lastRunStatus?: RunStatus;
  /** What the preflight checks read (src/preflight/): the template's network, identities and staging group as set. */
  setup?: TemplateSetup;
}

/** The template's own network, identity and staging settings (`properties.vmProfile.vnetConfig`, `identity`, ...). */
export interface TemplateSetup {
  /** `vmProfile.vnetConfig.subnetId`: the build VM's subnet. */
  subnetId?: string;
  /** `vmProfile.vnetConfig.containerInstanceSubnetId`: the container instance's subnet (isolated builds, no proxy VM). */
  containerInstanceSubnetId?: string;
  /** `identity.userAssignedIdentities`: resource ID, with the principal the template shows for it. */
  identities: Array<{ id: string; principalId?: string }>;
  /** `stagingResourceGroup` as the user set it (empty: the service names one). */
  stagingResourceGroup?: string;
  /** `source`: type and, for platform images, publisher and offer (an OS hint). */
  source?: { type?: string; publisher?: string; offer?: string };
}

/** One run output, as reported in `run-outputs`. */
export interface RunOutputInfo {
  name: string;
  artifactId?: string;
  artifactUri?: string;
  provisioningState?: string;
}

/** What the wait ended with, handed to the log and summary seams. */
export interface RunResult {
  /** Final state reported as `run-state`; `Unknown` when the action could not follow the run to an end (run-state is then not set). */
  state: FinalRunState | 'Unknown';
  /** The last status read from the service. */
  status: RunStatus | undefined;
  /** The template as read at the start. */
  template: TemplateInfo;
  /** Whether the action attached to a run that was already in progress. */
  attached: boolean;
  /** Run outputs (Succeeded / PartiallySucceeded only). */
  runOutputs: RunOutputInfo[];
  /** The run output selected for image-uri / image-id / vhd-uri, if any. */
  selectedOutput?: RunOutputInfo;
  /** Wall time as Azure reports it, in seconds (start to end), if known. */
  durationSeconds?: number;
  /** For TimedOut: whether the cancel was sent, and whether Canceled was reached. */
  cancel?: { requested: boolean; reachedCanceled: boolean };
  /** The message the step fails with (undefined when the step succeeds). */
  failureMessage?: string;
}

/** Why a build failed, in parts (see src/logs/diagnose.ts). */
export interface DiagnosisDetail {
  /** Names the cause (and the failing customizer). */
  title: string;
  errorLines: string[];
  /** Last output lines before the error. */
  context: string[];
  /** The lines that say what went wrong, best first. */
  causeLines?: string[];
  /** One line with the fix, when the cause is recognised. */
  hint?: string;
  /** Packer's verdict, when the cause lines do not say it. */
  verdict?: string;
  /** The failing customizer, as the template names it. */
  customizer?: string;
}

/** What the logs seam gives back at the end; every field optional, a failure there is only a warning. */
export interface BuildLogOutcome {
  /** Blob URL of customization.log (no SAS). */
  logUri?: string;
  artifactId?: string;
  artifactUrl?: string;
  /** Name the artifact was uploaded under. */
  artifactName?: string;
  /** The cause found in the log, shown in the failure annotation (e.g. the failing customizer and its last lines). */
  diagnosis?: string;
  /** One-line title of that cause, added to the annotation's title. */
  diagnosisTitle?: string;
  /** The cause in parts, for the annotation and the job summary. */
  diagnosisDetail?: DiagnosisDetail;
  /** Run sub-states in the order seen, with the time each was first seen. */
  timeline?: Array<{ name: string; start: Date }>;
}

/**
 * Seam for build logs (src/logs/). `onPoll` is called after every successful status read while the
 * action waits; `finish` once at the end, whatever the outcome. Both may throw: the action catches
 * and turns errors into warnings; they never change the build's result.
 */
export interface BuildLogHooks {
  /** Called once the template was read (gives the staging resource group). */
  start?(template: TemplateInfo): void;
  onPoll(status: RunStatus): Promise<void>;
  /** Waits for a log read still in progress (before the action opens a log group of its own). */
  settle?(): Promise<void>;
  /** `signal` aborts when the action stops waiting for the logs: network calls still going should stop. */
  finish(result: RunResult, signal?: AbortSignal): Promise<BuildLogOutcome>;
}

/** Seam for the job summary (src/summary.ts). Called once at the end when `job-summary` is true. */
export interface SummaryWriter {
  write(result: RunResult, logs: BuildLogOutcome): Promise<void>;
}

export const noopLogHooks: BuildLogHooks = {
  onPoll: async () => {},
  finish: async () => ({}),
};

export const noopSummary: SummaryWriter = {
  write: async () => {},
};
