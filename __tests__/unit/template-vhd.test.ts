// vhd-destination's copy planning and its guard on where a storage token may go (src/template/vhd.ts).
import { describe, expect, it } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';
import { chunksOf, copyUrlFor, createVhdKeeper, PAGE_CHUNK, withoutQuery, type VhdCopyOptions } from '../../src/template/vhd.js';

const credential: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const log = { info: (): void => undefined };
const DEST = 'https://mine.blob.core.windows.net/kept';
const settings = { vhdDestination: DEST, storageSuffix: 'core.windows.net', timeoutMs: 60_000 };
type Output = { name: string; artifactUri?: string; artifactId?: string };
const isVhd = (o: Output): boolean => !o.artifactId && !!o.artifactUri;

describe('VHD copy planning', () => {
  it('splits written ranges into Put Page From URL chunks of at most 4 MiB, holes skipped', () => {
    expect(chunksOf([{ start: 0, end: 511 }])).toEqual([{ offset: 0, count: 512 }]);
    expect(
      chunksOf([
        { start: 0, end: PAGE_CHUNK * 2 + 511 },
        { start: PAGE_CHUNK * 5, end: PAGE_CHUNK * 5 + 1023 },
      ]),
    ).toEqual([
      { offset: 0, count: PAGE_CHUNK },
      { offset: PAGE_CHUNK, count: PAGE_CHUNK },
      { offset: PAGE_CHUNK * 2, count: 512 },
      { offset: PAGE_CHUNK * 5, count: 1024 },
    ]);
  });

  it('names the copy after the source blob, without the SAS', () => {
    const src = 'https://staging1.blob.core.windows.net/vhds/img_123.vhd?sv=x&sig=secret';
    expect(withoutQuery(src)).toBe('https://staging1.blob.core.windows.net/vhds/img_123.vhd');
    expect(copyUrlFor(withoutQuery(src), `${DEST}/`)).toBe(`${DEST}/img_123.vhd`);
  });
});

describe('createVhdKeeper', () => {
  it('copies each VHD output, leaves the others, and points the VHD at its copy', async () => {
    const calls: string[] = [];
    const copy = async (source: string, dest: string, _o: VhdCopyOptions): Promise<string> => {
      calls.push(source);
      return copyUrlFor(source, dest);
    };
    const keeper = createVhdKeeper(settings, credential, copy);
    const outputs: Output[] = [
      { name: 'img', artifactId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i' },
      { name: 'vhd', artifactUri: 'https://staging1.blob.core.windows.net/vhds/a.vhd?sig=secret' },
    ];
    const kept = await keeper.keep(outputs, isVhd, log);
    expect(kept).toEqual({ outputs: [outputs[0], { name: 'vhd', artifactUri: `${DEST}/a.vhd` }] });
    expect(calls).toEqual(['https://staging1.blob.core.windows.net/vhds/a.vhd']);
    expect(keeper.state()).toBe('copied');
  });

  it("sends no token to a source off the cloud's blob endpoints, and says the template is kept", async () => {
    let copied = false;
    const keeper = createVhdKeeper(settings, credential, async () => {
      copied = true;
      return '';
    });
    const kept = await keeper.keep([{ name: 'vhd', artifactUri: 'https://evil.example/vhds/a.vhd' }], isVhd, log);
    expect(copied).toBe(false);
    expect('error' in kept && kept.error).toMatch(
      /Could not copy VHD https:\/\/evil\.example\/vhds\/a\.vhd of run output vhd to .*not on a blob endpoint of this cloud/,
    );
    expect(keeper.state()).toBe('failed');
  });

  it('a failed copy: an error for the step, state failed (the template must not be deleted)', async () => {
    const changes: string[] = [];
    const keeper = createVhdKeeper(settings, credential, async () => {
      throw new Error('Could not copy VHD a to b (vhd-destination): 403 AuthorizationPermissionMismatch.');
    });
    keeper.onChange = () => changes.push(keeper.state());
    const kept = await keeper.keep([{ name: 'vhd', artifactUri: 'https://staging1.blob.core.windows.net/vhds/a.vhd' }], isVhd, log);
    expect('error' in kept && kept.error).toMatch(/403 AuthorizationPermissionMismatch\. The template and its VHD are kept/);
    expect(changes).toEqual(['copying', 'failed']);
  });

  it('no VHD among the outputs: nothing copied, deleting is safe', async () => {
    const keeper = createVhdKeeper(settings, credential, async () => {
      throw new Error('not expected');
    });
    expect(await keeper.keep([{ name: 'img', artifactId: '/x' }], isVhd, log)).toEqual({ outputs: [{ name: 'img', artifactId: '/x' }] });
    expect(keeper.state()).toBe('copied');
  });
});
