import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { annotationOf, cleanLine, diagnose, excerpt, matchCustomizer } from '../../src/logs/diagnose.js';

const fx = (name: string): string => join(import.meta.dirname, '..', 'fixtures', 'logs', name);
const loc = 'Image Build log location: https://abcd1234.blob.core.windows.net/packerlogs/g/customization.log. OperationId: x';

describe('diagnose', () => {
  test('cleanLine strips prefixes', () => {
    expect(cleanLine('[4c1e0b6a] PACKER OUT     azure-arm: Reading package lists...')).toBe('Reading package lists...');
    expect(cleanLine('[4c1e0b6a] PACKER OUT ==> azure-arm: Connected to SSH!')).toBe('==> Connected to SSH!');
    expect(cleanLine('[x] PACKER ERR 2026/11/25 18:05:31 [INFO] (telemetry) ending shell')).toBe('[INFO] (telemetry) ending shell');
  });

  test('Linux shell failure: names the script and the apt error', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      message: `Failed while waiting for packerizer: Microservice has failed: Failed while processing request: Error when executing packerizer: Packer build command has failed: exit status 1. During the image build, a failure has occurred. ${loc}`,
      customizationLog: fx('linux-shell-failure.customization.log'),
    });
    expect(d.customizer).toEqual({ name: '/tmp/script_1.sh', type: 'Shell' });
    // The script's own error line names the cause; packer's verdict is listed after it.
    expect(d.title).toBe("Customizer '/tmp/script_1.sh' (Shell) failed: E: Unable to locate package contoso-agent");
    expect(d.errorLines.some((l) => l.endsWith('Script exited with non-zero exit status: 100. Allowed exit codes are: [0]'))).toBe(true);
    expect(d.hint).toMatch(/apt-get update/);
    expect(d.errorLines).toContain('E: Unable to locate package contoso-agent');
    expect(d.context.at(-1)).toBe('E: Unable to locate package contoso-agent');
    expect(d.context).toContain('+ sudo apt-get install -y nginx-full contoso-agent');
    expect(d.context.join('\n')).not.toMatch(/Hit:1|Deleting Virtual Machine|telemetry/);
  });

  test('PowerShell failure', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      customizationLog: fx('windows-powershell-failure.customization.log'),
    });
    expect(d.customizer).toEqual({ name: 'C:\\Windows\\Temp\\script-install-tools.ps1', type: 'PowerShell' });
    expect(d.title).toMatch(/The installer exited with code 1603/);
    expect(d.errorLines.some((l) => /non-zero exit status: 1\b/.test(l))).toBe(true);
    expect(d.errorLines.some((l) => /exited with code 1603/.test(l))).toBe(true);
  });

  test('Windows restart failure', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      customizationLog: fx('windows-restart-failure.customization.log'),
    });
    expect(d.customizer?.type).toBe('WindowsRestart');
    expect(d.title).toMatch(/WindowsRestart.*Timeout waiting for machine to restart/);
    expect(d.errorLines.some((l) => /timed out waiting for WinRM/.test(l))).toBe(true);
  });

  test('File customizer failure', async () => {
    const d = await diagnose({ runState: 'Failed', customizationLog: fx('file-failure.customization.log') });
    expect(d.customizer).toEqual({ name: '/tmp/packer-files/agent-config.json => /etc/contoso/agent/config.json', type: 'File' });
    expect(d.title).toMatch(/\(File\) failed: scp: .*No such file or directory/);
  });

  test('validation failure reads validation.log', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Validating',
      message: `Validation failed: ... ${loc}`,
      customizationLog: fx('validation-failure.customization.log'),
      validationLog: fx('validation-failure.validation.log'),
    });
    expect(d.phase).toBe('Validating');
    expect(d.customizer).toEqual({ name: '/tmp/validate_0.sh', type: 'Shell' });
    expect(d.title).toMatch(
      /^Validation failed in validator '\/tmp\/validate_0.sh' \(Shell\): curl: \(7\) Failed to connect to localhost port 443/,
    );
    expect(d.errorLines.some((l) => /Failed to connect to localhost port 443/.test(l))).toBe(true);
  });

  test('distribution failure uses the service message, not a clean log', async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Distributing',
      message: `Distribution failed: SharedImage 'gal/img/1.0.3': Gallery image version already exists. ${loc}`,
      customizationLog: fx('distribution-failure.customization.log'),
    });
    expect(d.phase).toBe('Distributing');
    expect(d.customizer).toBeUndefined();
    expect(d.title).toBe("Distribution failed: SharedImage 'gal/img/1.0.3': Gallery image version already exists.");
  });

  test('a successful log yields no customizer', async () => {
    const d = await diagnose({ runState: 'Failed', message: 'Internal error', customizationLog: fx('success.customization.log') });
    expect(d.customizer).toBeUndefined();
    expect(d.errorLines).toEqual(['Internal error']);
  });

  test('timeouts and cancels are one-liners with the phase', async () => {
    expect((await diagnose({ runState: 'TimedOut', runSubState: 'Customizing' })).title).toBe('The build timed out during Customizing.');
    expect((await diagnose({ runState: 'Canceled', runSubState: 'Distributing' })).title).toBe(
      'The build was canceled during Distributing.',
    );
  });

  test('a missing log file is not an error', async () => {
    const d = await diagnose({ runState: 'Failed', message: 'boom', customizationLog: fx('nope.log') });
    expect(d.title).toBe('boom');
  });

  test('excerpt is bounded', () => {
    const d = {
      errorLines: ['x'.repeat(300)],
      causeLines: ['x'.repeat(300)],
      context: Array.from({ length: 50 }, () => 'y'.repeat(300)),
      title: 't',
    };
    expect(excerpt(d, 1000).length).toBeLessThanOrEqual(1000);
  });
});

