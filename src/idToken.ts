/**
 * The GitHub ID token request (GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=<aud> with the bearer
 * ACTIONS_ID_TOKEN_REQUEST_TOKEN, answered {"value": "<jwt>"}) on node's own http(s), so that the action's first
 * request needs neither @actions/core nor @actions/http-client, which load about 1 MiB of bundled code (undici)
 * before anything can be sent. Only the plain case is handled here: with a proxy variable set, or on any answer but
 * a token (an error status, a redirect, a network error), the request is made again by core.getIDToken, which
 * handles those (proxy, retries, redirects, its error messages) as it always has.
 */
import type { IncomingMessage } from 'node:http';

export type GetIdToken = (audience: string) => Promise<string>;

export interface IdTokenRequest {
  token: Promise<string>;
  /** Settles once the request is on the wire (written to the socket), has failed, or went to the library. */
  sent: Promise<void>;
}

const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];
const MAX_BODY = 64 * 1024;

/** Sends an ID token request: the plain request first, `library` (core.getIDToken) when that is not enough. */
export function sendIdTokenRequest(audience: string, env: NodeJS.ProcessEnv, library: GetIdToken): IdTokenRequest {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (PROXY_VARS.some((v) => env[v]) || !url || !bearer) return { token: library(audience), sent: Promise.resolve() };
  let onSent = (): void => undefined;
  const sent = new Promise<void>((resolve) => (onSent = resolve));
  const token = plainRequest(`${url}&audience=${encodeURIComponent(audience)}`, bearer, () => onSent())
    .catch(() => undefined)
    .then((t) => t ?? library(audience))
    .finally(() => onSent());
  return { token, sent };
}

/** The token, or undefined for any answer but a 200 with {"value": "<non-empty string>"}. */
async function plainRequest(url: string, bearer: string, onSent: () => void): Promise<string | undefined> {
  const target = new URL(url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'GET', headers: { Accept: 'application/json', Authorization: `Bearer ${bearer}`, 'User-Agent': 'image-builder-run' } },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(undefined);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('ID token answer too large'));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            const value: unknown = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: unknown }).value;
            resolve(typeof value === 'string' && value !== '' ? value : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('error', reject);
    req.on('finish', onSent);
    req.end();
  });
}
