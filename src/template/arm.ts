/**
 * Plain JSON requests to Azure Resource Manager for what the Image Builder SDK does not cover as we need it:
 * a template body sent exactly as the file gives it, the body read back as the service returns it, resource-group
 * deployments, and the long-running operations behind them.
 */
import type { TokenCredential } from '@azure/core-auth';

export const IMAGEBUILDER_API_VERSION = '2025-10-01';
export const DEPLOYMENTS_API_VERSION = '2024-03-01';

export interface ArmResponse {
  status: number;
  body: unknown;
  header(name: string): string | undefined;
}

export interface ArmClient {
  send(method: 'GET' | 'PUT' | 'DELETE' | 'POST', pathOrUrl: string, body?: unknown, signal?: AbortSignal): Promise<ArmResponse>;
}

/** An error shaped like the SDK's RestError (statusCode, code), so the action's error messages apply. */
export class ArmRequestError extends Error {
  override name = 'ArmRequestError';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly code: string | undefined,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function armErrorOf(res: ArmResponse, what: string): ArmRequestError {
  const b = res.body as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  return new ArmRequestError(b?.error?.message ?? `${what} answered HTTP ${res.status}`, res.status, b?.error?.code, b?.error?.details);
}

export function createArmClient(credential: TokenCredential, endpoint: string, scope: string): ArmClient {
  const base = endpoint.replace(/\/+$/, '');
  let client:
    | Promise<{
        sendRequest(req: unknown): Promise<{ status: number; bodyAsText?: string | null; headers: { get(n: string): string | undefined } }>;
      }>
    | undefined;
  const make = async () => {
    const { ServiceClient } = await import('@azure/core-client');
    return new ServiceClient({
      credential,
      credentialScopes: scope,
      endpoint: base,
      userAgentOptions: { userAgentPrefix: 'image-builder-run' },
    });
  };
  return {
    async send(method, pathOrUrl, body, signal) {
      client ??= make();
      const c = await client;
      const { createPipelineRequest } = await import('@azure/core-rest-pipeline');
      const url = /^https?:/i.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}`;
      const req = createPipelineRequest({ url, method, ...(signal ? { abortSignal: signal } : {}) });
      if (body !== undefined) {
        req.headers.set('content-type', 'application/json');
        req.body = JSON.stringify(body);
      }
      const res = await c.sendRequest(req);
      let parsed: unknown;
      try {
        parsed = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, header: (n) => res.headers.get(n) ?? undefined };
    },
  };
}

export interface LroOptions {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  /** Time between two reads when the service gives no Retry-After. */
  intervalMs: number;
  /** Longest wait for the operation. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Follows a long-running operation from its first answer (Azure-AsyncOperation, else Location) to its end.
 * Resolves on success; throws ArmRequestError with the operation's error on failure, or on timeout.
 */
export async function waitForOperation(arm: ArmClient, first: ArmResponse, what: string, o: LroOptions): Promise<void> {
  const url = first.header('azure-asyncoperation') ?? first.header('location');
  if (!url) return;
  const useLocation = first.header('azure-asyncoperation') === undefined;
  const deadline = o.now() + o.timeoutMs;
  let wait = retryAfterMs(first) ?? o.intervalMs;
  for (;;) {
    if (o.now() + wait > deadline)
      throw new ArmRequestError(`${what} did not finish within ${Math.round(o.timeoutMs / 1000)} s.`, undefined, 'OperationTimedOut');
    await o.sleep(wait, o.signal);
    const res = await arm.send('GET', url, undefined, o.signal);
    if (useLocation) {
      if (res.status === 202) {
        wait = retryAfterMs(res) ?? o.intervalMs;
        continue;
      }
      if (res.status >= 200 && res.status < 300) return;
      throw armErrorOf(res, what);
    }
    if (res.status >= 400) {
      // A failed read of the status is not a failed operation: read again (bounded by the deadline).
      wait = o.intervalMs;
      continue;
    }
    const b = (res.body ?? {}) as { status?: string; error?: { code?: string; message?: string; details?: unknown } };
    const status = (b.status ?? '').toLowerCase();
    if (status === 'succeeded') return;
    if (status === 'failed' || status === 'canceled') {
      throw new ArmRequestError(b.error?.message ?? `${what} ended ${b.status}.`, undefined, b.error?.code ?? b.status, b.error?.details);
    }
    wait = retryAfterMs(res) ?? o.intervalMs;
  }
}

function retryAfterMs(res: ArmResponse): number | undefined {
  const v = res.header('retry-after');
  if (v === undefined) return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, 60_000) : undefined;
}

/** Every message in an error and its nested details (deployment errors nest the resource's error, sometimes as JSON text). */
export function allMessages(err: unknown): string[] {
  const out: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (depth > 6 || e === null || typeof e !== 'object') return;
    const x = e as { message?: unknown; details?: unknown; error?: unknown };
    if (typeof x.message === 'string') {
      out.push(x.message);
      const t = x.message.trim();
      if (t.startsWith('{')) {
        try {
          visit(JSON.parse(t), depth + 1);
        } catch {
          // not JSON
        }
      }
    }
    if (x.error) visit(x.error, depth + 1);
    if (Array.isArray(x.details)) for (const d of x.details) visit(d, depth + 1);
  };
  visit(err, 0);
  return out;
}
