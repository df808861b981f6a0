// Boolean inputs accept exactly what @actions/core's getBooleanInput accepts (the YAML 1.2 core schema
// spellings): true/True/TRUE and false/False/FALSE. Source: actions/toolkit packages/core/src/core.ts
// getBooleanInput (trueValue = ['true', 'True', 'TRUE'], falseValue = ['false', 'False', 'FALSE']).
import { describe, expect, it } from '@jest/globals';
import { InputError, parseSettings } from '../../src/settings.js';

const base = { 'subscription-id': '11111111-1111-1111-1111-111111111111', 'resource-group': 'rg', 'template-name': 't' };
const inputs =
  (v: Record<string, string>) =>
  (name: string): string =>
    v[name] ?? '';

describe('boolean inputs', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ] as const)('accept %s', (value, expected) => {
    const s = parseSettings(inputs({ ...base, 'stream-logs': value, 'job-summary': value }), {});
    expect(s.streamLogs).toBe(expected);
    expect(s.jobSummary).toBe(expected);
  });

  it.each(['yes', 'no', 'on', '1', '0', 'tRUE', 'fAlse'])('refuse %s, naming the spellings accepted', (value) => {
    let caught: unknown;
    try {
      parseSettings(inputs({ ...base, 'job-summary': value }), {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toBe(
      `Input 'job-summary' has the value '${value}': expected true or false (also True, TRUE, False or FALSE).`,
    );
  });
});
