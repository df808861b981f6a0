// The simulated image templates: state, the build's progress through its phases, run outputs, the
// long-running operations, and the build log appended to Azurite as the build advances.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { AppendBlobClient, BlockBlobClient, ContainerClient, PageBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { azTime, guid } from './common.ts';

export type RunSubState = 'Queued' | 'Building' | 'Customizing' | 'Optimizing' | 'Validating' | 'Distributing';
export type RunState = 'Running' | 'Canceling' | 'Succeeded' | 'PartiallySucceeded' | 'Failed' | 'Canceled';

export interface LastRunStatus {
  startTime?: string;
  endTime?: string;
  runState: RunState;
  runSubState?: RunSubState;
  message: string;
}

export interface PhaseSpec {
  subState: RunSubState;
  durationMs: number;
  /** Lines appended to customization.log, spread over the phase (defaults: packer-style lines). */
  lines?: string[];
}

export interface DistributeSpec {
  type: 'ManagedImage' | 'SharedImage' | 'VHD';
  runOutputName: string;
  /** On a PartiallySucceeded run this target fails. */
  fail?: boolean;
}

export interface TemplateScenario {
  resourceGroup: string;
  name: string;
  location?: string; // default 'eastus'
  /** false: nothing exists until a PUT creates it (with this scenario's behaviour). Default true. */
  exists?: boolean;
  /** Extra template body (ARM shape): identity, tags, properties.* override the generated ones. */
  body?: { identity?: unknown; tags?: Record<string, string>; properties?: Record<string, unknown> };
  /** Distribute targets (default: one ManagedImage 'managedImageOutput', or those of body.properties.distribute). */
  distribute?: DistributeSpec[];
  /** Staging resource group name (default IT_<rg>_<name>_<guid>). */
  stagingResourceGroup?: string;
  phases?: PhaseSpec[]; // default: Queued 100, Building 150, Customizing 300, Optimizing 50, Validating 50, Distributing 150 (ms)
  outcome?: 'Succeeded' | 'PartiallySucceeded' | 'Failed'; // default Succeeded
  /** For outcome Failed: the phase that fails (default Customizing), the service message and extra log lines. */
  failure?: {
    atSubState?: RunSubState;
    message?: string;
    lines?: string[];
    /** How the message names the log: 'url' (blob URL through the front, default) or 'arm'
     *  (/subscriptions/.../storageAccounts/<acct>/blobServices/default/containers/packerlogs/<guid>/customization.log). */
    logLocationStyle?: 'url' | 'arm';
  };
  /** Lines written to <guid>/validation.log during Validating. */
  validationLog?: string[];
  /** Write phase, failure and validation lines as given, without the sim's `[time] ` prefix (real log samples carry their own). */
  rawLog?: boolean;
  /**
   * How the log blobs are written. 'append' (default): an append blob that grows. 'reupload': a block blob
   * uploaded whole again (Put Blob) with each addition: a new creation time, the same leading bytes, longer.
   * How Image Builder writes the log is not documented; both are treated as normal (DESIGN.md, "What the
   * real service does beyond the spec").
   */
  logWrites?: 'append' | 'reupload';
  /**
   * When the run's log blobs come into being. 'run-start' (default): created empty when the run starts.
   * 'first-write': customization.log does not exist until its first line is written (validation.log likewise),
   * so a reader that looks early finds nothing yet. The log's content begins with packer's output (the
   * troubleshooting doc's "Stages of the customization log", MicrosoftDocs/azure-compute-docs
   * articles/virtual-machines/linux/image-builder-troubleshoot.md) and it is readable mid-build
   * (danielsollondon/azvmimagebuilder#33, Azure/azvmimagebuilder#4); whether an empty blob exists before packer
   * writes is not documented, so both are shown.
   */
  logBlobCreated?: 'run-start' | 'first-write';
  /**
   * The staging group's storage account is listed by ARM only from this long after the run starts (before any run,
   * not at all). The staging group is created with the template and the account is kept after a build
   * (MicrosoftDocs/azure-compute-docs articles/virtual-machines/image-builder-overview.md, "How it works"); when a
   * template's first run creates the account is not documented, so a reader must cope with its absence at first.
   */
  stagingAccountAfterMs?: number;
  /** A run is already going when the template is added (optionally at a later phase, started some time ago). */
  runInProgress?: boolean | { fromSubState?: RunSubState; startedAgoMs?: number };
  /** lastRunStatus shown before any run of this sim (e.g. a previous failure). */
  lastRun?: LastRunStatus;
  /** Cancel: time from Canceling to Canceled (default 200 ms), or a build that ignores cancel. */
  cancel?: { durationMs?: number; ignore?: boolean };
  /**
   * The run request is accepted (202) but the run never shows on the template: its operation fails after
   * `afterMs` with this error (e.g. a source image that cannot be found).
   */
  runFailsUnseen?: { afterMs: number; code: string; message: string };
  /**
   * How the status really comes (each off by default; the spec's picture is also what the service sends at times):
   * - staleAfterRunMs: after POST run the template keeps showing the previous run's status this long
   *   (DESIGN.md "What the real service does beyond the spec");
   * - zeroEndTime: while a run is going, endTime is the Go zero time 0001-01-01T00:00:00Z;
   * - terminalWithoutSubState: a finished run's status has no runSubState (as in the troubleshooting doc's
   *   failed status, https://learn.microsoft.com/azure/virtual-machines/linux/image-builder-troubleshoot);
   * - lowerCaseStates: runState and runSubState in lower case (early API versions).
   */
  statusShape?: { staleAfterRunMs?: number; zeroEndTime?: boolean; terminalWithoutSubState?: boolean; lowerCaseStates?: boolean };
  /**
   * The template shows a run someone else is canceling when it is added (started `startedAgoMs` ago); it reaches
   * Canceled after `endsAfterMs`, or never when absent. Cancels can take hours
   * (https://github.com/danielsollondon/azvmimagebuilder/issues/79, .../issues/116).
   */
  previousRunCanceling?: { endsAfterMs?: number; startedAgoMs?: number };
  /**
   * Another run starts just before this step's first run request, which is then refused with OperationNotAllowed
   * and this HTTP status (default 409; the real status is not documented).
   */
  runRace?: { status?: number };
  /** HTTP status of an OperationNotAllowed refusal of run or cancel (default 409). */
  refusalStatus?: number;
  /**
   * The api-versions Microsoft.VirtualMachineImages accepts in this template's cloud (sovereign clouds lag the
   * public one); others get 400 NoRegisteredProviderFound listing these. Default: any.
   */
  apiVersions?: string[];
  access?: {
    /** ARM actions answered 403 AuthorizationFailed, e.g. 'Microsoft.VirtualMachineImages/imageTemplates/run/action',
     *  'Microsoft.Storage/storageAccounts/listKeys/action', 'Microsoft.Storage/storageAccounts/read'. */
    forbiddenActions?: string[];
    /** Blob data access with Entra tokens through the front (default allow). */
    blobBearer?: 'allow' | 'deny';
    /** Shared key access through the front (default allow). */
    sharedKey?: 'allow' | 'deny';
    /**
     * The staging account's firewall ('Firewalls and virtual networks') does not let the runner in: every blob request,
     * token or key, is answered 403 AuthorizationFailure "This request is not authorized to perform this operation."
     * (the body Azure Storage sends, as in microsoft/AzureStorageExplorer#8183 and #8769).
     */
    firewall?: 'deny';
  };
  /**
   * Other storage accounts in the staging group, listed before Image Builder's own and holding no `packerlogs`
   * container: a user-supplied `stagingResourceGroup` may hold the user's own accounts. `tags` default none
   * (Image Builder's own account is tagged `createdby: AzureVMImageBuilder`).
   */
  extraStagingAccounts?: Array<{ tags?: Record<string, string> }>;
  /**
   * An earlier run's customization.log in the same container: created when the template is added (before any
   * run of this sim), then appended to while each run goes (so it is the most recently written log).
   */
  decoyLog?: { lines?: string[] };
}

