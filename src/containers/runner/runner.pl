# zeblit runner: started once per container through one long-lived `docker exec`,
# it runs the commands the daemon sends on stdin and sends their output back on
# stdout, multiplexed. Only perl-base modules (present even in Debian minbase).
#
# Frame (both directions): type (1 byte), id (uint32 BE), length (uint32 BE), payload.
# In:  S spawn   payload: flags \0 tag \0 cwd \0 argc \0 argv... \0 KEY=VALUE...
#      I stdin data   C close stdin   K kill (payload: "signal command-id tag")
#      P pause output   U resume output   H ping
# Out: R ready ("zeblit-runner <protocol> <pid>")   O stdout   E stderr
#      X exit ("code signal oom": oom is 1 when the kernel's OOM killer ended it)   F spawn failed (message)   k killed (count)   h pong
#
# Invariants: every command runs in its own process group, so a kill reaches
# its whole tree (group, session, and the ZEBLIT_RUN_TAG it inherits); an X
# frame comes after every byte of that command's output; when the daemon goes
# away (stdin closes) every command still running is killed.
#
# Speed: fork is the expensive part of starting a command (milliseconds in a
# VM), so a spare child is forked ahead of time, waiting on a pipe for its
# command; a spawn hands it the command, and the next spare is forked once
# nothing runs (or the runner is idle). No POSIX module: a smaller perl forks faster.
use strict;
use warnings;
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Errno qw(EINTR EAGAIN EWOULDBLOCK ENOENT);

binmode STDIN;
binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
use constant WNOHANG => 1;

my %procs;     # id => { pid, sid, tag, out, err, in, inbuf, inclose, status, paused }
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
  return out_frame('F', $id, "cwd $cwd: no such directory") unless -d $cwd;
  my $with_stdin = index($flags, 'i') >= 0;
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
  $procs{$id} = { pid => $pid, sid => $pid, tag => $tag, out => $out, err => $err, in => $in, inbuf => '', inclose => 0, status => undef, paused => 0 };
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
my $oom_seen = oom_count();

sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    if ($spare && $spare->{pid} == $pid) { drop_spare($spare); undef $spare }
    my $st = $?;
    my $sig = $st & 127;
    my $oom = 0;
    if ($sig == 9) {
      my $n = oom_count();
      ($oom, $oom_seen) = (1, $n) if $n > $oom_seen;
    }
    for my $p (values %procs) {
      next unless $p->{pid} == $pid;
      $p->{status} = $sig ? (128 + $sig) . " $sig $oom" : ($st >> 8) . ' 0 0';
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
    out_frame('X', $id, $p->{status});
    delete $procs{$id};
    $done++;
  }
  return $done;
}

out_frame('R', 0, "zeblit-runner 1 $$");
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
