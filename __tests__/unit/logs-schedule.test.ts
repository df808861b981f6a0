// When the real log source asks ARM and when it only lists blobs, on a fake clock: polls are calls of find()
// one poll interval apart. Nothing here is timed.
//
// What the service does, and what it leaves open (so both "not there yet" cases are covered):
// - the staging resource group is created with the template; "to run the build ... the service then deploys
//   additional resources for the build"; after the build "all resources are deleted, except for the staging resource
//   group and the storage account" (MicrosoftDocs/azure-compute-docs, articles/virtual-machines/image-builder-overview.md,
//   "How it works"). So on a template's later runs the account and its packerlogs container are there from the start;
//   when the first run creates the account is not documented: it may not be there at the first polls.
// - customization.log is written while the build runs and can be read then: a customizer held with a sleep, "then
//   ... find the IT_t_* resource group, Storage Account > Blobs > packerlogs > ... customization.log"
//   (danielsollondon/azvmimagebuilder#33, the Image Builder PM); a log read mid-build held only packer's output
//   so far (Azure/azvmimagebuilder#4). Its first lines are packer's (image-builder-troubleshoot.md, "Stages of the
//   customization log").
import type { TokenCredential } from '@azure/core-auth';
import type { ContainerClient } from '@azure/storage-blob';
import type { ArmJson } from '../../src/logs/locate.js';
import { LOOK_CAP_POLLS, lookSchedule } from '../../src/logs/schedule.js';
import { stagingLogSource } from '../../src/logs/source.js';
import { recordingSink } from './logs-fakes.js';

const POLL = 1000;
const account = {
  name: 'aibstaging1',
  id: '/subscriptions/s/resourceGroups/IT_g/providers/Microsoft.Storage/storageAccounts/aibstaging1',
  properties: { primaryEndpoints: { blob: 'https://aibstaging1.blob.core.windows.net/' } },
  tags: { createdby: 'AzureVMImageBuilder' },
};

/** A staging group on a fake clock: its accounts (ARM), its packerlogs container and blobs (storage), counted. */
function staging(pollIntervalMs = POLL, random: () => number = () => 0.5) {
  let now = 0;
  const world = {
    accounts: [] as unknown[],
    container: false,
    blobs: [] as Array<{ name: string; createdOn: Date }>,
    armError: undefined as object | undefined,
  };
  /** Clock times (in polls) of each ARM request, and the number of blob listings. */
  const armAt: number[] = [];
  let listings = 0;
  const notFound = { statusCode: 404, code: 'ContainerNotFound', message: 'The specified container does not exist.' };
  const arm = {
    async request(method: string): Promise<unknown> {
      armAt.push(now / pollIntervalMs);
      if (world.armError) throw world.armError;
      if (method !== 'GET') throw new Error('no listKeys expected');
      return { value: world.accounts };
    },
  } as unknown as ArmJson;
  const container = {
    listBlobsFlat: () => {
      listings++;
      const all = async function* () {
        if (!world.container) throw notFound;
        for (const b of world.blobs) yield { name: b.name, properties: { createdOn: b.createdOn } };
      };
      return Object.assign(all(), {
        byPage: () => ({
          next: async () => {
            if (!world.container) throw notFound;
            return { done: true, value: undefined };
          },
        }),
      });
    },
    getBlobClient: (path: string) => ({ url: `https://aibstaging1.blob.core.windows.net/packerlogs/${path}` }),
  } as unknown as ContainerClient;
  const sink = recordingSink();
  const source = stagingLogSource({
    credential: {} as TokenCredential,
    armEndpoint: 'https://management.azure.com',
    subscriptionId: 's',
    stagingResourceGroup: '/subscriptions/s/resourceGroups/IT_g',
    sink,
    pollIntervalMs,
    clock: { now: () => now },
    random,
    arm,
    containerFactory: async () => container,
  });
  /** One poll: the clock moves to poll `n`, then find() runs as createBuildLogs runs it. */
  const poll = async (n: number, final = false) => {
    now = n * pollIntervalMs;
    return source.find({ notBefore: new Date(0), ...(final ? { final } : {}) });
  };
  return { world, poll, armAt, listings: () => listings, sink, source };
}

