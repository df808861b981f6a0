// The GitHub half of the simulator in one call: the OIDC token endpoint and the artifact service,
// sharing one job runtime token (the runner gives the same token as ACTIONS_RUNTIME_TOKEN and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN), plus the environment a job step would see.
import { recordSecret } from '../secrets.ts';
import { randomUUID } from 'node:crypto';
import type { Journal } from '../server.ts';
import type { Certificate } from '../tls.ts';
import { startArtifactService, type ArtifactService } from './artifacts.ts';
import { createSigningKey, makeRuntimeToken } from './jwt.ts';
import { startOidcService, type OidcClaimsOptions, type OidcService } from './oidc.ts';

export interface GitHubSimOptions extends OidcClaimsOptions {
  runBackendId?: string;
  jobBackendId?: string;
  defaultRetentionDays?: number;
}

export interface GitHubSim {
  oidc: OidcService;
  artifacts: ArtifactService;
  runtimeToken: string;
  runBackendId: string;
  jobBackendId: string;
  /**
   * ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_URL, ACTIONS_ID_TOKEN_REQUEST_URL,
   * ACTIONS_ID_TOKEN_REQUEST_TOKEN, GITHUB_RETENTION_DAYS. Drop the two ID_TOKEN ones to simulate a
   * workflow without `permissions: id-token: write`.
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startGitHubSim(cert: Certificate, journal: Journal, opts: GitHubSimOptions = {}): Promise<GitHubSim> {
  const key = createSigningKey();
  const runBackendId = opts.runBackendId ?? randomUUID();
  const jobBackendId = opts.jobBackendId ?? randomUUID();
  const runtimeToken = makeRuntimeToken({ runBackendId, jobBackendId }, key);
  recordSecret(runtimeToken);
  const retention = opts.defaultRetentionDays ?? 90;
  const oidc = await startOidcService(cert, journal, {
    ...opts,
    requestToken: runtimeToken,
    key,
    planId: runBackendId,
    jobId: jobBackendId,
  });
  const artifacts = await startArtifactService(cert, journal, { runtimeTokens: [runtimeToken], defaultRetentionDays: retention });
  return {
    oidc,
    artifacts,
    runtimeToken,
    runBackendId,
    jobBackendId,
    env: {
      ACTIONS_RUNTIME_TOKEN: runtimeToken,
      ACTIONS_RESULTS_URL: artifacts.resultsUrl,
      ACTIONS_RUNTIME_URL: artifacts.resultsUrl,
      ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: runtimeToken,
      GITHUB_RETENTION_DAYS: String(retention),
    },
    close: async () => {
      await Promise.all([oidc.close(), artifacts.close()]);
    },
  };
}

export type { ArtifactService, StoredArtifact, ArtifactMethod } from './artifacts.ts';
export type { OidcService, MintedToken, OidcClaimsOptions } from './oidc.ts';
export { decodeJwt } from './jwt.ts';