export interface RunOutput {
  name: string;
  artifactId?: string;
  artifactUri?: string;
  provisioningState: 'Succeeded' | 'Failed';
}

export interface Operation {
  id: string;
  kind: 'create' | 'run' | 'cancel' | 'delete';
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  startTime: number;
  endTime?: number;
  error?: { code: string; message: string };
  template: SimTemplate;
}

/** One write to a log blob as the sim made it: which blob, where its bytes landed, when storage acknowledged them. */
export interface LogWrite {
  /** packerlogs/<guid>/customization.log (or validation.log, or the decoy's path). */
  path: string;
  /** Byte offset of the write's first byte in the blob. */
  offset: number;
  bytes: number;
  /** ms since the Unix epoch when Azurite answered the append (or the re-upload): from then on a reader sees the bytes. */
  at: number;
}

export interface TemplateHandle {
  readonly id: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  /** Full resource id of the staging resource group. */
  readonly stagingResourceGroup: string;
  readonly stagingResourceGroupName: string;
  readonly storageAccount: string;
  readonly storageKey: string;
  /** Blob endpoint of the staging account through the front: https://127.0.0.1:PORT/<account>/ */
  readonly blobEndpoint: string;
  /** packerlogs/<guid>/customization.log of the latest run (undefined before any run). */
  readonly logBlobPath: string | undefined;
  /** Full URL of the latest customization.log through the front. */
  readonly logUrl: string | undefined;
  /** packerlogs/<guid>/customization.log of the scenario's decoy (earlier run's) log, if any. */
  readonly decoyLogPath: string | undefined;
  /** The staging group's other accounts (extraStagingAccounts), as ARM lists them. */
  readonly extraAccounts: Array<{ name: string; blobEndpoint: string; tags?: Record<string, string> }>;
  /** 'change' on every state change; 'runStarted', 'subState' (name), 'cancelRequested', 'finished' (LastRunStatus), 'deleted'. */
  readonly events: EventEmitter;
  readonly runCount: number;
  readonly cancelCount: number;
  readonly finishedCount: number;
  exists(): boolean;
  status(): LastRunStatus | undefined;
  /** Fields replacing (undefined values: removing) those of the status GET shows, until called with undefined. */
  overrideStatus(fields: Record<string, unknown> | undefined): void;
  /** A run being canceled (previousRunCanceling, or a cancel in progress) reaches Canceled now. */
  completeCancel(): void;
  runOutputs(): RunOutput[];
  /** Resolves once `n` runs (default 1) have started since the template was added (a runInProgress run counts). */
  runStarted(n?: number): Promise<void>;
  /** Resolves when the latest run reaches this sub-state (at once if it already has). */
  subState(s: RunSubState): Promise<void>;
  cancelRequested(n?: number): Promise<void>;
  /** Resolves once `n` runs (default 1) have ended (log writes flushed), with the final status. */
  finished(n?: number): Promise<LastRunStatus>;
  /**
   * Appends to the latest run's log blob. Chunks (an iterable, sync or async, consumed lazily) are one log
   * write made of one append per chunk (at most 4 MiB each): the run's final status waits for all of them.
   */
  appendLog(text: string | Buffer | Iterable<Buffer> | AsyncIterable<Buffer>, file?: 'customization.log' | 'validation.log'): Promise<void>;
  /** Every write to this template's log blobs (all runs, decoy included), in the order they were made. */
  readonly logWrites: readonly LogWrite[];
  /** Waits for pending log appends. */
  flushLogs(): Promise<void>;
}