describe('no storage account in the staging group yet', () => {
  test('ARM is asked at once, then after 1, 2, 4, 8 polls, then every 10: never once per poll', async () => {
    const s = staging();
    for (let n = 0; n <= 60; n++) expect(await s.poll(n)).toBeUndefined();
    expect(s.armAt).toEqual([0, 1, 3, 7, 15, 25, 35, 45, 55]);
    expect(s.listings()).toBe(0); // no account, nothing to list
    expect(s.sink.warnings).toEqual([]);
  });

  test.each([
    ['1 s', 1000],
    ['15 s', 15_000],
  ])('a build-hour at a %s poll, with jitter: about one ARM read per ten polls on top of the status read', async (_l, ms) => {
    const s = staging(ms, Math.random);
    const polls = 3_600_000 / ms;
    for (let n = 0; n < polls; n++) await s.poll(n);
    // At the cap a look comes 7 to 12 polls after the last (±25 % jitter, half a poll early), 10 on average; plus the ramp.
    expect(s.armAt.length).toBeLessThanOrEqual(Math.ceil(polls / 8) + 5);
    expect(s.armAt.length).toBeGreaterThanOrEqual(Math.floor(polls / 13));
  });

  test('the account appears: it is found at the next look, and from then on each poll is one blob listing and no ARM call', async () => {
    const s = staging();
    for (let n = 0; n <= 30; n++) await s.poll(n);
    const armBefore = s.armAt.length;
    s.world.accounts = [account];
    s.world.container = true;
    // Next look at poll 35 (25 + 10): the account and its (empty) container are found then.
    for (let n = 31; n <= 35; n++) expect(await s.poll(n)).toBeUndefined();
    expect(s.armAt.slice(armBefore)).toEqual([35]);
    const listed = s.listings();
    for (let n = 36; n <= 95; n++) expect(await s.poll(n)).toBeUndefined();
    expect(s.armAt.slice(armBefore)).toEqual([35]);
    expect(s.listings() - listed).toBe(60);
    // Packer writes its first line: found at the very next poll.
    s.world.blobs.push({ name: 'g1/customization.log', createdOn: new Date(96 * POLL) });
    const found = await s.poll(96);
    expect(found?.customization.url).toBe('https://aibstaging1.blob.core.windows.net/packerlogs/g1/customization.log');
    expect(s.armAt.slice(armBefore)).toEqual([35]);
    expect(s.sink.warnings).toEqual([]);
  });

  test('the last look (the run has ended) is not held back by the backoff', async () => {
    const s = staging();
    for (let n = 0; n <= 16; n++) await s.poll(n); // looks at 0, 1, 3, 7, 15; the next is due at 25
    s.world.accounts = [account];
    s.world.container = true;
    s.world.blobs.push({ name: 'g1/customization.log', createdOn: new Date(16 * POLL) });
    expect(await s.poll(17)).toBeUndefined();
    const found = await s.poll(18, true);
    expect(found?.customization.url).toMatch(/g1\/customization\.log$/);
    expect(s.armAt).toEqual([0, 1, 3, 7, 15, 18]);
  });

  test('a failing ARM look counts as a look: the next one waits as well (no ARM call per poll while ARM fails)', async () => {
    const s = staging();
    s.world.armError = { statusCode: 400, code: 'BadRequest', message: 'bad' };
    const errors: string[] = [];
    for (let n = 0; n <= 8; n++) await s.poll(n).catch((e: Error) => errors.push(e.message));
    expect(s.armAt).toEqual([0, 1, 3, 7]);
    expect(errors).toEqual(['bad', 'bad', 'bad', 'bad']);
  });
});

describe('an account without its packerlogs container yet (404 ContainerNotFound)', () => {
  test('is "not there yet": no warning, ARM backs off, and the log is found once the container holds it', async () => {
    const s = staging();
    s.world.accounts = [account];
    for (let n = 0; n <= 10; n++) expect(await s.poll(n)).toBeUndefined();
    expect(s.armAt).toEqual([0, 1, 3, 7]);
    s.world.container = true;
    s.world.blobs.push({ name: 'g2/customization.log', createdOn: new Date(11 * POLL) });
    for (let n = 11; n <= 14; n++) expect(await s.poll(n)).toBeUndefined();
    expect((await s.poll(15))?.customization.url).toMatch(/g2\/customization\.log$/);
    expect(s.armAt).toEqual([0, 1, 3, 7, 15]);
    expect(s.sink.warnings).toEqual([]);
  });

  test('a known container that answers 404 (gone, or not made again yet) is "not there yet" each poll, without warnings or ARM', async () => {
    const s = staging();
    s.world.accounts = [account];
    s.world.container = true;
    expect(await s.poll(0)).toBeUndefined();
    s.world.container = false;
    for (let n = 1; n <= 20; n++) expect(await s.poll(n)).toBeUndefined();
    expect(s.armAt).toEqual([0]);
    expect(s.sink.warnings).toEqual([]);
  });
});

test('lookSchedule: due at once; each miss waits about one poll more, doubling, up to the cap', () => {
  let now = 0;
  const sched = lookSchedule(2000, { now: () => now }, () => 0.5);
  const gaps: number[] = [];
  let last = 0;
  for (now = 0; now <= 200_000; now += 2000) {
    if (!sched.due()) continue;
    gaps.push(now - last);
    last = now;
    sched.missed(now);
  }
  expect(gaps.slice(0, 7)).toEqual([0, 2000, 4000, 8000, 16_000, 20_000, 20_000]);
  expect(Math.max(...gaps)).toBe(2000 * LOOK_CAP_POLLS);
});
