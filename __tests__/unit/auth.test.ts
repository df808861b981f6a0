import { describe, expect, it } from '@jest/globals';
import { AuthSetupError, createAssertionProvider, createCredential, decodeJwtClaims, refreshMarginMs } from '../../src/auth.js';

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
      return jwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo/app:ref:refs/heads/main', aud, iat, exp: iat + lifetimeS, n: minted });
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
    expect(h.lines).toEqual(['GitHub OIDC token: iss=https://token.actions.githubusercontent.com sub=repo:octo/app:ref:refs/heads/main aud=api://AzureADTokenExchange']);
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
    expect(createCredential({ ...auth, type: 'azure-cli' }, { ...deps, env: {} }).constructor.name).toBe('AzureCliCredential');
  });
});