export interface TemplateContext {
  subscriptionId: string;
  blobFrontOrigin: string;
  azuriteOrigin: string;
  account: { name: string; key: string };
  /** Accounts for `extraStagingAccounts` (their packerlogs container being removed: see `ready`). */
  extraAccounts?: Array<{ name: string; key: string }>;
  /** Set-up still under way (log writes wait for it; flushLogs() too). */
  ready?: Promise<void>;
  newOperation(kind: Operation['kind'], t: SimTemplate): Operation;
}

const DEFAULT_PHASES: PhaseSpec[] = [
  { subState: 'Queued', durationMs: 100 },
  { subState: 'Building', durationMs: 150 },
  { subState: 'Customizing', durationMs: 300 },
  { subState: 'Optimizing', durationMs: 50 },
  { subState: 'Validating', durationMs: 50 },
  { subState: 'Distributing', durationMs: 150 },
];

function stamp(): string {
  return `[${new Date().toISOString()}]`;
}

function defaultLines(s: RunSubState, t: SimTemplate): string[] {
  switch (s) {
    case 'Queued':
      return [];
    case 'Building':
      return [
        'PACKER OUT azure-arm: output will be in this color.',
        'PACKER OUT ==> azure-arm: Running builder ...',
        `PACKER OUT ==> azure-arm: Getting source image id for the deployment ...`,
        `PACKER OUT ==> azure-arm: Creating resource group ...`,
        `PACKER OUT ==> azure-arm:  -> ResourceGroupName : '${t.stagingResourceGroupName}'`,
        `PACKER OUT ==> azure-arm:  -> Location          : '${t.location}'`,
        'PACKER OUT ==> azure-arm: Validating deployment template ...',
        'PACKER OUT ==> azure-arm: Deploying deployment template ...',
        'PACKER OUT ==> azure-arm: Waiting for SSH to become available...',
        'PACKER OUT ==> azure-arm: Connected to SSH!',
      ];
    case 'Customizing':
      return [
        'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell1234567890',
        'PACKER OUT     azure-arm: Hit:1 http://azure.archive.ubuntu.com/ubuntu noble InRelease',
        'PACKER OUT     azure-arm: Reading package lists...',
        'PACKER OUT     azure-arm: Setting up nginx (1.24.0-2ubuntu7) ...',
        'PACKER OUT     azure-arm: Processing triggers for man-db (2.12.0-4build2) ...',
      ];
    case 'Optimizing':
      return ['PACKER OUT ==> azure-arm: Optimizing image ...'];
    case 'Validating':
      return ['PACKER OUT ==> azure-arm: Running in-VM validations ...'];
    case 'Distributing':
      return [
        "PACKER OUT ==> azure-arm: Querying the machine's properties ...",
        'PACKER OUT ==> azure-arm: Powering off machine ...',
        'PACKER OUT ==> azure-arm: Capturing image ...',
        'PACKER OUT ==> azure-arm: Deleting individual resources ...',
        `PACKER OUT Build 'azure-arm' finished.`,
        'PACKER OUT ==> Builds finished. The artifacts of successful builds are:',
      ];
  }
}

const FAIL_LINES = [
  'PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]',
  'PACKER ERR ==> azure-arm: Step "StepProvision" failed',
  'PACKER ERR ==> azure-arm: Deleting individual resources ...',
  "PACKER ERR Build 'azure-arm' errored after 4 minutes 12 seconds: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]",
  "PACKER ERR ==> Some builds didn't complete successfully and had errors:",
  'PACKER ERR --> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]',
  'PACKER ERR ==> Builds finished but no artifacts were created.',
];

/** One identity is one principal, whichever templates name it (IDs compare without regard to case). */
const principals = new Map<string, { principalId: string; clientId: string }>();
function identityPrincipal(id: string): { principalId: string; clientId: string } {
  const key = id.toLowerCase();
  let p = principals.get(key);
  if (!p) principals.set(key, (p = { principalId: guid(), clientId: guid() }));
  return p;
}

interface RunState_ {
  n: number;
  logGuid: string;
  op: Operation;
  visited: RunSubState[];
  timers: NodeJS.Timeout[];
  cancelOps: Operation[];
}

export class SimTemplate implements TemplateHandle {
  readonly scenario: TemplateScenario;
  readonly ctx: TemplateContext;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly id: string;
  readonly stagingResourceGroupName: string;
  readonly stagingResourceGroup: string;
  readonly events = new EventEmitter();
  body: Record<string, unknown> | undefined;
  provisioningState: 'Creating' | 'Succeeded' | 'Deleting' = 'Succeeded';
  runCount = 0;
  cancelCount = 0;
  finishedCount = 0;
  private lastRun: LastRunStatus | undefined;
  private stale: { until: number; status: LastRunStatus } | undefined;
  private override: Record<string, unknown> | undefined;
  /** Whether the run race (runRace) has happened. */
  raced = false;
  private outputs: RunOutput[] = [];
  private run: RunState_ | undefined;
  private logChain: Promise<void> = Promise.resolve();
  readonly logWrites: LogWrite[] = [];
  private existsNow: boolean;
  private disposed = false;
  private readonly credential: StorageSharedKeyCredential;
  /** Path of the decoy (an earlier run's) log, when the scenario has one. */
  readonly decoyLogPath: string | undefined;

