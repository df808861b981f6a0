// Shared setup for the Azure simulator tests (not a test file itself).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../sim/server.ts';
import { ensureCertificate, trustInThisProcess, type Certificate } from '../../sim/tls.ts';
import { startAzureSim, type AzureSim, type AzureSimOptions } from '../../sim/azure/index.ts';

for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[k];

export interface Started {
  sim: AzureSim;
  journal: Journal;
  cert: Certificate;
  /** Stops the simulator and removes its scratch directory. */
  stop(): Promise<void>;
}

export async function start(extra: Partial<AzureSimOptions> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'azsim-'));
  const cert = ensureCertificate(join(dir, 'cert'));
  trustInThisProcess(cert);
  const journal = new Journal();
  const sim = await startAzureSim({ cert, journal, workDir: dir, ...extra });
  return {
    sim,
    journal,
    cert,
    stop: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function b64url(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

/** A GitHub-OIDC-shaped JWT (the simulator does not check its signature). */
export function githubToken(claims: { exp?: number; aud?: string; sub?: string; iss?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64url({ typ: 'JWT', alg: 'RS256', kid: 'sim' }),
    b64url({
      jti: 'x',
      sub: claims.sub ?? 'repo:octo-org/images:ref:refs/heads/main',
      aud: claims.aud ?? 'api://AzureADTokenExchange',
      iss: claims.iss ?? 'https://token.actions.githubusercontent.com',
      nbf: now - 5,
      iat: now - 5,
      exp: claims.exp ?? now + 300,
      repository: 'octo-org/images',
      ref: 'refs/heads/main',
    }),
    Buffer.from('signature').toString('base64url'),
  ].join('.');
}
