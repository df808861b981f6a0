/**
 * Entry point of the main step. The light start (src/launch.ts: inputs, checks, the first sign-in request) is
 * all this bundle loads before its first request; the rest (src/session.ts) is a chunk of its own, loaded while
 * that request is in flight.
 */
import { reportFailure } from './failure.js';
import { boundMemory } from './heap.js';
import { launch } from './launch.js';

async function main(): Promise<void> {
  boundMemory();
  const started = await launch();
  const { runSession } = await import('./session.js');
  await runSession(started);
}

main().catch(reportFailure);
