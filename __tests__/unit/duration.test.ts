import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['90m', 5_400_000],
    ['2h30m', 9_000_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['30', 1_800_000],
    ['2.5', 150_000],
    ['1h 5m 3s', 3_903_000],
    [' 10M ', 600_000],
    ['1m30s', 90_000],
    ['3s200ms', 3200],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '0',
    '0s',
    '-5m',
    '-5',
    'abc',
    '5x',
    'm',
    '1h1h',
    '30m2h',
    '1.2.3m',
    '5 minutes',
    'Infinity',
    '1e3',
    '10d',
    '999999h',
    '0.0001ms',
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [450, '450ms'],
    [42_000, '42s'],
    [185_000, '3m05s'],
    [7_445_000, '2h04m05s'],
  ])('%d -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats hours with minutes and seconds, as its doc says', () => {
    expect(formatDuration(2 * 3_600_000 + 4 * 60_000 + 5_000)).toBe('2h04m05s');
  });
});
