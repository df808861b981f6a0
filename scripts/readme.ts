// Keeps README's inputs and outputs tables in step with action.yml.
//   node scripts/readme.ts          rewrite the tables
//   node scripts/readme.ts --check  exit 1 when README is out of step
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseYaml, type YamlValue } from '../sim/github/action-yaml.ts';

type Map = { [key: string]: YamlValue };
const asMap = (v: YamlValue | undefined): Map => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const cell = (s: string): string =>
  s
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const doc = asMap(parseYaml(actionYml));
  const inputs = Object.entries(asMap(doc['inputs'])).map(([name, spec]) => {
    const s = asMap(spec);
    const def = typeof s['default'] === 'string' && s['default'] !== '' ? `\`${s['default']}\`` : '';
    const required = s['required'] === 'true' ? 'yes' : '';
    return `| \`${name}\` | ${required} | ${def} | ${cell(String(s['description'] ?? ''))} |`;
  });
  const outputs = Object.entries(asMap(doc['outputs'])).map(
    ([name, spec]) => `| \`${name}\` | ${cell(String(asMap(spec)['description'] ?? ''))} |`,
  );
  return {
    inputs: ['## Inputs', '', '| input | required | default | description |', '|---|---|---|---|', ...inputs].join('\n'),
    outputs: ['## Outputs', '', '| output | description |', '|---|---|', ...outputs].join('\n'),
  };
}

export function updateReadme(readme: string, actionYml: string): string {
  const tables = renderTables(actionYml);
  let text = readme;
  for (const part of ['inputs', 'outputs'] as const) {
    const start = `<!-- ${part}:start -->`;
    const end = `<!-- ${part}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
    text = `${text.slice(0, from + start.length)}\n${tables[part]}\n${text.slice(to)}`;
  }
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('..', import.meta.url);
  const readmePath = new URL('README.md', root);
  const readme = readFileSync(readmePath, 'utf8');
  const next = updateReadme(readme, readFileSync(new URL('action.yml', root), 'utf8'));
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md is out of step with action.yml: run `npm run readme`');
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, next);
  }
}
