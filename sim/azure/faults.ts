// Data-driven faults (429/5xx answers, dropped connections, slow answers) and the ARM token bucket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { armError, guid, sleep, storageXmlError } from './common.ts';

export type AzureService = 'entra' | 'arm' | 'blob';

export interface Fault {
  service: AzureService;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Matched against the path (without query): a RegExp, or a substring. Any path when absent. */
  path?: RegExp | string;
  /**
   * status: answer `status` (default 503) with an error body;
   * drop: destroy the socket without answering; delay: wait `delayMs`, then answer normally;
   * body: answer `status` (default 200) with `body` as given (malformed JSON, a body missing fields, ...).
   */
  kind?: 'status' | 'drop' | 'delay' | 'body';
  /** For kind body: the raw response body. */
  body?: string;
  /**
   * An outage in time rather than in count: from the first matching request on, every matching request is hit
   * for this long (`count` is then ignored).
   */
  durationMs?: number;
  status?: number;
  /** Sent as Retry-After (seconds; 0 is allowed). Absent: no Retry-After header. */
  retryAfterSec?: number;
  /** Sent as retry-after-ms (the Azure SDK prefers it over Retry-After). */
  retryAfterMs?: number;
  delayMs?: number;
  /** How many matching requests it hits (default 1). */
  count?: number;
  /** Error code in the body (default from the status). */
  code?: string;
  message?: string;
}

export interface FaultState extends Fault {
  remaining: number;
  hits: number;
  /** For a fault with durationMs: when it ends (set on its first hit). */
  endsAt?: number;
}

const DEFAULT_CODES: Record<number, [string, string]> = {
  429: ['TooManyRequests', 'The request is being throttled. Please try again later.'],
  500: ['InternalServerError', 'Encountered internal server error. Diagnostic information: timestamp, MSARMBE, correlation id.'],
  502: ['BadGateway', 'The server encountered a temporary error and could not complete your request.'],
  503: ['ServiceUnavailable', 'The server is currently unable to handle the request due to a temporary overloading or maintenance.'],
  504: ['GatewayTimeout', 'The gateway did not receive a response from the service within the specified time period.'],
};

export class FaultSet {
  readonly faults: FaultState[] = [];

  add(f: Fault): FaultState {
    const s: FaultState = { ...f, remaining: f.count ?? 1, hits: 0 };
    this.faults.push(s);
    return s;
  }

  private take(service: AzureService, method: string, path: string): FaultState | undefined {
    for (const f of this.faults) {
      if (f.service !== service) continue;
      if (f.durationMs !== undefined ? f.endsAt !== undefined && Date.now() >= f.endsAt : f.remaining <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.path instanceof RegExp ? !f.path.test(path) : f.path !== undefined && !path.includes(f.path)) continue;
      if (f.durationMs !== undefined) f.endsAt ??= Date.now() + f.durationMs;
      else f.remaining -= 1;
      f.hits += 1;
      return f;
    }
    return undefined;
  }

  /** Applies the first matching fault. Returns true when the request has been answered (or dropped). */
  async apply(service: AzureService, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const f = this.take(service, req.method ?? 'GET', path);
    if (!f) return false;
    const kind = f.kind ?? 'status';
    if (kind === 'delay') {
      await sleep(f.delayMs ?? 1000);
      return false;
    }
    if (kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (kind === 'body') {
      res.writeHead(f.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(f.body ?? '');
      return true;
    }
    const status = f.status ?? 503;
    const [code, message] = DEFAULT_CODES[status] ?? ['ServerError', `Simulated fault ${status}.`];
    const headers: Record<string, string> = {};
    if (f.retryAfterSec !== undefined) headers['retry-after'] = String(f.retryAfterSec);
    if (f.retryAfterMs !== undefined) headers['retry-after-ms'] = String(f.retryAfterMs);
    if (service === 'blob') {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      storageXmlError(
        res,
        status,
        f.code ?? (status === 503 ? 'ServerBusy' : status === 500 ? 'InternalError' : code),
        f.message ?? message,
      );
    } else if (service === 'entra') {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(
        JSON.stringify({
          error: 'temporarily_unavailable',
          error_description: `AADSTS90033: ${f.message ?? 'A transient error has occurred. Please try again.'} Trace ID: ${guid()}`,
          error_codes: [90033],
        }),
      );
    } else {
      armError(res, status, f.code ?? code, f.message ?? message, headers);
    }
    return true;
  }
}

/**
 * Per-subscription token bucket for ARM. `retryAfter`: whether a 429 carries Retry-After ('always', the default),
 * never, or every other time (ARM documents the header, but clients meet 429s without it too).
 */
export class TokenBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly capacity: number;
  readonly refillPerSec: number;
  readonly retryAfter: 'always' | 'never' | 'alternate';
  /** 429s answered so far. */
  throttled = 0;

  constructor(capacity: number, refillPerSec: number, retryAfter: 'always' | 'never' | 'alternate' = 'always') {
    this.capacity = capacity;
    this.refillPerSec = refillPerSec;
    this.retryAfter = retryAfter;
  }

  /** Whether the next 429 carries Retry-After. */
  sendRetryAfter(): boolean {
    this.throttled += 1;
    return this.retryAfter === 'always' || (this.retryAfter === 'alternate' && this.throttled % 2 === 1);
  }

  /** Takes a token; returns the remaining count, or the seconds to wait when empty (as a negative-free object). */
  take(key: string): { ok: true; remaining: number } | { ok: false; retryAfterSec: number } {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refillPerSec);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerSec)) };
  }
}
