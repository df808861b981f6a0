import { join } from 'node:path';
import { annotationOf, cleanLine, diagnose, excerpt } from '../../src/logs/diagnose.js';

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
    expect(d.title).toBe(
      "Customizer '/tmp/script_1.sh' (Shell) failed: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]",
    );
    expect(d.errorLines).toContain('E: Unable to locate package contoso-agent');
    expect(d.context.at(-1)).toBe('E: Unable to locate package contoso-agent');
    expect(d.context).toContain('+ sudo apt-get install -y nginx-full contoso-agent');
    expect(d.context.join('\n')).not.toMatch(/Hit:1|Deleting Virtual Machine|telemetry/);
  });

  test('PowerShell failure', async () => {
    const d = await diagnose({ runState: 'Failed', runSubState: 'Customizing', customizationLog: fx('windows-powershell-failure.customization.log') });
    expect(d.customizer).toEqual({ name: 'C:\\Windows\\Temp\\script-install-tools.ps1', type: 'PowerShell' });
    expect(d.title).toMatch(/non-zero exit status: 1\b/);
    expect(d.errorLines.some((l) => /exited with code 1603/.test(l))).toBe(true);
  });

  test('Windows restart failure', async () => {
    const d = await diagnose({ runState: 'Failed', runSubState: 'Customizing', customizationLog: fx('windows-restart-failure.customization.log') });
    expect(d.customizer?.type).toBe('WindowsRestart');
    expect(d.title).toMatch(/WindowsRestart.*Timeout waiting for machine to restart/);
    expect(d.errorLines.some((l) => /timed out waiting for WinRM/.test(l))).toBe(true);
  });

  test('File customizer failure', async () => {
    const d = await diagnose({ runState: 'Failed', customizationLog: fx('file-failure.customization.log') });
    expect(d.customizer).toEqual({ name: '/tmp/packer-files/agent-config.json => /etc/contoso/agent/config.json', type: 'File' });
    expect(d.title).toMatch(/\(File\) failed: Upload failed: scp: .*No such file or directory/);
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
    expect(d.title).toMatch(/^Validation failed in validator '\/tmp\/validate_0.sh' \(Shell\): Script exited with non-zero exit status: 7/);
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
    expect((await diagnose({ runState: 'Canceled', runSubState: 'Distributing' })).title).toBe('The build was canceled during Distributing.');
  });

  test('a missing log file is not an error', async () => {
    const d = await diagnose({ runState: 'Failed', message: 'boom', customizationLog: fx('nope.log') });
    expect(d.title).toBe('The build failed: boom');
  });

  test('excerpt is bounded', () => {
    const d = { errorLines: ['x'.repeat(300)], context: Array.from({ length: 50 }, () => 'y'.repeat(300)), title: 't' };
    expect(excerpt(d, 1000).length).toBeLessThanOrEqual(1000);
  });
});

test('annotationOf: one-line title, bounded message with the error line', async () => {
  const d = await diagnose({ runState: 'Failed', runSubState: 'Customizing', customizationLog: fx('linux-shell-failure.customization.log') });
  const a = annotationOf(d, 1500);
  expect(a.title).not.toMatch(/\n/);
  expect(a.title.length).toBeLessThanOrEqual(200);
  expect(a.message.length).toBeLessThanOrEqual(1500);
  expect(a.message).toContain('E: Unable to locate package contoso-agent');
  expect(annotationOf({ ...d, title: 'x'.repeat(500) }).title).toHaveLength(200);
});
