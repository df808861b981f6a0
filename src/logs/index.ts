/**
 * Build logs in the workflow run: the one entry point the action wires in.
 *
 *   const logs = createBuildLogs({ ... });
 *   each poll:   await logs.onPoll({ runState, runSubState, message, startTime });
 *   at the end:  const { logUri, artifactId, artifactUrl, diagnosis } = await logs.finish({ ... });
 *
 * Neither method throws: a failure to read or upload logs is a warning and never hides the build's result.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { defaultArtifactName, shouldUpload, uploadLogsArtifact, type ArtifactUploader, type UploadPolicy } from './artifact.js';
import { diagnose, type Diagnosis, type TemplateCustomizer } from './diagnose.js';
import { completeDownload } from './download.js';
import { stripQuery } from './locate.js';
import { stagingLogSource, type FoundLogs, type LogSource } from './source.js';
import { LogTail, type TailOptions } from './tail.js';
import { coreSink, systemClock, type Clock, type LogSink } from './types.js';
import { raceAbort } from '../wait.js';

export type { Diagnosis, TemplateCustomizer } from './diagnose.js';
export { annotationOf, customizerLabel, excerpt } from './diagnose.js';
export type { UploadPolicy } from './artifact.js';
export { defaultArtifactName } from './artifact.js';
export type { LogSink, Clock } from './types.js';

export interface BuildLogsDeps {
  /** The same credential as for ARM. */
  credential: TokenCredential;
  /** ARM base URL, e.g. `https://management.azure.com`. */
  armEndpoint: string;
  /** ARM token scope; default `https://management.azure.com/.default`. */
  armScope?: string;
  /** The cloud's storage suffix (default `core.windows.net`): a storage token goes only there or to endpoints ARM lists. */
  storageSuffix?: string;
  subscriptionId: string;
  /** The template's `exactStagingResourceGroup` (full ID or name). Can also arrive with a poll. */
  stagingResourceGroup?: string;
  /** Template name, used in the default artifact name. */
  templateName: string;
  /** Directory for the local log files (created); it is the artifact's root. E.g. `$RUNNER_TEMP/image-builder-logs`. */
  workDir: string;
  /** `stream-logs` input. */
  streamLogs: boolean;
  /** `upload-logs` input. */
  uploadLogs: UploadPolicy;
  /** `logs-artifact-name` input; default `image-builder-logs-<template>-<job>-<attempt>`. */
  artifactName?: string;
  /** `logs-retention-days` input. */
  retentionDays?: number;
  /** Environment (GITHUB_* / ACTIONS_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: the job log via @actions/core. */
  sink?: LogSink;
  clock?: Clock;
  /**
   * The `poll-interval`: onPoll is called about this often (default 15 s). The log is looked for at every poll
   * until found (a blob listing once the staging account is known); only the ARM look for the account backs off
   * from this while there is none (see schedule.ts).
   */
  pollIntervalMs?: number;
  /** Tail limits (lines per poll, total lines ...). */
  tail?: Partial<Omit<TailOptions, 'reader' | 'file' | 'sink'>>;
  /** Test seams: where the blobs come from, and the artifact client. */
  source?: LogSource;
  artifactClient?: ArtifactUploader;
}

export interface PollStatus {
  runState: string;
  runSubState?: string;
  message?: string;
  /** `lastRunStatus.startTime`: logs of earlier runs (written before it) are ignored. */
  startTime?: Date;
  stagingResourceGroup?: string;
}

export interface FinishInput extends PollStatus {
  /** Final state as the action reports it: Succeeded, PartiallySucceeded, Failed, Canceled, TimedOut. */
  runState: string;
  /** Whether the run failed (any state but Succeeded), as the caller decided it: diagnose it, upload on-failure. */
  failed: boolean;
  /** The template's customizers (`properties.customize[]`), to name the failing one as the template does. */
  customizers?: TemplateCustomizer[];
  /** The template has `vmProfile.vnetConfig`. */
  hasVnetConfig?: boolean;
}

export interface FinishResult {
  /** customization.log blob URL, without SAS or key. */
  logUri?: string;
  artifactId?: number;
  artifactUrl?: string;
  artifactName?: string;
  /** Present unless the run succeeded. */
  diagnosis?: Diagnosis;
  /** Local log files (customization.log, validation.log when present). */
  files: string[];
}

export interface BuildLogs {
  onPoll(status: PollStatus): Promise<void>;
  /** Close the open log group, e.g. before printing a status line that should not be folded into it. */
  closeGroup(): void;
  /** `signal`: the caller stopped waiting; remaining network work is dropped and what is known is returned. */
  finish(result: FinishInput, signal?: AbortSignal): Promise<FinishResult>;
}

