// The Actions results service's artifact API as `@actions/artifact` v6 uses it, plus the Azure
// block-blob endpoint its signed upload URL points at, both on one loopback https server.
//
// Twirp JSON: POST /twirp/github.actions.results.api.v1.ArtifactService/<Method> with snake_case fields,
// Authorization: Bearer <ACTIONS_RUNTIME_TOKEN> whose `scp` carries Actions.Results:<run>:<job>.
// Errors are twirp errors: {"code": "...", "msg": "..."} with the matching HTTP status; a name already
// used in the run answers 409 {"code":"already_exists","msg":"an artifact with this name already exists on the workflow run"}.
// Blob: PUT ?comp=block&blockid=..., PUT ?comp=blocklist (XML), or a single Put Blob; each answered 201.
import { recordSecret } from '../secrets.ts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startHttpsServer, type Journal, type RunningServer } from '../server.ts';
import type { Certificate } from '../tls.ts';
import { backendIdsOf, bearerOf } from './jwt.ts';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
const STORAGE_ACCOUNT = 'productionresultssa0';
const STORAGE_CONTAINER = 'actions-results';

export type ArtifactMethod =
  'CreateArtifact' | 'FinalizeArtifact' | 'ListArtifacts' | 'GetSignedArtifactURL' | 'DeleteArtifact' | 'BlobUpload';

export interface StoredArtifact {
  /** database_id / artifact_id, assigned at creation. */
  id: number;
  name: string;
  runBackendId: string;
  jobBackendId: string;
  createdAt: string;
  finalizedAt?: string;
  /** expires_at as sent by the client (RFC 3339), when it sent one. */
  expiresAt?: string;
  /** Retention in whole days: from expires_at, else the service default. */
  retentionDays: number;
  /** mime_type sent with CreateArtifact. */
  mimeType?: string;
  /** Content type stored with the blob (x-ms-blob-content-type). */
  contentType?: string;
  /** size sent with FinalizeArtifact. */
  declaredSize?: number;
  /** hash sent with FinalizeArtifact (sha256:<hex>). */
  hash?: string;
  /** The committed blob: the zip (or raw file) bytes. */
  bytes: Buffer;
  size: number;
  /** How the blob arrived: staged blocks + block list, one Put Blob, or nothing yet. */
  uploadMode: 'blocks' | 'single' | 'none';
  blockCount: number;
  finalized: boolean;
  /** Path of the blob on this server (path-style: /<account>/<container>/...). */
  blobPath: string;
}

export interface ArtifactServiceOptions {
  /** Runtime tokens the service accepts (the job's ACTIONS_RUNTIME_TOKEN). */
  runtimeTokens: string[];
  /** Retention used when the client sends no expires_at (GITHUB_RETENTION_DAYS, 90 on github.com). */
  defaultRetentionDays?: number;
  /** First artifact ID handed out. */
  firstArtifactId?: number;
}

export interface ArtifactService {
  server: RunningServer;
  /** Value for ACTIONS_RESULTS_URL (with the trailing slash, as the runner sets it). */
  resultsUrl: string;
  /** Finalized artifacts, in finalization order. */
  readonly artifacts: StoredArtifact[];
  /** Every artifact created, finalized or not. */
  all(): StoredArtifact[];
  /** The finalized artifact of that name (any run), or undefined. */
  find(name: string): StoredArtifact | undefined;
  /** Answer the next `count` calls of `method` with a twirp error of `status` (default 500). */
  failNext(method: ArtifactMethod, count: number, status?: number): void;
  close(): Promise<void>;
}

const TWIRP_CODES: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable',
};

function twirpError(res: ServerResponse, status: number, msg: string, code?: string): void {
  sendJson(res, status, { code: code ?? TWIRP_CODES[status] ?? 'unknown', msg });
}

function storageError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-ms-error-code': code,
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-01-05',
  });
  res.end(body);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** protobuf JSON wrappers (StringValue, Int64Value) are plain values; accept {value} too. */
function unwrap(v: unknown): unknown {
  if (v && typeof v === 'object' && 'value' in v) return (v as { value: unknown }).value;
  return v;
}

interface Pending {
  artifact: StoredArtifact;
  sig: string;
  blocks: Map<string, Buffer>;
}

