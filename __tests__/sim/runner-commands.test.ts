// The harness reads a step's output as the real runner does (sources: actions/runner at 258d6c8,
// src/Runner.Sdk/ProcessInvoker.cs (StreamReader.ReadLine), src/Runner.Worker/Handlers/OutputManager.cs,
// src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse), src/Runner.Worker/ActionCommandManager.cs
// (stop-commands), so a test sees what a runner sees.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../sim/runner.ts';
import { LineSplitter, parseRunnerCommand } from '../../sim/github/commands.ts';

describe('line splitting (StreamReader.ReadLine)', () => {
  it('ends a line at \\n, \\r\\n and a lone \\r, also across chunks', () => {
    const s = new LineSplitter();
    expect(s.push('50%\r::error::x\r\nnext\nhalf')).toEqual(['50%', '::error::x', 'next']);
    expect(s.push(' line\r')).toEqual([]); // a \r at the end may be the first half of \r\n
    expect(s.push('\nafter\r')).toEqual(['half line']);
    expect(s.push('x')).toEqual(['after']);
    expect(s.end()).toBe('x');
    expect(s.end()).toBeUndefined();
  });
});

describe('command parsing (ActionCommand)', () => {
  it('takes `::` after leading white space (as .NET TrimStart sees it) and the legacy `##[` anywhere in a line', () => {
    expect(parseRunnerCommand('  ::error::x')).toMatchObject({ command: 'error', data: 'x' });
    expect(parseRunnerCommand('\u0085::warning::x')).toMatchObject({ command: 'warning', data: 'x' });
    expect(parseRunnerCommand('progress ##[error]boom')).toMatchObject({ command: 'error', data: 'boom' });
    expect(parseRunnerCommand('::ERROR::upper')).toMatchObject({ command: 'error', data: 'upper' });
    expect(parseRunnerCommand('x ::error::not at the start')).toBeUndefined();
    expect(parseRunnerCommand('::unknown::x')).toBeUndefined();
    expect(parseRunnerCommand(':\u200b:error::x')).toBeUndefined();
    expect(parseRunnerCommand('##\u200b[error]x')).toBeUndefined();
    expect(parseRunnerCommand('::set-output name=a::b')).toMatchObject({ command: 'set-output', properties: { name: 'a' }, data: 'b' });
  });
});

describe('the harness as a runner', () => {
  it('honours stop-commands until the token, a lone \\r, legacy commands and masks, as the runner does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-cmd-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'action.yml'), 'name: t\nruns:\n  using: node24\n  main: main.js\n');
    writeFileSync(
      join(dir, 'a', 'main.js'),
      [
        "process.stdout.write('50%\\r::error::from a progress bar\\n');",
        "process.stdout.write('text ##[warning]legacy anywhere\\n');",
        "process.stdout.write('::stop-commands::resume-token-123\\n');",
        "process.stdout.write('::error::ignored while stopped\\n::add-mask::hidden\\n');",
        "process.stdout.write('::resume-token-123::\\n');",
        "process.stdout.write('::notice::after resume\\n');",
        "process.stdout.write('::set-output name=o::v\\n');",
      ].join('\n'),
    );
    const r = await runAction({ actionDir: join(dir, 'a'), runnerDir: join(dir, 'runner'), timeoutMs: 30_000 });
    expect(r.main.annotations).toEqual([
      { level: 'error', message: 'from a progress bar' },
      { level: 'warning', message: 'legacy anywhere' },
      { level: 'notice', message: 'after resume' },
    ]);
    expect(r.main.masks).toEqual(['resume-token-123']);
    expect(r.main.log).toContain('::error::ignored while stopped\n::add-mask::hidden\n');
    expect(r.main.log).toContain('::stop-commands::***\n');
    expect(r.main.log).toContain('50%\n##[error]from a progress bar\n');
    expect(r.main.outputs).toEqual({ o: 'v' });
  });
});
