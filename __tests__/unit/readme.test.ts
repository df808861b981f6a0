import { readFileSync } from 'node:fs';
import { updateReadme } from '../../scripts/readme.ts';

test('README tables list every input and output of action.yml (run `npm run readme` to update)', () => {
  const readme = readFileSync('README.md', 'utf8');
  const actionYml = readFileSync('action.yml', 'utf8');
  expect(updateReadme(readme, actionYml)).toBe(readme);
});

test('a new input in action.yml makes the README stale', () => {
  const readme = readFileSync('README.md', 'utf8');
  const actionYml = readFileSync('action.yml', 'utf8').replace(
    'inputs:\n',
    "inputs:\n  brand-new:\n    description: 'x'\n    default: 'y'\n",
  );
  expect(updateReadme(readme, actionYml)).not.toBe(readme);
  expect(updateReadme(readme, actionYml)).toContain('| `brand-new` |  | `y` | x |');
});
