// The whole loopback simulator in one call: one throwaway certificate, one request journal, the Azure
// half (Entra, ARM, storage, Azurite) and the GitHub half (OIDC, artifacts), plus the inputs and
// environment that point the action at it, and a runner that starts the built action against it.
//
//   const sim = await startSimulator();
//   const t = sim.azure.addTemplate({ resourceGroup: 'rg-images', name: 'ubuntu' });
//   const r = await sim.run(t, { with: { timeout: '30s' } });
//   await sim.stop();   // servers, Azurite's process group, temp dirs
import { lookup } from 'node:dns/promises';
import { issuedSecrets } from './secrets.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzureSim, type AzureSim, type AzureSimOptions } from './azure/index.ts';
import { startGitHubSim, type GitHubSim, type GitHubSimOptions } from './github/index.ts';
import { runAction, type RunActionOptions, type RunResult } from './runner.ts';
import { Journal } from './server.ts';
import { ensureCertificate, trustInThisProcess, type Certificate } from './tls.ts';

export interface SimulatorOptions {
  /** Options of startAzureSim (Entra token lifetime and federated credential, faults, throttle, ...). */
  azure?: Omit<AzureSimOptions, 'cert' | 'journal' | 'workDir'>;
  /**
   * Options of startGitHubSim (OIDC token lifetime, repository, ref, environment, subject, ...). The
   * federated credential Entra checks defaults to the subject GitHub computes from repository, ref and
   * environment, so overriding only `github.subject` simulates a token the credential does not match.
   */
  github?: GitHubSimOptions;
  /** Folder holding action.yml; default the repository root. */
  actionDir?: string;
  /**
   * The name the servers are reached by, instead of 127.0.0.1: it goes into the certificate and every URL
   * the simulator hands out, and the servers listen on the address it resolves to on this machine. A name
   * that is not a loopback string (the machine's hostname) is needed to test proxies: @actions/http-client
   * never proxies `localhost` or `127.*`.
   */
  serverName?: string;
}

/** Where a run looks for its template: a TemplateHandle from addTemplate, or just its names. */
export interface TemplateRef {
  resourceGroup: string;
  name: string;
}

export type SimRunOptions = Partial<RunActionOptions>;

export interface Simulator {
  azure: AzureSim;
  github: GitHubSim;
  journal: Journal;
  cert: Certificate;
  /** Temp dir of this simulator (certificate, Azurite, runner dirs); removed by stop(). */
  workDir: string;
  actionDir: string;
  /** The job's runtime and OIDC variables (ACTIONS_*, GITHUB_RETENTION_DAYS). */
  actionEnv(): Record<string, string>;
  /** AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST, as a workflow's env: could set them. */
  azureEnv(): Record<string, string>;
  /** The `with:` pointing the action at this simulator for a template. */
  actionInputs(template: TemplateRef): Record<string, string>;
  /** runAction on the built action with actionInputs + `with`, actionEnv + `env`, the certificate trusted. */
  run(template: TemplateRef, opts?: SimRunOptions): Promise<RunResult>;
  /** Every secret the simulator issued so far (tokens, ID tokens, storage keys, SAS signatures): for leak scans. */
  issuedSecrets(): string[];
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const workDir = mkdtempSync(join(tmpdir(), 'image-builder-sim-'));
  const cert = ensureCertificate(join(workDir, 'cert'), opts.serverName);
  if (opts.serverName !== undefined) {
    cert.serverName = opts.serverName.toLowerCase();
    try {
      cert.bindAddress = (await lookup(opts.serverName)).address;
    } catch (err) {
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`simulator: the server name '${opts.serverName}' does not resolve on this machine: ${String(err)}`, { cause: err });
    }
  }
  trustInThisProcess(cert);
  const journal = new Journal();
  const gh = opts.github ?? {};
  const repository = gh.repository ?? 'octo-org/octo-repo';
  const ref = gh.ref ?? 'refs/heads/main';
  const federatedSubject = gh.environment ? `repo:${repository}:environment:${gh.environment}` : `repo:${repository}:ref:${ref}`;
  const azureOpts = opts.azure ?? {};

  let azure: AzureSim | undefined;
  let github: GitHubSim | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([azure?.stop(), github?.close()]);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    [azure, github] = await Promise.all([
      startAzureSim({
        ...azureOpts,
        entra: { federatedSubject, federatedIssuer: 'https://token.actions.githubusercontent.com', ...azureOpts.entra },
        cert,
        journal,
        workDir,
      }).then((a) => (azure = a)),
      startGitHubSim(cert, journal, gh).then((g) => (github = g)),
    ]);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const az = azure;
  const hub = github;
  const actionDir = resolve(opts.actionDir ?? REPO_ROOT);
  let runs = 0;
  let stopped = false;
  // Step processes of runs still going: stop() kills them so nothing outlives the simulator.
  const live = new Set<number>();

  const sim: Simulator = {
    azure: az,
    github: hub,
    journal,
    cert,
    workDir,
    actionDir,
    actionEnv: () => ({ ...hub.env }),
    issuedSecrets,
    azureEnv: () => ({
      AZURE_SUBSCRIPTION_ID: az.subscriptionId,
      AZURE_TENANT_ID: az.tenantId,
      AZURE_CLIENT_ID: az.clientId,
      AZURE_AUTHORITY_HOST: az.authorityHost,
    }),
    actionInputs: (t) => ({
      'subscription-id': az.subscriptionId,
      'resource-group': t.resourceGroup,
      'template-name': t.name,
      'client-id': az.clientId,
      'tenant-id': az.tenantId,
      'resource-manager-endpoint': az.armEndpoint,
      'authority-host': az.authorityHost,
      'poll-interval': '250ms',
    }),
    run: (t, o = {}) => {
      runs += 1;
      const { with: withInputs, env, github: ghContext, onStart, ...rest } = o;
      const pids: number[] = [];
      return runAction({
        actionDir,
        runnerDir: join(workDir, `runner-${runs}`),
        ...rest,
        onStart: (phase, pid) => {
          pids.push(pid);
          live.add(pid);
          onStart?.(phase, pid);
        },
        caCertPath: cert.certPath,
        with: { ...sim.actionInputs(t), ...withInputs },
        env: { ...sim.actionEnv(), ...env },
        github: {
          repository,
          ref,
          ...(gh.runId !== undefined ? { runId: gh.runId } : {}),
          ...(gh.runNumber !== undefined ? { runNumber: gh.runNumber } : {}),
          ...(gh.runAttempt !== undefined ? { runAttempt: gh.runAttempt } : {}),
          ...(gh.actor !== undefined ? { actor: gh.actor } : {}),
          ...(gh.workflow !== undefined ? { workflow: gh.workflow } : {}),
          ...(gh.eventName !== undefined ? { eventName: gh.eventName } : {}),
          ...(gh.sha !== undefined ? { sha: gh.sha } : {}),
          ...(gh.defaultRetentionDays !== undefined ? { retentionDays: String(gh.defaultRetentionDays) } : {}),
          ...ghContext,
        },
      }).finally(() => {
        for (const p of pids) live.delete(p);
      });
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const pid of live) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await cleanup();
    },
  };
  return sim;
}

export { Journal } from './server.ts';
export { signedBlobUrl } from './secrets.ts';
export type { RecordedRequest, ServiceName } from './server.ts';
export type { AzureSim, AzureSimOptions, TemplateScenario, TemplateHandle, Fault, LogWrite } from './azure/index.ts';
export type { GitHubSim, GitHubSimOptions } from './github/index.ts';
export type { RunResult, StepResult, RunActionOptions, TimedLine } from './runner.ts';
