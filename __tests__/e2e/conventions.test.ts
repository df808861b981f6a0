// Conventions users know from other actions, end to end: step debug shows the Azure SDK's own request log
// (as ::debug:: lines, redacted), and boolean inputs take core.getBooleanInput's spellings.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { addTemplate, check, run, simulator, type Simulator } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

test.concurrent('step debug (RUNNER_DEBUG=1): the Azure SDK log goes to debug lines, with no secret in them', async () => {
  const t = addTemplate(sim, 'debug');
  const r = await run(sim, t, { debug: true, with: { 'stream-logs': 'TRUE', 'job-summary': 'False' } });
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    const sdk = r.main.debug.filter((l) => /^azure:/.test(l));
    // The SDK's pipeline log of the requests to ARM, and @azure/identity's of the sign-in.
    const requests = sdk.filter((l) => /^azure:[\w-]+:info Request:/.test(l));
    expect(requests.some((l) => l.includes(`/imageTemplates/${t.name}`))).toBe(true);
    expect(sdk.some((l) => l.startsWith('azure:identity:info ClientAssertionCredential'))).toBe(true);
    for (const l of sdk) {
      expect(l).not.toMatch(/\bsig=(?!\*\*\*)[^&\s]+/);
      expect(l).not.toMatch(/Bearer\s+(?!\*\*\*)[A-Za-z0-9._-]{20,}/);
      expect(l).not.toMatch(/client_assertion=ey/);
    }
  });
});

test.concurrent('without step debug there is no SDK log', async () => {
  const t = addTemplate(sim, 'nodebug');
  const r = await run(sim, t);
  check(r, () => {
    expect(r.main.exitCode).toBe(0);
    expect(r.main.debug.filter((l) => /^azure:/.test(l))).toEqual([]);
  });
});
