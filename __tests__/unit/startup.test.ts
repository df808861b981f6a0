import { describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendIdTokenRequest } from '../../src/idToken.js';
import { launch, readInput } from '../../src/launch.js';
import { AuthSetupError, createAssertionProvider, decodeJwtClaims, requestFirstIdToken } from '../../src/oidc.js';
import { InputError, type AuthSettings } from '../../src/settings.js';

function jwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.signature`;
}

const T0 = 1_700_000_000_000;
const token = (n: number, issuedMs: number, lifetimeS = 300): string =>
  jwt({
    sub: 'repo:octo/app:ref:refs/heads/main',
    aud: 'aud',
    iat: Math.floor(issuedMs / 1000),
    exp: Math.floor(issuedMs / 1000) + lifetimeS,
    n,
  });
const nOf = (t: string): unknown => (decodeJwtClaims(t) as { n?: unknown }).n;

function harness(prefetched: Promise<string>) {
  let now = T0;
  let minted = 0;
  const lines: string[] = [];
  const secrets: string[] = [];
  const provider = createAssertionProvider('aud', {
    getIDToken: async () => token(++minted, now),
    prefetchedIdToken: prefetched,
    now: () => now,
    info: (m) => lines.push(m),
    setSecret: (s) => secrets.push(s),
  });
  return { provider, lines, secrets, minted: () => minted, advance: (ms: number) => void (now += ms) };
}

describe('the ID token requested at start-up', () => {
  it('is the first assertion (nothing minted), kept till its refresh margin, then fresh tokens are minted', async () => {
    const early = token(0, T0);
    const h = harness(Promise.resolve(early));
    expect(await h.provider()).toBe(early);
    h.advance(239_000);
    expect(await h.provider()).toBe(early);
    expect(h.minted()).toBe(0);
    h.advance(2_000); // within 60 s of exp
    const next = await h.provider();
    expect(nOf(next)).toBe(1);
    expect(h.minted()).toBe(1);
    expect(h.secrets).toEqual([early, next]);
    expect(h.lines).toHaveLength(1);
  });

  it('is not used when already within its refresh margin at the first assertion, nor ever after', async () => {
    const early = token(0, T0 - 250_000); // issued 250 s before the first use: 50 s left, under the 60 s margin
    const h = harness(Promise.resolve(early));
    const first = await h.provider();
    expect(nOf(first)).toBe(1);
    expect(await h.provider()).toBe(first);
    h.advance(241_000);
    expect(nOf(await h.provider())).toBe(2);
    expect(h.minted()).toBe(2);
  });

  it('a failed early request fails the first assertion as a mint would; the next one mints afresh', async () => {
    const failed = Promise.reject(new Error('Failed to get ID Token. Error Code : 403'));
    failed.catch(() => undefined);
    const h = harness(failed);
    await expect(h.provider()).rejects.toThrow("Could not get a GitHub OIDC token for audience 'aud': Failed to get ID Token");
    await expect(h.provider()).resolves.toMatch(/\./);
    expect(h.minted()).toBe(1);
  });

  it('concurrent first callers share the early token', async () => {
    let release: (t: string) => void = () => undefined;
    const h = harness(new Promise<string>((r) => (release = r)));
    const both = Promise.all([h.provider(), h.provider()]);
    const early = token(0, T0);
    release(early);
    expect(await both).toEqual([early, early]);
    expect(h.minted()).toBe(0);
  });
});

describe('requestFirstIdToken', () => {
  const auth: AuthSettings = { type: 'oidc', clientId: 'c', tenantId: 't', audience: 'aud', authorityHost: 'https://login' };
  const env = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' };
  const never = (): { token: Promise<string> } => {
    throw new Error('no request may be sent');
  };

  it('checks the set-up before sending anything', () => {
    expect(() => requestFirstIdToken(auth, {}, never)).toThrow(AuthSetupError);
    expect(() => requestFirstIdToken(auth, {}, never)).toThrow(/permissions: id-token: write/);
    expect(() => requestFirstIdToken({ ...auth, tenantId: undefined }, env, never)).toThrow(/client-id and tenant-id/);
  });

  it('sends nothing for azure-cli and managed-identity', () => {
    expect(requestFirstIdToken({ ...auth, type: 'azure-cli' }, env, never)).toBeUndefined();
    expect(requestFirstIdToken({ ...auth, type: 'managed-identity' }, {}, never)).toBeUndefined();
  });

  it('sends one request with the audience; its failure is not an unhandled rejection', async () => {
    const audiences: string[] = [];
    const r = requestFirstIdToken(auth, env, (a) => {
      audiences.push(a);
      return { token: Promise.reject(new Error('boom')) };
    });
    expect(audiences).toEqual(['aud']);
    await expect(r?.token).rejects.toThrow('boom');
  });
});

/** A loopback OIDC endpoint: answers with `answer` once `hold` settles. */
async function endpoint(answer: (req: IncomingMessage, res: ServerResponse) => void, hold: Promise<unknown> = Promise.resolve()) {
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  let arrived: () => void = () => undefined;
  const firstArrival = new Promise<void>((r) => (arrived = r));
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    arrived();
    void hold.then(() => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/idtoken?api-version=2.0`;
  return {
    seen,
    firstArrival,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token' },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('sendIdTokenRequest', () => {
  it('GETs the URL with the audience and the request token, and reports the request sent before it is answered', async () => {
    let release: () => void = () => undefined;
    const ep = await endpoint((_q, res) => res.end(JSON.stringify({ value: 'the.id.token' })), new Promise<void>((r) => (release = r)));
    try {
      const library = async (): Promise<string> => 'from-library';
      const r = sendIdTokenRequest('api://AzureADTokenExchange', ep.env, library);
      await r.sent;
      let answered = false;
      void r.token.then(() => (answered = true));
      await new Promise((res) => setImmediate(res));
      expect(answered).toBe(false);
      release();
      expect(await r.token).toBe('the.id.token');
      expect(ep.seen).toEqual([{ url: '/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange', auth: 'Bearer req-token' }]);
    } finally {
      ep.close();
    }
  });

  it('leaves anything but a token (an error status, a body without value) to the library', async () => {
    for (const [status, body] of [
      [500, '{"message":"x"}'],
      [200, '{"nope":1}'],
      [200, 'not json'],
    ] as const) {
      const ep = await endpoint((_q, res) => {
        res.statusCode = status;
        res.end(body);
      });
      try {
        const calls: string[] = [];
        const r = sendIdTokenRequest('aud', ep.env, async (a) => (calls.push(a), 'from-library'));
        expect(await r.token).toBe('from-library');
        await r.sent;
        expect(calls).toEqual(['aud']);
        expect(ep.seen).toHaveLength(1);
      } finally {
        ep.close();
      }
    }
  });

  it('with a proxy variable set, only the library (which honours proxies) is used', async () => {
    const ep = await endpoint((_q, res) => res.end('{"value":"plain"}'));
    try {
      const r = sendIdTokenRequest('aud', { ...ep.env, HTTPS_PROXY: 'http://proxy:3128' }, async () => 'from-library');
      expect(await r.token).toBe('from-library');
      expect(ep.seen).toHaveLength(0);
    } finally {
      ep.close();
    }
  });
});

