/** The few Image Builder operations the action uses, bound to one template. */
import { ImageBuilderClient, type ImageBuilderClientOptionalParams, type ImageTemplate, type RunOutput } from '@azure/arm-imagebuilder';
import type { TokenCredential } from '@azure/identity';
import { apiVersionFallbackPolicy } from './apiVersion.js';
import { normalizeRunStatus } from './runstatus.js';
import type { RunOutputInfo, RunStatus, TemplateInfo, TemplateSetup } from './types.js';

export interface ImageBuilderOps {
  /** GET the template (one ARM read; carries lastRunStatus). */
  getTemplate(abortSignal?: AbortSignal): Promise<TemplateInfo>;
  /** POST run: resolves once the service accepted the request (does not wait for the build). */
  startRun(): Promise<RunRequest>;
  /** POST cancel: resolves once the service accepted the request (does not wait for Canceled). */
  cancelRun(abortSignal?: AbortSignal): Promise<void>;
  /** GET runOutputs (all pages). */
  listRunOutputs(): Promise<RunOutputInfo[]>;
}

/** A run request the service accepted. */
export interface RunRequest {
  /**
   * One read of the run's long-running operation. Resolves with a terminal status when the operation
   * failed or was canceled (for a run the template never showed), else undefined (still going, or the
   * read itself failed: the template stays the source of truth).
   */
  endedUnseen(abortSignal?: AbortSignal): Promise<RunStatus | undefined>;
}

export interface ImageBuilderTarget {
  subscriptionId: string;
  resourceGroup: string;
  templateName: string;
  resourceManagerEndpoint: string;
  armScope: string;
}

/** Full resource ID of a staging group, whether the service gave an ID or a bare name. */
export function stagingGroupId(value: string | undefined, subscriptionId: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.startsWith('/')) return value;
  return `/subscriptions/${subscriptionId}/resourceGroups/${value}`;
}

export function toRunStatus(s: ImageTemplate['lastRunStatus']): RunStatus | undefined {
  if (s === undefined || s === null || typeof s !== 'object') return undefined;
  return normalizeRunStatus(s);
}

export function toTemplateInfo(
  t: ImageTemplate,
  target: Pick<ImageBuilderTarget, 'subscriptionId' | 'resourceGroup' | 'templateName'>,
): TemplateInfo {
  const info: TemplateInfo = {
    id:
      t.id ??
      `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${target.templateName}`,
    name: t.name ?? target.templateName,
    runOutputNames: (t.distribute ?? []).map((d) => d?.runOutputName ?? ''),
    distributeTypes: (t.distribute ?? []).map((d) => d?.type ?? ''),
  };
  if (t.location) info.location = t.location;
  if (Array.isArray(t.customize))
    info.customizers = t.customize.map((c) => (c?.name ? { type: c.type ?? '', name: c.name } : { type: c?.type ?? '' }));
  if (t.vmProfile?.vnetConfig) info.hasVnetConfig = true;
  const staging = stagingGroupId(t.exactStagingResourceGroup, target.subscriptionId);
  if (staging !== undefined) info.stagingResourceGroupId = staging;
  const status = toRunStatus(t.lastRunStatus);
  if (status !== undefined) info.lastRunStatus = status;
  info.setup = toTemplateSetup(t);
  return info;
}

export function toTemplateSetup(t: ImageTemplate): TemplateSetup {
  const setup: TemplateSetup = {
    identities: Object.entries(t.identity?.userAssignedIdentities ?? {}).map(([id, v]) =>
      v?.principalId ? { id, principalId: v.principalId } : { id },
    ),
  };
  const vnet = t.vmProfile?.vnetConfig;
  if (vnet?.subnetId) setup.subnetId = vnet.subnetId;
  if (vnet?.containerInstanceSubnetId) setup.containerInstanceSubnetId = vnet.containerInstanceSubnetId;
  if (t.stagingResourceGroup) setup.stagingResourceGroup = t.stagingResourceGroup;
  const src = t.source as { type?: string; publisher?: string; offer?: string } | undefined;
  if (src)
    setup.source = {
      ...(src.type ? { type: src.type } : {}),
      ...(src.publisher ? { publisher: src.publisher } : {}),
      ...(src.offer ? { offer: src.offer } : {}),
    };
  return setup;
}

export function toRunOutputInfo(o: RunOutput): RunOutputInfo {
  const out: RunOutputInfo = { name: o.name ?? '' };
  if (o.artifactId) out.artifactId = o.artifactId;
  if (o.artifactUri) out.artifactUri = o.artifactUri;
  if (o.provisioningState) out.provisioningState = o.provisioningState;
  return out;
}

export function createImageBuilderOps(
  credential: TokenCredential,
  target: ImageBuilderTarget,
  /** Extra client options (tests pass an httpClient). */
  extra: ImageBuilderClientOptionalParams = {},
  /** Told when the cloud refused our api-version and the client moved to the newest one it supports. */
  onApiVersionFallback: (from: string, to: string) => void = () => {},
): ImageBuilderOps {
  const client = new ImageBuilderClient(credential, target.subscriptionId, {
    ...extra,
    endpoint: target.resourceManagerEndpoint,
    credentials: { scopes: [target.armScope] },
    userAgentOptions: { userAgentPrefix: 'image-builder-run' },
  });
  client.pipeline.addPolicy(apiVersionFallbackPolicy({ onFallback: (from, to) => onApiVersionFallback(from, to) }));
  const templates = client.virtualMachineImageTemplates;
  const { resourceGroup: rg, templateName: name } = target;
  return {
    async getTemplate(abortSignal) {
      const t = await templates.get(rg, name, abortSignal ? { abortSignal } : {});
      return toTemplateInfo(t, target);
    },
    async startRun() {
      // The poller sends POST .../run at once; submitted() settles with the initial response
      // (and rejects with its RestError). We never await the LRO itself: the wait loop reads the template.
      const poller = templates.run(rg, name);
      await poller.submitted();
      return {
        async endedUnseen(abortSignal) {
          try {
            await poller.poll(abortSignal ? { abortSignal } : {});
            return undefined;
          } catch (err) {
            // core-lro throws the operation's error for a failed or canceled operation; anything else is a failed read.
            const status = poller.operationState?.status;
            if (status !== 'failed' && status !== 'canceled') return undefined;
            const message = err instanceof Error ? err.message : String(err);
            return { runState: status === 'failed' ? 'Failed' : 'Canceled', message };
          }
        },
      };
    },
    async cancelRun(abortSignal) {
      const poller = templates.cancel(rg, name, abortSignal ? { abortSignal } : {});
      await poller.submitted();
    },
    async listRunOutputs() {
      const out: RunOutputInfo[] = [];
      for await (const o of templates.listRunOutputs(rg, name)) out.push(toRunOutputInfo(o));
      return out;
    },
  };
}
