// Preloaded (node --import) into the processes bench/startup.ts times: writes to stderr, once, at the first HTTP
// request the process creates (or at exit when it makes none), the ms since the process started and the CPU ms
// (user + system, all threads) it has used: the process's own view, less disturbed by a busy machine than wall time.
import dc from 'node:diagnostics_channel';
let said = false;
const say = (what) => {
  if (said) return;
  said = true;
  const c = process.cpuUsage();
  process.stderr.write(`startup-probe ${what} ${performance.now().toFixed(1)} ${((c.user + c.system) / 1000).toFixed(1)}\n`);
};
dc.subscribe('http.client.request.start', () => say('request'));
process.on('exit', () => say('exit'));
