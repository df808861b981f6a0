// The OIDC endpoint driven by the real @actions/core getIDToken.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { Journal } from '../../sim/server.ts';
import { ensureCertificate, trustInThisProcess } from '../../sim/tls.ts';
import { decodeJwt, startGitHubSim, type GitHubSim } from '../../sim/github/index.ts';

const ENV_KEYS = [
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
];
let sim: GitHubSim;
let journal: Journal;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  const cert = ensureCertificate(mkdtempSync(join(tmpdir(), 'ibr-oidc-')));
  trustInThisProcess(cert);
  journal = new Journal();
  sim = await startGitHubSim(cert, journal, { repository: 'octo-org/octo-repo', ref: 'refs/heads/main', runId: '4242', runAttempt: '2' });
  for (const k of ENV_KEYS) saved[k] = process.env[k];
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] = sim.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = sim.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  sim.oidc.settings.lifetimeSeconds = undefined;
});

afterEach(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('GitHub OIDC token endpoint', () => {
  it('mints a JWT with the requested audience and GitHub claims', async () => {
    const before = sim.oidc.mints.length;
    const token = await core.getIDToken('api://AzureADTokenExchange');
    const { header, claims } = decodeJwt(token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'api://AzureADTokenExchange',
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      ref: 'refs/heads/main',
      run_id: '4242',
      run_attempt: '2',
      job_workflow_ref: expect.stringMatching(/^octo-org\/octo-repo\/\.github\/workflows\/.+@refs\/heads\/main$/),
    });
    const now = Date.now() / 1000;
    expect(Math.abs((claims['iat'] as number) - now)).toBeLessThan(5);
    expect(claims['exp'] as number).toBe((claims['iat'] as number) + 300);
    expect(claims['nbf'] as number).toBeLessThanOrEqual(claims['iat'] as number);
    expect(typeof claims['jti']).toBe('string');
    expect(sim.oidc.mints.length).toBe(before + 1);
    expect(sim.oidc.mints.at(-1)?.token).toBe(token);

    const req = journal.filter((r) => r.service === 'github-oidc').at(-1);
    expect(req).toMatchObject({ method: 'GET', status: 200, query: { 'api-version': '2.0', audience: 'api://AzureADTokenExchange' } });
    expect(req?.headers['authorization']).toBe(`Bearer ${sim.runtimeToken}`);
  });

  it('mints a fresh token on every request, with the configured lifetime', async () => {
    sim.oidc.settings.lifetimeSeconds = 3;
    const a = decodeJwt(await core.getIDToken('aud-1')).claims;
    const b = decodeJwt(await core.getIDToken('aud-2')).claims;
    expect(a['jti']).not.toBe(b['jti']);
    expect(a['aud']).toBe('aud-1');
    expect(b['aud']).toBe('aud-2');
    expect((a['exp'] as number) - (a['iat'] as number)).toBe(3);
  });

  it('defaults the audience to the owner URL, as GitHub does', async () => {
    const claims = decodeJwt(await core.getIDToken()).claims;
    expect(claims['aud']).toBe('https://github.com/octo-org');
    expect(sim.oidc.mints.at(-1)?.requestedAudience).toBeUndefined();
  });

  it('answers 401 to a wrong request token', async () => {
    const before = sim.oidc.mints.length;
    process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = 'not-the-job-token';
    await expect(core.getIDToken('api://AzureADTokenExchange')).rejects.toThrow(/Error Code : 401/);
    expect(sim.oidc.mints.length).toBe(before);
    expect(journal.filter((r) => r.service === 'github-oidc').at(-1)?.status).toBe(401);
  });

  it('without id-token: write (no request URL) core says so before any request', async () => {
    const before = journal.requests.length;
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    await expect(core.getIDToken('x')).rejects.toThrow(/ACTIONS_ID_TOKEN_REQUEST_URL/);
    expect(journal.requests.length).toBe(before);
  });

  it('injected 503s are retried by the client, then a token is minted', async () => {
    const before = journal.filter((r) => r.service === 'github-oidc').length;
    const mints = sim.oidc.mints.length;
    sim.oidc.failNext(2, 503);
    await core.getIDToken('retry');
    const seen = journal
      .filter((r) => r.service === 'github-oidc')
      .slice(before)
      .map((r) => r.status);
    expect(seen).toEqual([503, 503, 200]);
    expect(sim.oidc.mints.length).toBe(mints + 1);
  });
});
