/**
 * The runner channel cannot be reached from inside the container (issue 10,
 * part 1), on the real engine: a command runs as the runner's uid, yet cannot
 * open the runner's stdout or stdin, read its memory or environment, or ptrace
 * it; a process left behind to catch the next runner as it starts finds
 * nothing to catch; a runner that stops answering does not hold up a timeout.
 * The daemon-side defences against forged bytes are in runner/attacks.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecuteRequest, type Project } from '../contracts/index.ts';
import { containerTestEnv, dockerCli, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();
const ctx = { userId: null, keyId: null, clientType: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runner: the `perl -e` whose parent is outside the container (docker exec started it). */
const RUNNER_PID = `for d in /proc/[0-9]*; do c=$(tr '\\000' ' ' < $d/cmdline 2>/dev/null | head -c 7); pp=$(cut -d' ' -f4 $d/stat 2>/dev/null); [ "$c" = "perl -e" ] && [ "$pp" = 0 ] && echo \${d#/proc/}; done; true`;

/**
 * What a hostile command tries against every `perl -e` process but itself (the
 * runner and its pre-forked spare): open its stdout and stdin, read its memory
 * and environment, attach with ptrace (PTRACE_SEIZE: it would not stop the
 * runner). Where stdout opens it writes what the issue saw: output and an exit
 * record 42 for the first 64 command ids.
 */
const ATTACK = String.raw`
use Config;
my $ptrace = $Config{archname} =~ /^x86_64-/ ? 101 : $Config{archname} =~ /^aarch64-/ ? 117 : undef;
opendir(my $d, '/proc') or die "no /proc: $!";
for my $p (sort { $a <=> $b } grep { /^\d+$/ && $_ != $$ } readdir $d) {
  open(my $c, '<', "/proc/$p/cmdline") or next;
  my $cmd = do { local $/; <$c> } // '';
  next unless $cmd =~ /^perl\0-e\0/;
  my @r;
  for my $t (['fd1', '>', 'fd/1'], ['fd0', '>', 'fd/0'], ['fd0-read', '<', 'fd/0'], ['mem', '<', 'mem'], ['environ', '<', 'environ']) {
    my ($name, $mode, $file) = @$t;
    if (open(my $fh, $mode, "/proc/$p/$file")) {
      push @r, "$name=OPENED";
      next unless $name eq 'fd1';
      binmode $fh;
      syswrite($fh, pack('a1 N N', 'O', $_, 7) . "forged\n" . pack('a1 N N', 'X', $_, 6) . '42 0 0') for 1 .. 64;
    } else { push @r, "$name=" . ($!{EACCES} ? 'EACCES' : $!{EPERM} ? 'EPERM' : "$!") }
  }
  push @r, 'ptrace=' . (syscall($ptrace, 0x4206, $p + 0, 0, 0) == 0 ? 'ATTACHED' : $!{EPERM} ? 'EPERM' : "$!") if defined $ptrace;
  print "$p @r\n";
}
`;

/**
 * Left behind in the container (setsid, empty environment: no run's kill
 * reaches it), it waits for the next process docker exec starts (parent
 * outside the container) and opens its stdout at once, before a runner could
 * protect itself; when that was a runner, it forges exit records 42 and notes
 * the catch in /workspace/.grabbed.
 */
const WATCHER = String.raw`
my %tried;
my $end = time + 60;
while (time < $end) {
  opendir(my $d, '/proc') or last;
  for my $p (grep { /^\d+$/ && !$tried{$_} } readdir $d) {
    open(my $st, '<', "/proc/$p/stat") or next;
    my $line = <$st> // '';
    my $ppid = (split ' ', substr($line, rindex($line, ')') + 2))[1] // -1;
    next unless $ppid == 0 && $p != 1;
    open(my $fh, '>', "/proc/$p/fd/1") or next;
    $tried{$p} = 1;
    next if fork();    # the forging goes on in a child: the watch goes on at once
    binmode $fh;
    # Let the runner greet the daemon first (frames before its greeting would give the game away).
    select(undef, undef, undef, 0.3);
    open(my $c, '<', "/proc/$p/cmdline") or exit 0;
    my $cmd = <$c> // '';
    if ($cmd =~ /^perl\0-e\0/) { open(my $m, '>>', '/workspace/.grabbed'); print $m "$p\n"; close $m }
    for (1 .. 200) { syswrite($fh, pack('a1 N N', 'X', $_, 6) . '42 0 0') for 1 .. 32; select(undef, undef, undef, 0.01) }
    exit 0;
  }
  closedir $d;
}
`;

