# zeblit runner: started once per container through one long-lived `docker exec`,
# it runs the commands the daemon sends on stdin and sends their output back on
# stdout, multiplexed. Only perl-base modules (present even in Debian minbase).
#
# Frame (both directions): type (1 byte), id (uint32 BE), length (uint32 BE), payload.
# In:  S spawn   payload: flags \0 tag \0 cwd \0 argc \0 argv... \0 KEY=VALUE...
#      I stdin data   C close stdin   K kill (payload: "signal command-id tag")
#      P pause output   U resume output   H ping
# Out: R ready ("zeblit-runner <protocol> <pid> dumpable=<0|1>")   O stdout   E stderr
#      X exit ("code signal oom": oom is 1 when the kernel's OOM killer ended it)   F spawn failed (message)   k killed (count)   h pong
# No frame the runner sends carries more than 65536 bytes of payload: the
# daemon treats a longer one as a broken channel.
#
# Invariants: every command runs in its own process group, so a kill reaches
# its whole tree (group, session, and the ZEBLIT_RUN_TAG it inherits); an X
# frame comes after every byte of that command's output; when the daemon goes
# away (stdin closes) every command still running is killed. The channel is
# the daemon's alone: the runner is not dumpable (see the BEGIN block).
#
# Speed: fork is the expensive part of starting a command (milliseconds in a
# VM), so a spare child is forked ahead of time, waiting on a pipe for its
# command; a spawn hands it the command, and the next spare is forked once
# nothing runs (or the runner is idle). No POSIX module: a smaller perl forks faster.

# First of all, before any command can run: the runner makes itself
# non-dumpable (prctl PR_SET_DUMPABLE 0). Commands run as the same uid, and
# without this any of them could open /proc/<runner>/fd/1 and write frames the
# daemon trusts (a forged exit record, a 2 GiB length), or ptrace the runner.
# A non-dumpable process's /proc files belong to root and ptrace needs
# CAP_SYS_PTRACE, which containers do not have. Children inherit it until they
# exec. The greeting says whether it worked, and the daemon refuses a runner
# that is still dumpable. (A process already in the container could get in
# during the few milliseconds before this runs: the daemon therefore opens a
# runner only in a freshly started container, see lifecycle.ts.)
our ($SYS_PRCTL, $DUMPABLE);
BEGIN {
  require Config;
  my $arch = $Config::Config{archname} // '';
  $SYS_PRCTL = $arch =~ /^x86_64-/ ? 157 : $arch =~ /^(aarch64|riscv64)-/ ? 167 : $arch =~ /^(i\d86|arm)/ ? 172 : $arch =~ /^(powerpc|ppc)/ ? 171 : undef;
  # PR_SET_DUMPABLE is 4, PR_GET_DUMPABLE 3: read back what the kernel now says.
  $DUMPABLE = defined $SYS_PRCTL && syscall($SYS_PRCTL, 4, 0, 0, 0, 0) == 0 ? syscall($SYS_PRCTL, 3, 0, 0, 0, 0) : 1;
}
use strict;
use warnings;
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Errno qw(EINTR EAGAIN EWOULDBLOCK ENOENT);

binmode STDIN;
binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
use constant WNOHANG => 1;

my %procs;     # id => { pid, sid, tag, out, err, in, inbuf, inclose, status, paused, oom0, killed }
my $spare;     # { pid, ctl, in, out, err }: a forked child waiting for its command
my $rbuf = '';
my $stdin_open = 1;

pipe(my $sig_r, my $sig_w) or die "pipe: $!";
nonblock($sig_r);
nonblock($sig_w);
$SIG{CHLD} = sub { syswrite($sig_w, 'x') };

sub nonblock {
  my ($fh) = @_;
  my $flags = fcntl($fh, F_GETFL, 0) or return;
  fcntl($fh, F_SETFL, $flags | O_NONBLOCK);
}

sub out_frame {
  my ($type, $id, $payload) = @_;
  my $buf = pack('a1 N N', $type, $id, length $payload) . $payload;
  while (length $buf) {
    my $n = syswrite(STDOUT, $buf);
    if (!defined $n) {
      next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
      exit 0;    # the daemon is gone
    }
    substr($buf, 0, $n, '');
  }
}