  constructor(scenario: TemplateScenario, ctx: TemplateContext) {
    this.scenario = scenario;
    this.ctx = ctx;
    this.events.setMaxListeners(100);
    this.resourceGroup = scenario.resourceGroup;
    this.name = scenario.name;
    this.location = scenario.location ?? 'eastus';
    this.id = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${this.name}`;
    this.stagingResourceGroupName = scenario.stagingResourceGroup ?? `IT_${this.resourceGroup}_${this.name}_${guid()}`;
    this.stagingResourceGroup = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${this.stagingResourceGroupName}`;
    this.lastRun = scenario.lastRun;
    this.existsNow = scenario.exists !== false;
    if (this.existsNow) this.body = this.makeBody(scenario.body ?? {});
    this.credential = new StorageSharedKeyCredential(ctx.account.name, ctx.account.key);
    if (ctx.ready)
      this.logChain = ctx.ready.catch((err: unknown) => {
        process.stderr.write(`[azure-sim] set-up of ${this.name} failed: ${String(err)}\n`);
      });
    if (scenario.decoyLog) {
      const path = `packerlogs/${guid()}/customization.log`;
      this.decoyLogPath = path;
      const text = (scenario.decoyLog.lines ?? ['PACKER OUT ==> azure-arm: an earlier run of this template'])
        .map((l) => this.logText(l))
        .join('');
      this.enqueue(async () => {
        await this.appendClient(path).createIfNotExists();
        await this.appendRaw(path, text);
      });
    }
    const rip = scenario.runInProgress;
    if (rip && this.existsNow) {
      const from = typeof rip === 'object' && rip.fromSubState ? this.phases().findIndex((p) => p.subState === rip.fromSubState) : 0;
      const op = ctx.newOperation('run', this);
      if (typeof rip === 'object' && rip.startedAgoMs) op.startTime -= rip.startedAgoMs;
      this.startRun(op, Math.max(0, from));
    }
    const canceling = scenario.previousRunCanceling;
    if (canceling && this.existsNow) {
      const op = ctx.newOperation('run', this);
      op.startTime -= canceling.startedAgoMs ?? 3_600_000;
      this.startRun(op, Math.min(2, this.phases().length - 1));
      const run = this.run;
      const last = this.lastRun;
      if (!run || !last) throw new Error('azure sim: startRun did not start a run');
      for (const t of run.timers) clearTimeout(t);
      run.timers = [];
      this.lastRun = { ...last, runState: 'Canceling' };
      if (canceling.endsAfterMs !== undefined) run.timers.push(setTimeout(() => this.finish(run, 'Canceled'), canceling.endsAfterMs));
    }
  }

  get storageAccount(): string {
    return this.ctx.account.name;
  }
  get storageKey(): string {
    return this.ctx.account.key;
  }
  get blobEndpoint(): string {
    return `${this.ctx.blobFrontOrigin}/${this.ctx.account.name}/`;
  }
  get logBlobPath(): string | undefined {
    return this.run ? `packerlogs/${this.run.logGuid}/customization.log` : undefined;
  }
  get logUrl(): string | undefined {
    return this.logBlobPath ? `${this.blobEndpoint}${this.logBlobPath}` : undefined;
  }
  /** When the latest run started (ms since the epoch). */
  private runStartedAt: number | undefined;
  /** Whether ARM lists this template's staging account now (stagingAccountAfterMs). */
  accountListed(): boolean {
    const after = this.scenario.stagingAccountAfterMs;
    if (after === undefined) return true;
    return this.runStartedAt !== undefined && Date.now() >= this.runStartedAt + after;
  }
  get forbidden(): string[] {
    return this.scenario.access?.forbiddenActions ?? [];
  }
  /** The extra (non-Image Builder) accounts of the staging group, as ARM lists them. */
  get extraAccounts(): Array<{ name: string; blobEndpoint: string; tags?: Record<string, string> }> {
    return (this.ctx.extraAccounts ?? []).map((a, i) => {
      const tags = this.scenario.extraStagingAccounts?.[i]?.tags;
      return {
        name: a.name,
        blobEndpoint: `${this.ctx.blobFrontOrigin}/${a.name}/`,
        ...(tags ? { tags } : {}),
      };
    });
  }

  exists(): boolean {
    return this.existsNow;
  }
  status(): LastRunStatus | undefined {
    return this.lastRun ? { ...this.lastRun } : undefined;
  }

