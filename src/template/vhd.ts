/**
 * vhd-destination: copies a VHD run output out of the template's staging account (which deleting the template
 * deletes) into a container of the user's, server-side and with Entra ID on both sides.
 *
 * Mechanism: Put Page From URL per populated range (at most 4 MiB a call), the source authorized by
 * x-ms-copy-source-authorization: Bearer. Copy Blob From URL is limited to 256 MiB, and the async Copy Blob does not
 * take a source bearer token (it would need a user-delegation SAS). A VHD is a sparse page blob, so only the ranges
 * the source reports as written are copied.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { PageBlobClient } from '@azure/storage-blob';
import { STORAGE_SCOPE } from '../clouds.js';

/** Largest range one Put Page From URL may write. */
export const PAGE_CHUNK = 4 * 1024 * 1024;
const PARALLEL = 8;
/** Source tokens are fetched again after this long (a copy of a large VHD can outlast one token). */
const TOKEN_REUSE_MS = 10 * 60_000;

export interface VhdCopyLog {
  info(message: string): void;
}

export interface VhdCopyOptions {
  credential: TokenCredential;
  log: VhdCopyLog;
  /** The longest the copy may take (the step's timeout). */
  timeoutMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** The URL without query (a SAS) or fragment. */
export function withoutQuery(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Where the copy of `sourceUri` goes: the destination container plus the source blob's name. */
export function copyUrlFor(sourceUri: string, destinationContainer: string): string {
  const name = new URL(sourceUri).pathname.split('/').filter(Boolean).pop() ?? 'image.vhd';
  return `${destinationContainer.replace(/\/+$/, '')}/${name}`;
}

/** Splits page ranges ({start, end} inclusive) into chunks of at most PAGE_CHUNK bytes. */
export function chunksOf(ranges: Array<{ start: number; end: number }>): Array<{ offset: number; count: number }> {
  const out: Array<{ offset: number; count: number }> = [];
  for (const r of ranges) {
    for (let o = r.start; o <= r.end; o += PAGE_CHUNK) out.push({ offset: o, count: Math.min(PAGE_CHUNK, r.end + 1 - o) });
  }
  return out;
}

async function pageBlob(url: string, credential: TokenCredential): Promise<PageBlobClient> {
  const { PageBlobClient } = await import('@azure/storage-blob');
  return new PageBlobClient(url, credential, { retryOptions: { maxTries: 4 } });
}

/**
 * Copies the VHD at sourceUri to destinationContainer; resolves with the copy's URL. Throws an Error whose message
 * names both URLs on any failure (the caller keeps the template then).
 */
export async function copyVhd(sourceUri: string, destinationContainer: string, o: VhdCopyOptions): Promise<string> {
  const now = o.now ?? Date.now;
  const source = withoutQuery(sourceUri);
  const target = copyUrlFor(source, destinationContainer);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`it did not finish within ${Math.round(o.timeoutMs / 1000)} s (timeout)`)),
    o.timeoutMs,
  );
  const onAbort = (): void => controller.abort(new Error('the step was stopped'));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const abortSignal = controller.signal;
  try {
    const src = await pageBlob(source, o.credential);
    const dst = await pageBlob(target, o.credential);
    const props = await src.getProperties({ abortSignal });
    const size = props.contentLength ?? 0;
    if (props.blobType !== 'PageBlob')
      throw new Error(`the source is a ${props.blobType ?? 'blob of unknown type'}, not the page blob a VHD run output is`);
    const ranges: Array<{ start: number; end: number }> = [];
    for await (const r of src.listPageRanges(0, size, { abortSignal })) ranges.push({ start: r.start, end: r.end });
    const chunks = chunksOf(ranges);
    const total = chunks.reduce((n, c) => n + c.count, 0);
    o.log.info(`Copying VHD ${source} (${gib(size)}, ${gib(total)} written) to ${target}.`);
    await dst.create(size, { abortSignal, ...(props.contentType ? { blobHTTPHeaders: { blobContentType: props.contentType } } : {}) });

    let token: { value: string; at: number } | undefined;
    const bearer = async (): Promise<string> => {
      if (!token || now() - token.at > TOKEN_REUSE_MS) {
        const t = await o.credential.getToken(STORAGE_SCOPE, { abortSignal });
        if (!t) throw new Error('no storage token for the source');
        token = { value: t.token, at: now() };
      }
      return token.value;
    };
    let next = 0;
    let copied = 0;
    let lastTenth = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        if (abortSignal.aborted) throw abortSignal.reason as Error;
        const c = chunks[next++];
        if (c === undefined) return;
        await dst.uploadPagesFromURL(source, c.offset, c.offset, c.count, {
          abortSignal,
          sourceAuthorization: { scheme: 'Bearer', value: await bearer() },
        });
        copied += c.count;
        const tenth = Math.floor((copied / Math.max(total, 1)) * 10);
        if (tenth > lastTenth && tenth < 10) {
          lastTenth = tenth;
          o.log.info(`VHD copy: ${tenth * 10}% (${gib(copied)} of ${gib(total)}).`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, chunks.length) }, worker));
    const after = await dst.getProperties({ abortSignal });
    if (after.contentLength !== size) throw new Error(`the copy has ${after.contentLength ?? 0} bytes, the source ${size}`);
    o.log.info(`VHD copied to ${target}.`);
    return target;
  } catch (err) {
    const why = abortSignal.aborted ? (abortSignal.reason as Error).message : describe(err);
    throw new Error(`Could not copy VHD ${source} to ${target} (vhd-destination): ${why}.`, { cause: err });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string };
  // The first line, without any query string (a SAS) and without its closing period (the caller adds one).
  const first =
    (e.message ?? String(err))
      .split('\n', 1)[0]
      ?.replace(/\?[^\s]*/g, '')
      .replace(/\.\s*$/, '') ?? '';
  return e.statusCode ? `${e.statusCode}${e.code ? ` ${e.code}` : ''}: ${first}` : first;
}

