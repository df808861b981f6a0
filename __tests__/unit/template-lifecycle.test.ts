import { describe, expect, it } from '@jest/globals';
import type { ArmClient, ArmResponse } from '../../src/template/arm.js';
import type { JsonObject } from '../../src/template/file.js';
import { deleteLeftoverTemplate, STATE_TEMPLATE } from '../../src/template/index.js';
import { deleteTemplate, ensureTemplate, type LifecycleDeps } from '../../src/template/lifecycle.js';
import type { PreparedTemplate } from '../../src/template/prepare.js';

const CONFLICT = 'Update/Upgrade of image templates is currently not supported. Please change the name of the template you are submitting.';

/** A scripted ARM: answers by method (and `/cancel`), in order; records each call. */
class FakeArm implements ArmClient {
  calls: string[] = [];
  constructor(private readonly script: Record<string, Array<{ status: number; body?: unknown; headers?: Record<string, string> }>>) {}
  async send(method: string, path: string): Promise<ArmResponse> {
    const key = path.includes('/cancel') ? 'CANCEL' : path.includes('/operations/') ? 'OP' : method;
    this.calls.push(key);
    const next = this.script[key]?.shift() ?? { status: 500, body: { error: { code: 'Unscripted', message: `${key} not scripted` } } };
    return { status: next.status, body: next.body, header: (n) => next.headers?.[n] };
  }
}

function deps(arm: FakeArm, log: string[] = []): LifecycleDeps {
  return {
    arm,
    log: { info: (m) => log.push(`info: ${m}`), warning: (m) => log.push(`warning: ${m}`) },
    sleep: async () => {},
    now: () => 0,
    subscriptionId: 's',
    resourceGroup: 'rg',
    pollIntervalMs: 1,
    describe: (e) => (e instanceof Error ? e.message : String(e)),
  };
}

const body: JsonObject = {
  location: 'eastus',
  identity: { type: 'UserAssigned' },
  properties: { source: { type: 'PlatformImage' }, distribute: [] },
};
const prepared = (): PreparedTemplate => ({
  form: 'resource',
  path: 't.json',
  name: 'tpl',
  nameFrom: 'file',
  body: JSON.parse(JSON.stringify(body)) as JsonObject,
  warnings: [],
});
const existing = (props: JsonObject = {}): { status: number; body: JsonObject } => ({
  status: 200,
  body: { ...body, properties: { ...(body.properties as JsonObject), provisioningState: 'Succeeded', ...props } },
});
const op = { 'azure-asyncoperation': 'https://arm/subscriptions/s/providers/x/locations/eastus/operations/1' };

describe('ensureTemplate', () => {
  it('creates a missing template and waits for the operation', async () => {
    const arm = new FakeArm({
      GET: [{ status: 404 }, existing()],
      PUT: [{ status: 201, headers: op }],
      OP: [
        { status: 200, body: { status: 'InProgress' } },
        { status: 200, body: { status: 'Succeeded' } },
      ],
    });
    expect(await ensureTemplate(deps(arm), prepared(), false)).toBe('created');
    expect(arm.calls).toEqual(['GET', 'PUT', 'OP', 'OP', 'GET']);
  });

  it('reuses an identical one without sending it', async () => {
    const arm = new FakeArm({ GET: [existing({ lastRunStatus: { runState: 'Succeeded' } })] });
    expect(await ensureTemplate(deps(arm), prepared(), false)).toBe('reused');
    expect(arm.calls).toEqual(['GET']);
  });

  it('refuses a different one, quoting the service and naming both ways out; nothing deleted', async () => {
    const arm = new FakeArm({
      GET: [existing({ buildTimeoutInMinutes: 90 })],
      PUT: [{ status: 409, body: { error: { code: 'Conflict', message: CONFLICT } } }],
    });
    await expect(ensureTemplate(deps(arm), prepared(), false)).rejects.toThrow(
      /currently not supported.*It differs at: properties\.buildTimeoutInMinutes.*replace-template: true.*template-name, or remove the name from the file/s,
    );
    expect(arm.calls).toEqual(['GET', 'PUT']);
  });

  it('replaces a different one with replace-template, but not while it runs', async () => {
    const arm = new FakeArm({
      GET: [existing({ buildTimeoutInMinutes: 90 }), existing()],
      PUT: [{ status: 409, body: { error: { code: 'Conflict', message: CONFLICT } } }, { status: 201 }],
      DELETE: [{ status: 202, headers: op }],
      OP: [{ status: 200, body: { status: 'Succeeded' } }],
    });
    const changes: number[] = [];
    expect(await ensureTemplate({ ...deps(arm), beforeChange: () => changes.push(arm.calls.length) }, prepared(), true)).toBe('replaced');
    expect(arm.calls).toEqual(['GET', 'PUT', 'DELETE', 'OP', 'PUT', 'GET']);
    // The probing PUT is not a change; the delete and the second PUT are.
    expect(changes).toEqual([2, 4]);
    const busy = new FakeArm({
      GET: [existing({ buildTimeoutInMinutes: 90, lastRunStatus: { runState: 'Running' } })],
      PUT: [{ status: 409, body: { error: { code: 'Conflict', message: CONFLICT } } }],
    });
    await expect(ensureTemplate(deps(busy), prepared(), true)).rejects.toThrow(/has a run in progress \(Running\)/);
    expect(busy.calls).toEqual(['GET', 'PUT']);
  });
});

