// Lets plain `node --experimental-strip-types` run the action's own src/ modules, unbundled.
//
// src/ is written for tsc (NodeNext): relative imports say `./x.js`, and a few constructs are not
// erasable (e.g. parameter properties in src/logs/tail.ts), so Node's strip-only mode cannot load it.
// Two in-thread hooks, nothing else:
//   resolve: a relative `./x.js` that does not exist, imported from a .ts file, means `./x.ts`;
//   load:    .ts files under src/ go through Node's own TypeScript transform (mode 'transform',
//            the same engine as --experimental-transform-types); bench/ and sim/ stay strip-only.
// Import this module first (or pass `--import ./bench/hooks.ts`) and import src/ dynamically after it.
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

const srcRoot = new URL('../src/', import.meta.url).href;

// The transform is flagged experimental; one warning per process is noise in the figures.
const emit = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/stripTypeScriptTypes|Type Stripping/i.test(text)) return;
  (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' && /^\.\.?\/.*\.js$/.test(specifier) && context.parentURL?.endsWith('.ts')) {
        return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
      }
      throw err;
    }
  },
  load(url, context, nextLoad) {
    if (url.startsWith(srcRoot) && url.endsWith('.ts')) {
      const code = readFileSync(fileURLToPath(url), 'utf8');
      return { format: 'module', source: stripTypeScriptTypes(code, { mode: 'transform', sourceUrl: url }), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