test('annotationOf: one-line title, bounded message with the error line', async () => {
  const d = await diagnose({
    runState: 'Failed',
    runSubState: 'Customizing',
    customizationLog: fx('linux-shell-failure.customization.log'),
  });
  const a = annotationOf(d, 1500);
  expect(a.title).not.toMatch(/\n/);
  expect(a.title.length).toBeLessThanOrEqual(200);
  expect(a.message.length).toBeLessThanOrEqual(1500);
  expect(a.message).toContain('E: Unable to locate package contoso-agent');
  expect(annotationOf({ ...d, title: 'x'.repeat(500) }).title).toHaveLength(200);
});

describe('the failing provisioner named as the template names its customizer', () => {
  const shell = (name: string): { type: string; name: string } => ({ type: 'Shell', name });
  const linux = [shell('apt-update'), shell('install-web'), { type: 'File', name: 'agent-config' }, shell('cleanup')];

  test("Linux shell: provisioner #2 is the template's second customizer", async () => {
    const d = await diagnose({
      runState: 'Failed',
      runSubState: 'Customizing',
      customizationLog: fx('linux-shell-failure.customization.log'),
      customizers: linux,
    });
    expect(d.customizer).toEqual({ name: '/tmp/script_1.sh', type: 'Shell', template: { name: 'install-web', index: 2, count: 4 } });
    expect(d.title).toBe(
      "Customizer 'install-web' (Shell, #2 of 4, packer: '/tmp/script_1.sh') failed: E: Unable to locate package contoso-agent",
    );
  });

  test('PowerShell, WindowsRestart and File samples; template types in any case; an unnamed customizer gets its position', async () => {
    const ps = await diagnose({
      runState: 'Failed',
      customizationLog: fx('windows-powershell-failure.customization.log'),
      customizers: [{ type: 'PowerShell', name: 'install-tools' }, { type: 'WindowsUpdate' }],
    });
    expect(ps.title).toMatch(
      /^Customizer 'install-tools' \(PowerShell, #1 of 2, packer: 'C:\\Windows\\Temp\\script-install-tools\.ps1'\) failed: /,
    );
    const rs = await diagnose({
      runState: 'Failed',
      customizationLog: fx('windows-restart-failure.customization.log'),
      customizers: [{ type: 'powershell', name: 'hyperv' }, { type: 'WindowsRestart' }],
    });
    expect(rs.title).toMatch(
      /^Customizer #2 of 2 \(WindowsRestart, packer: 'windows-restart'\) failed: Timeout waiting for machine to restart/,
    );
    const f = await diagnose({
      runState: 'Failed',
      customizationLog: fx('file-failure.customization.log'),
      customizers: [shell('prep'), { type: 'File', name: 'agent-config' }],
    });
    expect(f.customizer?.template).toEqual({ name: 'agent-config', index: 2, count: 2 });
  });

  test('a count or type that does not line up keeps the packer name', async () => {
    const log = fx('linux-shell-failure.customization.log');
    const plain = "Customizer '/tmp/script_1.sh' (Shell) failed: ";
    // Fewer customizers than provisioners started (Image Builder ran one of its own before them?).
    const fewer = await diagnose({ runState: 'Failed', customizationLog: log, customizers: [shell('install-web')] });
    expect(fewer.title.startsWith(plain)).toBe(true);
    expect(fewer.customizer).toEqual({ name: '/tmp/script_1.sh', type: 'Shell' });
    // A type that differs before or at the failing one.
    for (const customizers of [
      [{ type: 'PowerShell', name: 'a' }, shell('b')],
      [shell('a'), { type: 'File', name: 'b' }],
    ]) {
      const d = await diagnose({ runState: 'Failed', customizationLog: log, customizers });
      expect(d.title.startsWith(plain)).toBe(true);
    }
    // No customizers known (template not read, or none): as before.
    expect((await diagnose({ runState: 'Failed', customizationLog: log, customizers: [] })).title.startsWith(plain)).toBe(true);
  });

  test('a log without telemetry lines is counted by its "Provisioning with" lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diag-'));
    const file = join(dir, 'customization.log');
    writeFileSync(
      file,
      [
        'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/script_0.sh',
        'PACKER OUT     azure-arm: ok',
        'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell123',
        'PACKER ERR     azure-arm: curl: (6) Could not resolve host: example.invalid',
        'PACKER OUT ==> azure-arm: Script exited with non-zero exit status: 6. Allowed exit codes are: [0]',
      ].join('\n'),
    );
    const d = await diagnose({ runState: 'Failed', customizationLog: file, customizers: [shell('one'), shell('two'), shell('three')] });
    expect(d.title).toMatch(/^Customizer 'two' \(Shell, #2 of 3, packer: '\/tmp\/packer-shell123'\) failed: /);
    const short = await diagnose({ runState: 'Failed', customizationLog: file, customizers: [shell('one')] });
    expect(short.title).toMatch(/^Customizer '\/tmp\/packer-shell123' \(Shell\) failed: /);
    rmSync(dir, { recursive: true, force: true });
  });

  test('matchCustomizer: unknown provisioner types and a failing step other than the last started are not matched', () => {
    expect(matchCustomizer(['Shell', undefined], 1, [shell('a'), shell('b')])).toBeUndefined();
    expect(matchCustomizer(['Shell', 'Shell'], 0, [shell('a'), shell('b')])).toBeUndefined();
    expect(matchCustomizer(['Shell'], 0, [{ type: 'Shell', name: '  ' }])).toEqual({ index: 1, count: 1 });
  });
});

test('no SAS of a log line or of the message reaches the diagnosis or its annotation', async () => {
  const sig = 'Q2hhbmdlTWVTZWNyZXRTaWduYXR1cmU%2BZmFrZQ%3D%3D';
  expect(readFileSync(fx('file-failure.customization.log'), 'utf8')).toContain(sig);
  const d = await diagnose({
    runState: 'Failed',
    message: `Upload failed for https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&sig=${sig}`,
    customizationLog: fx('file-failure.customization.log'),
  });
  expect(d.context.join('\n')).toContain(
    'Downloaded https://contosofiles.blob.core.windows.net/config/agent-config.json to /tmp/packer-files/agent-config.json',
  );
  const a = annotationOf(d);
  expect(`${a.title}\n${a.message}\n${JSON.stringify(d)}`).not.toContain(sig);
  const m = await diagnose({
    runState: 'Failed',
    message: `Build failed: https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&sig=${sig}`,
  });
  expect(JSON.stringify(m) + annotationOf(m).message).not.toContain(sig);
});
