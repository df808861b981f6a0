// src/heap.ts: dead Buffers are collected once they hold 16 MiB more than after the last collection, instead
// of V8's 64 MiB. Run in a child node (the flags it sets are process-wide) on 200 MiB of short-lived Buffers.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

const churn = (mode: 'on' | 'off'): number => {
  const out = execFileSync(process.execPath, ['--experimental-strip-types', '__tests__/fixtures/heap/churn.mjs', mode], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { maxMiB: number }).maxMiB;
};

describe('boundMemory', () => {
  it('keeps dead Buffers well under V8 default threshold', () => {
    const withBound = churn('on');
    const without = churn('off');
    // Without it V8 lets them reach ~64 MiB (the control: if this changes, src/heap.ts may be obsolete).
    expect(without).toBeGreaterThan(56);
    // 8 MiB kept + 16 MiB allowed + what arrives between two 50 ms checks, with room for a slow machine.
    expect(withBound).toBeLessThan(44);
  });
});
