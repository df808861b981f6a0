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
import { FAST, addTemplate, check, errors, simulator, type RecordedRequest, type RunResult, type Simulator } from './helpers.ts';

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

/** The action's `with:` for the simulator without client-id and tenant-id (an empty input is unset). */
function cliInputs(t: { resourceGroup: string; name: string }, extra: Record<string, string>): Record<string, string> {
  return { ...sim.actionInputs(t), 'client-id': '', 'tenant-id': '', ...FAST, ...extra };
}

function azCalls(log: string): string[][] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];
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
