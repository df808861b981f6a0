// Starts Azurite's blob service over https with OAuth, a pool of staging accounts, and stops it with
// its whole process group.
import { recordSecret } from '../secrets.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Certificate } from '../tls.ts';

export interface AzuriteAccount {
  name: string;
  key: string;
}

export interface Azurite {
  origin: string; // https://127.0.0.1:<port>
  port: number;
  accounts: AzuriteAccount[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Random 24-character storage account names like real staging accounts. */
export function makeAccounts(count: number): AzuriteAccount[] {
  const out: AzuriteAccount[] = [];
  for (let i = 0; i < count; i++) {
    const name = randomBytes(12)
      .toString('hex')
      .replace(/^[0-9]/, 'a')
      .slice(0, 24);
    const key = randomBytes(64).toString('base64');
    recordSecret(key);
    out.push({ name, key });
  }
  return out;
}

/**
 * Starts Azurite and resolves once it says it listens (no fixed start-up budget: a loaded machine starts it
 * slowly). With a certificate it serves https with OAuth; without one, plain http with shared keys only.
 */
export async function startAzurite(cert: Certificate | undefined, workDir: string, accounts: AzuriteAccount[]): Promise<Azurite> {
  const location = join(workDir, 'azurite');
  mkdirSync(location, { recursive: true });
  const script = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const tls = cert ? ['--cert', cert.certPath, '--key', cert.keyPath, '--oauth', 'basic'] : [];
    const child = spawn(
      process.execPath,
      [
        script,
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(port),
        ...tls,
        '--inMemoryPersistence',
        '--skipApiVersionCheck',
        '--loose',
        '--disableTelemetry',
      ],
      {
        detached: true,
        cwd: location, // --location cannot be combined with --inMemoryPersistence
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AZURITE_ACCOUNTS: accounts.map((a) => `${a.name}:${a.key}`).join(';') },
      },
    );
    // If this process exits without stop() (a crashed test, process.exit), take Azurite down with it.
    const onExit = (): void => {
      try {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    process.once('exit', onExit);
    try {
      await waitListening(child);
      return {
        origin: `${cert ? 'https' : 'http'}://127.0.0.1:${port}`,
        port,
        accounts,
        stop: async () => {
          process.off('exit', onExit);
          await stopGroup(child);
        },
      };
    } catch (err) {
      lastError = err as Error;
      process.off('exit', onExit);
      await stopGroup(child);
    }
  }
  throw lastError ?? new Error('Azurite did not start');
}

function waitListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    // Only a safety net: on a loaded 2-core machine Azurite has taken over 10 s to start.
    const timer = setTimeout(() => done(new Error(`Azurite did not report "successfully listens" within 90 s:\n${out}`)), 90_000);
    const onData = (c: Buffer): void => {
      out += c.toString('utf8');
      if (/successfully listen/i.test(out)) done();
      else if (/EADDRINUSE|error/i.test(out) && !/listen/i.test(out)) done(new Error(`Azurite failed:\n${out}`));
    };
    const onExit = (code: number | null): void => done(new Error(`Azurite exited (${code}) before listening:\n${out}`));
    function done(err?: Error): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // keep draining output so the pipe never fills up
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/**
 * Signals Azurite's whole process group. Windows has neither process groups reachable by a negative pid
 * nor POSIX signals: there Node ends the process itself (TerminateProcess) whatever the signal.
 */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  process.kill(process.platform === 'win32' ? pid : -pid, signal);
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const pid = child.pid;
    const kill = setTimeout(() => {
      try {
        killGroup(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    try {
      killGroup(pid, 'SIGTERM');
    } catch {
      clearTimeout(kill);
      resolve();
    }
  });
}
