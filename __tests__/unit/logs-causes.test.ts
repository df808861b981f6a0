// The cause of a failure: line ranking and cause families (src/logs/causes.ts), the service's message
// stripped of its boilerplate (src/logs/message.ts), the annotation composed once (src/annotation.ts), and the
// whole corpus of real failures (fixtures/corpus) through diagnose() and the annotation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { hintFor, rateLine } from '../../src/logs/causes.js';
import { diagnose } from '../../src/logs/diagnose.js';
import { clip, messageCore, shortMessage } from '../../src/logs/message.js';
import { failureAnnotation } from '../../src/annotation.js';

const corpusDir = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const tmp = mkdtempSync(join(tmpdir(), 'causes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function logFile(lines: string[]): string {
  const f = join(tmp, `c${n++}.log`);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

const PACKER_FAILED =
  'Failed while waiting for packerizer: Microservice has failed: Failed while processing request: Error when executing packerizer: Packer build command has failed: exit status 1. During the image build, a failure has occurred, please review the build log to identify which build/customization step failed. For more troubleshooting steps go to https://aka.ms/azvmimagebuilderts. Image Build log location: https://x.blob.core.windows.net/packerlogs/g/customization.log. OperationId: 1. Use this operationId to search packer logs.';

describe('rateLine', () => {
  test('an ARM error with a recognised cause beats a wrapper code and packer verdicts', () => {
    const arm = rateLine('ERROR:   -> BadRequest : Generation 2 Hypervisor Image and VM Size can only be used with managed-disk VMs.')!;
    const wrapper = rateLine('ERROR: -> DeploymentFailed : At least one resource deployment operation failed.')!;
    const verdict = rateLine("Build 'azure-arm' errored after 3 minutes: Script exited with non-zero exit status: 1")!;
    expect(arm.family).toBe('generation');
    expect(arm.score).toBeGreaterThan(wrapper.score);
    expect(wrapper.score).toBeGreaterThan(verdict.score);
    expect(rateLine('ERROR:   -> BadRequest')).toBeUndefined();
  });

  test("a step's own error output beats packer's generic verdict; outside a step it is not a candidate", () => {
    const own = rateLine('curl: (22) The requested URL returned error: 404', true)!;
    expect(own.score).toBeGreaterThan(rateLine('Script exited with non-zero exit status: 22')!.score);
    expect(rateLine('curl: (22) The requested URL returned error: 404', false)).toBeUndefined();
  });

  test('clean-up retries, cancellation echoes and packer bookkeeping are never the cause', () => {
    for (const l of [
      'Error deleting resource. Will retry.',
      'Retryable error: network.SecurityGroupsClient#Delete: Failure sending request: StatusCode=0 -- Original Error: Code="InUseNetworkSecurityGroupCannotBeDeleted"',
      'Cancelling provisioning due to context cancellation: context canceled',
      'machine readable: azure-arm,error []string{"Timeout waiting for WinRM."}',
      "command 'shutdown /r /f /t 10' exited with code: 0",
    ]) {
      expect({ l, r: rateLine(l, true) }).toEqual({ l, r: undefined });
    }
  });

  test('a customizer timing out on a private address: vnetConfig is named when the template has none', () => {
    const line = 'curl: (28) Failed to connect to 10.20.1.4 port 443 after 129000 ms: Connection timed out';
    const r = rateLine(line, true)!;
    expect(r.family).toBe('private-address');
    expect(hintFor(r.family, line, {})).toMatch(/vmProfile\.vnetConfig/);
    expect(hintFor(r.family, line, { hasVnetConfig: true })).not.toMatch(/set vmProfile\.vnetConfig/);
    expect(rateLine('Invoke-WebRequest : Unable to connect to the remote server repo.contoso.internal', true)!.family).toBe(
      'private-address',
    );
    // A public address, or the builder's own SSH connection, is not that family.
    expect(rateLine('curl: (28) Failed to connect to 52.1.2.3 port 443: Connection timed out', true)?.family).not.toBe('private-address');
    expect(rateLine('[DEBUG] TCP connection to SSH ip/port failed: dial tcp 10.1.0.5:22: i/o timeout')!.family).toBe(
      'communicator-timeout',
    );
  });

  test('hints carry the specifics of the line: the VM family, the action, the provider, the exit code', () => {
    expect(hintFor('vcpu-quota', 'exceeding quota limit of standardDv2Family Cores. Maximum allowed: 10')).toMatch(/standardDv2 family/);
    expect(hintFor('authorization', "does not have authorization to perform action 'Microsoft.Compute/images/write' over scope")).toMatch(
      /'Microsoft\.Compute\/images\/write'/,
    );
    expect(hintFor('provider', "The subscription is not registered to use namespace 'Microsoft.Network'.")).toMatch(
      /az provider register -n Microsoft\.Network/,
    );
    expect(hintFor('exit-code', "command 'x' exited with code: 3010")).toMatch(/WindowsRestart/);
    expect(hintFor('communicator-timeout', 'Timeout waiting for SSH.', { hasVnetConfig: true })).toMatch(/60000-60001/);
    expect(hintFor('build-timeout', 'context deadline exceeded')).toMatch(/buildTimeoutInMinutes/);
    expect(hintFor(undefined, 'x')).toBeUndefined();
  });
});

describe('the service message', () => {
  test('wrappers and boilerplate are removed, the rest kept', () => {
    expect(messageCore(PACKER_FAILED)).toBe('Packer build command has failed: exit status 1.');
    expect(
      messageCore(
        "Deployment failed. Correlation ID: abc. Failed in building/customizing image: Failed while waiting for packerizer: Timeout waiting for microservice to complete: 'context deadline exceeded'",
      ),
    ).toBe("Timeout waiting for microservice to complete: 'context deadline exceeded'");
    expect(shortMessage('x'.repeat(1000)).length).toBeLessThanOrEqual(300);
  });

  test('clip keeps the part of a long line where the cause is', () => {
    const long = `${'a'.repeat(400)} exited with code: 16001`;
    const c = clip(long, long.indexOf('exited'));
    expect(c.length).toBeLessThanOrEqual(300);
    expect(c).toContain('exited with code: 16001');
    expect(clip('short')).toBe('short');
  });
});

describe('diagnose', () => {
  test('an error in a provisioner that was followed by another one is not the cause', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      message: PACKER_FAILED,
      customizationLog: logFile([
        '[1] PACKER ERR 2024/01/01 00:00:00 [INFO] (telemetry) Starting provisioner shell',
        '[1] PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/a.sh',
        '[1] PACKER OUT     azure-arm: W: failed to fetch optional mirror, using the default',
        '[1] PACKER ERR 2024/01/01 00:00:01 [INFO] (telemetry) ending shell',
        '[1] PACKER ERR 2024/01/01 00:00:02 [INFO] (telemetry) Starting provisioner shell',
        '[1] PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/b.sh',
        '[1] PACKER OUT     azure-arm: install.sh: line 3: contoso-cli: command not found',
        '[1] PACKER OUT ==> azure-arm: Script exited with non-zero exit status: 127. Allowed exit codes are: [0]',
        "[1] PACKER OUT Build 'azure-arm' errored after 1 minute: Script exited with non-zero exit status: 127. Allowed exit codes are: [0]",
        '[1] PACKER OUT --> azure-arm: Script exited with non-zero exit status: 127. Allowed exit codes are: [0]',
      ]),
      customizers: [
        { type: 'Shell', name: 'mirror' },
        { type: 'Shell', name: 'install-cli' },
      ],
    });
    expect(d.causeLines[0]).toBe('install.sh: line 3: contoso-cli: command not found');
    expect(d.causeLines.join('\n')).not.toMatch(/optional mirror/);
    expect(d.title).toBe(
      "Customizer 'install-cli' (Shell, #2 of 2, packer: '/tmp/b.sh') failed: install.sh: line 3: contoso-cli: command not found",
    );
    // packer's verdict, said three ways in the log, is listed once.
    expect(d.errorLines.filter((l) => /exit status: 127/.test(l))).toHaveLength(1);
  });

  test('the title names a recognised cause: the quota case reads as one', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      message: PACKER_FAILED,
      customizationLog: join(corpusDir, '02-quota-dv2-family.log'),
    });
    expect(d.title).toMatch(/^vCPU quota exceeded: .*exceeding quota limit of standardDv2Family Cores/);
    expect(d.family).toBe('vcpu-quota');
  });

  test('a script timing out on a private address in a template without vnetConfig: the fix is vnetConfig (issue 11)', async () => {
    const lines = [
      '[1] PACKER ERR 2024/01/01 00:00:00 [INFO] (telemetry) Starting provisioner shell',
      '[1] PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/agent.sh',
      '[1] PACKER OUT     azure-arm: curl: (28) Failed to connect to 10.20.1.4 port 443 after 129000 ms: Connection timed out',
      '[1] PACKER OUT ==> azure-arm: Script exited with non-zero exit status: 28. Allowed exit codes are: [0]',
    ];
    const without = await diagnose({ runState: 'Failed', runSubState: 'Customizing', customizationLog: logFile(lines) });
    expect(without.causeLines[0]).toMatch(/Failed to connect to 10\.20\.1\.4/);
    expect(without.hint).toMatch(/set vmProfile\.vnetConfig/);
    const within = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      customizationLog: logFile(lines),
      hasVnetConfig: true,
    });
    expect(within.hint).not.toMatch(/set vmProfile\.vnetConfig/);
  });

  test('candidates stay bounded on a long log', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `[1] PACKER OUT ==> azure-arm: ERROR: -> Code${i} : message ${i}`);
    const d = await diagnose({ runState: 'Failed', customizationLog: logFile(lines) });
    expect(d.causeLines).toHaveLength(3);
    expect(d.causeLines[0]).toBe('ERROR: -> Code0 : message 0');
  });
});

