// Put Page From URL (PUT ?comp=page with x-ms-copy-source), which Azurite 3.37 does not implement
// (PageBlobHandler.uploadPagesFromURL throws NotImplemented). The blob front does what the service does: it reads
// the source range itself, authorized by x-ms-copy-source-authorization (only the Bearer scheme, an Entra token for
// the source; https://learn.microsoft.com/rest/api/storageservices/put-page-from-url), then writes the bytes as a
// plain Put Page. A source it cannot read fails with CannotVerifyCopySource, as the service answers.
import { request } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Certificate } from '../tls.ts';

export function isPutPageFromUrl(method: string | undefined, url: URL, headers: IncomingHttpHeaders): boolean {
  return method === 'PUT' && url.searchParams.get('comp') === 'page' && typeof headers['x-ms-copy-source'] === 'string';
}

export type SourceRead = { ok: true; bytes: Buffer } | { ok: false; status: number; code: string; message: string };

/** Reads the copy source's range from Azurite with the caller's source authorization. */
export function readCopySource(headers: IncomingHttpHeaders, azuriteOrigin: string, cert: Certificate): Promise<SourceRead> {
  const auth = String(headers['x-ms-copy-source-authorization'] ?? '');
  let source: URL;
  try {
    source = new URL(String(headers['x-ms-copy-source']));
  } catch {
    return Promise.resolve({ ok: false, status: 400, code: 'InvalidHeaderValue', message: 'The value for x-ms-copy-source is not a URL.' });
  }
  if (auth !== '' && !/^Bearer /i.test(auth)) {
    return Promise.resolve({
      ok: false,
      status: 400,
      code: 'InvalidHeaderValue',
      message: 'x-ms-copy-source-authorization supports only the Bearer scheme.',
    });
  }
  const target = new URL(source.pathname + source.search, azuriteOrigin);
  const h: Record<string, string> = {
    'x-ms-version': String(headers['x-ms-version'] ?? '2021-10-04'),
    'x-ms-date': new Date().toUTCString(),
  };
  if (auth) h.authorization = auth;
  const range = headers['x-ms-source-range'];
  if (typeof range === 'string') h['x-ms-range'] = range;
  return new Promise((resolve) => {
    const up = request(target, { method: 'GET', headers: h, ca: cert.cert }, (ur: IncomingMessage) => {
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const status = ur.statusCode ?? 502;
        if (status === 200 || status === 206) return resolve({ ok: true, bytes: Buffer.concat(chunks) });
        resolve({
          ok: false,
          status,
          code: 'CannotVerifyCopySource',
          message: `Could not verify the copy source: the source answered ${status}.`,
        });
      });
      ur.on('error', () =>
        resolve({
          ok: false,
          status: 500,
          code: 'CannotVerifyCopySource',
          message: 'Could not verify the copy source within the specified time.',
        }),
      );
    });
    up.on('error', () =>
      resolve({
        ok: false,
        status: 500,
        code: 'CannotVerifyCopySource',
        message: 'Could not verify the copy source within the specified time.',
      }),
    );
    up.end();
  });
}

/** The Put Page request that writes what was read: the copy headers replaced by a body. */
export function asPutPage(headers: IncomingHttpHeaders, bytes: Buffer): IncomingHttpHeaders {
  const dropped = new Set([
    'x-ms-copy-source',
    'x-ms-copy-source-authorization',
    'x-ms-source-range',
    'x-ms-source-content-md5',
    'x-ms-source-content-crc64',
    'transfer-encoding',
  ]);
  const kept = Object.entries(headers).filter(([k]) => !dropped.has(k));
  return { ...Object.fromEntries(kept), 'content-length': String(bytes.length), 'x-ms-page-write': 'update' };
}
