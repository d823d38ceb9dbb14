/**
 * Shell completion of the built CLI against a real daemon: the scripts parse
 * in their shells, `zeblit __complete` offers commands, options and live
 * values, a fresh answer comes from the cache without asking the daemon, an
 * older one is still offered when the daemon is gone, `completion install`
 * puts the script where each shell looks, and, typed in a real terminal
 * (tmux), <Tab> completes in bash, zsh and fish.
 *
 * Prerequisites: bash, and for the terminal and the zsh/fish tests tmux, zsh
 * and fish (`apt-get install -y tmux zsh fish`). Without them those tests are
 * skipped, or fail with ZEBLIT_REQUIRE_SHELLS=1 (what CI should set once it
 * installs them).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, CLI_JS, dataOf, request, runCli, sock, startDaemon, stopDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const REQUIRED = process.env.ZEBLIT_REQUIRE_SHELLS === '1';
function needs(...cmds: string[]): { skip?: string } {
  const missing = cmds.filter((c) => !has(c));
  if (missing.length === 0) return {};
  if (REQUIRED) return {};
  return { skip: `needs ${missing.join(', ')} (apt-get install -y ${missing.join(' ')}); ZEBLIT_REQUIRE_SHELLS=1 makes this a failure` };
}

describe('shell completion', () => {
  let home: string;
  let bin: string;
  let daemon: DaemonProc;
  let env: Record<string, string>;
  const complete = (...words: string[]) => runCli(home, ['__complete', ...words], { env });

  before(async () => {
    home = tempHome('compl');
    daemon = await startDaemon(home);
    for (const name of ['api', 'web-shop']) dataOf(await request(sock(daemon), { method: 'POST', path: '/api/v1/projects', json: { name, template: 'blank' } }));
    for (const path of ['src/main.py', 'src/util.py', 'README.md'])
      dataOf(await request(sock(daemon), { method: 'PUT', path: `/api/v1/projects/api/files/${path}`, json: { content: 'x' } }));
    // `zeblit` on PATH, as the scripts call it.
    bin = join(home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'zeblit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_JS}" "$@"\n`);
    chmodSync(join(bin, 'zeblit'), 0o755);
    env = { ZEBLIT_NO_AUTOSTART: '1' };
  });
  after(cleanup);

  it('prints a script for each shell that its shell parses', { ...needs('zsh', 'fish') }, async () => {
    for (const [shell, check] of [['bash', ['bash', '-n']], ['zsh', ['zsh', '-n']], ['fish', ['fish', '-n']]] as const) {
      const r = await runCli(home, ['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /zeblit __complete/);
      const file = join(home, `script.${shell}`);
      writeFileSync(file, r.stdout);
      execFileSync(check[0], [check[1], file]);
    }
    const bad = await runCli(home, ['completion', 'tcsh']);
    assert.equal(bad.code, 2);
  });

  it('offers commands, verbs and options from the manifest, with descriptions for zsh and fish', async () => {
    assert.deepEqual((await complete('bash', '1', 'zeblit', 'fi')).stdout, 'files\n');
    assert.match((await complete('zsh', '2', 'zeblit', 'daemon', 'st')).stdout, /^start\tStart zeblitd.*\nstatus\t.*\nstop\t/);
    assert.match((await complete('fish', '2', 'zeblit', 'list', '--s')).stdout, /^--search\tOnly projects/);
  });

  it('offers live values: project names, paths in the project, agents; files of this machine where a local path goes', async () => {
    assert.equal((await complete('bash', '2', 'zeblit', 'use', '')).stdout, 'api\nweb-shop\n');
    assert.equal((await complete('bash', '5', 'zeblit', 'files', 'cat', '-p', 'api', 'src/')).stdout, 'src/main.py\nsrc/util.py\n');
    assert.equal((await complete('bash', '5', 'zeblit', 'files', 'cat', '-p', 'api', '')).stdout, 'README.md\nsrc/\n');
    assert.match((await complete('bash', '3', 'zeblit', 'chat', '--agent', 'eng')).stdout, /^engineer\n$/);
    assert.equal((await complete('bash', '3', 'zeblit', 'files', 'put', '')).stdout, ':file\n');
  });

  it('answers from the cache while fresh (the daemon is not asked), and from an older answer when the daemon is gone', async () => {
    const log = join(home, 'logs', 'zeblitd.log');
    const asked = () => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"path":"/api/v1/projects"') && l.includes('"method":"GET"')).length;
    const before = asked();
    assert.equal((await complete('bash', '2', 'zeblit', 'use', '')).stdout, 'api\nweb-shop\n');
    assert.equal(asked(), before, 'the answer of the previous test was fresh');
    await stopDaemon(daemon);
    await waitFor('the socket to go', () => !existsSync(daemon.socket));
    // Older than its TTL would not matter: with no daemon, any cached answer beats none; nothing is started.
    assert.equal((await complete('bash', '2', 'zeblit', 'use', 'w')).stdout, 'web-shop\n');
    assert.ok(!existsSync(daemon.socket), 'a completion never starts the daemon');
    daemon = await startDaemon(home);
  });

  it('`completion install` puts the script where each shell looks, and adds its start-up line once', async () => {
    const h = join(home, 'user');
    mkdirSync(h);
    const run = (shell: string) => runCli(home, ['completion', 'install', '--shell', shell], { env: { HOME: h } });
    for (const shell of ['bash', 'zsh', 'fish']) {
      assert.equal((await run(shell)).code, 0);
      assert.equal((await run(shell)).code, 0);
    }
    assert.ok(existsSync(join(h, '.config', 'fish', 'completions', 'zeblit.fish')));
    assert.ok(existsSync(join(h, '.local', 'share', 'bash-completion', 'completions', 'zeblit')));
    assert.ok(existsSync(join(h, '.local', 'share', 'zsh', 'site-functions', '_zeblit')));
    for (const rc of ['.bashrc', '.zshrc']) assert.equal(readFileSync(join(h, rc), 'utf8').split('# zeblit completion').length - 1, 1, `${rc}: one line`);
    // A new interactive bash has the completion.
    const r = spawnSync('bash', ['-ic', 'complete -p zeblit'], { env: { HOME: h, PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    assert.match(r.stdout, /_zeblit_complete zeblit/);
    const sh = await runCli(home, ['completion', 'install'], { env: { HOME: h, SHELL: '/bin/tcsh' } });
    assert.equal(sh.code, 2);
    assert.match(sh.stderr, /--shell/);
  });

  it('answers the next <Tab> at the same place from the shell’s memo, without starting zeblit, for a few seconds', async () => {
    const script = join(home, 'memo.bash');
    writeFileSync(script, (await runCli(home, ['completion', 'bash'])).stdout);
    // Bash's completion call, as readline makes it: COMP_WORDS and COMP_CWORD set, COMPREPLY read after.
    const tab = (line: string) => `COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _zeblit_complete; echo "[\${COMPREPLY[*]}]"`;
    const run = spawnSync(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        [
          `source ${script}`,
          tab("zeblit use ''"), // asks zeblit
          'PATH=/nonexistent', // from here no zeblit can start
          tab('zeblit use we'), // same place, one more letter: the memo
          tab('zeblit use a'),
          tab("zeblit files cat -p api ''"), // another place: nothing to answer with
          'SECONDS=100', // past the memo's seconds
          tab('zeblit use we'),
        ].join('\n'),
      ],
      { env: { ...process.env, ZEBLIT_HOME: home, ZEBLIT_NO_AUTOSTART: '1', PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), ['[api web-shop]', '[web-shop]', '[api]', '[]', '[]']);
  });

  it('fish keeps its answers the same way: the next <Tab> at the same place starts no zeblit', { ...needs('fish') }, async () => {
    const script = join(home, 'memo.fish');
    writeFileSync(script, (await runCli(home, ['completion', 'fish'])).stdout);
    // A zeblit that notes each start, then runs the real one.
    const counted = join(home, 'counted');
    mkdirSync(counted, { recursive: true });
    const starts = join(home, 'starts.log');
    writeFileSync(join(counted, 'zeblit'), `#!/bin/sh\necho start >> ${starts}\nexec "${process.execPath}" "${CLI_JS}" "$@"\n`);
    chmodSync(join(counted, 'zeblit'), 0o755);
    const values = (out: string) => out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    const fish = (lines: string[]) =>
      spawnSync('fish', ['--no-config', '-c', [`source ${script}`, ...lines].join('\n')], { env: { ...process.env, ZEBLIT_HOME: home, ZEBLIT_NO_AUTOSTART: '1', PATH: `${counted}:/usr/bin:/bin` }, encoding: 'utf8' });
    const r = fish(["complete -C 'zeblit use '", 'echo ---', "complete -C 'zeblit use we'", 'echo ---', "complete -C 'zeblit files cat -p api '"]);
    assert.equal(r.status, 0, r.stderr);
    const [all, we, files] = r.stdout.split('---\n');
    assert.deepEqual(values(all ?? ''), ['api', 'web-shop']);
    assert.deepEqual(values(we ?? ''), ['web-shop']);
    assert.ok(values(files ?? '').includes('README.md'), files);
    assert.equal(readFileSync(starts, 'utf8').trim().split('\n').length, 2, 'two places, two starts: the second <Tab> at the first place was the memo');
  });

  /** Types `line`, presses Tab, and returns the screen's last line once it settles. */
  async function typeAndTab(shell: string[], setup: string, line: string): Promise<string> {
    const session = `zbl-${process.pid}-${shell[0]}`;
    const shellEnv = `env -i HOME=${home}/user ZEBLIT_HOME=${home} ZEBLIT_NO_AUTOSTART=1 PATH=${bin}:/usr/bin:/bin TERM=xterm`;
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '30', `${shellEnv} ${shell.join(' ')}`]);
    try {
      const screen = () => execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).trimEnd().split('\n').filter((l) => l.trim() !== '');
      execFileSync('tmux', ['send-keys', '-t', session, `${setup}; clear`, 'Enter']);
      await waitFor('the shell to be ready', () => screen().length === 1, 10_000, 50);
      execFileSync('tmux', ['send-keys', '-t', session, line, 'Tab']);
      return await waitFor(`<Tab> after "${line}"`, () => {
        const last = screen().at(-1) ?? '';
        return last.includes(line) && last.trimEnd().length > last.indexOf(line) + line.length ? last : undefined;
      }, 15_000, 100);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  }

  it('completes in a real terminal: bash', { ...needs('tmux') }, async () => {
    const script = join(home, 'script.bash');
    writeFileSync(script, (await runCli(home, ['completion', 'bash'])).stdout);
    assert.match(await typeAndTab(['bash', '--norc', '--noprofile'], `source ${script}`, 'zeblit files cat -p api READ'), /zeblit files cat -p api README\.md/);
    assert.match(await typeAndTab(['bash', '--norc', '--noprofile'], `source ${script}`, 'zeblit use web'), /zeblit use web-shop/);
  });

  it('completes in a real terminal: zsh', { ...needs('tmux', 'zsh') }, async () => {
    const script = join(home, 'script.zsh');
    writeFileSync(script, (await runCli(home, ['completion', 'zsh'])).stdout);
    assert.match(await typeAndTab(['zsh', '-f'], `autoload -Uz compinit && compinit -u; source ${script}`, 'zeblit use web'), /zeblit use web-shop/);
  });

  it('completes in a real terminal: fish', { ...needs('tmux', 'fish') }, async () => {
    const script = join(home, 'script.fish');
    writeFileSync(script, (await runCli(home, ['completion', 'fish'])).stdout);
    assert.match(await typeAndTab(['fish', '--no-config'], `source ${script}`, 'zeblit use web'), /zeblit use web-shop/);
  });
});