describe('failureAnnotation', () => {
  const detail = {
    title: "Customizer 'install' (Shell, #1 of 1, packer: '/tmp/s.sh') failed: E: Unable to locate package x",
    causeLines: ['E: Unable to locate package x', 'Script exited with non-zero exit status: 100. Allowed exit codes are: [0]'],
    errorLines: ['E: Unable to locate package x', 'Script exited with non-zero exit status: 100. Allowed exit codes are: [0]'],
    context: ['Reading package lists...', 'E: Unable to locate package x'],
    hint: 'apt could not find the package.',
    customizer: "Customizer 'install' (Shell, #1 of 1, packer: '/tmp/s.sh')",
  };

  test('title names the cause; body: step, cause lines, fix, service message once, where the log is; no line twice', () => {
    const a = failureAnnotation('Image build failed', `The image build failed (Failed, sub-state Customizing): ${PACKER_FAILED}`, {
      diagnosisDetail: detail,
      artifactName: 'image-builder-logs-t',
      artifactUrl: 'https://github.com/o/r/actions/runs/1/artifacts/2',
      logUri: 'https://x.blob.core.windows.net/packerlogs/g/customization.log',
    });
    expect(a.title).toBe(`Image build failed: ${detail.title}`);
    const lines = a.message.split('\n');
    expect(lines[0]).toBe(`Failed step: ${detail.customizer}`);
    expect(lines).toContain('E: Unable to locate package x');
    expect(lines).toContain('Fix: apt could not find the package.');
    expect(lines).toContain(
      'Service: The image build failed (Failed, sub-state Customizing): Packer build command has failed: exit status 1. OperationId: 1.',
    );
    expect(a.message).toContain(
      "artifact 'image-builder-logs-t' (https://github.com/o/r/actions/runs/1/artifacts/2), log-uri https://x.blob.core.windows.net/packerlogs/g/customization.log",
    );
    const nonEmpty = lines.map((l) => l.trim()).filter(Boolean);
    expect(new Set(nonEmpty).size).toBe(nonEmpty.length);
    expect(a.message).not.toMatch(/During the image build|Image Build log location/);
  });

  test('a cause taken from the service message is not repeated as the service line', () => {
    const msg = 'Azure Container Instances quota exceeded';
    const a = failureAnnotation('Image build failed', `The image build failed (Failed, sub-state Customizing): ${msg}`, {
      diagnosisDetail: { title: msg, causeLines: [msg], errorLines: [msg], context: [] },
    });
    expect(a.message.split(msg)).toHaveLength(2);
    expect(a.message).toContain('Service: The image build failed (Failed, sub-state Customizing).');
  });

  test("the action's own note after the service message stays (partial-success), the message once", () => {
    const msg = "Distribution failed for run output(s) 'broken-gallery': one or more distribution targets did not complete.";
    const a = failureAnnotation(
      'Image build partially succeeded',
      `The build partially succeeded: ${msg} Image Build log location: https://x/y. OperationId: 9. (partial-success: fail; set partial-success: warn to accept it).`,
      {
        diagnosisDetail: { title: `Distribution failed: ${msg}`, causeLines: [msg], errorLines: [msg], context: [] },
      },
    );
    expect(a.message).toContain(
      'Service: The build partially succeeded. (partial-success: fail; set partial-success: warn to accept it). OperationId: 9.',
    );
    expect(a.message.split('broken-gallery')).toHaveLength(2);
  });

  test('without a diagnosis: the service message and where the log is', () => {
    const a = failureAnnotation('Build timed out', 'The build did not finish in 1m.', { logUri: 'https://x/y' });
    expect(a).toEqual({ title: 'Build timed out', message: 'The build did not finish in 1m.\n\nFull build log: log-uri https://x/y' });
  });

  test('bounded: context lines go first, the cause and the place of the log stay', () => {
    const big = { ...detail, context: Array.from({ length: 10 }, (_, i) => `${i} ${'x'.repeat(600)}`) };
    const a = failureAnnotation('Image build failed', 'm', { diagnosisDetail: big, logUri: 'https://x/y' });
    expect(a.message.length).toBeLessThanOrEqual(4000);
    expect(a.message).toContain('E: Unable to locate package x');
    expect(a.message).toContain('log-uri https://x/y');
  });
});