describe('deleteTemplate', () => {
  it('cancels a run still going, waits for it to stop, deletes and waits', async () => {
    const log: string[] = [];
    const arm = new FakeArm({
      GET: [
        existing({ lastRunStatus: { runState: 'Running' }, exactStagingResourceGroup: '/subscriptions/s/resourceGroups/IT_x' }),
        existing({ lastRunStatus: { runState: 'Canceling' } }),
        existing({ lastRunStatus: { runState: 'Canceled' } }),
      ],
      CANCEL: [{ status: 202 }],
      DELETE: [{ status: 202, headers: op }],
      OP: [{ status: 200, body: { status: 'Succeeded' } }],
    });
    expect(await deleteTemplate(deps(arm, log), 'tpl', { cancelTimeoutMs: 1000 })).toBe(true);
    expect(arm.calls).toEqual(['GET', 'CANCEL', 'GET', 'GET', 'DELETE', 'OP']);
    expect(log.join('\n')).toContain("Image template 'tpl' deleted.");
  });

  it('a failed delete is a warning naming the template and its staging group', async () => {
    const log: string[] = [];
    const arm = new FakeArm({
      GET: [existing({ exactStagingResourceGroup: '/subscriptions/s/resourceGroups/IT_x' })],
      DELETE: [{ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no delete right' } } }],
    });
    expect(await deleteTemplate(deps(arm, log), 'tpl', { cancelTimeoutMs: 1000 })).toBe(false);
    expect(log.filter((l) => l.startsWith('warning:')).join('\n')).toMatch(
      /Could not delete image template 'tpl' in resource group 'rg': no delete right.*staging resource group \/subscriptions\/s\/resourceGroups\/IT_x.*az image builder delete -g rg -n tpl/s,
    );
  });
});

describe('deleteLeftoverTemplate (post step)', () => {
  const ctx = {
    subscriptionId: 's',
    resourceGroup: 'rg',
    templateName: 'tpl',
    resourceManagerEndpoint: 'https://arm',
    armScope: 'x',
    auth: { type: 'oidc' as const, audience: 'a', authorityHost: 'https://login' },
  };
  it('deletes only a pending template with delete-template: always', async () => {
    for (const [saved, expected] of [
      [{ ctx, deleteTemplate: 'always', cancelTimeoutMs: 1, pollIntervalMs: 1, pending: true }, ['GET', 'DELETE']],
      [{ ctx, deleteTemplate: 'always', cancelTimeoutMs: 1, pollIntervalMs: 1, pending: false }, []],
      [{ ctx, deleteTemplate: 'on-success', cancelTimeoutMs: 1, pollIntervalMs: 1, pending: true }, []],
      [undefined, []],
    ] as const) {
      const arm = new FakeArm({ GET: [existing()], DELETE: [{ status: 204 }] });
      await deleteLeftoverTemplate({
        getState: (n) => (n === STATE_TEMPLATE && saved ? JSON.stringify(saved) : ''),
        makeArm: () => arm,
        info: () => {},
        warning: () => {},
      });
      expect(arm.calls).toEqual(expected);
    }
  });
});
