// A small zip reader for tests: finds the central directory, lists entries and inflates them
// (stored and deflate), checking each entry's CRC-32. Handles the ZIP64 fields streaming writers emit.
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  isDirectory: boolean;
  /** Offset of the local file header. */
  localHeaderOffset: number;
}

export interface ZipArchive {
  entries: ZipEntry[];
  /** Entry names, directories included (they end with '/'). */
  names(): string[];
  /** The uncompressed bytes of an entry; throws when the name is absent or the CRC is wrong. */
  read(name: string): Buffer;
  readText(name: string): string;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function openZip(buf: Buffer): ZipArchive {
  // The end-of-central-directory record is in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory record');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_EOCD_LOCATOR) {
    const z64 = Number(buf.readBigUInt64LE(eocd - 20 + 8));
    if (buf.readUInt32LE(z64) !== ZIP64_EOCD) throw new Error('bad zip64 end of central directory');
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== CENTRAL) throw new Error(`bad central directory entry #${n}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localHeaderOffset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // ZIP64 extended information: only the fields whose 32-bit value is 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) {
          localHeaderOffset = Number(buf.readBigUInt64LE(q));
        }
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, crc32: crc, isDirectory: name.endsWith('/'), localHeaderOffset });
    p = extraEnd + commentLen;
  }

  const read = (name: string): Buffer => {
    const entry = entries.find((x) => x.name === name);
    if (!entry) throw new Error(`no entry ${name} in the zip (entries: ${entries.map((x) => x.name).join(', ')})`);
    const h = entry.localHeaderOffset;
    if (buf.readUInt32LE(h) !== LOCAL) throw new Error(`bad local header for ${name}`);
    const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
    const raw = buf.subarray(start, start + entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = Buffer.from(raw);
    else if (entry.method === 8) data = inflateRawSync(raw);
    else throw new Error(`unsupported compression method ${entry.method} for ${name}`);
    if (data.length !== entry.size) throw new Error(`size mismatch for ${name}: ${data.length} != ${entry.size}`);
    if (crc32(data) >>> 0 !== entry.crc32) throw new Error(`CRC mismatch for ${name}`);
    return data;
  };

  return {
    entries,
    names: () => entries.map((x) => x.name),
    read,
    readText: (name: string) => read(name).toString('utf8'),
  };
}
