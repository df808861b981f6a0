// The runner harness: inputs, file commands, workflow commands, post steps and cancellation,
// shown with tiny fixture actions in __tests__/fixtures/actions.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateStatusCondition, inputEnvName, readActionDefinition, runAction } from '../../sim/runner.ts';
import { parseYaml } from '../../sim/github/action-yaml.ts';
import { parseKeyValueFile, parseWorkflowCommand } from '../../sim/github/commands.ts';
import { startGitHubSim } from '../../sim/github/index.ts';
import { Journal } from '../../sim/server.ts';
import { ensureCertificate } from '../../sim/tls.ts';
import { openZip } from '../../sim/zip.ts';

const fixtures = join(process.cwd(), '__tests__', 'fixtures', 'actions');

describe('action.yml reader', () => {
  it('reads the repository action.yml: every input with its default, main and post', () => {
    const def = readActionDefinition(process.cwd());
    expect(def.runs).toEqual({ using: 'node24', main: 'dist/main/index.js', post: 'dist/post/index.js' });
    expect(def.inputs['resource-group']).toMatchObject({ required: true });
    expect(def.inputs['resource-group']?.default).toBeUndefined();
    expect(def.inputs['timeout']?.default).toBe('4h');
    // Empty: the action resolves the cloud's own audience from `environment`.
    expect(def.inputs['audience']?.default).toBe('');
    expect(def.inputs['audience']?.description).toContain('api://AzureADTokenExchangeUSGov');
    expect(def.inputs['preflight']?.description).toContain("template's network");
    expect(def.outputs).toEqual(expect.arrayContaining(['run-state', 'image-uri', 'logs-artifact-url']));
    // Cross-check the input names against a plain scan of the file.
    const text = readFileSync(join(process.cwd(), 'action.yml'), 'utf8');
    const inputsBlock = text.slice(text.indexOf('\ninputs:'), text.indexOf('\noutputs:'));
    const names = [...inputsBlock.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    expect(Object.keys(def.inputs)).toEqual(names);
  });

  it('handles quotes, comments and block scalars', () => {
    const doc = parseYaml(
      [
        'a: "x # not a comment" # a comment',
        "b: 'it''s'",
        'c: |',
        '  one',
        '    two',
        '',
        'd: >-',
        '  folded',
        '  text',
        'e:',
        '  - p',
        "  - 'q'",
        'f: plain: colon',
      ].join('\n'),
    );
    expect(doc).toEqual({ a: 'x # not a comment', b: "it's", c: 'one\n  two\n', d: 'folded text', e: ['p', 'q'], f: 'plain: colon' });
  });

  it('input names, conditions and command parsing follow the runner', () => {
    expect(inputEnvName('resource-group')).toBe('INPUT_RESOURCE-GROUP');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
    expect(evaluateStatusCondition(undefined, 'cancelled')).toBe(true);
    expect(evaluateStatusCondition('success()', 'failure')).toBe(false);
    expect(evaluateStatusCondition('${{ failure() }}', 'failure')).toBe(true);
    expect(parseWorkflowCommand('::error title=A%3A b%2C c,file=x.ts,line=3::50%25%0Adone')).toEqual({
      command: 'error',
      properties: { title: 'A: b, c', file: 'x.ts', line: '3' },
      data: '50%\ndone',
    });
    expect(parseWorkflowCommand('plain text :: not a command')).toBeUndefined();
    expect(parseKeyValueFile('a=1\nb<<EOF\nx\ny=z\nEOF\n', 'T')).toEqual({ a: '1', b: 'x\ny=z' });
    expect(() => parseKeyValueFile('b<<EOF\nx\n', 'GITHUB_OUTPUT')).toThrow(/matching delimiter not found/);
  });
});

describe('runAction', () => {
  it('runs main then post like the runner: inputs, outputs, state, env, path, annotations, masks, summary', async () => {
    const chunks: string[] = [];
    const savedProxy = process.env['HTTPS_PROXY'];
    const savedNodeOptions = process.env['NODE_OPTIONS'];
    process.env['HTTPS_PROXY'] = 'http://proxy.invalid:3128'; // must not reach the action
    process.env['NODE_OPTIONS'] = '--experimental-vm-modules'; // the harness's own, must not reach the action
    const res = await runAction({
      actionDir: join(fixtures, 'basic'),
      with: { 'resource-group': 'rg-images', secret: 's3cr3t-value', 'not-declared': 'x' },
      inheritEnv: true,
      onOutput: (c, _s, phase) => chunks.push(`${phase}:${c}`),
    }).finally(() => {
      if (savedProxy === undefined) delete process.env['HTTPS_PROXY'];
      else process.env['HTTPS_PROXY'] = savedProxy;
      if (savedNodeOptions === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = savedNodeOptions;
    });
    const { main, post } = res;
    expect(main.exitCode).toBe(0);
    expect(main.conclusion).toBe('success');

    // Inputs: defaults overlaid with `with:`, names as the runner spells them.
    const inputs = JSON.parse(main.outputs['inputs'] ?? '{}') as Record<string, string>;
    expect(inputs).toMatchObject({
      'INPUT_RESOURCE-GROUP': 'rg-images',
      'INPUT_POLL-INTERVAL': '15s',
      INPUT_MY_INPUT: 'plain value',
      INPUT_FAIL: 'false',
      INPUT_SECRET: 's3cr3t-value',
      'INPUT_NOT-DECLARED': 'x',
    });
    expect(main.annotations[0]).toMatchObject({ level: 'warning', message: expect.stringContaining("Unexpected input(s) 'not-declared'") });

    // Outputs, state, env and path from the file commands (heredoc format).
    expect(main.outputs['multi']).toBe('line 1\nline 2\n::not-a-command::');
    expect(main.outputs['node']).toBe(`${process.version} ${process.execPath}`);
    expect(main.state).toEqual({ token: 'state-value', json: '{"a":1}' });
    expect(main.env).toEqual({ FROM_MAIN: 'exported' });
    expect(main.path).toEqual(['/opt/fixture/bin']);

    // Workflow commands.
    expect(main.annotations.slice(1)).toEqual([
      { level: 'notice', message: 'a notice' },
      { level: 'warning', message: 'careful: 50%, really', title: 'Heads up' },
      {
        level: 'error',
        message: 'bad thing\nsecond line',
        title: 'Build failed: customizer',
        file: 'scripts/setup.sh',
        line: 12,
        endLine: 14,
        col: 3,
      },
    ]);
    expect(main.masks).toEqual(['s3cr3t-value']);
    expect(main.groups).toEqual(['Group one']);
    expect(main.debug).toEqual(['a debug line']);
    expect(main.stdout).toContain('after mask: s3cr3t-value');
    expect(main.log).toContain('before mask: s3cr3t-value');
    expect(main.log).toContain('after mask: ***');
    expect(main.log).not.toContain('after mask: s3cr3t');
    expect(main.log).toContain('##[group]Group one\ninside the group\n##[endgroup]');
    expect(main.stderr).toContain('proxy=none node_options=none');

    // The post step: state, env and path carried, same inputs.
    expect(post?.conclusion).toBe('success');
    expect(post?.outputs).toEqual({
      'state-token': 'state-value',
      'state-json': '{"a":1}',
      'from-main': 'exported',
      'path-head': '/opt/fixture/bin',
      'input-rg': 'rg-images',
    });
    expect(res.summary).toBe('<h2>Main summary</h2>\nmain body\npost body\n');
    expect(main.summary).toBe('<h2>Main summary</h2>\nmain body\n');

    // The process environment the runner would give.
    expect(main.processEnv).toMatchObject({
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_WORKSPACE: res.workspace,
      RUNNER_TEMP: res.runnerTemp,
      NO_PROXY: '127.0.0.1,localhost',
    });
    expect(chunks.some((c) => c.startsWith('main:') && c.includes('inside the group'))).toBe(true);
  });

  it('a failing main fails the step; post-if: success() skips the post', async () => {
    const res = await runAction({ actionDir: join(fixtures, 'post-if-success'), with: { 'resource-group': 'rg' } });
    expect(res.main.exitCode).toBe(1);
    expect(res.main.conclusion).toBe('failure');
    expect(res.main.annotations.at(-1)).toEqual({ level: 'error', message: 'asked to fail' });
    expect(res.post).toBeUndefined();
  });

  it('cancel: a cooperative action stops on SIGINT; its state reaches the post step', async () => {
    const res = await runAction({ actionDir: join(fixtures, 'cooperative'), cancel: { onLine: /waiting for the build/ } });
    expect(res.main.signalsSent.map((s) => s.signal)).toEqual(['SIGINT']);
    expect(res.main.conclusion).toBe('cancelled');
    expect(res.main.exitCode).toBe(1);
    expect(res.main.annotations).toEqual([{ level: 'error', message: 'Canceled: the workflow was canceled' }]);
    // Well before the runner's SIGTERM at 7.5 s (the bound that matters), generous for a loaded machine.
    expect(res.main.exitedAt - (res.main.sigintAt ?? 0)).toBeLessThan(6000);
    expect(res.post?.outputs['build']).toBe('canceled-by-main');
  });

  it('cancel: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that on an action that ignores both', async () => {
    let ready!: () => void;
    const started = new Promise<void>((r) => (ready = r));
    const res = await runAction({
      actionDir: join(fixtures, 'stubborn'),
      onOutput: (c) => {
        if (c.includes('ready')) ready();
      },
      cancel: { when: started },
    });
    const m = res.main;
    expect(m.signalsSent.map((s) => s.signal)).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    const [int, term, kill] = m.signalsSent.map((s) => s.at) as [number, number, number];
    expect(m.sigintAt).toBe(int);
    expect(term - int).toBeGreaterThanOrEqual(7500);
    expect(term - int).toBeLessThan(8500);
    expect(kill - term).toBeGreaterThanOrEqual(2500);
    expect(kill - term).toBeLessThan(3500);
    expect(m.signal).toBe('SIGKILL');
    expect(m.exitCode).toBeNull();
    expect(m.conclusion).toBe('cancelled');
    // The action saw both signals, in order, about 7.5 s apart.
    const gotInt = Number(/got SIGINT at (\d+)/.exec(m.stdout)?.[1]);
    const gotTerm = Number(/got SIGTERM at (\d+)/.exec(m.stdout)?.[1]);
    expect(gotTerm - gotInt).toBeGreaterThan(7300);
    expect(gotTerm - gotInt).toBeLessThan(8500);
    // State written before the kill reaches the post step (post-if defaults to always()).
    expect(res.post?.outputs['seen']).toBe([m.state['started'], m.state['sigint'], m.state['sigterm']].join(','));
    expect(m.state['sigterm']).toBeDefined();
  }, 30_000);

  it('cancel through an AbortSignal', async () => {
    const ac = new AbortController();
    const res = await runAction({
      actionDir: join(fixtures, 'cooperative'),
      onOutput: (c) => {
        if (c.includes('waiting for the build')) ac.abort();
      },
      cancel: { signal: ac.signal },
    });
    expect(res.main).toMatchObject({ conclusion: 'cancelled', cancelledBy: 'workflow' });
    expect(res.post?.outputs['build']).toBe('canceled-by-main');
  });

  it('does not hang when a grandchild keeps stdout open after the action exits', async () => {
    const res = await runAction({ actionDir: join(fixtures, 'orphan') });
    const pid = Number(/orphan pid (\d+)/.exec(res.main.stdout)?.[1]);
    try {
      expect(res.main).toMatchObject({ exitCode: 0, conclusion: 'success' });
      // The grandchild holds stdout for 30 s: ending well before that proves the harness did not wait for it.
      expect(res.main.durationMs).toBeLessThan(20_000);
    } finally {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  it('timeout-minutes uses the same sequence and fails the step; the safety net kills', async () => {
    const t = await runAction({ actionDir: join(fixtures, 'cooperative'), stepTimeoutMs: 300, runPost: false });
    expect(t.main).toMatchObject({ cancelledBy: 'timeout-minutes', conclusion: 'failure', timedOut: false });
    expect(t.main.signalsSent.map((s) => s.signal)).toEqual(['SIGINT']);
    const k = await runAction({ actionDir: join(fixtures, 'stubborn'), timeoutMs: 500, runPost: false });
    expect(k.main).toMatchObject({ timedOut: true, signal: 'SIGKILL', conclusion: 'failure' });
    expect(k.main.durationMs).toBeLessThan(5000);
  });
});

describe('runAction against the GitHub simulator', () => {
  it('an action run by the harness mints an ID token and uploads an artifact over https with the sim cert', async () => {
    const cert = ensureCertificate(mkdtempSync(join(tmpdir(), 'ibr-runner-cert-')));
    const sim = await startGitHubSim(cert, new Journal());
    try {
      const res = await runAction({ actionDir: join(fixtures, 'github-client'), env: sim.env, caCertPath: cert.certPath });
      expect(res.main.annotations).toEqual([]);
      expect(res.main.conclusion).toBe('success');
      expect(res.main.outputs['aud']).toBe('api://AzureADTokenExchange');
      expect(sim.oidc.mints).toHaveLength(1);
      // core masks the ID token: the runner's log never shows it.
      const token = sim.oidc.mints[0]?.token ?? '';
      expect(res.main.masks).toContain(token);
      expect(res.main.log).toContain('token: ***');
      expect(res.main.log).not.toContain(token);
      const stored = sim.artifacts.find('fixture-logs');
      expect(String(stored?.id)).toBe(res.main.outputs['artifact-id']);
      expect(stored?.retentionDays).toBe(3);
      expect(stored && openZip(stored.bytes).readText('customization.log')).toBe('hello from the build\n');
    } finally {
      await sim.close();
    }
  });
});
