/** Durations as users write them: `45s`, `90m`, `2h30m`, `1h`, `500ms`, `1.5h`, or a bare number of minutes. */

type Unit = 'ms' | 's' | 'm' | 'h';

const UNIT_MS: Record<Unit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_RANK: Record<Unit, number> = { h: 3, m: 2, s: 1, ms: 0 };

function isUnit(u: string | undefined): u is Unit {
  return u === 'ms' || u === 's' || u === 'm' || u === 'h';
}

/** setTimeout cannot wait longer than this (about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export const DURATION_FORM = 'a positive duration such as 45s, 90m, 2h30m, 1h or 500ms, or a plain number of minutes';

/** Parses a duration into milliseconds; returns undefined when the text is not a valid positive duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(s)) {
    ms = Number(s) * UNIT_MS.m;
  } else {
    const part = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*/y;
    ms = 0;
    let seen = 0;
    let lastRank = Infinity;
    while (part.lastIndex < s.length) {
      const match = part.exec(s);
      const unit = match?.[2];
      if (!match || !isUnit(unit)) return undefined;
      // units must go from larger to smaller, each at most once: 2h30m, not 30m2h or 1m1m
      if (UNIT_RANK[unit] >= lastRank) return undefined;
      lastRank = UNIT_RANK[unit];
      ms += Number(match[1]) * UNIT_MS[unit];
      seen++;
    }
    if (seen === 0) return undefined;
  }
  ms = Math.round(ms);
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_DURATION_MS) return undefined;
  return ms;
}

/** Formats milliseconds for people: `450ms`, `42s`, `3m05s`, `2h04m05s` (seconds always shown above a minute). */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const sec = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h === 0) return `${m}m${pad(sec)}s`;
  return `${h}h${pad(m)}m${pad(sec)}s`;
}