  /** lastRunStatus as GET shows it: stale for a while after a run request, shaped as the scenario says. */
  shownStatus(): Record<string, unknown> | undefined {
    const shape = this.scenario.statusShape ?? {};
    const stale = this.stale && Date.now() < this.stale.until ? this.stale.status : undefined;
    const s = stale ?? this.lastRun;
    if (!s) return undefined;
    const fields = new Map<string, unknown>(Object.entries(s));
    if (this.override) {
      for (const [k, v] of Object.entries(this.override)) {
        if (v === undefined) fields.delete(k);
        else fields.set(k, v);
      }
    }
    const out: Record<string, unknown> = Object.fromEntries(fields);
    const state = String(out.runState ?? '');
    const running = state === 'Running' || state === 'Canceling';
    if (shape.zeroEndTime && running) out.endTime = '0001-01-01T00:00:00Z';
    if (shape.terminalWithoutSubState && !running) delete out.runSubState;
    if (shape.lowerCaseStates) {
      if (typeof out.runState === 'string') out.runState = out.runState.toLowerCase();
      if (typeof out.runSubState === 'string') out.runSubState = out.runSubState.toLowerCase();
    }
    return out;
  }

  completeCancel(): void {
    const run = this.run;
    if (run && this.lastRun?.runState === 'Canceling') this.finish(run, 'Canceled');
  }

  /** Test control: fields replacing (undefined: removing) those of the status GET shows, until cleared with undefined. */
  overrideStatus(fields: Record<string, unknown> | undefined): void {
    this.override = fields;
  }
  runOutputs(): RunOutput[] {
    return this.outputs.map((o) => ({ ...o }));
  }
  isRunning(): boolean {
    return this.lastRun?.runState === 'Running' || this.lastRun?.runState === 'Canceling';
  }

