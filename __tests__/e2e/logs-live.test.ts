// End to end, the live tail keeps up with a short build: at `poll-interval: 1s`, a build whose phases last
// seconds and whose customization.log first exists when packer writes its first line, mid-build. Its lines
// reach the job log while the build runs (before later status lines, by their order in the output, not by
// wall-clock), and looking for the log adds no ARM read per poll (counted in the simulator's journal).
//
// Why the log may not exist at the first polls: its content begins with packer's output (the troubleshooting
// doc's "Stages of the customization log", MicrosoftDocs/azure-compute-docs
// articles/virtual-machines/linux/image-builder-troubleshoot.md), and it is written to and readable during the build
// (danielsollondon/azvmimagebuilder#33; Azure/azvmimagebuilder#4). The simulator's `logBlobCreated: 'first-write'`.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { PhaseSpec } from '../../sim/azure/index.ts';
import { addTemplate, check, simulator, stateLines, warnings, type Simulator, type TemplateHandle } from './helpers.ts';
import { blobBytes, expectEachLineOnceInOrder, expectReadOnceByRange, linesOf, runLogs } from './logs-helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.stop();
});

/**
 * Phases of a few seconds each. Nothing is written for the first 7 s, so the log first exists mid-build, well after
 * the action's first polls (which find nothing), and the build ends 7 s later.
 */
function shortBuild(tag: string): PhaseSpec[] {
  const lines = (s: string, n: number): string[] =>
    Array.from({ length: n }, (_, i) => `PACKER OUT     azure-arm: ${tag} ${s} line ${i + 1} of ${n}`);
  return [
    { subState: 'Queued', durationMs: 3000, lines: [] },
    { subState: 'Building', durationMs: 4000, lines: [] },
    { subState: 'Customizing', durationMs: 4000, lines: lines('Customizing', 6) },
    { subState: 'Distributing', durationMs: 3000, lines: lines('Distributing', 3) },
  ];
}

/** The ARM requests made for one template: its own paths, and the storage-account listing of its staging group. */
function armRequests(t: TemplateHandle): { all: number; polls: number; storage: number; others: string[] } {
  const template = `/imageTemplates/${t.name}`.toLowerCase();
  const group = `/resourceGroups/${t.stagingResourceGroupName}/`.toLowerCase();
  const mine = sim.journal.filter(
    (q) => q.service === 'arm' && (q.path.toLowerCase().includes(template) || q.path.toLowerCase().includes(group)),
  );
  const isPoll = (q: { method: string; path: string }): boolean => q.method === 'GET' && q.path.toLowerCase().endsWith(template);
  return {
    all: mine.length,
    polls: mine.filter(isPoll).length,
    others: mine.filter((q) => !isPoll(q)).map((q) => `${q.method} ${q.path.split('/').slice(-2).join('/')}`),
    storage: mine.filter((q) => q.path.toLowerCase().includes('/providers/microsoft.storage/')).length,
  };
}

test.concurrent(
  'poll-interval 1s, a build of seconds, the log written mid-build: lines print live, and ARM reads stay about one per poll',
  async () => {
    const t = addTemplate(sim, 'live', { logBlobCreated: 'first-write', phases: shortBuild('live') });
    const r = await runLogs(sim, t, { with: { 'poll-interval': '1s', 'upload-logs': 'never', 'job-summary': 'false' } });
    const blob = await blobBytes(sim, t);
    const arm = armRequests(t);
    // The figure the report quotes (ARM requests per poll for this build).
    process.stdout.write(
      `[logs-live] polls ${arm.polls}, ARM requests ${arm.all} (${(arm.all / Math.max(1, arm.polls)).toFixed(2)} per poll); ` +
        `besides the polls: ${arm.others.join(', ')}\n`,
    );
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expectEachLineOnceInOrder(r, blob);
      const log = linesOf(r.main.log);
      const firstLine = log.findIndex((l) => l.includes('live Customizing line 1 of 6'));
      const state = (name: RegExp): number => log.findIndex((l) => stateLines(l).length > 0 && name.test(l));
      const distributing = state(/Running \/ Distributing/);
      const done = state(/Succeeded/);
      expect(firstLine).toBeGreaterThanOrEqual(0);
      expect(distributing).toBeGreaterThan(0);
      // Printed while the build ran: before the final status line, and even before the next phase's status line
      // (the first line is written as Customizing begins, four 1 s polls before Distributing does).
      expect(done).toBeGreaterThan(firstLine);
      expect(distributing).toBeGreaterThan(firstLine);
      // ARM: one template read per poll; looking for the log added one storage-account listing (the account is
      // there from the start), not one per poll. A few more: the run request, its outputs, the final status.
      expect(arm.polls).toBeGreaterThanOrEqual(5);
      expect(arm.storage).toBeLessThanOrEqual(2);
      expect(arm.all).toBeLessThanOrEqual(arm.polls + 6);
      expectReadOnceByRange(sim, t, blob.length);
      expect(warnings(r.main)).toEqual([]);
    });
  },
);

test.concurrent(
  'the staging account appears only after the run starts: ARM is asked again with a backoff, not every poll, and the log still prints live',
  async () => {
    const t = addTemplate(sim, 'live-late', {
      logBlobCreated: 'first-write',
      stagingAccountAfterMs: 5000,
      phases: [
        { subState: 'Queued', durationMs: 3000, lines: [] },
        { subState: 'Building', durationMs: 7000, lines: [] },
        ...shortBuild('late').slice(2),
      ],
    });
    const r = await runLogs(sim, t, { with: { 'poll-interval': '1s', 'upload-logs': 'never', 'job-summary': 'false' } });
    const blob = await blobBytes(sim, t);
    const arm = armRequests(t);
    process.stdout.write(
      `[logs-live, late account] polls ${arm.polls}, ARM requests ${arm.all} (${(arm.all / Math.max(1, arm.polls)).toFixed(2)} per poll); ` +
        `besides the polls: ${arm.others.join(', ')}\n`,
    );
    check(r, () => {
      expect(r.main.exitCode).toBe(0);
      expectEachLineOnceInOrder(r, blob);
      const log = linesOf(r.main.log);
      const firstLine = log.findIndex((l) => l.includes('late Customizing line 1 of 6'));
      const distributing = log.findIndex((l) => stateLines(l).length > 0 && /Running \/ Distributing/.test(l));
      expect(firstLine).toBeGreaterThanOrEqual(0);
      expect(distributing).toBeGreaterThan(firstLine);
      // Absent for the first 5 s of a build of about 17 polls: looks at about 0, 1, 3 and 7 polls, then none.
      expect(arm.polls).toBeGreaterThanOrEqual(8);
      expect(arm.storage).toBeGreaterThanOrEqual(2);
      expect(arm.storage).toBeLessThanOrEqual(6);
      expect(arm.storage).toBeLessThan(arm.polls / 2);
      expect(arm.all).toBeLessThanOrEqual(arm.polls + arm.storage + 4);
      expect(warnings(r.main)).toEqual([]);
    });
  },
);
