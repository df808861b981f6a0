import { describe, expect, it } from '@jest/globals';
import { apiVersionFallbackPolicy, newestVersion, supportedVersions } from '../../src/apiVersion.js';
import { backoff, isTransient, retryTransient } from '../../src/retry.js';
import { isOwnRun, normalizeRunStatus } from '../../src/runstatus.js';
import { FakeClock } from './fakes.js';

describe('normalizeRunStatus', () => {
  it('reads the Go zero end time and an end before the start as no end, and states in any case', () => {
    const s = normalizeRunStatus({
      runState: 'running',
      runSubState: 'customizing',
      startTime: new Date('2026-01-01T10:00:00Z'),
      endTime: new Date('0001-01-01T00:00:00Z'),
    });
    expect(s).toEqual({ runState: 'Running', runSubState: 'Customizing', startTime: new Date('2026-01-01T10:00:00Z') });
    const before = normalizeRunStatus({
      runState: 'Failed',
      startTime: new Date('2026-01-01T10:00:00Z'),
      endTime: new Date('2026-01-01T09:00:00Z'),
    });
    expect(before.endTime).toBeUndefined();
    expect(normalizeRunStatus({ runState: 'Whatever', startTime: 'not a date' })).toEqual({ runState: 'Whatever' });
  });

  it('isOwnRun: not the previous run, not older than the POST beyond the clock skew', () => {
    const posted = Date.parse('2026-01-01T10:00:00Z');
    const at = (iso: string) => ({ runState: 'Running', startTime: new Date(iso) });
    expect(isOwnRun(at('2026-01-01T10:00:05Z'), posted, undefined)).toBe(true);
    expect(isOwnRun(at('2026-01-01T09:59:00Z'), posted, undefined)).toBe(true);
    expect(isOwnRun(at('2026-01-01T09:50:00Z'), posted, undefined)).toBe(false);
    expect(isOwnRun(at('2026-01-01T09:59:00Z'), posted, Date.parse('2026-01-01T09:59:00Z'))).toBe(false);
    expect(isOwnRun({ runState: 'Running' }, posted, undefined)).toBe(true);
    expect(isOwnRun({ runState: 'Succeeded' }, posted, undefined)).toBe(false);
  });
});

describe('retry', () => {
  it('isTransient: 408, 429, 5xx, no answer; not other 4xx, a missing sign-in or an abort', () => {
    const e = (statusCode?: number, name = 'RestError') => Object.assign(new Error('x'), { name, ...(statusCode ? { statusCode } : {}) });
    expect([408, 429, 500, 503].map((c) => isTransient(e(c)))).toEqual([true, true, true, true]);
    expect([400, 401, 403, 404, 409].map((c) => isTransient(e(c)))).toEqual([false, false, false, false, false]);
    expect(isTransient(e(undefined))).toBe(true);
    expect(isTransient(e(undefined, 'CredentialUnavailableError'))).toBe(false);
    expect(isTransient(e(undefined, 'AbortError'))).toBe(false);
  });

  it('backoff doubles up to the cap, with jitter of at most a quarter', () => {
    const b = backoff(1000, 5000, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000, 5000, 5000]);
    const low = backoff(1000, 5000, () => 0);
    expect(low.next()).toBe(750);
  });

  it('retryTransient stops at the deadline with the last error, telling each distinct error once', async () => {
    const clock = new FakeClock();
    const told: string[] = [];
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw Object.assign(new Error(calls % 2 ? 'boom' : 'bang'), { statusCode: 503 });
        },
        { clock, deadline: clock.now() + 60_000, random: () => 0.5, onRetry: (m) => told.push(m) },
      ),
    ).rejects.toThrow(/boom|bang/);
    expect(told).toEqual(['boom', 'bang']);
    expect(calls).toBeGreaterThan(3);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
  });
});

describe('api-version fallback', () => {
  // ARM's wording, as in public reports (Azure/migAz#246, MicrosoftDocs/azure-docs#62621).
  const refusal = (v: string) =>
    JSON.stringify({
      error: {
        code: 'NoRegisteredProviderFound',
        message: `No registered resource provider found for location 'usgovvirginia' and API version '${v}' for type 'imageTemplates'. The supported api-versions are '2020-02-14, 2022-07-01, 2024-02-01, 2024-10-01-preview'. The supported locations are 'usgovvirginia, usgovarizona'.`,
      },
    });

  it('lists the versions of a refusal and picks the newest stable one', () => {
    const v = supportedVersions(refusal('2025-10-01'));
    expect(v).toEqual(['2020-02-14', '2022-07-01', '2024-02-01', '2024-10-01-preview']);
    expect(newestVersion(v!)).toBe('2024-02-01');
    expect(newestVersion(['2024-10-01-preview', '2023-01-01-preview'])).toBe('2024-10-01-preview');
    expect(
      supportedVersions(
        JSON.stringify({
          error: {
            code: 'InvalidApiVersionParameter',
            message: "The api-version '2099-01-01' is invalid. The supported versions are '2024-02-01,2025-10-01'.",
          },
        }),
      ),
    ).toEqual(['2024-02-01', '2025-10-01']);
    expect(
      supportedVersions(JSON.stringify({ error: { code: 'ResourceNotFound', message: "The supported api-versions are '2020-01-01'" } })),
    ).toBeUndefined();
    expect(supportedVersions('not json')).toBeUndefined();
  });

  it('sends once more with that version, says so once, and uses it for later requests', async () => {
    const told: string[] = [];
    const policy = apiVersionFallbackPolicy({ onFallback: (from, to) => told.push(`${from}->${to}`) });
    const seen: string[] = [];
    const next = async (req: { url: string }) => {
      seen.push(new URL(req.url).searchParams.get('api-version')!);
      const ok = new URL(req.url).searchParams.get('api-version') === '2024-02-01';
      return { status: ok ? 200 : 400, bodyAsText: ok ? '{}' : refusal('2025-10-01'), headers: {} as never, request: req as never };
    };
    const base =
      'https://management.usgovcloudapi.net/subscriptions/s/resourceGroups/rg/providers/Microsoft.VirtualMachineImages/imageTemplates/t';
    const r1 = await policy.sendRequest({ url: `${base}?api-version=2025-10-01` } as never, next as never);
    const r2 = await policy.sendRequest({ url: `${base}/run?api-version=2025-10-01` } as never, next as never);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(seen).toEqual(['2025-10-01', '2024-02-01', '2024-02-01']);
    expect(told).toEqual(['2025-10-01->2024-02-01']);
  });

  it('a second refusal is returned as it is (one retry only)', async () => {
    const policy = apiVersionFallbackPolicy();
    let calls = 0;
    const next = async (req: { url: string }) => {
      calls++;
      return {
        status: 400,
        bodyAsText: refusal(new URL(req.url).searchParams.get('api-version')!),
        headers: {} as never,
        request: req as never,
      };
    };
    const r = await policy.sendRequest(
      { url: 'https://x/subscriptions/s/providers/Microsoft.VirtualMachineImages/imageTemplates?api-version=2025-10-01' } as never,
      next as never,
    );
    expect(r.status).toBe(400);
    expect(calls).toBe(2);
  });
});
