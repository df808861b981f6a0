import {
  artifactUnavailableReason,
  artifactUrl,
  defaultArtifactName,
  sanitizeArtifactName,
  shouldUpload,
  uploadLogsArtifact,
} from '../../src/logs/artifact.js';
import { recordingSink } from './logs-fakes.js';

const ghEnv = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'o/r',
  GITHUB_RUN_ID: '42',
  GITHUB_JOB: 'build',
  GITHUB_RUN_ATTEMPT: '2',
  ACTIONS_RUNTIME_TOKEN: 't',
  ACTIONS_RESULTS_URL: 'https://results.example/',
};

test('sanitizeArtifactName removes every forbidden character', () => {
  const s = sanitizeArtifactName('a"b:c<d>e|f*g?h\ri\nj\\k/l');
  expect(s).toBe('a-b-c-d-e-f-g-h-i-j-k-l');
  expect(s).not.toMatch(/[":<>|*?\r\n\\/]/);
  expect(sanitizeArtifactName('///')).toBe('---');
  expect(sanitizeArtifactName('')).toBe('image-builder-logs');
  expect(sanitizeArtifactName('x'.repeat(500))).toHaveLength(200);
});

test('defaultArtifactName is unique per template, job and attempt', () => {
  expect(defaultArtifactName('win/2022:core', ghEnv)).toBe('image-builder-logs-win-2022-core-build-2');
  expect(defaultArtifactName('ubuntu', ghEnv)).not.toBe(defaultArtifactName('ubuntu', { ...ghEnv, GITHUB_RUN_ATTEMPT: '3' }));
});

test('artifact service availability', () => {
  expect(artifactUnavailableReason(ghEnv)).toBeUndefined();
  expect(artifactUnavailableReason({ ...ghEnv, GITHUB_SERVER_URL: 'https://acme.ghe.com' })).toBeUndefined();
  expect(artifactUnavailableReason({ ...ghEnv, GITHUB_SERVER_URL: 'https://git.acme.internal' })).toMatch(/Enterprise Server/);
  expect(artifactUnavailableReason({ ...ghEnv, ACTIONS_RUNTIME_TOKEN: '' })).toMatch(/ACTIONS_RUNTIME_TOKEN/);
});

test('upload policy', () => {
  expect(shouldUpload('always', false)).toBe(true);
  expect(shouldUpload('on-failure', false)).toBe(false);
  expect(shouldUpload('on-failure', true)).toBe(true);
  expect(shouldUpload('never', true)).toBe(false);
});

test('artifactUrl', () => {
  expect(artifactUrl(7, ghEnv)).toBe('https://github.com/o/r/actions/runs/42/artifacts/7');
});

test('uploadLogsArtifact: one artifact, its URL; a refusal is a warning', async () => {
  const sink = recordingSink();
  const calls: unknown[][] = [];
  const client = {
    uploadArtifact: async (...a: unknown[]) => {
      calls.push(a);
      return { id: 9, size: 10 };
    },
  };
  const r = await uploadLogsArtifact({
    name: 'n',
    files: ['/d/customization.log'],
    rootDir: '/d',
    retentionDays: 5,
    sink,
    env: ghEnv,
    client,
  });
  expect(r).toEqual({ id: 9, url: 'https://github.com/o/r/actions/runs/42/artifacts/9' });
  expect(calls).toEqual([['n', ['/d/customization.log'], '/d', { retentionDays: 5 }]]);
  const bad = { uploadArtifact: async () => Promise.reject(new Error('nope')) };
  expect(await uploadLogsArtifact({ name: 'n', files: ['/d/x'], rootDir: '/d', sink, env: ghEnv, client: bad })).toBeUndefined();
  expect(sink.warnings).toHaveLength(1);
  const sink2 = recordingSink();
  expect(
    await uploadLogsArtifact({ name: 'n', files: ['/d/x'], rootDir: '/d', sink: sink2, env: { GITHUB_SERVER_URL: 'https://ghes.local' } }),
  ).toBeUndefined();
  expect(sink2.warnings[0]).toMatch(/not uploaded.*Enterprise Server/);
});

test("uploadLogsArtifact: the artifact library's own lines (core.info) fall inside a collapsed group, closed also on failure", async () => {
  const sink = recordingSink();
  // @actions/artifact prints "Artifact name is valid!", "Uploaded bytes ..." and "... successfully finalized" with core.info.
  const client = {
    uploadArtifact: async () => {
      sink.info('Artifact name is valid!');
      return { id: 3 };
    },
  };
  await uploadLogsArtifact({ name: 'logs', files: ['/d/x'], rootDir: '/d', sink, env: ghEnv, client });
  expect(sink.lines).toEqual([">> Uploading the build logs as artifact 'logs'", 'Artifact name is valid!', '<<']);
  const sink2 = recordingSink();
  const bad = { uploadArtifact: async () => Promise.reject(new Error('nope')) };
  await uploadLogsArtifact({ name: 'logs', files: ['/d/x'], rootDir: '/d', sink: sink2, env: ghEnv, client: bad });
  expect(sink2.lines.filter((l) => l === '<<')).toHaveLength(1);
  expect(sink2.lines.indexOf('<<')).toBeLessThan(sink2.lines.findIndex((l) => l.startsWith('WARN')));
});

test('uploadLogsArtifact: two upload blocks in flight unless the workflow set ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY, left as found', async () => {
  const seen: Array<string | undefined> = [];
  const client = {
    uploadArtifact: async () => {
      seen.push(process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY']);
      return { id: 1 };
    },
  };
  const saved = process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'];
  try {
    delete process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'];
    await uploadLogsArtifact({ name: 'n', files: ['/d/x'], rootDir: '/d', sink: recordingSink(), env: ghEnv, client });
    expect(process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY']).toBeUndefined();
    process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'] = '7';
    await uploadLogsArtifact({ name: 'n', files: ['/d/x'], rootDir: '/d', sink: recordingSink(), env: ghEnv, client });
    expect(process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY']).toBe('7');
    expect(seen).toEqual(['2', '7']);
  } finally {
    if (saved === undefined) delete process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'];
    else process.env['ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'] = saved;
  }
});
