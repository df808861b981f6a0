// Memory of a running process from Linux's /proc: the node process that runs a given script (the harness
// may start it through a wrapper), and VmRSS / VmHWM sampled at a fixed period while it runs.
import { readdirSync, readFileSync } from 'node:fs';

export interface RssSample {
  /** ms since the Unix epoch. */
  at: number;
  rss: number;
}

export interface RssTrace {
  pid: number;
  samples: RssSample[];
  /** VmHWM (peak RSS) at the last successful read before the process went away, bytes. */
  hwm: number;
}

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: the fields after its ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid` itself or its nearest descendant whose command line runs `script` (a node process), or undefined. */
export function processRunning(pid: number, script: string): number | undefined {
  const runs = (p: number): boolean => (cmdline(p) ?? []).some((a) => a === script || a.endsWith(script));
  if (runs(pid)) return pid;
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    const p = Number(e);
    if (!Number.isInteger(p)) continue;
    const pp = parentOf(p);
    if (pp !== undefined) children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (runs(p)) return p;
    queue.push(...(children.get(p) ?? []));
  }
  return undefined;
}

function statusKb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    const r = { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    return Number.isFinite(r.rss) ? r : undefined; // a zombie has no Vm* lines
  } catch {
    return undefined;
  }
}

/**
 * Samples the process started as `pid` (or its descendant running `script`, found within a few tries) every
 * `periodMs` until stop() or until it is gone.
 */
export function sampleRss(pid: number, script: string, periodMs = 50): { stop(): RssTrace } {
  const trace: RssTrace = { pid: 0, samples: [], hwm: 0 };
  let target: number | undefined;
  const tick = (): void => {
    target ??= processRunning(pid, script);
    if (target === undefined) return;
    trace.pid = target;
    const s = statusKb(target);
    if (!s) return;
    trace.samples.push({ at: Date.now(), rss: s.rss });
    trace.hwm = Math.max(trace.hwm, s.hwm);
  };
  tick();
  const timer = setInterval(tick, periodMs);
  return {
    stop: () => {
      clearInterval(timer);
      return trace;
    },
  };
}