interface CorpusCase {
  id: string;
  expect: string;
  log?: string;
  message?: string;
  subState?: string;
  vnetConfig?: boolean;
  customize?: Array<{ type: string; name?: string }>;
}
const corpus = (JSON.parse(readFileSync(join(corpusDir, 'index.json'), 'utf8')) as { cases: CorpusCase[] }).cases;

test('the corpus has at least 30 real cases, each with a source and a cause', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(30);
  for (const c of corpus)
    expect(c).toMatchObject({ source: expect.stringMatching(/^https:\/\//), cause: expect.any(String), expect: expect.any(String) });
});

test.each(corpus.map((c) => [c.id, c] as const))(
  'corpus %s: the cause line is among the cause lines and in the annotation',
  async (_id, c) => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: c.subState ?? 'Customizing',
      message: c.message ?? PACKER_FAILED,
      ...(c.log ? { customizationLog: join(corpusDir, c.log) } : {}),
      ...(c.customize ? { customizers: c.customize } : {}),
      ...(c.vnetConfig ? { hasVnetConfig: true } : {}),
    });
    expect(d.causeLines.join('\n')).toContain(c.expect);
    expect(d.title).not.toMatch(/Packer build command has failed/);
    const a = failureAnnotation(
      'Image build failed',
      `The image build failed (Failed, sub-state ${c.subState ?? 'Customizing'}): ${c.message ?? PACKER_FAILED}`,
      {
        diagnosisDetail: {
          title: d.title,
          errorLines: d.errorLines,
          context: d.context,
          causeLines: d.causeLines,
          ...(d.hint ? { hint: d.hint } : {}),
        },
      },
    );
    expect(a.message).toContain(c.expect);
  },
);
