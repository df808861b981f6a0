// End to end, the errors a user meets first: a template, group or subscription that is not there, a
// missing role, a workflow without `permissions: id-token: write`, and a table of bad inputs that each
// fail fast, name the input and call nothing in Azure.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { runAction } from '../../sim/runner.ts';
import {
  AZURE_SERVICES,
  FAST,
  RG,
  addTemplate,
  armFor,
  check,
  errors,
  posts,
  run,
  simulator,
  uniqueName,
  type Simulator,
} from './helpers.ts';

describe('Azure says no', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test.concurrent('template not found: the error names subscription, group and template; nothing is run', async () => {
    const name = uniqueName('missing');
    addTemplate(sim, 'neighbour'); // the group exists, the template does not
    const r = await run(sim, { resourceGroup: RG, name });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain(`'${name}'`);
      expect(e[0]).toContain(`'${RG}'`);
      expect(e[0]).toContain(sim.azure.subscriptionId);
      expect(e[0]).toContain('template-name');
      expect(armFor(sim, name).map((q) => `${q.method} ${q.status}`)).toEqual(['GET 404']);
      expect(r.main.outputs['run-state']).toBeUndefined();
      expect(r.post?.exitCode).toBe(0);
      expect(armFor(sim, name)).toHaveLength(1);
    });
  });

  test.concurrent('resource group or subscription not found: the error names the one that is missing', async () => {
    const t = addTemplate(sim, 'elsewhere');
    const otherSub = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const [rg, sub] = await Promise.all([
      run(sim, { resourceGroup: 'rg-nowhere', name: t.name }),
      run(sim, t, { with: { 'subscription-id': otherSub } }),
    ]);
    check(rg, () => {
      expect(rg.main.exitCode).toBe(1);
      const e = errors(rg.main).join('\n');
      expect(e).toContain("Resource group 'rg-nowhere'");
      expect(e).toContain(sim.azure.subscriptionId);
      expect(e).toContain('resource-group');
    });
    check(sub, () => {
      expect(sub.main.exitCode).toBe(1);
      const e = errors(sub.main).join('\n');
      expect(e).toContain(`Subscription '${otherSub}'`);
      expect(e).toContain('subscription-id');
    });
    expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([]);
  });

  test.concurrent('forbidden run: the error names the identity, the missing action and what role to give', async () => {
    const action = 'Microsoft.VirtualMachineImages/imageTemplates/run/action';
    const t = addTemplate(sim, 'forbidden', { access: { forbiddenActions: [action] } });
    const r = await run(sim, t);
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain(action);
      expect(e[0]).toContain(sim.azure.clientId);
      expect(e[0]).toContain(`resource group '${RG}'`);
      expect(e[0]).toMatch(/role/);
      expect(posts(sim, t.name, 'run').map((q) => q.status)).toEqual([403]);
      // No run was started, so the post step has nothing to cancel.
      expect(r.post?.exitCode).toBe(0);
      expect(posts(sim, t.name, 'cancel').map((q) => q.status)).toEqual([]);
    });
  });
});

describe('fails fast, before any request', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  /**
   * Runs the action and returns it with the requests made to any simulated service meanwhile. Every test here
   * must make none, so they run concurrently: a request from any of them shows up in some test's slice and fails it.
   */
  async function runCounting(opts: Parameters<Simulator['run']>[1], direct?: Parameters<typeof runAction>[0]) {
    const before = sim.journal.requests.length;
    const t = { resourceGroup: RG, name: uniqueName('never') };
    const r = direct ? await runAction(direct) : await run(sim, t, opts);
    const made = sim.journal.requests.slice(before);
    return { r, made };
  }

  test.concurrent('missing id-token permission: the error says to add permissions: id-token: write', async () => {
    // As GitHub runs a job without the permission: no ACTIONS_ID_TOKEN_REQUEST_* variables at all.
    const env = sim.actionEnv();
    delete env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    delete env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    const { r, made } = await runCounting(undefined, {
      actionDir: sim.actionDir,
      runnerDir: join(sim.workDir, 'runner-no-id-token'),
      caCertPath: sim.cert.certPath,
      with: { ...sim.actionInputs({ resourceGroup: RG, name: 'ubuntu' }), ...FAST },
      env,
      timeoutMs: 60_000,
    });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain('permissions: id-token: write');
      expect(made).toEqual([]);
    });
  });

  // input, value, a word the error must show (besides the input's name and the value).
  const BAD: Array<[string, string, RegExp]> = [
    ['subscription-id', 'my-subscription', /GUID/],
    ['resource-group', 'rg/images', /resource group name/],
    ['template-name', 'ubuntu 24.04', /template name/],
    ['client-id', 'app-client', /GUID/],
    ['tenant-id', 'contoso.onmicrosoft.com', /GUID/],
    ['auth-type', 'password', /oidc/],
    ['environment', 'AzureGermanCloud', /AzureCloud/],
    ['resource-manager-endpoint', 'http://management.azure.com', /https/],
    ['authority-host', 'login.microsoftonline.com', /https/],
    ['timeout', 'forever', /duration/],
    ['timeout', '0', /duration/],
    ['cancel-timeout', '10 minutes please', /duration/],
    ['poll-interval', '-15s', /duration/],
    ['on-timeout', 'ignore', /cancel, leave/],
    ['if-running', 'queue', /attach, fail/],
    ['partial-success', 'maybe', /fail, warn/],
    ['stream-logs', 'yes', /true or false/],
    ['upload-logs', 'sometimes', /always, on-failure, never/],
    ['logs-retention-days', '365', /1 to 90/],
    ['logs-artifact-name', 'logs/build', /artifact name/],
    ['job-summary', 'on', /true or false/],
    ['preflight', 'strict', /true, warn, false/],
    ['delete-template', 'sometimes', /never, on-success, always/],
    ['run-output-name', 'my output', /run output name/],
  ];

  test.concurrent.each(BAD)('%s: %p fails fast, names the input and the value, calls nothing', async (input, value, expected) => {
    const { r, made } = await runCounting({ with: { [input]: value } });
    check(r, () => {
      expect(r.main.exitCode).toBe(1);
      const e = errors(r.main);
      expect(e).toHaveLength(1);
      expect(e[0]).toContain(`'${input}'`);
      expect(e[0]).toContain(value);
      expect(e[0]).toMatch(expected);
      // No request is the proof (below); the bound only rules out waiting on a network retry, generous for a loaded machine.
      expect(r.main.durationMs).toBeLessThan(30_000);
      expect(r.main.outputs).toEqual({});
      expect(made.filter((q) => (AZURE_SERVICES as readonly string[]).includes(q.service))).toEqual([]);
      expect(made).toEqual([]);
      expect(r.post === undefined || r.post.exitCode === 0).toBe(true);
    });
  });

  test.concurrent('required inputs left empty name themselves', async () => {
    for (const input of ['subscription-id', 'resource-group', 'template-name']) {
      const { r, made } = await runCounting({ with: { [input]: '' } });
      check(r, () => {
        expect(r.main.exitCode).toBe(1);
        expect(errors(r.main).join('\n')).toContain(`'${input}' is empty`);
        expect(made).toEqual([]);
      });
    }
  });
});
