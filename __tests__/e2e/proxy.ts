// A real HTTP CONNECT proxy for the end-to-end tests: loopback only, tunnels only to the hosts it is told
// to allow, at most `maxTunnels` of them, and a log of every tunnel (target, answer, and the local port of
// its upstream connection, which the simulator's journal records as the request's remote port).
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface Tunnel {
  /** host:port as the client asked (CONNECT request target), or the absolute URL of a plain request. */
  target: string;
  method: string;
  /** 200 tunnel opened; 403 host not allowed; 405 not a CONNECT; 502 upstream refused; 503 too many tunnels. */
  status: number;
  /** Local port of the proxy's upstream socket: requests through this tunnel arrive from it. */
  upstreamPort?: number;
  at: number;
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  readonly tunnels: Tunnel[];
  close(): Promise<void>;
}

export async function startConnectProxy(opts: { allowHosts: string[]; maxTunnels?: number }): Promise<ConnectProxy> {
  const allowed = new Set(opts.allowHosts.map((h) => h.toLowerCase()));
  const maxTunnels = opts.maxTunnels ?? 500;
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const server = createServer((req, res) => {
    // Plain (absolute-form) requests: the action sends none; log them so a test sees it if it ever does.
    tunnels.push({ target: req.url ?? '', method: req.method ?? '', status: 405, at: Date.now() });
    res.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client);
    const target = req.url ?? '';
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    const tunnel: Tunnel = { target, method: 'CONNECT', status: 0, at: Date.now() };
    tunnels.push(tunnel);
    const refuse = (status: number, text: string): void => {
      tunnel.status = status;
      client.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
    };
    if (!m || !allowed.has((m[1] ?? '').toLowerCase())) return refuse(403, 'Forbidden');
    if (tunnels.filter((t) => t.status === 200).length >= maxTunnels) return refuse(503, 'Too Many Tunnels');
    const upstream = connect(Number(m[2]), m[1] ?? '', () => {
      tunnel.status = 200;
      tunnel.upstreamPort = upstream.localPort;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => {
      if (tunnel.status === 0) refuse(502, 'Bad Gateway');
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
