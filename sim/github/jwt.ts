// Minimal JWT minting and decoding for the GitHub half of the simulator.
// Tokens are RS256-signed by a key made per simulator instance; nobody verifies the signature,
// but the shape (header, claims, base64url encoding) is what real clients decode.
import { createHash, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';

export interface SigningKey {
  privateKey: KeyObject;
  /** Key ID put in the JWT header (`kid`), derived from the public key. */
  kid: string;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(der).digest('hex').slice(0, 40).toUpperCase();
  return { privateKey, kid };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `claims` as an RS256 JWT. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey, extraHeader: Record<string, unknown> = {}): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, ...extraHeader };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey);
  return `${input}.${b64url(signature)}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** Decodes a JWT without checking its signature; throws on a malformed token. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a JWT: expected three dot-separated parts');
  const [h, c] = parts as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

export interface RuntimeTokenOptions {
  /** Workflow run backend ID (a GUID in the real service). */
  runBackendId: string;
  /** Workflow job run backend ID (a GUID in the real service). */
  jobBackendId: string;
  /** Token lifetime in seconds (the runner's job token lives about 6 hours). */
  lifetimeSeconds?: number;
}

/**
 * An `ACTIONS_RUNTIME_TOKEN` like the runner hands a job: a JWT whose `scp` claim carries
 * `Actions.Results:<runBackendId>:<jobBackendId>` among other scopes, which `@actions/artifact` reads.
 */
export function makeRuntimeToken(opts: RuntimeTokenOptions, key: SigningKey): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
      scp: [
        `Actions.ExampleScope`,
        `Actions.Results:${opts.runBackendId}:${opts.jobBackendId}`,
        `Actions.UploadArtifacts:00000000-0000-0000-0000-000000000000:1`,
      ].join(' '),
      IdentityTypeClaim: 'System:ServiceIdentity',
      ac: '[]',
      iss: 'vstoken.actions.githubusercontent.com',
      aud: 'vstoken.actions.githubusercontent.com',
      nbf: now - 60,
      iat: now,
      exp: now + (opts.lifetimeSeconds ?? 6 * 3600),
      jti: randomUUID(),
    },
    key,
  );
}

/** The `Actions.Results` backend IDs of a runtime token, or undefined when the token has none. */
export function backendIdsOf(token: string): { runBackendId: string; jobBackendId: string } | undefined {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token).claims;
  } catch {
    return undefined;
  }
  if (typeof claims['scp'] !== 'string') return undefined;
  for (const scope of claims['scp'].split(' ')) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3 && parts[1] && parts[2]) {
      return { runBackendId: parts[1], jobBackendId: parts[2] };
    }
  }
  return undefined;
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer\s+(\S+)$/i.exec(value ?? '');
  return m?.[1];
}
