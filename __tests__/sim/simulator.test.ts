// startSimulator: the glue of both halves. Its inputs reach servers that answer as Azure does, the
// federated credential matches the GitHub token it mints, and stop() leaves no process or temp dir.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ClientAssertionCredential } from '@azure/identity';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { SCENARIOS } from '../../sim/scenarios.ts';

/** Pids of processes whose working directory is `dir` (Azurite runs in <workDir>/azurite). */
function pidsWithCwd(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/cwd`) === dir) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat); // a zombie is dead too
  } catch {
    return false;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const staticToken = (token: string): TokenCredential => ({
  getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

describe('startSimulator', () => {
  let sim: Simulator | undefined;
  afterAll(async () => {
    await sim?.stop();
  });

  it('points actionInputs at servers that answer, with a federated credential matching the GitHub token', async () => {
    sim = await startSimulator();
    const t = sim.azure.addTemplate(SCENARIOS.success.template);
    const w = sim.actionInputs(t);
    expect(w).toMatchObject({
      'subscription-id': sim.azure.subscriptionId,
      'resource-group': 'rg-images',
      'template-name': t.name,
      'client-id': sim.azure.clientId,
      'tenant-id': sim.azure.tenantId,
      'poll-interval': '250ms',
    });
    expect(w['resource-manager-endpoint']).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(w['authority-host']).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const discovery = await fetch(`${w['authority-host']}/${w['tenant-id']}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { token_endpoint: string }).token_endpoint).toContain(`/${w['tenant-id']}/oauth2/v2.0/token`);

    // The runtime env mints a GitHub ID token; Entra exchanges it (subject, issuer, audience match).
    const env = sim.actionEnv();
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'ACTIONS_RUNTIME_TOKEN',
        'ACTIONS_RESULTS_URL',
        'ACTIONS_ID_TOKEN_REQUEST_URL',
        'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      ]),
    );
    const idTokenRes = await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange`, {
      headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
    });
    expect(idTokenRes.status).toBe(200);
    const idToken = ((await idTokenRes.json()) as { value: string }).value;
    const credential = new ClientAssertionCredential(w['tenant-id']!, w['client-id']!, async () => idToken, {
      authorityHost: w['authority-host']!,
      disableInstanceDiscovery: true,
    });
    const client = new ImageBuilderClient(credential, w['subscription-id']!, { endpoint: w['resource-manager-endpoint']! });
    const got = await client.virtualMachineImageTemplates.get(w['resource-group']!, w['template-name']!);
    expect(got.name).toBe(t.name);
    expect(got.exactStagingResourceGroup).toBe(t.stagingResourceGroup);
    expect(got.distribute?.map((d) => d.runOutputName)).toEqual(['ubuntu2404-managed', 'ubuntu2404-gallery']);
    expect(sim.journal.filter((r) => r.service === 'entra' && r.method === 'POST').map((r) => r.status)).toEqual([200]);

    // Every demo scenario's template is valid data for the simulator.
    for (const s of Object.values(SCENARIOS)) {
      if (s.name === 'success') continue;
      const h = sim.azure.addTemplate(s.template);
      const r = await new ImageBuilderClient(staticToken(sim.azure.mintAccessToken()), sim.azure.subscriptionId, {
        endpoint: sim.azure.armEndpoint,
      }).virtualMachineImageTemplates.get(h.resourceGroup, h.name);
      expect(r.name).toBe(s.template.name);
    }
  });

  it('stop() ends Azurite, closes every port and removes its temp dir', async () => {
    const s = sim ?? (await startSimulator());
    sim = s;
    const azuritePids = pidsWithCwd(realpathSync(join(s.workDir, 'azurite')));
    expect(azuritePids.length).toBeGreaterThan(0);
    expect(azuritePids.every(alive)).toBe(true);
    const ports = [
      s.azure.armEndpoint,
      s.azure.authorityHost,
      s.azure.blobFrontOrigin,
      s.azure.azuriteOrigin,
      s.github.artifacts.resultsUrl,
      s.github.oidc.requestUrl,
    ].map((u) => Number(new URL(u).port));
    for (const p of ports) expect(await portAnswers(p)).toBe(true);

    await s.stop();
    expect(azuritePids.filter(alive)).toEqual([]);
    for (const p of ports) expect(await portAnswers(p)).toBe(false);
    expect(existsSync(s.workDir)).toBe(false);
    await s.stop(); // twice is fine
  });

  it('stop() during a run kills the step process it started', async () => {
    const s = await startSimulator({ actionDir: join(process.cwd(), '__tests__', 'fixtures', 'actions', 'stubborn') });
    let pid = 0;
    const started = new Promise<void>((resolve) => {
      void s.run(
        { resourceGroup: 'rg', name: 't' },
        {
          runPost: false,
          onStart: (_phase, p) => {
            pid = p;
            resolve();
          },
        },
      );
    });
    await started;
    expect(alive(pid)).toBe(true);
    await s.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  });
});