describe('the runner channel from inside the container (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let p: Project;
  let bystander: Project;
  before(async () => {
    requireDocker(reason);
    env = containerTestEnv({ killGraceMs: 500 });
    p = env.project('attacked');
    bystander = env.project('bystander');
    assert.equal((await env.containers.start(p)).channel, 'runner');
    await env.containers.start(bystander);
  });
  after(() => env?.close());

  test('a command cannot open the runner\'s stdout or stdin, read its memory or environment, or ptrace it; its forged exit records go nowhere', async () => {
    const sleeper = await env.containers.run(ctx, p, ExecuteRequest.parse({ command: 'sleep 25', detach: true }));
    const r = await env.exec(p, ['perl', '-e', ATTACK]);
    assert.equal(r.exit_code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    assert.ok(lines.length >= 1, `the runner was found: ${JSON.stringify(r.stdout)}`);
    for (const line of lines) {
      assert.doesNotMatch(line, /OPENED|ATTACHED/, line);
      assert.match(line, /fd1=EACCES fd0=EACCES fd0-read=EACCES mem=EACCES environ=EACCES( ptrace=EPERM)?$/, line);
    }
    await sleep(300);
    assert.equal(env.containers.getRun(p, sleeper.id).status, 'running', 'the detached command did not "exit 42"');
    const killed = await env.containers.killRun(p, sleeper.id, 'KILL');
    assert.equal(killed.status, 'killed');
    assert.equal(killed.stdout, '');
  });

  test('commands still get oom_score_adj 500 (the runner keeps 0)', async () => {
    assert.equal((await env.exec(p, 'cat /proc/self/oom_score_adj')).stdout, '500\n');
    const pid = (await env.exec(p, RUNNER_PID)).stdout.trim();
    assert.match(pid, /^\d+$/);
    assert.equal((await env.exec(p, `cat /proc/${pid}/oom_score_adj`)).stdout, '0\n');
  });

  test('a process left behind to catch the next runner as it starts catches nothing: the new runner opens in a restarted container', async () => {
    const q = env.project('watched');
    const first = await env.containers.start(q);
    writeFileSync(join(env.projects.workspace(q), 'watcher.pl'), WATCHER);
    await env.exec(q, 'setsid env -i perl /workspace/watcher.pl </dev/null >/dev/null 2>&1 &');
    await sleep(300);
    // The command kills the runner it runs under: its own end is never reported, and the channel is gone.
    const killer = await env.exec(q, `{ ${RUNNER_PID}; } | while read pid; do kill -9 $pid; done; sleep 5`);
    assert.equal(killer.status, 'failed');
    assert.match(killer.error ?? '', /runner ended/);
    const r = await env.exec(q, 'sleep 1; echo real; exit 3');
    assert.deepEqual([r.status, r.exit_code, r.stdout], ['exited', 3, 'real\n']);
    assert.equal(existsSync(join(env.projects.workspace(q), '.grabbed')), false, 'the watcher never caught a runner');
    const now = await env.containers.status(q);
    assert.equal(now.container_id, first.container_id);
    assert.ok((now.started_at ?? 0) > (first.started_at ?? 0), 'restarted before the new runner opened');
    const watchers = await env.exec(q, `for d in /proc/[0-9]*; do tr '\\000' ' ' < $d/cmdline 2>/dev/null | grep -q '^perl /workspace/watcher' && echo \${d#/proc/}; done; true`);
    assert.equal(watchers.stdout, '', 'the restart ended the watcher');
  });

  test('a runner that stops answering: a 2 s timeout still answers within seconds as timed_out, other projects carry on, the next command works', { timeout: 120_000 }, async () => {
    const q = env.project('stopped');
    const s = await env.containers.start(q);
    const pid = (await env.exec(q, RUNNER_PID)).stdout.trim();
    assert.match(pid, /^\d+$/);
    await dockerCli('exec', s.container_id ?? '', 'sh', '-c', `kill -STOP ${pid}`);
    const t0 = Date.now();
    const [r, other] = await Promise.all([env.exec(q, 'sleep 30', { timeout_seconds: 2 }), sleep(500).then(() => env.exec(bystander, 'echo fine'))]);
    const took = Date.now() - t0;
    assert.equal(r.status, 'timed_out');
    assert.equal(r.timed_out, true);
    assert.match(r.error ?? '', /did not answer a kill/);
    assert.ok(took < 10_000, `answered after ${took} ms`);
    assert.equal(other.stdout, 'fine\n');
    const next = await env.exec(q, 'echo again; ls /proc | grep -c "^[0-9]"');
    assert.equal(next.stdout.split('\n')[0], 'again');
    assert.ok(Number(next.stdout.split('\n')[1]) < 8, `nothing of the stuck run is left: ${next.stdout}`);
  });
});
