import { describe, expect, it } from '@jest/globals';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  AuthSetupError,
  CliSessionLostError,
  LastingCliCredential,
  createAssertionProvider,
  createCredential,
  decodeJwtClaims,
  refreshMarginMs,
  servicePrincipalOf,
} from '../../src/auth.js';

function jwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.signature`;
}

function harness(lifetimeS: number) {
  let now = 1_700_000_000_000;
  let minted = 0;
  const lines: string[] = [];
  const secrets: string[] = [];
  const subjects: string[] = [];
  const provider = createAssertionProvider('api://AzureADTokenExchange', {
    getIDToken: async (aud) => {
      minted++;
      const iat = Math.floor(now / 1000);
      return jwt({
        iss: 'https://token.actions.githubusercontent.com',
        sub: 'repo:octo/app:ref:refs/heads/main',
        aud,
        iat,
        exp: iat + lifetimeS,
        n: minted,
      });
    },
    now: () => now,
    info: (m) => lines.push(m),
    setSecret: (s) => secrets.push(s),
    onSubject: (s) => subjects.push(s),
  });
  return {
    provider,
    lines,
    secrets,
    subjects,
    minted: () => minted,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('createAssertionProvider', () => {
  it('reuses the token until the margin before exp, then mints a fresh one (5-minute tokens: 60 s margin)', async () => {
    const h = harness(300);
    const first = await h.provider();
    expect(await h.provider()).toBe(first);
    h.advance(239_000);
    expect(await h.provider()).toBe(first);
    expect(h.minted()).toBe(1);
    h.advance(2_000); // 241 s: within 60 s of exp
    const second = await h.provider();
    expect(second).not.toBe(first);
    expect(h.minted()).toBe(2);
    expect(decodeJwtClaims(second)?.exp).toBeGreaterThan(decodeJwtClaims(first)!.exp!);
  });

  it('short-lived test tokens use a third of their lifetime as margin', async () => {
    const h = harness(6);
    const first = await h.provider();
    h.advance(3_900);
    expect(await h.provider()).toBe(first);
    h.advance(200); // 4.1 s of 6: within 2 s of exp
    expect(await h.provider()).not.toBe(first);
  });

  it('concurrent callers share one mint; claims printed once, token masked, never printed', async () => {
    const h = harness(300);
    const [a, b] = await Promise.all([h.provider(), h.provider()]);
    expect(a).toBe(b);
    expect(h.minted()).toBe(1);
    h.advance(290_000);
    await h.provider();
    expect(h.lines).toEqual([
      'GitHub OIDC token: iss=https://token.actions.githubusercontent.com sub=repo:octo/app:ref:refs/heads/main aud=api://AzureADTokenExchange',
    ]);
    expect(h.secrets).toHaveLength(2);
    expect(h.lines.join('\n')).not.toContain(a);
    expect(h.subjects).toEqual(['repo:octo/app:ref:refs/heads/main']);
  });

  it('a failed mint says so and the next call tries again', async () => {
    let calls = 0;
    const provider = createAssertionProvider('aud', {
      getIDToken: async () => {
        calls++;
        throw new Error('Failed to get ID Token. Error Code : 403');
      },
      now: () => 0,
      info: () => {},
      setSecret: () => {},
    });
    await expect(provider()).rejects.toThrow("Could not get a GitHub OIDC token for audience 'aud': Failed to get ID Token");
    await expect(provider()).rejects.toThrow(AuthSetupError);
    expect(calls).toBe(2);
  });
});

describe('refreshMarginMs', () => {
  it('is min(60 s, lifetime / 3), 0 without exp', () => {
    expect(refreshMarginMs({ iat: 0, exp: 300 })).toBe(60_000);
    expect(refreshMarginMs({ iat: 0, exp: 9 })).toBe(3_000);
    expect(refreshMarginMs({ exp: 100 })).toBe(60_000);
    expect(refreshMarginMs({})).toBe(0);
  });
});

describe('createCredential', () => {
  const auth = {
    type: 'oidc' as const,
    clientId: '22222222-2222-2222-2222-222222222222',
    tenantId: '33333333-3333-3333-3333-333333333333',
    audience: 'api://AzureADTokenExchange',
    authorityHost: 'https://login.microsoftonline.com',
  };
  const deps = { getIDToken: async () => '', now: () => 0, info: () => {}, setSecret: () => {} };

  it('without the ID token request URL, says to add id-token: write and names forks and Dependabot', () => {
    expect(() => createCredential(auth, { ...deps, env: {} })).toThrow(/permissions: id-token: write/);
    expect(() => createCredential(auth, { ...deps, env: {} })).toThrow(/forks and Dependabot/);
  });

  it('builds a credential when the runner offers ID tokens, and an Azure CLI credential otherwise', () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?x=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' };
    expect(createCredential(auth, { ...deps, env }).constructor.name).toBe('ClientAssertionCredential');
    expect(createCredential({ ...auth, type: 'azure-cli' }, { ...deps, env: {} }).constructor.name).toBe('LastingCliCredential');
  });

  it('managed-identity needs no ID token: system-assigned without client-id, user-assigned with it', () => {
    expect(createCredential({ ...auth, type: 'managed-identity', clientId: undefined }, { ...deps, env: {} }).constructor.name).toBe(
      'ManagedIdentityCredential',
    );
    expect(createCredential({ ...auth, type: 'managed-identity' }, { ...deps, env: {} }).constructor.name).toBe(
      'ManagedIdentityCredential',
    );
  });
});

describe('servicePrincipalOf (az account show)', () => {
  it('reads the client ID and tenant of a service principal session', () => {
    const show = JSON.stringify({
      tenantId: '33333333-3333-3333-3333-333333333333',
      user: { name: '22222222-2222-2222-2222-222222222222', type: 'servicePrincipal' },
    });
    expect(servicePrincipalOf(show)).toEqual({
      clientId: '22222222-2222-2222-2222-222222222222',
      tenantId: '33333333-3333-3333-3333-333333333333',
    });
  });
  it('a user session, a non-GUID name or bad JSON names none', () => {
    expect(
      servicePrincipalOf(
        JSON.stringify({ tenantId: '33333333-3333-3333-3333-333333333333', user: { name: 'me@example.com', type: 'user' } }),
      ),
    ).toBeUndefined();
    expect(
      servicePrincipalOf(
        JSON.stringify({ tenantId: 't', user: { name: '22222222-2222-2222-2222-222222222222', type: 'servicePrincipal' } }),
      ),
    ).toBeUndefined();
    expect(servicePrincipalOf('not json')).toBeUndefined();
  });
});

describe('LastingCliCredential', () => {
  const auth = {
    type: 'azure-cli' as const,
    audience: 'api://AzureADTokenExchangeUSGov',
    authorityHost: 'https://login.microsoftonline.us',
  };
  const token: AccessToken = { token: 'cli-token', expiresOnTimestamp: 1 };
  const expired = new Error('AADSTS700024: Client assertion is not within its valid time range. Current time: ...');
  const sp = JSON.stringify({
    tenantId: '33333333-3333-3333-3333-333333333333',
    user: { name: '22222222-2222-2222-2222-222222222222', type: 'servicePrincipal' },
  });
  const oidcEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?x=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' };
  function cli(failAfter: number): TokenCredential {
    let calls = 0;
    return {
      getToken: async () => {
        calls++;
        if (calls > failAfter) throw expired;
        return token;
      },
    };
  }

  it('when the session dies and the job can mint ID tokens, switches to its service principal, once, and says so', async () => {
    const lines: string[] = [];
    const azCalls: string[][] = [];
    const audiences: string[] = [];
    const c = new LastingCliCredential(cli(1), auth, {
      // The replacement mints a GitHub ID token first; failing here keeps the test off the network.
      getIDToken: async (aud) => {
        audiences.push(aud);
        throw new Error('no ID token in this test');
      },
      now: () => 0,
      info: (m) => lines.push(m),
      setSecret: () => {},
      env: oidcEnv,
      runAz: async (args) => {
        azCalls.push(args);
        return sp;
      },
    });
    expect(await c.getToken('https://management.azure.com/.default')).toBe(token);
    await expect(c.getToken('https://management.azure.com/.default')).rejects.toThrow(/Could not get a GitHub OIDC token/);
    await expect(c.getToken('https://management.azure.com/.default')).rejects.toThrow(/Could not get a GitHub OIDC token/);
    expect(audiences[0]).toBe('api://AzureADTokenExchangeUSGov');
    expect(azCalls).toEqual([['account', 'show', '--output', 'json']]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/22222222-2222-2222-2222-222222222222/);
    expect(lines[0]).toMatch(/api:\/\/AzureADTokenExchangeUSGov/);
  });

  it('without ID tokens, a session that worked and then failed is a final error naming the fix', async () => {
    const c = new LastingCliCredential(cli(1), auth, {
      getIDToken: async () => '',
      now: () => 0,
      info: () => {},
      setSecret: () => {},
      env: {},
      runAz: async () => sp,
    });
    await c.getToken('s');
    const err = await c.getToken('s').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliSessionLostError);
    expect((err as CliSessionLostError).statusCode).toBe(401);
    expect((err as Error).message).toMatch(/AADSTS700024/);
    expect((err as Error).message).toMatch(/id-token: write/);
  });

  it('a user session (not a service principal) cannot be taken over', async () => {
    const c = new LastingCliCredential(cli(0), auth, {
      getIDToken: async () => '',
      now: () => 0,
      info: () => {},
      setSecret: () => {},
      env: oidcEnv,
      runAz: async () =>
        JSON.stringify({ tenantId: '33333333-3333-3333-3333-333333333333', user: { name: 'me@example.com', type: 'user' } }),
    });
    await expect(c.getToken('s')).rejects.toBeInstanceOf(CliSessionLostError);
  });

  it('no session at all keeps the CLI error (it says to run az login)', async () => {
    const none = new Error("Please run 'az login' from a command prompt to authenticate before using this credential.");
    const c = new LastingCliCredential(
      {
        getToken: async () => {
          throw none;
        },
      },
      auth,
      {
        getIDToken: async () => '',
        now: () => 0,
        info: () => {},
        setSecret: () => {},
        env: {},
      },
    );
    await expect(c.getToken('s')).rejects.toBe(none);
  });
});
