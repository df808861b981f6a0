/**
 * The build's log blobs in the staging storage account, found once and remembered.
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  ArmJson,
  blobLog,
  findNewestCustomizationLog,
  openLogContainer,
  parseLogPath,
  sameBlobEndpoint,
  siblingValidationPath,
  type ContainerFactory,
  type LogContainer,
  type LogPathHint,
} from './locate.js';
import { lookSchedule } from './schedule.js';
import { systemClock, type Clock, type LogBlob, type LogSink } from './types.js';

export interface FoundLogs {
  customization: LogBlob;
  validation: LogBlob;
}

export interface FindHint {
  /** The run's status message (a failure message names the log's location). */
  message?: string;
  /** Ignore logs last written before this (earlier runs' logs in the same account). */
  notBefore?: Date;
  /** The last look, when the run has ended: ARM is asked even while its backoff would wait. */
  final?: boolean;
}

/** Where the logs come from; the real one is `stagingLogSource`, tests use fakes. */
export interface LogSource {
  /** The blobs, or undefined when they cannot be found (yet) or cannot be read (warned once). */
  find(hint: FindHint): Promise<FoundLogs | undefined>;
  /** True once access was refused: stop trying. */
  readonly refused: boolean;
}

export interface StagingSourceDeps {
  credential: TokenCredential;
  armEndpoint: string;
  armScope?: string;
  subscriptionId: string;
  /** `exactStagingResourceGroup` of the template (ID or name). */
  stagingResourceGroup: string;
  /** The cloud's storage suffix (`core.windows.net`, ...): where a storage token may go besides listed endpoints. */
  storageSuffix?: string;
  sink: LogSink;
  /**
   * How often `find` is called (the `poll-interval`; default 15 s): while the staging group holds no account
   * with a `packerlogs` container yet, ARM is asked again after a backoff from this up to ten times it.
   */
  pollIntervalMs?: number;
  clock?: Clock;
  /** Jitter of the backoff (default Math.random). */
  random?: () => number;
  /** Injected for tests; default: the real ARM client and `@azure/storage-blob`. */
  arm?: ArmJson;
  containerFactory?: ContainerFactory;
}

/** Whether a message's log location names the open account (by name, or by endpoint for path-style URLs). */
function sameAccount(hint: LogPathHint, open: LogContainer): boolean {
  if (hint.account === open.account.name.toLowerCase()) return true;
  return hint.blobEndpoint !== undefined && sameBlobEndpoint(hint.blobEndpoint, open.account.blobEndpoint);
}

/**
 * Each `find` until the log is found: while no account with `packerlogs` is known, an ARM listing of the staging
 * group's accounts, held back by a backoff (lookSchedule); once one is known, one blob listing of its `packerlogs`
 * container and no ARM request. A container or log that does not exist yet is no error: `undefined`, ask again.
 */
export function stagingLogSource(deps: StagingSourceDeps): LogSource {
  const arm = deps.arm ?? new ArmJson(deps);
  const clock = deps.clock ?? systemClock;
  const armLooks = lookSchedule(deps.pollIntervalMs ?? 15_000, clock, deps.random);
  let container: LogContainer | undefined;
  let refused = false;
  let retriedWithHint = false;
  return {
    get refused() {
      return refused;
    },
    async find(hint: FindHint): Promise<FoundLogs | undefined> {
      const fromMessage = parseLogPath(hint.message);
      // After a refusal, only a message naming the account (URL or ARM path) is worth one more try.
      if (refused && (!fromMessage || retriedWithHint)) return undefined;
      const viaArm = refused || !container || (fromMessage !== undefined && !sameAccount(fromMessage, container));
      if (viaArm && !hint.final && !armLooks.due()) return undefined;
      if (refused) {
        retriedWithHint = true;
        container = undefined;
      }
      if (!container || (fromMessage && !sameAccount(fromMessage, container))) {
        const quiet = refused ? { ...deps.sink, warning: (m: string) => deps.sink.debug(m) } : deps.sink;
        const startedAt = clock.now();
        let opened: Awaited<ReturnType<typeof openLogContainer>>;
        try {
          opened = await openLogContainer({
            ...deps,
            sink: quiet,
            arm,
            preferAccount: fromMessage?.account,
            preferEndpoint: fromMessage?.blobEndpoint,
          });
        } catch (err) {
          armLooks.missed(startedAt);
          throw err;
        }
        if (opened === 'refused') {
          refused = true;
          return undefined;
        }
        refused = false;
        if (opened === 'no-account') {
          armLooks.missed(startedAt);
          deps.sink.debug(`No storage account in ${deps.stagingResourceGroup} yet`);
          return undefined;
        }
        container = opened;
        deps.sink.debug(`Build logs in ${opened.account.name} (read with ${opened.auth === 'entra' ? 'Entra ID' : 'an account key'})`);
      }
      const named = fromMessage?.blobPath.replace(/validation\.log$/, 'customization.log');
      // Listed at every poll until found, never backed off: a wait of more than two polls would print the first
      // lines later than two poll intervals after they were written. It is one storage GET (no ARM read), made only
      // until packer's first line is there; its answer grows with the earlier runs' folders kept in the container.
      const path = named ?? (await findNewestCustomizationLog(container.container, hint.notBefore));
      if (!path) return undefined;
      return {
        customization: blobLog(container.container.getBlobClient(path)),
        validation: blobLog(container.container.getBlobClient(siblingValidationPath(path))),
      };
    },
  };
}
