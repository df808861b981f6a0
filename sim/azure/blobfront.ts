// The blob front: a transparent https proxy in front of Azurite that applies each staging account's
// access rules (Entra tokens or shared keys refused) before passing the request on.
import { request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Certificate } from '../tls.ts';
import { storageXmlError } from './common.ts';
import type { FaultSet } from './faults.ts';
import type { SimTemplate } from './templates.ts';
import { asPutPage, isPutPageFromUrl, readCopySource } from './pagefromurl.ts';

export interface BlobFrontWorld {
  azuriteOrigin: string;
  cert: Certificate;
  faults: FaultSet;
  templates: SimTemplate[];
  /** Every answer passed through from Azurite, with its body size (the journal has no response sizes). */
  served: ServedBlob[];
}

export interface ServedBlob {
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The request's x-ms-range (or Range) header. */
  range?: string;
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
}

export function blobFrontHandler(w: BlobFrontWorld, frontOrigin: () => string) {
  return async (req: IncomingMessage, res: ServerResponse, reqBody: Buffer): Promise<void> => {
    let body = reqBody;
    if (await w.faults.apply('blob', req, res)) return;
    const url = new URL(req.url ?? '/', 'https://x');
    const account = url.pathname.split('/')[1] ?? '';
    const owner = w.templates.find((t) => t.storageAccount === account);
    const auth = String(req.headers.authorization ?? '');
    // Network rules come before any check of who is asking.
    if (owner?.scenario.access?.firewall === 'deny') {
      return storageXmlError(res, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');
    }
    if (owner && /^Bearer /i.test(auth) && owner.scenario.access?.blobBearer === 'deny') {
      return storageXmlError(
        res,
        403,
        'AuthorizationPermissionMismatch',
        'This request is not authorized to perform this operation using this permission.',
      );
    }
    const keyBased = /^SharedKey(Lite)? /i.test(auth) || (!auth && url.searchParams.has('sig'));
    if (owner && keyBased && owner.scenario.access?.sharedKey === 'deny') {
      return storageXmlError(
        res,
        403,
        'KeyBasedAuthenticationNotPermitted',
        'Key based authentication is not permitted on this storage account.',
      );
    }
    const target = new URL(req.url ?? '/', w.azuriteOrigin);
    const isList = url.searchParams.get('comp') === 'list';
    let headers = { ...req.headers, host: target.host };
    if (isPutPageFromUrl(req.method, url, req.headers)) {
      const srcAccount = (() => {
        try {
          return new URL(String(req.headers['x-ms-copy-source'])).pathname.split('/')[1] ?? '';
        } catch {
          return '';
        }
      })();
      const srcOwner = w.templates.find((t) => t.storageAccount === srcAccount);
      if (srcOwner?.scenario.access?.firewall === 'deny' || srcOwner?.scenario.access?.blobBearer === 'deny') {
        return storageXmlError(res, 403, 'CannotVerifyCopySource', 'This request is not authorized to perform this operation.');
      }
      const read = await readCopySource(req.headers, w.azuriteOrigin, w.cert);
      if (!read.ok) return storageXmlError(res, read.status, read.code, read.message);
      headers = { ...asPutPage(req.headers, read.bytes), host: target.host };
      body = read.bytes;
    }
    delete headers.connection;
    await new Promise<void>((resolve) => {
      const up = request(target, { method: req.method, headers, ca: w.cert.cert }, (ur) => {
        const h = { ...ur.headers };
        delete h.connection;
        delete h['keep-alive'];
        if (isList) {
          // Listings name the service endpoint: show the front's, not Azurite's.
          const chunks: Buffer[] = [];
          ur.on('data', (c: Buffer) => chunks.push(c));
          ur.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8').split(w.azuriteOrigin).join(frontOrigin());
            delete h['transfer-encoding'];
            h['content-length'] = String(Buffer.byteLength(text));
            res.writeHead(ur.statusCode ?? 502, h);
            res.end(text);
            resolve();
          });
        } else {
          res.writeHead(ur.statusCode ?? 502, h);
          let bytes = 0;
          ur.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          ur.pipe(res);
          ur.on('end', () => {
            const range = req.headers['x-ms-range'] ?? req.headers.range;
            w.served.push({
              at: Date.now(),
              method: req.method ?? 'GET',
              path: url.pathname,
              ...(range ? { range: String(range) } : {}),
              status: ur.statusCode ?? 502,
              bytes,
            });
            resolve();
          });
        }
        ur.on('error', () => {
          res.destroy();
          resolve();
        });
      });
      up.on('error', (err) => {
        if (!res.headersSent) storageXmlError(res, 502, 'ServerBusy', `Blob front could not reach Azurite: ${err.message}`);
        else res.destroy();
        resolve();
      });
      up.end(body);
    });
  };
}