export interface VhdOutput {
  name: string;
  artifactUri?: string;
}

/** Where copying stands: whether deleting the template could still lose a VHD. */
export type VhdCopyState = 'not-run' | 'copying' | 'copied' | 'failed';

export interface VhdKeeper {
  readonly destination: string;
  state(): VhdCopyState;
  /**
   * Copies every VHD run output to vhd-destination; resolves with the outputs, each VHD's artifactUri naming its
   * copy, or with an error message (written for the user) when one could not be copied.
   */
  keep<T extends VhdOutput>(
    outputs: T[],
    isVhd: (o: T) => boolean,
    log: VhdCopyLog,
    signal?: AbortSignal,
  ): Promise<{ outputs: T[] } | { error: string }>;
  /** Called when state() changes. */
  onChange?: () => void;
}

export interface VhdKeeperSettings {
  vhdDestination: string;
  storageSuffix: string;
  timeoutMs: number;
}

/** A storage token goes only to the host the user named (vhd-destination) or to hosts under the cloud's storage suffix. */
function mayReceiveToken(url: string, destination: string, storageSuffix: string): boolean {
  const u = new URL(url);
  if (u.protocol !== 'https:') return false;
  if (u.host.toLowerCase() === new URL(destination).host.toLowerCase()) return true;
  const host = u.hostname.toLowerCase();
  return host.endsWith(`.blob.${storageSuffix.toLowerCase()}`);
}

export function createVhdKeeper(settings: VhdKeeperSettings, credential: TokenCredential, copy = copyVhd): VhdKeeper {
  let state: VhdCopyState = 'not-run';
  const keeper: VhdKeeper = {
    destination: settings.vhdDestination,
    state: () => state,
    async keep(outputs, isVhd, log, signal) {
      const result: typeof outputs = [];
      if (outputs.some((o) => isVhd(o) && o.artifactUri)) {
        state = 'copying';
        keeper.onChange?.();
      }
      for (const o of outputs) {
        if (!isVhd(o) || !o.artifactUri) {
          result.push(o);
          continue;
        }
        const source = withoutQuery(o.artifactUri);
        if (!mayReceiveToken(source, settings.vhdDestination, settings.storageSuffix)) {
          state = 'failed';
          keeper.onChange?.();
          return {
            error: `Could not copy VHD ${source} of run output ${o.name} to ${settings.vhdDestination} (vhd-destination): the VHD is not on a blob endpoint of this cloud (*.blob.${settings.storageSuffix}), so no storage token is sent there. The template is kept.`,
          };
        }
        try {
          const copied = await copy(source, settings.vhdDestination, {
            credential,
            log,
            timeoutMs: settings.timeoutMs,
            ...(signal ? { signal } : {}),
          });
          result.push({ ...o, artifactUri: copied });
        } catch (err) {
          state = 'failed';
          keeper.onChange?.();
          return {
            error: `${err instanceof Error ? err.message : String(err)} The template and its VHD are kept; copy the VHD yourself before deleting the template.`,
          };
        }
      }
      state = 'copied';
      keeper.onChange?.();
      return { outputs: result };
    },
  };
  return keeper;
}
