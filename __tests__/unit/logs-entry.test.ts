import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { createBuildLogs, type BuildLogsDeps } from '../../src/logs/index.js';
import type { FoundLogs, LogSource } from '../../src/logs/source.js';
import { FakeBlob, recordingSink } from './logs-fakes.js';

const fixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'logs', 'linux-shell-failure.customization.log'), 'utf8');
const env = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'o/r',
  GITHUB_RUN_ID: '5',
  GITHUB_JOB: 'img',
  GITHUB_RUN_ATTEMPT: '1',
};

function setup(over: Partial<BuildLogsDeps> = {}, findImpl?: () => Promise<FoundLogs | undefined>) {
  const blob = new FakeBlob();
  const validation = new FakeBlob();
  let finds = 0;
  const source: LogSource = {
    refused: false,
    find:
      findImpl ??
      (async () => {
        finds++;
        return blob.data ? { customization: blob, validation } : undefined;
      }),
  };
  const uploads: unknown[][] = [];
  const sink = recordingSink();
  let now = 0;
  const logs = createBuildLogs({
    credential: {} as TokenCredential,
    armEndpoint: 'https://management.azure.com',
    subscriptionId: 's',
    stagingResourceGroup: '/subscriptions/s/resourceGroups/IT_rg_t_1',
    templateName: 'ubuntu',
    workDir: mkdtempSync(join(tmpdir(), 'logs-entry-')),
    streamLogs: true,
    uploadLogs: 'always',
    env,
    sink,
    clock: { now: () => (now += 15_000) },
    source,
    artifactClient: {
      uploadArtifact: async (...a: unknown[]) => {
        uploads.push(a);
        return { id: 77 };
      },
    },
    ...over,
  });
  return { logs, blob, sink, uploads, finds: () => finds };
}

test('streams a growing log once, then diagnoses and uploads one artifact', async () => {
  const { logs, blob, sink, uploads } = setup();
  await logs.onPoll({ runState: 'Running', runSubState: 'Queued' });
  const cut = fixture.indexOf('Provisioning with shell script: /tmp/script_1.sh') + 10;
  blob.append(fixture.slice(0, cut));
  await logs.onPoll({ runState: 'Running', runSubState: 'Customizing' });
  blob.append(fixture.slice(cut));
  const r = await logs.finish({ runState: 'Failed', failed: true, runSubState: 'Customizing', message: 'Packer build command has failed' });
  expect(blob.bytesRead).toBe(Buffer.byteLength(fixture));
  const printed = sink.infos.filter((l) => l.includes('PACKER'));
  expect(printed).toEqual(fixture.split('\n').filter((l) => l.includes('PACKER')));
  expect(sink.warnings).toEqual([]);
  expect(r.diagnosis?.customizer).toEqual({ name: '/tmp/script_1.sh', type: 'Shell' });
  expect(r.logUri).toBe('https://acct.blob.core.windows.net/packerlogs/g/customization.log');
  expect(r.artifactId).toBe(77);
  expect(r.artifactUrl).toBe('https://github.com/o/r/actions/runs/5/artifacts/77');
  expect(uploads).toHaveLength(1);
  expect(uploads[0]![0]).toBe('image-builder-logs-ubuntu-img-1');
  expect(uploads[0]![1]).toEqual([r.files[0]]);
  expect(readFileSync(r.files[0]!, 'utf8')).toBe(fixture);
});

test('a log that never appears is no warning; on-failure skips a successful run', async () => {
  const { logs, sink, uploads } = setup({ uploadLogs: 'on-failure' });
  await logs.onPoll({ runState: 'Running', runSubState: 'Building' });
  const r = await logs.finish({ runState: 'Succeeded', failed: false });
  expect(sink.warnings).toEqual([]);
  expect(uploads).toHaveLength(0);
  expect(r.diagnosis).toBeUndefined();
});

test('without streaming, the log is downloaded at the end only', async () => {
  const { logs, blob, sink } = setup({ streamLogs: false });
  blob.append(fixture);
  await logs.onPoll({ runState: 'Running', runSubState: 'Customizing' });
  expect(blob.bytesRead).toBe(0);
  const r = await logs.finish({ runState: 'Failed', failed: true });
  expect(blob.bytesRead).toBe(Buffer.byteLength(fixture));
  expect(sink.infos.some((l) => l.includes('PACKER'))).toBe(false);
  expect(r.diagnosis?.title).toMatch(/script_1\.sh/);
});

test('storage errors never throw: one warning, the result still comes back', async () => {
  const { logs, sink } = setup({}, async () => {
    throw Object.assign(new Error('socket hang up'), { statusCode: 500 });
  });
  await logs.onPoll({ runState: 'Running', runSubState: 'Building' });
  await logs.onPoll({ runState: 'Running', runSubState: 'Building' });
  const r = await logs.finish({ runState: 'Failed', failed: true, message: 'boom' });
  expect(sink.warnings).toHaveLength(1);
  expect(sink.warnings[0]).toMatch(/socket hang up.*not affected/);
  expect(r.diagnosis?.title).toBe('boom');
  expect(r.artifactId).toBeUndefined();
});

test('the log is looked for at every poll until found (the source decides what a look costs), then never again', async () => {
  const { logs, blob, finds, sink } = setup();
  for (let i = 0; i < 8; i++) await logs.onPoll({ runState: 'Running', runSubState: 'Building' });
  expect(finds()).toBe(8);
  blob.append('PACKER OUT ==> azure-arm: Deploying deployment template ...\n');
  await logs.onPoll({ runState: 'Running', runSubState: 'Building' });
  expect(finds()).toBe(9);
  expect(sink.infos).toContain('PACKER OUT ==> azure-arm: Deploying deployment template ...');
  for (let i = 0; i < 5; i++) await logs.onPoll({ runState: 'Running', runSubState: 'Customizing' });
  expect(finds()).toBe(9);
});
