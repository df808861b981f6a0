import { renderGantt, renderSummary } from '../../src/summary.js';

const t = (s: string): Date => new Date(`2026-11-25T${s}Z`);

test('the duration is written as src/duration.ts formats it (seconds in, its form out)', () => {
  const row = (durationSeconds: number): string | undefined =>
    /\| Duration \| (.*) \|/.exec(renderSummary({ template: 't', runState: 'Succeeded', durationSeconds }))?.[1];
  expect(row(45)).toBe('45s');
  expect(row(125)).toBe('2m05s');
  expect(row(3723)).toBe('1h02m03s');
});

test('no SAS, key or auth header of the diagnosis reaches the summary', () => {
  const sig = 'Zm9vYmFyU0VDUkVUc2lnbmF0dXJl%2Bxyz%3D';
  const md = renderSummary({
    template: 't',
    runState: 'Failed',
    diagnosis: {
      title: `Customizer 'https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&se=2026-11-26T00%3A00%3A00Z&sig=${sig}' (File) failed`,
      context: [
        `Downloading https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&se=2026-11-26T00%3A00%3A00Z&sig=${sig} => /tmp/f.sh`,
        'AccountKey=S3cr3tK3y==;',
      ],
      errorLines: ['Authorization: Bearer eyJhbGciOi.secret.token'],
    },
  });
  expect(md).toContain('https://x.blob.core.windows.net/c/f.sh => /tmp/f.sh');
  expect(md).not.toContain(sig);
  expect(md).not.toContain('S3cr3tK3y');
  expect(md).not.toContain('eyJhbGciOi');
});

test('success summary: table, image ID, artifact link, gantt with seconds', () => {
  const md = renderSummary({
    template: 'ubuntu-web',
    resourceGroup: 'images-rg',
    runState: 'Succeeded',
    startTime: t('10:00:00'),
    endTime: t('10:30:15'),
    imageId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.0.0',
    logsArtifactUrl: 'https://github.com/o/r/actions/runs/1/artifacts/2',
    logsArtifactName: 'image-builder-logs-ubuntu-web-build-1',
    timeline: [
      { name: 'Queued', start: t('10:00:00') },
      { name: 'Building', start: t('10:00:40') },
      { name: 'Customizing', start: t('10:05:00') },
      { name: 'Distributing', start: t('10:25:00') },
    ],
  });
  expect(md).toContain('## ✅ Image Builder: ubuntu-web — Succeeded');
  expect(md).toContain('| Duration | 30m15s |');
  expect(md).toContain(
    '<code>/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.0.0</code>',
  );
  expect(md).toContain('[image-builder-logs-ubuntu-web-build-1](https://github.com/o/r/actions/runs/1/artifacts/2)');
  expect(md).toContain('```mermaid\ngantt\n');
  expect(md).toContain('dateFormat YYYY-MM-DD HH:mm:ss');
  expect(md).toContain('  Queued :done, s0, 2026-11-25 10:00:00, 2026-11-25 10:00:40');
  expect(md).toContain('  Distributing :done, s3, 2026-11-25 10:25:00, 2026-11-25 10:30:15');
  expect(md).not.toContain('What went wrong');
});

test('failure summary: the last phase is critical and the diagnosis is shown', () => {
  const md = renderSummary({
    template: 'win|2022',
    runState: 'Failed',
    durationSeconds: 600,
    endTime: t('10:10:00'),
    timeline: [
      { name: 'Building', start: t('10:00:00') },
      { name: 'Customizing', start: t('10:02:00') },
    ],
    diagnosis: {
      title: "Customizer 'a.ps1' (PowerShell) failed: exit 1",
      context: ['line with ``` fence'],
      errorLines: ['Script exited with non-zero exit status: 1'],
      hint: 'Fix the script.',
      customizer: "Customizer 'a.ps1' (PowerShell)",
    },
  });
  expect(md).toContain('win\\|2022');
  expect(md).toContain('Customizing :crit, s1, 2026-11-25 10:02:00, 2026-11-25 10:10:00');
  expect(md).toContain("**Customizer 'a.ps1' (PowerShell) failed: exit 1**");
  // The cause lines first, then the last lines before the error; the fix and the failing step above them.
  expect(md).toContain('````text\nScript exited with non-zero exit status: 1\n---\nline with ``` fence\n````');
  expect(md).toContain('**Fix:** Fix the script.');
  expect(md).toContain("Failed step: <code>Customizer 'a.ps1' (PowerShell)</code>");
});

test('renderGantt: nothing without times', () => {
  expect(renderGantt([], undefined, 'Failed')).toBe('');
  expect(renderGantt([{ name: 'Queued', start: t('10:00:00') }], undefined, 'Canceled')).toBe('');
});
