import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { createImageBuilderOps, stagingGroupId } from '../../src/imagebuilder.js';

const SUB = '11111111-1111-1111-1111-111111111111';
const target = {
  subscriptionId: SUB,
  resourceGroup: 'rg',
  templateName: 'myImageTemplate',
  resourceManagerEndpoint: 'https://arm.test',
  armScope: 'https://management.usgovcloudapi.net/.default',
};

/** An HttpClient answering from a list of canned responses, recording requests. */
function fakeHttp(answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const requests: PipelineRequest[] = [];
  const client: HttpClient = {
    async sendRequest(request): Promise<PipelineResponse> {
      requests.push(request);
      const a = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      const res: PipelineResponse = {
        status: a.status,
        headers: createHttpHeaders({ 'content-type': 'application/json', ...a.headers }),
        request,
      };
      if (a.body !== undefined) res.bodyAsText = JSON.stringify(a.body);
      return res;
    },
  };
  return { client, requests };
}

const scopes: string[][] = [];
const credential = {
  async getToken(s: string | string[]) {
    scopes.push(Array.isArray(s) ? s : [s]);
    return { token: 'arm-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

describe('createImageBuilderOps', () => {
  it("reads a template (a body shaped like the service's) against the configured endpoint and scope", async () => {
    const body = JSON.parse(readFileSync('__tests__/fixtures/arm/template-get.json', 'utf8')) as { properties: Record<string, unknown> };
    body.properties.lastRunStatus = { runState: 'Running', runSubState: 'Customizing', startTime: '2026-01-01T10:00:00Z' };
    body.properties.exactStagingResourceGroup = `/subscriptions/${SUB}/resourceGroups/IT_rg_myImageTemplate_abc`;
    const http = fakeHttp([{ status: 200, body }]);
    const ops = createImageBuilderOps(credential, target, { httpClient: http.client, retryOptions: { maxRetries: 0 } });
    const t = await ops.getTemplate();
    expect(http.requests[0]!.url).toMatch(
      /^https:\/\/arm\.test\/subscriptions\/11111111-1111-1111-1111-111111111111\/resourceGroups\/rg\/providers\/Microsoft\.VirtualMachineImages\/imageTemplates\/myImageTemplate\?api-version=2025-10-01$/,
    );
    expect(scopes.at(-1)).toEqual(['https://management.usgovcloudapi.net/.default']);
    expect(t.lastRunStatus?.runSubState).toBe('Customizing');
    expect(t.lastRunStatus?.startTime?.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(t.runOutputNames).toEqual(['web-managed']);
    expect(t.distributeTypes).toEqual(['ManagedImage']);
    expect(t.customizers).toEqual([{ type: 'Shell', name: 'install-web' }]);
    expect(t.stagingResourceGroupId).toBe(`/subscriptions/${SUB}/resourceGroups/IT_rg_myImageTemplate_abc`);
  });

  it('startRun resolves on 202 without polling the operation', async () => {
    const http = fakeHttp([{ status: 202, headers: { 'azure-asyncoperation': 'https://arm.test/op/1', 'retry-after': '1' } }]);
    const ops = createImageBuilderOps(credential, target, { httpClient: http.client, retryOptions: { maxRetries: 0 } });
    await ops.startRun();
    await new Promise((r) => setTimeout(r, 50));
    expect(http.requests).toHaveLength(1);
    expect(http.requests[0]!.method).toBe('POST');
    expect(http.requests[0]!.url).toContain('/imageTemplates/myImageTemplate/run?');
  });

  it("endedUnseen reads the run's operation once: Failed with the operation's error, undefined while it runs", async () => {
    const http = fakeHttp([
      { status: 202, headers: { 'azure-asyncoperation': 'https://arm.test/op/1', 'retry-after': '1' } },
      { status: 200, body: { name: 'op1', status: 'InProgress', startTime: '2026-01-01T10:00:00Z' } },
      {
        status: 200,
        body: {
          name: 'op1',
          status: 'Failed',
          startTime: '2026-01-01T10:00:00Z',
          endTime: '2026-01-01T10:01:00Z',
          error: { code: 'ValidationFailed', message: "Source image 'ubuntu-24' was not found." },
        },
      },
    ]);
    const ops = createImageBuilderOps(credential, target, { httpClient: http.client, retryOptions: { maxRetries: 0 } });
    const request = await ops.startRun();
    expect(await request.endedUnseen()).toBeUndefined();
    expect(http.requests[1]!.url).toMatch(/^https:\/\/arm\.test\/op\/1/);
    const ended = await request.endedUnseen();
    expect(ended?.runState).toBe('Failed');
    expect(ended?.message).toContain("Source image 'ubuntu-24' was not found.");
    expect(http.requests).toHaveLength(3);
  });

  it('startRun surfaces the initial error as a RestError with status and code', async () => {
    const http = fakeHttp([{ status: 409, body: { error: { code: 'Conflict', message: 'Cannot run: a build is already running' } } }]);
    const ops = createImageBuilderOps(credential, target, { httpClient: http.client, retryOptions: { maxRetries: 0 } });
    await expect(ops.startRun()).rejects.toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      message: 'Cannot run: a build is already running',
    });
  });

  it('listRunOutputs flattens the outputs', async () => {
    const firstPage = JSON.parse(readFileSync('__tests__/fixtures/arm/run-outputs-page1.json', 'utf8')) as unknown;
    const lastPage = {
      value: [
        { name: 'vhdOutput', properties: { artifactUri: 'https://a.blob.core.windows.net/vhds/x.vhd', provisioningState: 'Succeeded' } },
      ],
    };
    const http = fakeHttp([
      { status: 200, body: firstPage },
      { status: 200, body: lastPage },
    ]);
    const ops = createImageBuilderOps(credential, target, { httpClient: http.client, retryOptions: { maxRetries: 0 } });
    const outputs = await ops.listRunOutputs();
    expect(http.requests).toHaveLength(2);
    expect(http.requests[1]!.url).toContain('skipToken=3');
    expect(outputs.at(-1)).toEqual({
      name: 'vhdOutput',
      artifactUri: 'https://a.blob.core.windows.net/vhds/x.vhd',
      provisioningState: 'Succeeded',
    });
    expect(outputs.map((o) => o.name)).toEqual(['web-managed', 'web-gallery', 'vhdOutput']);
    expect(outputs[1]!.artifactId).toMatch(/\/galleries\/images\/images\/web\/versions\/1\.0\.7$/);
  });
});

describe('stagingGroupId', () => {
  it('keeps IDs, expands names, drops empties', () => {
    expect(stagingGroupId('/subscriptions/s/resourceGroups/IT_x', SUB)).toBe('/subscriptions/s/resourceGroups/IT_x');
    expect(stagingGroupId('IT_x', SUB)).toBe(`/subscriptions/${SUB}/resourceGroups/IT_x`);
    expect(stagingGroupId('', SUB)).toBeUndefined();
  });
});
