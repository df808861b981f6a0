/**
 * Uploading the log files as one workflow artifact.
 */
import type { LogSink } from './types.js';

export type UploadPolicy = 'always' | 'on-failure' | 'never';

export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number },
  ): Promise<{ id?: number; size?: number }>;
}

/** Characters the artifact service refuses in a name. */
const FORBIDDEN = /[":<>|*?\r\n\\/]/g;

/** C0 control characters (U+0000 to U+001F) and DEL (U+007F), built from char codes so the source holds none. */
const CONTROL_CHARS = new RegExp(`[${String.fromCharCode(0x00)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]`, 'g');

/** Make `name` acceptable to the artifact service: forbidden characters become `-`, at most 200 characters. */
export function sanitizeArtifactName(name: string): string {
  const s = name
    .replace(FORBIDDEN, '-')
    .replace(CONTROL_CHARS, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
    .replace(/[ .]+$/, '');
  return s.length > 0 ? s : 'image-builder-logs';
}

/** `image-builder-logs-<template>-<job>-<attempt>`: unique across a matrix of templates and re-runs. */
export function defaultArtifactName(template: string, env: NodeJS.ProcessEnv = process.env): string {
  const parts = ['image-builder-logs', template, env['GITHUB_JOB'], env['GITHUB_RUN_ATTEMPT']].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return sanitizeArtifactName(parts.join('-'));
}

/** Why artifacts cannot be uploaded here, or undefined when they can. */
export function artifactUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = env['GITHUB_SERVER_URL'] || 'https://github.com';
  let host: string;
  try {
    host = new URL(server).hostname.toLowerCase();
  } catch {
    host = server;
  }
  // Same rule as @actions/artifact: github.com, *.ghe.com and *.localhost only.
  if (host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')) {
    return `workflow artifacts of this kind are not available on GitHub Enterprise Server (${server})`;
  }
  const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !env[k]);
  if (missing.length > 0) return `${missing.join(' and ')} not set (not running in a GitHub Actions job?)`;
  return undefined;
}

export function shouldUpload(policy: UploadPolicy, failed: boolean): boolean {
  return policy === 'always' || (policy === 'on-failure' && failed);
}

export interface UploadRequest {
  name: string;
  files: string[];
  rootDir: string;
  retentionDays?: number;
  sink: LogSink;
  env?: NodeJS.ProcessEnv;
  /** Injected for tests; default: `DefaultArtifactClient`, loaded when first needed. */
  client?: ArtifactUploader;
}

/**
 * Upload the files as ONE artifact. Never throws: where the service is unavailable or refuses, a warning.
 */
export async function uploadLogsArtifact(req: UploadRequest): Promise<{ id: number; url?: string } | undefined> {
  const env = req.env ?? process.env;
  if (req.files.length === 0) return undefined;
  if (!req.client) {
    const reason = artifactUnavailableReason(env);
    if (reason) {
      req.sink.warning(`Build logs not uploaded as an artifact: ${reason}. The log-uri output still points at them.`);
      return undefined;
    }
  }
  try {
    const client = req.client ?? new (await import('@actions/artifact')).DefaultArtifactClient();
    const opts = req.retentionDays !== undefined ? { retentionDays: req.retentionDays } : {};
    // @actions/artifact reports its own progress with core.info ("Artifact name is valid!", upload progress,
    // digest, "finalized"): kept in a collapsed group so the end of the job log reads cleanly.
    req.sink.startGroup(`Uploading the build logs as artifact '${req.name}'`);
    let res: { id?: number; size?: number };
    try {
      res = await withUploadConcurrency(() => client.uploadArtifact(req.name, req.files, req.rootDir, opts));
    } finally {
      req.sink.endGroup();
    }
    if (res.id === undefined) {
      req.sink.warning(`Build logs artifact '${req.name}': the upload returned no artifact ID.`);
      return undefined;
    }
    return { id: res.id, url: artifactUrl(res.id, env) };
  } catch (err) {
    req.sink.warning(`Build logs not uploaded as artifact '${req.name}': ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  }
}

/** The @actions/artifact setting (environment only) of how many blocks of the zip are uploaded at once. */
const UPLOAD_CONCURRENCY_VAR = 'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY';
/**
 * Our value for it when the workflow sets none. @actions/artifact 6 uploads the zip through
 * BlockBlobClient.uploadStream with 8 MiB blocks and holds up to one 8 MiB buffer per block in flight: 5 by
 * default, 40 MiB. A log zips to a fraction of its size and the zip is made no faster than deflate runs, so
 * two blocks in flight (one being filled while one is sent) should keep up, for 16 MiB (not measured against
 * GitHub's storage; on loopback neither the time nor the peak changed).
 */
export const UPLOAD_CONCURRENCY = 2;

/** Run `upload` with UPLOAD_CONCURRENCY unless the workflow set its own; the variable is left as it was found. */
async function withUploadConcurrency<T>(upload: () => Promise<T>): Promise<T> {
  if (process.env[UPLOAD_CONCURRENCY_VAR] !== undefined) return upload();
  process.env[UPLOAD_CONCURRENCY_VAR] = String(UPLOAD_CONCURRENCY);
  try {
    return await upload();
  } finally {
    delete process.env.ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY;
  }
}

export function artifactUrl(id: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const repo = env['GITHUB_REPOSITORY'];
  const run = env['GITHUB_RUN_ID'];
  if (!repo || !run) return undefined;
  return `${server}/${repo}/actions/runs/${run}/artifacts/${id}`;
}
