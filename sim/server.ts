// The https server every simulated service runs on: loopback only, a free port chosen by the OS,
// and a shared journal of the requests it answered so tests can check what the action sent.
import { createServer as createPlainServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Certificate } from './tls.ts';

export type ServiceName = 'entra' | 'github-oidc' | 'arm' | 'blob' | 'artifacts' | 'imds';

export interface RecordedRequest {
  service: ServiceName;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** Milliseconds since the Unix epoch when the request arrived. */
  at: number;
  /** Request headers, lower-cased (Authorization kept: tests may check its shape, never print it). */
  headers: Record<string, string | string[] | undefined>;
  /** The client's TCP port: tells which requests came through a proxy's upstream connections. */
  remotePort: number;
}

export class Journal {
  readonly requests: RecordedRequest[] = [];
  private readonly waiters: Array<{ match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }> = [];

  add(r: RecordedRequest): void {
    this.requests.push(r);
    for (const w of [...this.waiters]) {
      if (w.match(r)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  }

  /** Resolves with the first request (already recorded or future) that matches. */
  waitFor(match: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  filter(match: (r: RecordedRequest) => boolean): RecordedRequest[] {
    return this.requests.filter(match);
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface RunningServer {
  server: Server;
  port: number;
  /** https://<cert.serverName or 127.0.0.1>:<port> with no trailing slash. */
  origin: string;
  close(): Promise<void>;
}

/** Starts an https server on 127.0.0.1 (or cert.bindAddress) and records each answered request in the journal. */
export async function startHttpsServer(
  service: ServiceName,
  cert: Certificate,
  journal: Journal,
  handler: Handler,
): Promise<RunningServer> {
  return startServer(service, cert, journal, handler);
}

/** Plain http on 127.0.0.1, for the services that are http in Azure too (the instance metadata service). */
export async function startHttpServer(service: ServiceName, journal: Journal, handler: Handler): Promise<RunningServer> {
  return startServer(service, undefined, journal, handler);
}

async function startServer(
  service: ServiceName,
  cert: Certificate | undefined,
  journal: Journal,
  handler: Handler,
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const record: RecordedRequest = {
        service,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status: 0,
        at: Date.now(),
        headers: { ...req.headers },
        remotePort: req.socket.remotePort ?? 0,
      };
      res.on('finish', () => {
        record.status = res.statusCode;
        journal.add(record);
      });
      res.on('close', () => {
        if (!res.writableFinished) {
          record.status = -1; // connection dropped before an answer
          journal.add(record);
        }
      });
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'SimulatorError', message: String(err) } }));
        } else {
          res.destroy();
        }
      });
    });
  };
  const server: Server = cert
    ? createServer({ cert: cert.cert, key: cert.key }, listener)
    : (createPlainServer(listener) as unknown as Server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, cert?.bindAddress ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const name = cert?.serverName ?? '127.0.0.1';
  return {
    server,
    port,
    origin: `${cert ? 'https' : 'http'}://${name.includes(':') ? `[${name}]` : name}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
