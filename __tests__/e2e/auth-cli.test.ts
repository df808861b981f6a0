// End to end, `auth-type: azure-cli` (and `auto` falling back to it): a job that ran azure/login first
// has an `az` session, and AzureCliCredential (@azure/identity) runs
//   az account get-access-token --output json --resource <resource> [--tenant <id>]
// A fake `az` (__tests__/fixtures/az/az, a node script) is put first on PATH for the action's process;
// its "session" is a file of access tokens minted by the simulator's Entra (FAKE_AZ_TOKEN_FILE). Without
// that file it fails as the CLI does: "ERROR: Please run 'az login' to setup account.".
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { runAction } from '../../sim/runner.ts';
import {
  FAST,
  addTemplate,
  check,
  errors,
  phases as phasesOf,
  simulator,
  warnings,
  type RecordedRequest,
  type RunResult,
  type Simulator,
} from './helpers.ts';

const AZ_DIR = join(import.meta.dirname, '..', 'fixtures', 'az');

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
  chmodSync(join(AZ_DIR, 'az'), 0o755); // in case a checkout lost the executable bit
});
afterAll(async () => {
  await sim?.stop();
});

/**
 * The job's environment with no OIDC variables (no `permissions: id-token: write`, as after azure/login
 * with a secret or on a self-hosted runner with a CLI session), the fake az first on PATH, and node on
 * PATH for its `#!/usr/bin/env node`.
 */
function cliEnv(extra: Record<string, string>): Record<string, string> {
  const env = sim.actionEnv();
  delete env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  delete env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  const path = [AZ_DIR, dirname(process.execPath), process.env['PATH'] ?? ''].filter(Boolean).join(delimiter);
  return { ...env, PATH: path, ...extra };
}

/** The job's OIDC variables (`permissions: id-token: write`). */
function oidcVariables(): Record<string, string> {
  const env = sim.actionEnv();
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: env['ACTIONS_ID_TOKEN_REQUEST_URL']!,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']!,
  };
}

/** The action's `with:` for the simulator without client-id and tenant-id (an empty input is unset). */
function cliInputs(t: { resourceGroup: string; name: string }, extra: Record<string, string>): Record<string, string> {
  return { ...sim.actionInputs(t), 'client-id': '', 'tenant-id': '', ...FAST, ...extra };
}

function azCalls(log: string): string[][] {
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[])
    : [];
}

const bearer = (q: RecordedRequest): string => String(q.headers['authorization'] ?? '').replace(/^Bearer /i, '');

describe('auth-type: azure-cli', () => {
  test('a build succeeds with the az session: no OIDC, no Entra request, ARM and storage calls carry the CLI tokens', async () => {
    const t = addTemplate(sim, 'cli');
    const armToken = sim.azure.mintAccessToken({ aud: 'https://management.azure.com' });
    const storageToken = sim.azure.mintAccessToken({ aud: 'https://storage.azure.com' });
    const dir = join(sim.workDir, 'az-session');
    const tokenFile = `${dir}.json`;
    const azLog = `${dir}.log`;
    writeFileSync(
      tokenFile,
      JSON.stringify({
        tenant: sim.azure.tenantId,
        subscription: sim.azure.subscriptionId,
        tokens: { 'https://management.azure.com/': armToken, 'https://storage.azure.com/': storageToken },
      }),
    );
    const before = sim.journal.requests.length;
    const r = await runAction({
      actionDir: sim.actionDir,
      runnerDir: join(sim.workDir, 'runner-cli-ok'),
      caCertPath: sim.cert.certPath,
      with: cliInputs(t, { 'auth-type': 'azure-cli' }),
      env: cliEnv({ FAKE_AZ_TOKEN_FILE: tokenFile, FAKE_AZ_LOG: azLog }),
      timeoutMs: 60_000,
    });
    const made = sim.journal.requests.slice(before);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(errors(r.main)).toEqual([]);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(made.filter((q) => q.service === 'github-oidc' || q.service === 'entra')).toEqual([]);
      const arm = made.filter((q) => q.service === 'arm');
      expect(arm.length).toBeGreaterThan(2);
      expect(arm.every((q) => bearer(q) === armToken)).toBe(true);
      // The log tail reads the staging account with the CLI's storage token (no key needed).
      const blob = made.filter((q) => q.service === 'blob');
      expect(blob.length).toBeGreaterThan(0);
      expect(blob.every((q) => bearer(q) === storageToken)).toBe(true);
      expect(r.main.log).not.toContain(armToken);
      // The command line AzureCliCredential runs: one call per resource (the SDKs cache the token).
      const calls = azCalls(azLog);
      expect(calls).toContainEqual(['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com']);
      expect(calls).toContainEqual(['account', 'get-access-token', '--output', 'json', '--resource', 'https://storage.azure.com']);
      expect(calls.every((c) => c.join(' ').startsWith('account get-access-token --output json --resource https://'))).toBe(true);
    });
  });

  describe('auth-type: auto with no client-id / tenant-id and no az session', () => {
    let r: RunResult;
    let made: RecordedRequest[];
    let calls: string[][];
    beforeAll(async () => {
      const t = addTemplate(sim, 'cli-none');
      const azLog = join(sim.workDir, 'az-none.log');
      const before = sim.journal.requests.length;
      r = await runAction({
        actionDir: sim.actionDir,
        runnerDir: join(sim.workDir, 'runner-cli-none'),
        caCertPath: sim.cert.certPath,
        with: cliInputs(t, { 'auth-type': 'auto' }),
        env: cliEnv({ FAKE_AZ_LOG: azLog }),
        timeoutMs: 60_000,
      });
      made = sim.journal.requests.slice(before);
      calls = azCalls(azLog);
    });

    test('fails at once with one error that says to run az login, and calls nothing in Azure or GitHub', () => {
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(calls.length).toBeGreaterThan(0); // auto chose the CLI, and az said "no session"
        expect(made).toEqual([]);
        const e = errors(r.main);
        expect(e).toHaveLength(1);
        expect(e[0]).toMatch(/az login/);
      });
    });

    // The user must read what to do: run azure/login first, or set client-id and tenant-id for OIDC.
    test('the error names azure/login and the OIDC alternative (client-id and tenant-id)', () => {
      const e = errors(r.main).join('\n');
      expect(e).toMatch(/azure\/login/);
      expect(e).toMatch(/client-id/);
      expect(e).toMatch(/tenant-id/);
      expect(e).not.toMatch(/Could not read image template/);
    });
  });
});