describe('launch', () => {
  const inputs = {
    'INPUT_SUBSCRIPTION-ID': '11111111-1111-2222-3333-444455556666',
    'INPUT_RESOURCE-GROUP': 'rg',
    'INPUT_TEMPLATE-NAME': 'tpl',
    'INPUT_CLIENT-ID': '22222222-1111-2222-3333-444455556666',
    'INPUT_TENANT-ID': '33333333-1111-2222-3333-444455556666',
  };

  it('reads inputs as the runner passes them, trimmed', () => {
    expect(readInput('resource-group', { 'INPUT_RESOURCE-GROUP': '  rg \n' })).toBe('rg');
    expect(readInput('my input', { INPUT_MY_INPUT: 'x' })).toBe('x');
    expect(readInput('absent', {})).toBe('');
  });

  it('a bad input fails before the ID token request', async () => {
    const ep = await endpoint((_q, res) => res.end('{"value":"t"}'));
    try {
      await expect(launch({ ...inputs, ...ep.env, 'INPUT_POLL-INTERVAL': 'often' })).rejects.toThrow(InputError);
      expect(ep.seen).toHaveLength(0);
    } finally {
      ep.close();
    }
  });

  it('with OIDC, returns once the first ID token request is sent; the token follows', async () => {
    let release: () => void = () => undefined;
    const ep = await endpoint((_q, res) => res.end(JSON.stringify({ value: 'early.token.x' })), new Promise<void>((r) => (release = r)));
    try {
      const l = await launch({ ...inputs, ...ep.env });
      expect(l.settings.templateName).toBe('tpl');
      let answered = false;
      void l.idToken?.then(() => (answered = true));
      await ep.firstArrival;
      expect(answered).toBe(false);
      release();
      expect(await l.idToken).toBe('early.token.x');
      expect(ep.seen).toHaveLength(1);
    } finally {
      ep.close();
    }
  });
});