export async function startArtifactService(cert: Certificate, journal: Journal, opts: ArtifactServiceOptions): Promise<ArtifactService> {
  const created: Pending[] = [];
  const finalized: StoredArtifact[] = [];
  const faults = new Map<ArtifactMethod, { count: number; status: number }>();
  let nextId = opts.firstArtifactId ?? 1_734_209_000;
  const defaultRetention = opts.defaultRetentionDays ?? 90;
  let origin = '';

  const takeFault = (m: ArtifactMethod): number | undefined => {
    const f = faults.get(m);
    if (!f || f.count <= 0) return undefined;
    f.count--;
    return f.status;
  };

  const handleTwirp = (method: string, req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    if (req.method !== 'POST') return twirpError(res, 405, 'method not allowed', 'bad_route');
    const token = bearerOf(req.headers.authorization);
    if (!token || !opts.runtimeTokens.includes(token)) return twirpError(res, 401, 'invalid or missing runtime token');
    const ids = backendIdsOf(token);
    if (!ids) return twirpError(res, 403, 'the runtime token has no Actions.Results scope');
    const ctype = String(req.headers['content-type'] ?? '');
    if (!ctype.startsWith('application/json')) {
      return twirpError(res, 415, `unsupported content type ${ctype}: this simulator speaks twirp JSON only`, 'bad_route');
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return twirpError(res, 400, 'the body is not JSON', 'malformed');
    }
    const runId = str(input['workflow_run_backend_id']);
    const jobId = str(input['workflow_job_run_backend_id']);
    if (runId !== ids.runBackendId || jobId !== ids.jobBackendId) {
      return twirpError(res, 403, 'workflow_run_backend_id / workflow_job_run_backend_id do not match the runtime token');
    }
    const known = ['CreateArtifact', 'FinalizeArtifact', 'ListArtifacts', 'GetSignedArtifactURL', 'DeleteArtifact'];
    if (!known.includes(method)) return twirpError(res, 404, `no handler for ${method}`, 'bad_route');
    const fault = takeFault(method as ArtifactMethod);
    if (fault !== undefined) return twirpError(res, fault, 'simulated failure');

    const name = str(input['name']);
    const inRun = (a: StoredArtifact): boolean => a.runBackendId === runId;

    if (method === 'CreateArtifact') {
      if (!name) return twirpError(res, 400, 'name is required');
      if (finalized.some((a) => inRun(a) && a.name === name)) {
        return twirpError(res, 409, 'an artifact with this name already exists on the workflow run');
      }
      // A pending artifact of the same name (a retry after a failed upload) is replaced.
      const old = created.findIndex((p) => inRun(p.artifact) && p.artifact.name === name && !p.artifact.finalized);
      if (old >= 0) created.splice(old, 1);
      const expiresAt = str(input['expires_at']);
      const retentionDays = expiresAt ? Math.max(1, Math.round((Date.parse(expiresAt) - Date.now()) / 86_400_000)) : defaultRetention;
      const id = nextId++;
      const blobPath =
        `/${STORAGE_ACCOUNT}/${STORAGE_CONTAINER}/${runId}/workflow-job-run-${jobId}/artifacts/` +
        `${createHash('sha256').update(`${name}:${id}`).digest('hex')}.zip`;
      const artifact: StoredArtifact = {
        id,
        name,
        runBackendId: runId,
        jobBackendId: jobId ?? '',
        createdAt: new Date().toISOString(),
        ...(expiresAt ? { expiresAt } : {}),
        retentionDays,
        ...(typeof unwrap(input['mime_type']) === 'string' ? { mimeType: unwrap(input['mime_type']) as string } : {}),
        bytes: Buffer.alloc(0),
        size: 0,
        uploadMode: 'none',
        blockCount: 0,
        finalized: false,
        blobPath,
      };
      const sig = randomBytes(32).toString('base64');
      recordSecret(sig);
      created.push({ artifact, sig, blocks: new Map() });
      const se = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const query = new URLSearchParams({ sv: '2025-01-05', se, sr: 'b', sp: 'racwt', sig });
      return sendJson(res, 200, { ok: true, signed_upload_url: `${origin}${blobPath}?${query}` });
    }

    if (method === 'FinalizeArtifact') {
      const p = created.find((x) => inRun(x.artifact) && x.artifact.name === name && !x.artifact.finalized);
      if (!p) return twirpError(res, 404, `no artifact named ${name ?? ''} is waiting to be finalized`);
      if (p.artifact.uploadMode === 'none') return twirpError(res, 400, 'the artifact blob was never committed');
      const a = p.artifact;
      const size = Number(str(input['size']) ?? input['size'] ?? 0);
      a.declaredSize = size;
      const hash = unwrap(input['hash']);
      if (typeof hash === 'string') a.hash = hash;
      a.finalized = true;
      a.finalizedAt = new Date().toISOString();
      finalized.push(a);
      return sendJson(res, 200, { ok: true, artifact_id: String(a.id) });
    }

    if (method === 'ListArtifacts') {
      const nameFilter = unwrap(input['name_filter']);
      const idFilter = unwrap(input['id_filter']);
      const list = finalized
        .filter(inRun)
        .filter((a) => (typeof nameFilter === 'string' ? a.name === nameFilter : true))
        .filter((a) => (idFilter !== undefined && idFilter !== null ? String(a.id) === String(idFilter) : true))
        .map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt,
          ...(a.hash ? { digest: a.hash } : {}),
        }));
      return sendJson(res, 200, { artifacts: list });
    }

    if (method === 'GetSignedArtifactURL') {
      const a = finalized.find((x) => inRun(x) && x.name === name);
      if (!a) return twirpError(res, 404, 'artifact not found');
      const p = created.find((x) => x.artifact === a);
      return sendJson(res, 200, {
        signed_url: `${origin}${a.blobPath}?${new URLSearchParams({ sv: '2025-01-05', sr: 'b', sp: 'r', sig: p?.sig ?? '' })}`,
      });
    }

    // DeleteArtifact
    const i = finalized.findIndex((x) => inRun(x) && x.name === name);
    if (i < 0) return twirpError(res, 404, 'artifact not found');
    const [gone] = finalized.splice(i, 1);
    return sendJson(res, 200, { ok: true, artifact_id: String(gone?.id ?? 0) });
  };

  const handleBlob = (url: URL, req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const p = created.find((x) => x.artifact.blobPath === url.pathname);
    if (!p) return storageError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    if (url.searchParams.get('sig') !== p.sig) {
      return storageError(
        res,
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
      );
    }
    const a = p.artifact;
    const common = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() };
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (a.uploadMode === 'none') return storageError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      res.writeHead(200, {
        ...common,
        'content-type': a.contentType ?? 'application/octet-stream',
        'content-length': String(a.bytes.length),
        'x-ms-blob-type': 'BlockBlob',
        etag: `"0x${createHash('md5').update(a.bytes).digest('hex').slice(0, 15).toUpperCase()}"`,
      });
      res.end(req.method === 'GET' ? a.bytes : undefined);
      return;
    }
    if (req.method !== 'PUT') return storageError(res, 405, 'UnsupportedHttpVerb', "The resource doesn't support the specified HTTP verb.");
    if (a.finalized) return storageError(res, 409, 'BlobImmutableDueToPolicy', 'The artifact is already finalized.');
    const fault = takeFault('BlobUpload');
    if (fault !== undefined) return storageError(res, fault, 'ServerBusy', 'Simulated failure.');
    const comp = url.searchParams.get('comp');
    const written = {
      ...common,
      'x-ms-request-server-encrypted': 'true',
      'content-length': '0',
    };
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return storageError(res, 400, 'InvalidQueryParameterValue', 'blockid is required.');
      p.blocks.set(blockId, body);
      res.writeHead(201, { ...written, 'content-md5': createHash('md5').update(body).digest('base64') });
      res.end();
      return;
    }
    const etag = (): string => `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
    if (comp === 'blocklist') {
      const xml = body.toString('utf8');
      const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] ?? '');
      const parts: Buffer[] = [];
      for (const id of ids) {
        const block = p.blocks.get(id);
        if (!block) return storageError(res, 400, 'InvalidBlockList', `The specified block list is invalid: block ${id} was never staged.`);
        parts.push(block);
      }
      a.bytes = Buffer.concat(parts);
      a.size = a.bytes.length;
      a.blockCount = ids.length;
      a.uploadMode = 'blocks';
      const ct = req.headers['x-ms-blob-content-type'];
      if (typeof ct === 'string') a.contentType = ct;
      p.blocks.clear();
      res.writeHead(201, { ...written, etag: etag(), 'last-modified': new Date().toUTCString() });
      res.end();
      return;
    }
    if (comp === null) {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        return storageError(
          res,
          400,
          'MissingRequiredHeader',
          "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.",
        );
      }
      a.bytes = body;
      a.size = body.length;
      a.blockCount = 0;
      a.uploadMode = 'single';
      const ct = req.headers['x-ms-blob-content-type'] ?? req.headers['content-type'];
      if (typeof ct === 'string') a.contentType = ct;
      res.writeHead(201, {
        ...written,
        etag: etag(),
        'last-modified': new Date().toUTCString(),
        'content-md5': createHash('md5').update(body).digest('base64'),
      });
      res.end();
      return;
    }
    return storageError(res, 400, 'InvalidQueryParameterValue', `comp=${comp} is not supported by the simulator.`);
  };

  const server = await startHttpsServer('artifacts', cert, journal, (req, res, body) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname.startsWith(TWIRP_PREFIX)) return handleTwirp(url.pathname.slice(TWIRP_PREFIX.length), req, res, body);
    if (url.pathname.startsWith(`/${STORAGE_ACCOUNT}/`)) return handleBlob(url, req, res, body);
    return twirpError(res, 404, `no route for ${url.pathname}`, 'bad_route');
  });
  origin = server.origin;

  return {
    server,
    resultsUrl: `${server.origin}/`,
    artifacts: finalized,
    all: () => created.map((p) => p.artifact),
    find: (name: string) => finalized.find((a) => a.name === name),
    failNext(method: ArtifactMethod, count: number, status = 500) {
      faults.set(method, { count, status });
    },
    close: () => server.close(),
  };
}
