// Self-hosted runners behind a proxy: with HTTPS_PROXY set, every request of a whole build (GitHub OIDC,
// Entra ID, ARM, the staging blob, the artifact service and its blob upload) goes through the proxy; with
// NO_PROXY covering the hosts, none does.
//
// The simulator is reached by this machine's hostname, not 127.0.0.1: @actions/http-client (core.getIDToken,
// the artifact client) never proxies a host *string* that is loopback (localhost, 127.*, [::1]; its
// lib/proxy.js checkBypass), while the Azure SDK (@typespec/ts-http-runtime policies/proxyPolicy.js) proxies
// everything not in NO_PROXY. The runner harness strips proxy variables and jest's global setup deletes
// them, so the step gets them explicitly here.
//
// Proof of "every request": each request the simulator answered records its client port, and every such
// port is the upstream port of one of the proxy's tunnels.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { addTemplate, check, simulator, type Simulator } from './helpers.ts';
import { runLogs } from './logs-helpers.ts';
import { startConnectProxy, type ConnectProxy } from './proxy.ts';

// CI can give the simulator a name of its own (a hosts-file entry) where the machine's hostname does not
// resolve to a local address (macOS runners answer theirs through mDNS).
const HOST = (process.env.IMAGE_BUILDER_SIM_HOSTNAME || hostname()).toLowerCase();
const SERVICES = ['github-oidc', 'entra', 'arm', 'blob', 'artifacts'] as const;

let sim: Simulator;
let proxy: ConnectProxy;
beforeAll(async () => {
  sim = await simulator({ serverName: HOST });
  proxy = await startConnectProxy({ allowHosts: [HOST] });
});
afterAll(async () => {
  await proxy?.close();
  await sim?.stop();
});

function proxyEnv(noProxy: string): Record<string, string> {
  return {
    HTTPS_PROXY: proxy.url,
    https_proxy: proxy.url,
    HTTP_PROXY: proxy.url,
    http_proxy: proxy.url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

/** A whole build with logs streamed, the artifact uploaded and a summary; returns the requests it made. */
async function build(prefix: string, noProxy: string) {
  const t = addTemplate(sim, prefix);
  const from = sim.journal.requests.length;
  const tunnelsFrom = proxy.tunnels.length;
  const r = await runLogs(sim, t, { with: { 'upload-logs': 'always', 'job-summary': 'true' }, env: proxyEnv(noProxy) });
  return { t, r, requests: sim.journal.requests.slice(from), tunnels: proxy.tunnels.slice(tunnelsFrom) };
}

describe('behind an HTTPS proxy', () => {
  test('every request of a build goes through the proxy', async () => {
    const { r, requests, tunnels } = await build('proxied', '');
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['run-state']).toBe('Succeeded');
      expect(r.main.outputs['logs-artifact-id']).toMatch(/^\d+$/);
      // Every service was used...
      for (const s of SERVICES) expect(requests.filter((q) => q.service === s).length).toBeGreaterThan(0);
      // ...the proxy opened tunnels only to the simulator, and refused nothing...
      expect(tunnels.length).toBeGreaterThan(0);
      expect(tunnels.filter((t) => t.status !== 200)).toEqual([]);
      for (const t of tunnels) expect(t.target.startsWith(`${HOST}:`)).toBe(true);
      // ...and every request arrived through one of them.
      const upstream = new Set(tunnels.map((t) => t.upstreamPort));
      const direct = requests.filter((q) => !upstream.has(q.remotePort)).map((q) => `${q.service} ${q.method} ${q.path}`);
      expect(direct).toEqual([]);
    });
  });

  test('NO_PROXY covering the hosts: no request goes through the proxy', async () => {
    const { r, requests, tunnels } = await build('direct', `example.invalid, ${HOST}`);
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expect(r.main.outputs['logs-artifact-id']).toMatch(/^\d+$/);
      for (const s of SERVICES) expect(requests.filter((q) => q.service === s).length).toBeGreaterThan(0);
      expect(tunnels).toEqual([]);
    });
  });
});
