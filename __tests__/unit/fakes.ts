/** Fakes shared by the unit tests (no mock library). */
import type { ImageBuilderOps, RunRequest } from '../../src/imagebuilder.js';
import type { Reporter } from '../../src/report.js';
import type { RunOutputInfo, RunStatus, TemplateInfo } from '../../src/types.js';
import type { Clock } from '../../src/wait.js';

export class FakeClock implements Clock {
  t = Date.parse('2026-01-01T10:00:00Z');
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (!signal?.aborted) this.t += ms;
  }
}

export class FakeReporter implements Reporter {
  lines: string[] = [];
  warnings: string[] = [];
  errors: Array<{ message: string; title?: string }> = [];
  outputs: Record<string, string> = {};
  state: Record<string, string> = {};
  stateLog: Array<[string, string]> = [];
  failed = false;
  info(m: string): void {
    this.lines.push(m);
  }
  warning(m: string): void {
    this.warnings.push(m);
  }
  error(message: string, title?: string): void {
    this.errors.push(title === undefined ? { message } : { message, title });
  }
  debug(): void {}
  setOutput(n: string, v: string): void {
    this.outputs[n] = v;
  }
  saveState(n: string, v: string): void {
    this.state[n] = v;
    this.stateLog.push([n, v]);
  }
  setSecret(): void {}
  markFailed(): void {
    this.failed = true;
  }
}

/** A template whose lastRunStatus follows a script: each getTemplate() after the first consumes one step. */
export class FakeOps implements ImageBuilderOps {
  calls: string[] = [];
  template: TemplateInfo;
  /** Statuses served by getTemplate after the initial read (the last one repeats). */
  script: Array<RunStatus | Error> = [];
  /** Statuses served after cancelRun was called (the last one repeats). */
  afterCancel: RunStatus[] = [];
  outputs: RunOutputInfo[] = [];
  startError: Error | undefined;
  /** What the run's operation reports when read while the template still shows the previous run. */
  runOperationEnded: RunStatus | undefined;
  cancelError: Error | undefined;
  private reads = 0;
  private afterCancelReads = 0;
  private canceled = false;

  constructor(initial: Partial<TemplateInfo> = {}) {
    this.template = {
      id: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.VirtualMachineImages/imageTemplates/tpl',
      name: 'tpl',
      location: 'westeurope',
      stagingResourceGroupId: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/IT_rg_tpl_0000',
      runOutputNames: ['managed', 'vhd'],
      distributeTypes: ['ManagedImage', 'VHD'],
      ...initial,
    };
  }

  async getTemplate(): Promise<TemplateInfo> {
    this.calls.push('get');
    if (this.reads++ === 0) return this.template;
    let step: RunStatus | Error | undefined;
    if (this.canceled && this.afterCancel.length > 0) {
      step = this.afterCancel[Math.min(this.afterCancelReads++, this.afterCancel.length - 1)];
    } else {
      step = this.script[Math.min(this.reads - 2, this.script.length - 1)];
    }
    if (step instanceof Error) throw step;
    const t: TemplateInfo = { ...this.template };
    if (step) t.lastRunStatus = step;
    return t;
  }
  async startRun(): Promise<RunRequest> {
    this.calls.push('run');
    if (this.startError) throw this.startError;
    return {
      endedUnseen: async () => {
        this.calls.push('operation');
        return this.runOperationEnded;
      },
    };
  }
  async cancelRun(): Promise<void> {
    this.calls.push('cancel');
    if (this.cancelError) throw this.cancelError;
    this.canceled = true;
  }
  async listRunOutputs(): Promise<RunOutputInfo[]> {
    this.calls.push('runOutputs');
    return this.outputs;
  }
}