export function createBuildLogs(deps: BuildLogsDeps): BuildLogs {
  const sink = deps.sink ?? coreSink;
  const clock = deps.clock ?? systemClock;
  const customizationFile = join(deps.workDir, 'customization.log');
  const validationFile = join(deps.workDir, 'validation.log');
  let staging = deps.stagingResourceGroup;
  let source = deps.source;
  let found: FoundLogs | undefined;
  let tail: LogTail | undefined;
  let dirReady = false;
  /** Aborted when the action stops waiting for the logs: every ARM request made for them stops. */
  const abandon = new AbortController();

  const warned = new Set<string>();
  /** Warn once per distinct cause; repeats go to the debug log. */
  const warn = (what: string, err: unknown): void => {
    const why = (err as Error)?.message ?? String(err);
    if (warned.has(why)) {
      sink.debug(`${what}: ${why}`);
      return;
    }
    warned.add(why);
    sink.warning(`${what}: ${why} (the build's own result is not affected)`);
  };

  const getSource = (): LogSource | undefined => {
    if (!source && staging) {
      // abortSignal reaches the source's ARM client (ArmDeps) through the deps object.
      const sourceDeps = {
        credential: deps.credential,
        armEndpoint: deps.armEndpoint,
        armScope: deps.armScope,
        ...(deps.storageSuffix !== undefined ? { storageSuffix: deps.storageSuffix } : {}),
        subscriptionId: deps.subscriptionId,
        stagingResourceGroup: staging,
        sink,
        abortSignal: abandon.signal,
        clock,
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
      };
      source = stagingLogSource(sourceDeps);
    }
    return source;
  };

  const ensureDir = async (): Promise<void> => {
    if (!dirReady) {
      await fs.mkdir(deps.workDir, { recursive: true });
      dirReady = true;
    }
  };

  /** At every poll until found: the source decides what a look costs (storage listing, or ARM after a backoff). */
  const locate = async (status: PollStatus, final: boolean): Promise<void> => {
    if (found) return;
    const src = getSource();
    if (!src || src.refused) return;
    found = await src.find({ message: status.message, notBefore: status.startTime, ...(final ? { final } : {}) });
  };

  return {
    closeGroup(): void {
      tail?.closeGroup();
    },

    async onPoll(status: PollStatus): Promise<void> {
      try {
        if (status.stagingResourceGroup) staging ??= status.stagingResourceGroup;
        if (!deps.streamLogs) return;
        await locate(status, false);
        if (!found) return;
        if (!tail) {
          await ensureDir();
          tail = new LogTail({ ...deps.tail, reader: found.customization, file: customizationFile, sink });
        }
        await tail.poll(status.runSubState ?? status.runState);
      } catch (err) {
        warn('Could not stream the build log', err);
      }
    },

    async finish(result: FinishInput, signal?: AbortSignal): Promise<FinishResult> {
      const out: FinishResult = { files: [] };
      if (signal) {
        if (signal.aborted) abandon.abort(signal.reason);
        else signal.addEventListener('abort', () => abandon.abort(signal.reason), { once: true });
      }
      /** Each network step ends early once the caller stopped waiting (the process then exits). */
      const bounded = <T>(p: Promise<T>): Promise<T> => raceAbort(p, abandon.signal);
      if (result.stagingResourceGroup) staging ??= result.stagingResourceGroup;
      const { failed } = result;
      const upload = shouldUpload(deps.uploadLogs, failed);
      // 1. Print what the tail has not printed yet.
      if (tail) {
        try {
          await tail.poll(result.runSubState ?? result.runState);
        } catch (err) {
          sink.debug(`log tail: ${(err as Error)?.message ?? String(err)}`);
        }
        tail.finish();
      }
      // 2. Find the logs (the failure message may name them) and fetch what is missing.
      try {
        await ensureDir();
        const before = found?.customization.url;
        const hinted = await bounded(findFinal(result));
        if (hinted) {
          out.logUri = stripQuery(hinted.customization.url);
          const sameBlob = before !== undefined && before === hinted.customization.url;
          const dl = await bounded(completeDownload(hinted.customization, customizationFile, sameBlob ? tail?.state : undefined));
          if (dl.exists && dl.length > 0) out.files.push(customizationFile);
          if (dl.replaced) sink.info('customization.log was replaced since it was streamed; downloaded it whole.');
          const v = await bounded(completeDownload(hinted.validation, validationFile));
          if (v.exists && v.length > 0) out.files.push(validationFile);
        } else if (tail && tail.state.offset > 0) {
          await tail.flushFile();
          out.files.push(customizationFile);
        }
      } catch (err) {
        warn('Could not download the build logs', err);
        if (tail && tail.state.offset > 0 && !out.files.includes(customizationFile)) out.files.push(customizationFile);
      }
      // 3. Why it failed.
      if (failed) {
        try {
          out.diagnosis = await diagnose({
            runState: result.runState,
            runSubState: result.runSubState,
            message: result.message,
            customizationLog: out.files.includes(customizationFile) ? customizationFile : undefined,
            validationLog: out.files.includes(validationFile) ? validationFile : undefined,
            customizers: result.customizers,
            ...(result.hasVnetConfig !== undefined ? { hasVnetConfig: result.hasVnetConfig } : {}),
          });
        } catch (err) {
          warn('Could not analyse the build log', err);
        }
      }
      // 4. The artifact.
      if (upload && out.files.length === 0) {
        sink.info('No build log was found to upload (the build may have stopped before writing one).');
      }
      if (upload && out.files.length > 0 && !abandon.signal.aborted) {
        const env = deps.env ?? process.env;
        const name = deps.artifactName ?? defaultArtifactName(deps.templateName, env);
        const up = await bounded(
          uploadLogsArtifact({
            name,
            files: out.files,
            rootDir: deps.workDir,
            retentionDays: deps.retentionDays,
            sink,
            env,
            client: deps.artifactClient,
          }),
        );
        if (up) {
          out.artifactId = up.id;
          out.artifactUrl = up.url;
          out.artifactName = name;
        }
      }
      return out;
    },
  };

  async function findFinal(result: FinishInput): Promise<FoundLogs | undefined> {
    const src = getSource();
    if (!src) return found;
    // A failure message naming another blob than the one streamed wins.
    if (result.message && /packerlogs\//.test(result.message)) {
      const byMessage = await src.find({ message: result.message, notBefore: result.startTime, final: true });
      if (byMessage) {
        if (found?.customization.url !== byMessage.customization.url) found = byMessage;
        return found;
      }
    }
    await locate(result, true);
    return found;
  }
}
