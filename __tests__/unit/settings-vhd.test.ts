// vhd-destination: a blob container URL the identity signs in to with Entra ID; anything else is refused before
// any call, naming the input, the value (no SAS echoed) and the expected form.
import { describe, expect, it } from '@jest/globals';
import { InputError, parseSettings } from '../../src/settings.js';

const base = { 'subscription-id': '11111111-1111-1111-1111-111111111111', 'resource-group': 'rg', 'template-name': 'ubuntu-2404' };
const inputs =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';
const parse = (v: string, more: Record<string, string> = {}) => parseSettings(inputs({ ...base, ...more, 'vhd-destination': v }), {});

function refusal(v: string, more: Record<string, string> = {}): InputError {
  try {
    parse(v, more);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`'${v}' was accepted`);
}

describe('vhd-destination', () => {
  it('is unset by default', () => {
    expect(parseSettings(inputs(base), {}).vhdDestination).toBeUndefined();
  });

  it('takes a container URL, trailing slash dropped; path-style for an address (an emulator)', () => {
    expect(parse('https://myacct.blob.core.windows.net/vhds/').vhdDestination).toBe('https://myacct.blob.core.windows.net/vhds');
    expect(parse('https://myacct.blob.core.usgovcloudapi.net/kept-images').vhdDestination).toBe(
      'https://myacct.blob.core.usgovcloudapi.net/kept-images',
    );
    expect(parse('https://127.0.0.1:10000/devstoreaccount1/vhds').vhdDestination).toBe('https://127.0.0.1:10000/devstoreaccount1/vhds');
  });

  it.each([
    ['not a URL', 'vhds'],
    ['http', 'http://myacct.blob.core.windows.net/vhds'],
    ['no container', 'https://myacct.blob.core.windows.net/'],
    ['a blob, not a container', 'https://myacct.blob.core.windows.net/vhds/image.vhd'],
    ['a bad container name', 'https://myacct.blob.core.windows.net/VHDs'],
    ['a container name with a double hyphen', 'https://myacct.blob.core.windows.net/a--b'],
  ])('refuses %s, naming the input, value and form', (_why, v) => {
    const err = refusal(v);
    expect(err.input).toBe('vhd-destination');
    expect(err.message).toContain(`'${v}'`);
    expect(err.message).toMatch(/expected an https blob container URL without a SAS/);
  });

  it('refuses a SAS or user-info without echoing it', () => {
    for (const v of [
      'https://myacct.blob.core.windows.net/vhds?sv=2022-11-02&sig=s3cretSig',
      'https://user:s3cretPw@myacct.blob.core.windows.net/vhds',
    ]) {
      const err = refusal(v);
      expect(err.input).toBe('vhd-destination');
      expect(err.message).not.toMatch(/s3cret/);
      expect(err.message).toMatch(/without a SAS, query or user-info/);
    }
  });

  it('is refused with wait: false (no VHD exists before the step ends)', () => {
    expect(refusal('https://myacct.blob.core.windows.net/vhds', { wait: 'false' }).message).toMatch(
      /Input 'vhd-destination' .*expected no value when wait is false/,
    );
  });
});