  private until<T>(pred: () => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const v = pred();
        if (v === undefined) return false;
        this.events.off('change', check);
        resolve(v);
        return true;
      };
      if (!check()) this.events.on('change', check);
    });
  }
  runStarted(n = 1): Promise<void> {
    return this.until(() => (this.runCount >= n ? true : undefined)).then(() => undefined);
  }
  subState(s: RunSubState): Promise<void> {
    return this.until(() => (this.run?.visited.includes(s) ? true : undefined)).then(() => undefined);
  }
  cancelRequested(n = 1): Promise<void> {
    return this.until(() => (this.cancelCount >= n ? true : undefined)).then(() => undefined);
  }
  finished(n = 1): Promise<LastRunStatus> {
    return this.until(() => (this.finishedCount >= n && this.lastRun ? { ...this.lastRun } : undefined));
  }
  private changed(event?: string, arg?: unknown): void {
    if (event) this.events.emit(event, arg);
    this.events.emit('change');
  }

  // ----- body -----
  distributeSpecs(): DistributeSpec[] {
    if (this.scenario.distribute) return this.scenario.distribute;
    const fromBody = (this.body?.properties as { distribute?: Array<{ type: DistributeSpec['type']; runOutputName: string }> } | undefined)
      ?.distribute;
    if (fromBody?.length) return fromBody.map((d) => ({ type: d.type, runOutputName: d.runOutputName }));
    return [{ type: 'ManagedImage', runOutputName: 'managedImageOutput' }];
  }

  private distributor(d: DistributeSpec): Record<string, unknown> {
    const rg = `/subscriptions/${this.ctx.subscriptionId}/resourceGroups/${this.resourceGroup}`;
    switch (d.type) {
      case 'ManagedImage':
        return {
          type: 'ManagedImage',
          runOutputName: d.runOutputName,
          imageId: `${rg}/providers/Microsoft.Compute/images/${d.runOutputName}`,
          location: this.location,
          artifactTags: {},
        };
      case 'SharedImage':
        return {
          type: 'SharedImage',
          runOutputName: d.runOutputName,
          artifactTags: {},
          galleryImageId: `${rg}/providers/Microsoft.Compute/galleries/simGallery/images/${d.runOutputName}`,
          targetRegions: [{ name: this.location, replicaCount: 1, storageAccountType: 'Standard_LRS' }],
          excludeFromLatest: false,
        };
      case 'VHD':
        return { type: 'VHD', runOutputName: d.runOutputName, artifactTags: {} };
    }
  }

  makeBody(given: { identity?: unknown; tags?: Record<string, string>; properties?: Record<string, unknown> }): Record<string, unknown> {
    const identityId = `/subscriptions/${this.ctx.subscriptionId}/resourcegroups/${this.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib-identity`;
    const props = given.properties ?? {};
    const body: Record<string, unknown> = {
      identity: given.identity ?? { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
      properties: {
        source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
        customize: [{ type: 'Shell', name: 'install-nginx', inline: ['sudo apt-get update', 'sudo apt-get install -y nginx'] }],
        distribute: (
          this.scenario.distribute ??
          ((props.distribute ? [] : [{ type: 'ManagedImage', runOutputName: 'managedImageOutput' }]) as DistributeSpec[])
        ).map((d) => this.distributor(d)),
        vmProfile: { vmSize: 'Standard_D2s_v3', osDiskSizeGB: 0 },
        buildTimeoutInMinutes: 0,
        ...props,
      },
    };
    if (given.tags) body.tags = given.tags;
    return body;
  }

  /** The resource as GET returns it. */
  resource(): Record<string, unknown> {
    const b = this.body ?? {};
    const identity = JSON.parse(JSON.stringify(b.identity ?? {})) as { userAssignedIdentities?: Record<string, unknown> };
    const assigned = identity.userAssignedIdentities;
    if (assigned) for (const k of Object.keys(assigned)) assigned[k] = { ...identityPrincipal(k) };
    const props: Record<string, unknown> = {
      ...(b.properties as Record<string, unknown>),
      provisioningState: this.provisioningState,
      stagingResourceGroup: this.scenario.stagingResourceGroup
        ? `/subscriptions/${this.ctx.subscriptionId}/resourceGroups/${this.scenario.stagingResourceGroup}`
        : ((b.properties as { stagingResourceGroup?: string } | undefined)?.stagingResourceGroup ?? ''),
      exactStagingResourceGroup: this.provisioningState === 'Creating' ? '' : this.stagingResourceGroup,
    };
    const shown = this.shownStatus();
    if (shown) props.lastRunStatus = shown;
    const out: Record<string, unknown> = {
      properties: props,
      identity,
      location: this.location,
      id: `/subscriptions/${this.ctx.subscriptionId}/resourcegroups/${this.resourceGroup}/providers/Microsoft.VirtualMachineImages/imageTemplates/${this.name}`,
      name: this.name,
      type: 'Microsoft.VirtualMachineImages/imageTemplates',
    };
    if (b.tags) out.tags = b.tags;
    return out;
  }

  /** PUT: create from a request body. Returns false when the template exists with a different body. */
  create(given: Record<string, unknown>): 'created' | 'same' | 'conflict' {
    const normal = (x: unknown): string =>
      JSON.stringify(x, (_k, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [c]) => a.localeCompare(c)))
          : v,
      );
    const wanted = { identity: given.identity, tags: given.tags, properties: given.properties };
    if (this.existsNow && this.body) {
      const cur = { identity: this.body.identity, tags: this.body.tags, properties: this.body.properties };
      return normal(cur) === normal(wanted) ? 'same' : 'conflict';
    }
    this.body = { identity: given.identity, properties: given.properties, ...(given.tags ? { tags: given.tags } : {}) };
    this.existsNow = true;
    this.provisioningState = 'Creating';
    this.changed();
    return 'created';
  }

  markCreated(): void {
    this.provisioningState = 'Succeeded';
    this.changed();
  }
  markDeleting(): void {
    this.provisioningState = 'Deleting';
    this.changed();
  }
  markDeleted(): void {
    this.existsNow = false;
    this.body = undefined;
    this.lastRun = undefined;
    this.outputs = [];
    this.provisioningState = 'Succeeded';
    this.changed('deleted');
  }

  // ----- runs -----
  phases(): PhaseSpec[] {
    return this.scenario.phases ?? DEFAULT_PHASES;
  }

  startRun(op: Operation, fromIndex = 0): void {
    const staleMs = this.scenario.statusShape?.staleAfterRunMs;
    if (staleMs && this.lastRun) this.stale = { until: Date.now() + staleMs, status: { ...this.lastRun } };
    const run: RunState_ = { n: this.runCount + 1, logGuid: guid(), op, visited: [], timers: [], cancelOps: [] };
    this.run = run;
    this.runCount += 1;
    this.runStartedAt = Date.now();
    this.outputs = [];
    this.lastRun = {
      startTime: azTime(op.startTime),
      endTime: undefined,
      runState: 'Running',
      runSubState: this.phases()[fromIndex]?.subState ?? 'Queued',
      message: '',
    };
    delete this.lastRun.endTime;
    const blob = `packerlogs/${run.logGuid}/customization.log`;
    if (this.scenario.logBlobCreated !== 'first-write') {
      this.enqueue(async () => {
        await this.createLog(blob);
        if (this.scenario.validationLog) await this.createLog(`packerlogs/${run.logGuid}/validation.log`);
      });
    }
    this.changed('runStarted');
    this.enterPhase(run, fromIndex);
  }

  private failIndex(): number {
    if ((this.scenario.outcome ?? 'Succeeded') !== 'Failed') return -1;
    const phases = this.phases();
    const at = this.scenario.failure?.atSubState ?? 'Customizing';
    const i = phases.findIndex((p) => p.subState === at);
    return i >= 0 ? i : phases.length - 1;
  }

  private enterPhase(run: RunState_, i: number): void {
    if (this.run !== run || (this.lastRun?.runState !== 'Running' && this.lastRun?.runState !== 'Canceling')) return;
    const phases = this.phases();
    const phase = phases[i];
    if (!phase)
      return this.finish(run, (this.scenario.outcome ?? 'Succeeded') === 'Failed' ? 'Failed' : (this.scenario.outcome ?? 'Succeeded'));
    if (this.lastRun.runState === 'Running') this.lastRun.runSubState = phase.subState;
    run.visited.push(phase.subState);
    const lines = phase.lines ?? defaultLines(phase.subState, this);
    // Timers due at nearly the same time may fire out of order (seen under load): each one writes every
    // line up to its own, so the log keeps the given order, and the phase's end writes any left.
    let next = 0;
    const upTo = (k: number): void => {
      while (next <= k && next < lines.length) {
        const line = lines[next++];
        if (line !== undefined) this.logLine(run, line);
      }
    };
    lines.forEach((_line, k) => {
      run.timers.push(setTimeout(() => upTo(k), (phase.durationMs * k) / Math.max(1, lines.length)));
    });
    if (phase.subState === 'Validating' && this.scenario.validationLog) {
      const text = this.scenario.validationLog.map((l) => this.logText(l)).join('');
      this.enqueue(() => this.writeLog(`packerlogs/${run.logGuid}/validation.log`, text));
    }
    this.changed('subState', phase.subState);
    const failing = i === this.failIndex();
    run.timers.push(
      setTimeout(() => {
        upTo(lines.length - 1);
        if (failing) {
          for (const l of this.scenario.failure?.lines ?? FAIL_LINES) this.logLine(run, l);
          this.finish(run, 'Failed');
        } else {
          this.enterPhase(run, i + 1);
        }
      }, phase.durationMs),
    );
  }

  private logText(line: string): string {
    return this.scenario.rawLog ? `${line}\n` : `${stamp()} ${line}\n`;
  }

  private logLine(run: RunState_, line: string): void {
    if (this.run !== run) return;
    const text = this.logText(line);
    this.enqueue(() => this.writeLog(`packerlogs/${run.logGuid}/customization.log`, text));
    const decoy = this.decoyLogPath;
    if (decoy) this.enqueue(() => this.appendRaw(decoy, this.logText('PACKER OUT ==> azure-arm: (earlier run) still being written')));
  }

  private finish(run: RunState_, state: 'Succeeded' | 'PartiallySucceeded' | 'Failed' | 'Canceled'): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers = [];
    const logLocation =
      this.scenario.failure?.logLocationStyle === 'arm'
        ? `${this.stagingResourceGroup}/providers/Microsoft.Storage/storageAccounts/${this.storageAccount}/blobServices/default/containers/packerlogs/${run.logGuid}/customization.log`
        : `${this.blobEndpoint}packerlogs/${run.logGuid}/customization.log`;
    let message = '';
    if (state === 'Failed') {
      message =
        this.scenario.failure?.message ??
        'Failed while waiting for packerizer: Microservice has failed: Failed while processing request: Error when executing packerizer: ' +
          'Packer build command has failed: exit status 1. During the image build, a failure has occurred. Please review the build log to identify which build/customization step failed. ' +
          'For more troubleshooting steps go to https://aka.ms/azvmimagebuilderts. ' +
          `Image Build log location: ${logLocation}. OperationId: ${run.op.id}. Use this operation ID when contacting support.`;
    } else if (state === 'PartiallySucceeded') {
      const failed = this.distributeSpecs()
        .filter((d) => d.fail)
        .map((d) => d.runOutputName);
      message =
        `Distribution failed for run output(s) ${failed.map((n) => `'${n}'`).join(', ')}: one or more distribution targets did not complete. ` +
        `Image Build log location: ${logLocation}. OperationId: ${run.op.id}.`;
    } else if (state === 'Canceled') {
      message = 'Build was canceled by user request.';
    }
    if (state === 'Succeeded' || state === 'PartiallySucceeded') {
      this.outputs = this.distributeSpecs().map((d) => this.outputFor(d, state === 'PartiallySucceeded' && d.fail === true));
      // A VHD distribute target leaves a page blob in the staging account (the real service writes the OS disk
      // there as a fixed-size VHD page blob); the sim writes a small sparse one so a copy can be checked byte for byte.
      for (const o of this.outputs) {
        const uri = o.artifactUri;
        if (uri?.startsWith(this.blobEndpoint)) this.enqueue(() => this.writeVhd(uri.slice(this.blobEndpoint.length)));
      }
    }
    this.enqueue(async () => undefined);
    const chain = this.logChain;
    void chain.then(() => {
      if (this.run !== run || !this.lastRun) return;
      const end = Date.now();
      this.lastRun = { ...this.lastRun, endTime: azTime(end), runState: state, message };
      const op = run.op;
      op.endTime = end;
      if (state === 'Succeeded') op.status = 'Succeeded';
      else if (state === 'Canceled') op.status = 'Canceled';
      else {
        op.status = 'Failed';
        op.error = { code: 'InternalOperationError', message };
      }
      for (const c of run.cancelOps) {
        if (c.status === 'InProgress') {
          c.status = 'Succeeded';
          c.endTime = end;
        }
      }
      this.finishedCount += 1;
      this.changed('finished', { ...this.lastRun });
    });
  }

  private outputFor(d: DistributeSpec, failed: boolean): RunOutput {
    if (failed) return { name: d.runOutputName, provisioningState: 'Failed' };
    const dist =
      ((this.body?.properties as { distribute?: Array<Record<string, string>> } | undefined)?.distribute ?? []).find(
        (x) => x.runOutputName === d.runOutputName,
      ) ?? (this.distributor(d) as Record<string, string>);
    if (d.type === 'VHD') {
      return {
        name: d.runOutputName,
        artifactUri: `${this.blobEndpoint}vhds/${this.name}_${Date.now()}.vhd`,
        provisioningState: 'Succeeded',
      };
    }
    if (d.type === 'SharedImage') {
      const now = new Date();
      const version = `0.${now.getUTCFullYear() % 100}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}.${this.runCount}`;
      return { name: d.runOutputName, artifactId: `${dist.galleryImageId ?? ''}/versions/${version}`, provisioningState: 'Succeeded' };
    }
    return { name: d.runOutputName, artifactId: dist.imageId ?? '', provisioningState: 'Succeeded' };
  }

  /** POST cancel. Returns 'conflict' when nothing is running. */
  requestCancel(op: Operation): 'accepted' | 'conflict' {
    const run = this.run;
    if (!run || !this.isRunning()) return 'conflict';
    // A cancel sent to a run already Canceling is refused (arm.ts answers OperationNotAllowed).
    if (this.lastRun?.runState === 'Canceling' && !this.scenario.cancel?.ignore) return 'conflict';
    this.cancelCount += 1;
    run.cancelOps.push(op);
    this.changed('cancelRequested');
    if (this.scenario.cancel?.ignore) return 'accepted';
    const last = this.lastRun;
    if (!last) return 'conflict';
    for (const t of run.timers) clearTimeout(t);
    run.timers = [];
    this.lastRun = { ...last, runState: 'Canceling' };
    this.changed();
    this.logLine(run, 'PACKER ERR ==> azure-arm: Cancelling build: received a cancel request');
    run.timers.push(
      setTimeout(() => {
        this.logLine(run, "PACKER ERR Build 'azure-arm' errored: build was cancelled");
        this.finish(run, 'Canceled');
      }, this.scenario.cancel?.durationMs ?? 200),
    );
    return 'accepted';
  }

  // ----- logs -----
  private appendClient(path: string): AppendBlobClient {
    return new AppendBlobClient(`${this.ctx.azuriteOrigin}/${this.ctx.account.name}/${path}`, this.credential, {
      retryOptions: { maxTries: 3, retryDelayInMs: 50 },
    });
  }

  /** What each re-uploaded block blob holds so far (logWrites 'reupload'). */
  private readonly uploaded = new Map<string, Buffer>();

  private blockClient(path: string): BlockBlobClient {
    return new BlockBlobClient(`${this.ctx.azuriteOrigin}/${this.ctx.account.name}/${path}`, this.credential, {
      retryOptions: { maxTries: 3, retryDelayInMs: 50 },
    });
  }

  private async createLog(path: string): Promise<void> {
    if (this.scenario.logWrites !== 'reupload') {
      await this.appendClient(path).createIfNotExists();
      return;
    }
    if (this.uploaded.has(path)) return;
    this.uploaded.set(path, Buffer.alloc(0));
    await this.blockClient(path).upload(Buffer.alloc(0), 0);
  }

  /** Log blobs this sim has created (logBlobCreated 'first-write' creates each with its first write). */
  private readonly created = new Set<string>();

  /** A write to a run's log: with 'first-write', the blob is created by the first one. */
  private async writeLog(path: string, text: string | Buffer): Promise<void> {
    if (this.scenario.logBlobCreated === 'first-write' && !this.created.has(path)) {
      await this.createLog(path);
      this.created.add(path);
    }
    await this.appendRaw(path, text);
  }

  private async appendRaw(path: string, text: string | Buffer): Promise<void> {
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (this.scenario.logWrites !== 'reupload') {
      const r = await this.appendClient(path).appendBlock(data, data.length);
      this.logWrites.push({ path, offset: Number(r.blobAppendOffset ?? NaN), bytes: data.length, at: Date.now() });
      return;
    }
    const before = this.uploaded.get(path) ?? Buffer.alloc(0);
    const whole = Buffer.concat([before, data]);
    this.uploaded.set(path, whole);
    await this.blockClient(path).upload(whole, whole.length);
    this.logWrites.push({ path, offset: before.length, bytes: data.length, at: Date.now() });
  }

  /** The bytes of the sim's VHD page blob at `path`: 3 MiB, written in two ranges with a hole between (sparse). */
  static vhdBytes(path: string): Buffer {
    const b = Buffer.alloc(3 * 1024 * 1024);
    const seed = createHash('sha256').update(path).digest();
    for (let i = 0; i < 512 * 1024; i++) b[i] = (seed[i % seed.length] ?? 0) ^ (i & 0xff);
    for (let i = 2 * 1024 * 1024; i < b.length; i++) b[i] = seed[(i * 7) % seed.length] ?? 0;
    return b;
  }

  private async writeVhd(path: string): Promise<void> {
    const client = new PageBlobClient(`${this.ctx.azuriteOrigin}/${this.ctx.account.name}/${path}`, this.credential, {
      retryOptions: { maxTries: 3, retryDelayInMs: 50 },
    });
    const container = new ContainerClient(`${this.ctx.azuriteOrigin}/${this.ctx.account.name}/${path.split('/')[0]}`, this.credential);
    await container.createIfNotExists();
    const bytes = SimTemplate.vhdBytes(path);
    await client.create(bytes.length);
    await client.uploadPages(bytes.subarray(0, 512 * 1024), 0, 512 * 1024);
    await client.uploadPages(bytes.subarray(2 * 1024 * 1024), 2 * 1024 * 1024, bytes.length - 2 * 1024 * 1024);
  }

  private enqueue(fn: () => Promise<void>): void {
    this.logChain = this.logChain
      .then(() => (this.disposed ? undefined : fn()))
      .catch((err: unknown) => {
        if (this.disposed) return;
        process.stderr.write(`[azure-sim] log write failed for ${this.name}: ${String(err)}\n`);
      });
  }

  appendLog(
    text: string | Buffer | Iterable<Buffer> | AsyncIterable<Buffer>,
    file: 'customization.log' | 'validation.log' = 'customization.log',
  ): Promise<void> {
    const run = this.run;
    if (!run) return Promise.reject(new Error('no run yet: no log blob'));
    const path = `packerlogs/${run.logGuid}/${file}`;
    this.enqueue(async () => {
      await this.createLog(path);
      if (typeof text === 'string' || Buffer.isBuffer(text)) return this.writeLog(path, text);
      for await (const chunk of text) {
        if (this.disposed || this.run !== run) return;
        await this.writeLog(path, chunk);
      }
    });
    return this.logChain;
  }

  flushLogs(): Promise<void> {
    return this.logChain;
  }

  /** Stops timers (sim shutdown). */
  dispose(): void {
    this.disposed = true;
    for (const t of this.run?.timers ?? []) clearTimeout(t);
  }
}
