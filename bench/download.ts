// 2. Memory while downloading a big log to disk: completeDownload in a fresh child process, per size.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { logChunks, MiB, type BenchAzurite } from './common.ts';

export interface ChildFigures {
  ms: number;
  length: number;
  fetched: number;
  baseRss: number;
  baseMaxRss: number;
  maxRss: number;
  baseHeap: number;
  peakHeap: number;
  peakRss: number;
  baseBuffers: number;
  peakBuffers: number;
  afterGcBuffers: number;
  afterGcHeap: number;
}

export interface BigBlob {
  name: string;
  size: number;
  sha256: string;
  /** CRC-32 of the bytes (what a zip entry of the log must carry). */
  crc32: number;
  sasUrl: string;
  uploadMs: number;
}

/** An append blob of `size` bytes, written in 4 MiB appends from the generator (never one big string). */
export async function makeBigBlob(az: BenchAzurite, name: string, size: number): Promise<BigBlob> {
  const blob = az.appendBlob(name);
  await blob.create();
  const hash = createHash('sha256');
  let crc = 0;
  const t0 = performance.now();
  for (const chunk of logChunks(size, 4 * MiB, size)) {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    await blob.appendBlock(chunk, chunk.length);
  }
  const uploadMs = performance.now() - t0;
  const sas = generateBlobSASQueryParameters(
    {
      containerName: az.container.containerName,
      blobName: name,
      permissions: BlobSASPermissions.parse('r'),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(az.account.name, az.account.key),
  ).toString();
  return { name, size, sha256: hash.digest('hex'), crc32: crc >>> 0, sasUrl: `${blob.url}?${sas}`, uploadMs };
}

export async function downloadInChild(az: BenchAzurite, big: BigBlob, file: string): Promise<ChildFigures & { identical: boolean }> {
  // Through a shell that forks node (not exec): on Linux a child's ru_maxrss starts at the RSS high-water
  // mark of the process it was forked from, and this process holds far more than the child will.
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      '"$0" "$@"; exit $?',
      process.execPath,
      '--experimental-strip-types',
      '--expose-gc',
      '--import',
      './bench/hooks.ts',
      'bench/download-child.ts',
      big.sasUrl,
      file,
    ],
    {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: az.cert.certPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`download child exited ${code}:\n${err}`);
  const figures = JSON.parse(out.trim().split('\n').at(-1)!) as ChildFigures;
  const hash = createHash('sha256');
  for await (const c of createReadStream(file)) hash.update(c as Buffer);
  rmSync(file, { force: true });
  return { ...figures, identical: hash.digest('hex') === big.sha256 && figures.length === big.size };
}

export function childFile(az: BenchAzurite, tag: string): string {
  return join(az.workDir, `download-${tag}.log`);
}