# In a freshly forked child: drop the runner's handles (other commands' pipes
# must not be held open by a waiting spare), and default signal dispositions.
sub child_setup {
  setpgrp(0, 0);
  $SIG{$_} = 'DEFAULT' for qw(PIPE CHLD INT TERM HUP QUIT);
  for my $p (values %procs) { close $_ for grep { defined } ($p->{out}, $p->{err}, $p->{in}) }
  close $sig_r;
  close $sig_w;
}

# Becomes the command: never returns.
sub become {
  my ($payload, $ir, $ow, $ew) = @_;
  my @f = split /\0/, $payload, -1;
  my ($flags, $tag, $cwd, $argc) = splice(@f, 0, 4);
  my @argv = splice(@f, 0, $argc // 0);
  if (index($flags // '', 'i') >= 0) { open(STDIN, '<&', $ir) } else { open(STDIN, '<', '/dev/null') }
  open(STDOUT, '>&', $ow);
  open(STDERR, '>&', $ew);
  close $_ for ($ir, $ow, $ew);
  # Nothing of the runner's is open here any more (child_setup and the lines
  # above closed it), so the child may be dumpable again: a non-dumpable
  # process's /proc/self files belong to root, and it could not write
  # oom_score_adj. exec makes the command dumpable in any case.
  syscall($SYS_PRCTL, 4, 1, 0, 0, 0) if defined $SYS_PRCTL;
  # A command is the OOM killer's first choice, before the runner and init.
  if (open(my $adj, '>', '/proc/self/oom_score_adj')) { print $adj '500'; close $adj }
  chdir $cwd;
  for my $kv (@f) {
    my $eq = index($kv, '=');
    $ENV{ substr($kv, 0, $eq) } = substr($kv, $eq + 1) if $eq > 0;
  }
  $ENV{ZEBLIT_RUN_TAG} = $tag;
  { no warnings 'exec'; exec { $argv[0] } @argv; }
  my $code = $! == ENOENT ? 127 : 126;
  print STDERR "zeblit: $argv[0]: $!\n";
  exit $code;
}

sub make_spare {
  my ($cr, $cw, $ir, $iw, $or, $ow, $er, $ew);
  pipe($cr, $cw) && pipe($ir, $iw) && pipe($or, $ow) && pipe($er, $ew) or return;
  my $pid = fork();
  if (!defined $pid) { close $_ for ($cr, $cw, $ir, $iw, $or, $ow, $er, $ew); return }
  if ($pid == 0) {
    child_setup();
    close $_ for ($cw, $iw, $or, $er);
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', '/dev/null');
    my $payload = '';
    while (1) {
      my $n = sysread($cr, $payload, 65536, length $payload);
      next if !defined $n && $! == EINTR;
      last unless $n;
    }
    exit 0 unless length $payload;    # the runner went away
    close $cr;
    become($payload, $ir, $ow, $ew);
  }
  close $_ for ($cr, $ir, $ow, $ew);
  $spare = { pid => $pid, ctl => $cw, in => $iw, out => $or, err => $er };
}

sub drop_spare {
  my ($s) = @_;
  kill 9, $s->{pid};
  close $_ for grep { defined } ($s->{ctl}, $s->{in}, $s->{out}, $s->{err});
}

sub spawn {
  my ($id, $payload) = @_;
  my ($flags, $tag, $cwd, $argc, $argv0) = split /\0/, $payload, 6;
  return out_frame('F', $id, 'empty command') unless $argc;
  return out_frame('F', $id, substr("cwd $cwd: no such directory", 0, 4096)) unless -d $cwd;
  my $with_stdin = index($flags, 'i') >= 0;
  # The OOM-kill counter before the command runs: a kill counted before it started is never its.
  my $oom0 = oom_count();
  my ($pid, $in, $out, $err);
  if (my $s = $spare) {
    undef $spare;
    my $buf = $payload;
    while (length $buf) {
      my $n = syswrite($s->{ctl}, $buf);
      if (!defined $n) { next if $! == EINTR; last }
      substr($buf, 0, $n, '');
    }
    close $s->{ctl};
    if (length $buf) { drop_spare($s) }    # it died: fork one now
    else { ($pid, $in, $out, $err) = ($s->{pid}, $s->{in}, $s->{out}, $s->{err}) }
  }
  if (!defined $pid) {
    my ($ir, $ow, $er, $ew);
    pipe($ir, $in) && pipe($out, $ow) && pipe($err, $ew) or return out_frame('F', $id, "pipe: $!");
    $pid = fork();
    if (!defined $pid) {
      my $e = "$!";
      close $_ for ($ir, $in, $out, $ow, $err, $ew);
      return out_frame('F', $id, "fork: $e");
    }
    if ($pid == 0) {
      child_setup();
      close $_ for ($in, $out, $err);
      become($payload, $ir, $ow, $ew);
    }
    close $_ for ($ir, $ow, $ew);
  }
  if ($with_stdin) { nonblock($in) } else { close $in; undef $in }
  nonblock($out);
  nonblock($err);
  $procs{$id} = { pid => $pid, sid => $pid, tag => $tag, out => $out, err => $err, in => $in, inbuf => '', inclose => 0, status => undef, paused => 0, oom0 => $oom0, killed => 0 };
}

# Signals every process of a command: its session and group, and anything that
# still carries its tag (a child that called setsid itself). SIGKILL sweeps
# until nothing is left, so a fork bomb cannot outrun it.
sub kill_tree {
  my ($sig, $sid, $tag) = @_;
  my $count = 0;
  for my $round (1 .. ($sig == 9 ? 20 : 1)) {
    my $found = 0;
    kill($sig, -$sid) if $sid > 1;
    opendir(my $d, '/proc') or last;
    for my $p (readdir $d) {
      next unless $p =~ /^\d+$/ && $p != $$ && $p != 1;
      my $hit = 0;
      if (open(my $st, '<', "/proc/$p/stat")) {
        my $line = <$st> // '';
        close $st;
        my ($state, $ppid, $pgrp, $sess) = (split ' ', substr($line, rindex($line, ')') + 2))[0 .. 3];
        next if !defined $state || $state eq 'Z';
        $hit = 1 if $sid > 1 && ($pgrp == $sid || $sess == $sid);
      }
      if (!$hit && $tag ne '' && open(my $en, '<', "/proc/$p/environ")) {
        local $/;
        my $e = <$en> // '';
        close $en;
        $hit = 1 if index("\0$e", "\0ZEBLIT_RUN_TAG=$tag\0") >= 0;
      }
      next unless $hit;
      $found++ if kill($sig, $p);
    }
    closedir $d;
    $count += $found;
    last unless $found;
    select(undef, undef, undef, 0.01) if $round > 1;
  }
  return $count;
}

sub handle {
  my ($type, $id, $payload) = @_;
  my $p = $procs{$id};
  if ($type eq 'S') { spawn($id, $payload) }
  elsif ($type eq 'I') { $p->{inbuf} .= $payload if $p && $p->{in} }
  elsif ($type eq 'C') { $p->{inclose} = 1 if $p }
  elsif ($type eq 'P') { $p->{paused} = 1 if $p }
  elsif ($type eq 'U') { $p->{paused} = 0 if $p }
  elsif ($type eq 'H') { out_frame('h', $id, $payload) }
  elsif ($type eq 'K') {
    my ($sig, $of, $tag) = split / /, $payload, 3;
    my $t = $procs{ int($of || 0) };
    $t->{killed} = 1 if $t;    # its SIGKILL is ours, not the OOM killer's
    out_frame('k', $id, kill_tree(int($sig || 15), $t ? $t->{sid} : 0, $tag // ''));
  }
}

# The memory cgroup's OOM-kill counter (cgroup v2, then v1); -1 when unreadable.
sub oom_count {
  for my $f ('/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control') {
    open(my $fh, '<', $f) or next;
    while (my $l = <$fh>) { return $1 if $l =~ /^oom_kill (\d+)/ }
  }
  return -1;
}

# OOM kills up to this count are accounted for: each one is given to one run at most.
my $oom_claimed = oom_count();

# Whether the OOM killer ended this command. The kernel does not say whom it
# killed, so: a process of the command's tree died of SIGKILL (the command
# itself, or a shell reporting its child's death as 137), the runner did not
# send that SIGKILL, and the cgroup's counter rose past what it was when the
# command started and past every kill already given to another run.
sub oom_of {
  my ($p) = @_;
  return 0 if $p->{killed} || $p->{oom0} < 0;
  return 0 unless $p->{sig} == 9 || (!$p->{sig} && $p->{code} == 137);
  my $from = $p->{oom0} > $oom_claimed ? $p->{oom0} : $oom_claimed;
  return 0 unless oom_count() > $from;
  $oom_claimed = $from + 1;
  return 1;
}

sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    if ($spare && $spare->{pid} == $pid) { drop_spare($spare); undef $spare }
    my $st = $?;
    my $sig = $st & 127;
    for my $p (values %procs) {
      next unless $p->{pid} == $pid;
      ($p->{code}, $p->{sig}) = ($sig ? 128 + $sig : $st >> 8, $sig);
      $p->{status} = 1;
    }
  }
}

sub pump {
  my ($id, $key, $type, $limit) = @_;
  my $p = $procs{$id};
  my $fh = $p->{$key} or return;
  while ($limit-- > 0) {
    my $n = sysread($fh, my $buf, 65536);
    if (!defined $n) { return if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; $n = 0 }
    if ($n == 0) { close $fh; $p->{$key} = undef; return }
    out_frame($type, $id, $buf);
  }
}

sub feed {
  my ($p) = @_;
  if (length $p->{inbuf}) {
    my $n = syswrite($p->{in}, $p->{inbuf});
    if (defined $n) { substr($p->{inbuf}, 0, $n, '') }
    elsif ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) { $p->{inbuf} = ''; $p->{inclose} = 1 }
  }
  if ($p->{inclose} && !length $p->{inbuf}) { close $p->{in}; $p->{in} = undef }
}

sub finish {
  my $done = 0;
  for my $id (keys %procs) {
    my $p = $procs{$id};
    next unless defined $p->{status};
    # The command is gone: what it wrote is in the pipes already. A background
    # child still holding them does not hold up the exit record.
    pump($id, 'out', 'O', 64);
    pump($id, 'err', 'E', 64);
    close $_ for grep { defined } ($p->{out}, $p->{err}, $p->{in});
    out_frame('X', $id, "$p->{code} $p->{sig} " . oom_of($p));
    delete $procs{$id};
    $done++;
  }
  return $done;
}

out_frame('R', 0, "zeblit-runner 2 $$ dumpable=$DUMPABLE");
make_spare();
while (1) {
  my ($rin, $win) = ('', '');
  vec($rin, fileno(STDIN), 1) = 1 if $stdin_open;
  vec($rin, fileno($sig_r), 1) = 1;
  for my $p (values %procs) {
    next if $p->{paused};
    vec($rin, fileno($p->{$_}), 1) = 1 for grep { defined $p->{$_} } qw(out err);
  }
  for my $p (values %procs) { vec($win, fileno($p->{in}), 1) = 1 if $p->{in} && (length $p->{inbuf} || $p->{inclose}) }
  my $n = select(my $rout = $rin, my $wout = $win, undef, 1);
  if ($n < 0) { next if $! == EINTR; die "select: $!" }
  if ($n == 0) { make_spare() unless $spare; next }    # idle: get the next spare ready
  sysread($sig_r, my $drop, 4096) if vec($rout, fileno($sig_r), 1);
  if ($stdin_open && vec($rout, fileno(STDIN), 1)) {
    my $got = sysread(STDIN, $rbuf, 262144, length $rbuf);
    if (!defined $got) { die "read: $!" unless $! == EINTR || $! == EAGAIN }
    elsif ($got == 0) {
      $stdin_open = 0;
      kill(9, $spare->{pid}) if $spare;
      kill_tree(9, $_->{sid}, $_->{tag}) for values %procs;
      exit 0;
    }
    while (length($rbuf) >= 9) {
      my ($type, $id, $len) = unpack('a1 N N', $rbuf);
      last if length($rbuf) < 9 + $len;
      my $payload = substr($rbuf, 9, $len);
      substr($rbuf, 0, 9 + $len, '');
      handle($type, $id, $payload);
    }
  }
  for my $id (keys %procs) {
    my $p = $procs{$id} or next;
    next if $p->{paused};
    pump($id, 'out', 'O', 1) if $p->{out} && vec($rout, fileno($p->{out}), 1);
    pump($id, 'err', 'E', 1) if $p->{err} && vec($rout, fileno($p->{err}), 1);
  }
  for my $p (values %procs) { feed($p) if $p->{in} && (vec($wout, fileno($p->{in}), 1) || $p->{inclose}) }
  reap();
  # The next spare is forked when nothing runs, right after an exit record went
  # out: while the daemon answers and the next command travels, not on its path.
  finish() && !$spare && !%procs && make_spare();
}
