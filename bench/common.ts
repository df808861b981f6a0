// Shared bits of the benchmarks: statistics, a deterministic build-log generator, Azurite set-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendBlobClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { makeAccounts, startAzurite, type Azurite, type AzuriteAccount } from '../sim/azure/azurite.ts';
import { ensureCertificate, trustInThisProcess, type Certificate } from '../sim/tls.ts';

export const MiB = 1024 * 1024;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Small seeded PRNG (mulberry32), so every run of the bench sees the same log shapes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'azure-arm:',
  'Provisioning',
  'with',
  'shell',
  'script:',
  '/tmp/script_1234.sh',
  'Reading',
  'package',
  'lists...',
  'Get:1',
  'http://azure.archive.ubuntu.com/ubuntu',
  'jammy-updates',
  'InRelease',
  '[119',
  'kB]',
  'Setting',
  'up',
  'libssl3',
  '(3.0.2-0ubuntu1.15)',
  '...',
  'Unpacking',
  'Selecting',
  'previously',
  'unselected',
  'ok',
  'done.',
  'Windows',
  'Update:',
  'KB5034441',
  'installed',
  'ÄÖÜ',
  'naïve',
  'café',
  '✓',
  '→',
  '日本語',
  'émoji-🙂',
];

/**
 * Packer-like log lines (CRLF now and then, multi-byte UTF-8, a rare line of 10-25 KB), generated lazily
 * in chunks of about `chunkBytes`. The chunks cut lines anywhere, including inside a UTF-8 sequence.
 */
export function* logChunks(totalBytes: number, chunkBytes: number, seed: number): Generator<Buffer> {
  const rnd = prng(seed);
  // A pool of distinct lines, reused with a running line number: generation costs little per byte.
  const pool: string[] = [];
  for (let i = 0; i < 2048; i++) {
    const n = rnd() < 0.002 ? 1500 + Math.floor(rnd() * 1500) : 3 + Math.floor(rnd() * 30);
    const words: string[] = [];
    for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
    pool.push(words.join(' ') + (rnd() < 0.05 ? '\r\n' : '\n'));
  }
  let left = totalBytes;
  let line = 0;
  let carry = Buffer.alloc(0);
  while (left > 0) {
    const want = Math.min(chunkBytes, left);
    const parts: string[] = [];
    let size = carry.length;
    while (size < want) {
      const s = `2026/11/25 19:00:00 ui: [${line++}] ${pool[Math.floor(rnd() * pool.length)]!}`;
      parts.push(s);
      size += Buffer.byteLength(s);
    }
    const buf = Buffer.concat([carry, Buffer.from(parts.join(''), 'utf8')]);
    carry = buf.subarray(want);
    left -= want;
    yield buf.subarray(0, want);
  }
}

export interface BenchAzurite {
  azurite: Azurite;
  account: AzuriteAccount;
  cert: Certificate;
  container: ContainerClient;
  workDir: string;
  appendBlob(name: string): AppendBlobClient;
  stop(): Promise<void>;
}

export async function startBenchAzurite(): Promise<BenchAzurite> {
  const workDir = mkdtempSync(join(tmpdir(), 'ibr-bench-'));
  const cert = ensureCertificate(join(workDir, 'tls'));
  trustInThisProcess(cert);
  // The Azure SDK honours HTTPS_PROXY with no loopback exemption.
  const noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? '';
  if (!noProxy.split(',').includes('127.0.0.1')) process.env.NO_PROXY = [noProxy, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
  const [account] = makeAccounts(1);
  const azurite = await startAzurite(cert, workDir, [account!]);
  const cred = new StorageSharedKeyCredential(account!.name, account!.key);
  const container = new ContainerClient(`${azurite.origin}/${account!.name}/packerlogs`, cred);
  await container.createIfNotExists();
  return {
    azurite,
    account: account!,
    cert,
    container,
    workDir,
    appendBlob: (name) => container.getAppendBlobClient(name),
    stop: async () => {
      await azurite.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