/**
 * The session azure/login leaves after signing in with OIDC: a service principal (az account show: user.type
 * servicePrincipal, user.name its client ID) whose tokens cannot be renewed once the GitHub ID token the CLI was
 * given has expired. The fake az answers get-access-token with AADSTS700024 from `expiresAt` on (Azure/login#180,
 * #372; Azure/azure-cli#28708), while account show still answers.
 */
function federatedSession(name: string, tokenLifetimeSec: number): { file: string; log: string; armToken: string; expireNow: () => void } {
  const file = join(sim.workDir, `${name}.json`);
  const session = {
    tenant: sim.azure.tenantId,
    subscription: sim.azure.subscriptionId,
    user: { name: sim.azure.clientId, type: 'servicePrincipal' },
    tokens: {
      'https://management.azure.com/': sim.azure.mintAccessToken({ aud: 'https://management.azure.com', expiresInSec: tokenLifetimeSec }),
      'https://storage.azure.com/': sim.azure.mintAccessToken({ aud: 'https://storage.azure.com', expiresInSec: tokenLifetimeSec }),
    } as Record<string, string>,
    expiresAt: undefined as number | undefined,
  };
  writeFileSync(file, JSON.stringify(session));
  return {
    file,
    log: join(sim.workDir, `${name}.log`),
    armToken: session.tokens['https://management.azure.com/']!,
    expireNow: () => writeFileSync(file, JSON.stringify({ ...session, expiresAt: Date.now() })),
  };
}

describe('an Azure CLI session from azure/login with OIDC that dies mid-build', () => {
  test('with id-token: write the action signs in as the same service principal with its own OIDC token, says so, and the build succeeds', async () => {
    const t = addTemplate(sim, 'cli-expiring', { phases: phasesOf(9000) });
    // Short-lived CLI tokens: the SDKs ask again every few seconds, as they would near the end of the CLI's hour.
    const s = federatedSession('az-expiring', 25);
    void t.runStarted().then(s.expireNow);
    const before = sim.journal.requests.length;
    const mintsBefore = sim.github.oidc.mints.length;
    const env = { ...cliEnv({ FAKE_AZ_TOKEN_FILE: s.file, FAKE_AZ_LOG: s.log }), ...oidcVariables() };
    const r = await runAction({
      actionDir: sim.actionDir,
      runnerDir: join(sim.workDir, 'runner-cli-expiring'),
      caCertPath: sim.cert.certPath,
      with: cliInputs(t, { 'auth-type': 'azure-cli' }),
      env,
      timeoutMs: 90_000,
    });
    const made = sim.journal.requests.slice(before);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(errors(r.main)).toEqual([]);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.log).toContain(`Signing in as its service principal ${sim.azure.clientId} (tenant ${sim.azure.tenantId})`);
      // The CLI failed with AADSTS700024 after the run started; account show named the principal.
      const calls = azCalls(s.log);
      expect(calls).toContainEqual(['account', 'show', '--output', 'json']);
      // Our own sign-in: GitHub ID tokens for the cloud's audience, exchanged at Entra.
      const mints = sim.github.oidc.mints.slice(mintsBefore);
      expect(mints.length).toBeGreaterThan(0);
      expect(mints.every((m) => m.requestedAudience === 'api://AzureADTokenExchange')).toBe(true);
      expect(made.filter((q) => q.service === 'entra' && q.method === 'POST').length).toBeGreaterThan(0);
      // ARM saw the CLI's token first, then tokens from Entra.
      const arm = made.filter((q) => q.service === 'arm');
      expect(bearer(arm[0]!)).toBe(s.armToken);
      expect(bearer(arm.at(-1)!)).not.toBe(s.armToken);
      expect(r.main.log).not.toContain(s.armToken);
    });
  });

  test('without id-token: write a lost session is one final error naming the fix, not a retried transient', async () => {
    // The CLI's last token outlives the session by its lifetime; the build outlives that token.
    const t = addTemplate(sim, 'cli-lost', { phases: phasesOf(60_000) });
    const s = federatedSession('az-lost', 20);
    void t.runStarted().then(s.expireNow);
    const r = await runAction({
      actionDir: sim.actionDir,
      runnerDir: join(sim.workDir, 'runner-cli-lost'),
      caCertPath: sim.cert.certPath,
      with: cliInputs(t, { 'auth-type': 'azure-cli' }),
      env: cliEnv({ FAKE_AZ_TOKEN_FILE: s.file, FAKE_AZ_LOG: s.log }),
      timeoutMs: 90_000,
      runPost: false,
    });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain('AADSTS700024');
      expect(e[0]).toContain('id-token: write');
      expect(e[0]).toMatch(/client-id and tenant-id/);
      // Not retried as a transient read failure.
      expect(warnings(r.main).filter((w) => /tolerated in a row/.test(w))).toEqual([]);
      expect(azCalls(s.log)).not.toContainEqual(['account', 'show', '--output', 'json']);
    });
  });
});
