# Signals and process lifetime: what sbx forwards to the program (once),
# the exit status of a program killed by a signal, zombie reaping by
# sbx-init, the sandbox dying with sbx and with its program, and signals
# from inside that cannot reach the host.
. "$SBX_TESTS/lib/tap.sh"
SCRATCH_SIG=$(mktemp -d)
at_exit "rm -rf '$SCRATCH_SIG'"

scratch
me=$(id -u)

# bg_sbx NAME ARGS...: start sbx ARGS in the background, with its output
# in $SCRATCH/NAME.out; sets BG to sbx's pid.  setsid makes it its own
# process group, as a shell job is; env puts back the default action of
# the signals sbx forwards, since a background job of a non-interactive
# shell starts with SIGINT and SIGQUIT ignored and the program would
# inherit that.
bg_sbx() {
  local name=$1
  shift
  setsid env --default-signal=INT,QUIT,HUP,TERM,USR1,USR2,WINCH,CONT \
    "$SBX" "$@" </dev/null >"$SCRATCH/$name.out" 2>&1 &
  BG=$!
  at_exit "stop_bg $BG"
}

# stop_bg PID: kill a background job of ours if it still runs, and reap it.
stop_bg() {
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# wait_for FILE ERE SECONDS: until a line of FILE matches ERE.
wait_for() {
  for _ in $(seq $(($3 * 20))); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# running PID: PID exists and has not exited (a zombie has).
running() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}

# wait_exit PID SECONDS: wait for our background job PID to end and set RC
# to its status; past SECONDS, kill it and set RC=timeout.
wait_exit() {
  for _ in $(seq $(($2 * 20))); do
    if ! running "$1"; then
      wait "$1"
      RC=$?
      return 0
    fi
    sleep 0.05
  done
  stop_bg "$1"
  RC=timeout
  return 1
}

# wait_gone SECONDS PID...: until none of the PIDs runs.
wait_gone() {
  local secs=$1 p alive
  shift
  for _ in $(seq $((secs * 20))); do
    alive=
    for p in "$@"; do running "$p" && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    sleep 0.05
  done
  return 1
}

# check GOT WANT DESC NAME: like `is`, showing NAME's output on failure.
check() {
  if [ "$1" = "$2" ]; then
    pass "$3"
  else
    fail "$3" "got:  '$1'" "want: '$2'" "output of sbx: $(cat "$SCRATCH/$4.out" 2>/dev/null)"
  fi
}

# A unique number, to find a process of this test by its command line.
unique() { echo $((1000000000 + RANDOM * 32768 + RANDOM)); }

# --- Each forwarded signal reaches the program, exactly once.  The trap
# counts; the program leaves 0.3 s after the first one so that a second
# delivery would still be counted.
counting='trap "echo got-$1; n=\$((n + 1))" "$1"
n=0
echo ready
while [ $n -eq 0 ]; do sleep 0.05; done
sleep 0.3
exit 3'
for sig in INT TERM HUP QUIT USR1 USR2 CONT; do
  bg_sbx "$sig" -- sh -c "$counting" sh "$sig"
  wait_for "$SCRATCH/$sig.out" '^ready$' 10 && kill -"$sig" "$BG"
  wait_exit "$BG" 10
  check "rc=$RC got=$(grep -c "^got-$sig\$" "$SCRATCH/$sig.out")" "rc=3 got=1" \
    "SIG$sig sent to sbx reaches the program exactly once" "$sig"
done

# SIGWINCH without a terminal is forwarded too, and the program goes on.
bg_sbx winch -- sh -c 'trap "echo got-WINCH" WINCH
trap "echo got-TERM; exit 4" TERM
echo ready
while :; do sleep 0.05; done'
wait_for "$SCRATCH/winch.out" '^ready$' 10 && kill -WINCH "$BG"
wait_for "$SCRATCH/winch.out" '^got-WINCH$' 10
if running "$BG"; then pass "SIGWINCH leaves sbx and the program running"; else fail "SIGWINCH leaves sbx and the program running" "$(cat "$SCRATCH/winch.out")"; fi
kill -TERM "$BG"
wait_exit "$BG" 10
check "rc=$RC winch=$(grep -c '^got-WINCH$' "$SCRATCH/winch.out") term=$(grep -c '^got-TERM$' "$SCRATCH/winch.out")" \
  "rc=4 winch=1 term=1" "SIGWINCH reaches the program once; a later SIGTERM ends it" winch

# A terminal's Ctrl-C signals sbx's whole process group.  Init left that
# group (setsid), so the program hears it once, through sbx, not twice.
bg_sbx ctrlc -- sh -c "$counting" sh INT
if wait_for "$SCRATCH/ctrlc.out" '^ready$' 10; then
  is "$(readlink -f "/proc/$BG/exe") $(ps -o pgid= -p "$BG" | tr -d ' ')" "$(readlink -f "$SBX") $BG" \
    "the background sbx leads its own process group"
  kill -INT -- -"$BG"
else
  fail "the background sbx leads its own process group" "$(cat "$SCRATCH/ctrlc.out")"
fi
wait_exit "$BG" 10
check "rc=$RC got=$(grep -c '^got-INT$' "$SCRATCH/ctrlc.out")" "rc=3 got=1" \
  "SIGINT to sbx's process group (a Ctrl-C) reaches the program exactly once" ctrlc

# --- A program that dies of signal N: sbx exits 128+N.
sbx_run -- sh -c 'kill -TERM $$'
is "$RC" 143 "a program that dies of SIGTERM: sbx exits 143"
sbx_run -- sh -c 'kill -KILL $$'
is "$RC" 137 "a program that dies of SIGKILL: sbx exits 137"
sbx_run -- sh -c 'kill -USR1 $$'
is "$RC" 138 "a program that dies of SIGUSR1: sbx exits 138"

# A forwarded signal the program does not handle kills it the same way.
for sig in TERM INT HUP; do
  bg_sbx "untrapped-$sig" -- sh -c 'echo ready; exec sleep 1000'
  wait_for "$SCRATCH/untrapped-$sig.out" '^ready$' 10 && kill -"$sig" "$BG"
  wait_exit "$BG" 10
  check "$RC" $((128 + $(kill -l "$sig"))) \
    "an untrapped SIG$sig sent through sbx: exit $((128 + $(kill -l "$sig")))" "untrapped-$sig"
done

# --- Orphans are re-parented to sbx-init, which reaps them: twenty
# children that exit together (one SIGCHLD may stand for many) leave no
# zombie behind.  They live until killed, so a slow ps still finds each.
sbx_run -- sh -c '
pids=$(sh -c "i=0; while [ \$i -lt 20 ]; do sleep 1000 >/dev/null & echo \$!; i=\$((i + 1)); done")
for p in $pids; do ppid=$(ps -o ppid= -p $p); echo ppid=$((ppid)); done
kill $pids
i=0
while ps -eo comm= | grep -qx sleep && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
echo ps:
ps -eo stat=,comm='
is "$(printf '%s\n' "$OUT" | grep -c '^ppid=1$')" 20 "orphans are re-parented to sbx-init (PID 1)"
ps_after=$(printf '%s\n' "$OUT" | sed -n '/^ps:$/,$p' | tail -n +2)
if [ -n "$ps_after" ] && ! printf '%s\n' "$ps_after" | grep -Eq '^Z|sleep'; then
  pass "exited orphans are reaped: no zombie, no sleep left"
else
  fail "exited orphans are reaped: no zombie, no sleep left" "$OUT" "stderr: $ERR"
fi

# --- Die with the parent: sbx killed with SIGKILL takes the sandbox
# along (PR_SET_PDEATHSIG on init).  The killed sbx's init is re-parented
# to the nearest subreaper; a small perl one stands in for the host's
# init (some container inits never reap, which would leave a zombie) and
# reports how each child it reaped died.
case $(uname -m) in
  x86_64) nr_prctl=157 ;;
  aarch64 | riscv64) nr_prctl=167 ;;
  *) nr_prctl=$(perl -e 'require "syscall.ph"; print SYS_prctl()' 2>/dev/null) ;;
esac
reaper='$| = 1;
my ($nr, $log) = (shift, shift);
open(my $l, ">", $log) or die "open $log: $!\n";
select($l); $| = 1;
syscall($nr, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n";
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) { exec(@ARGV) or die "exec: $!\n"; }
print "child $pid\n";
while ((my $p = wait()) > 0) { print "reaped $p ", $? & 127, "\n"; }'
if [ -z "$nr_prctl" ] || ! command -v perl >/dev/null; then
  skip "sbx killed with SIGKILL takes its sandbox along" "no perl or unknown prctl number on $(uname -m)"
else
  tag=$(unique)
  perl -e "$reaper" "$nr_prctl" "$SCRATCH/reaper.log" "$SBX" -- sleep "$tag" \
    </dev/null >"$SCRATCH/dwp.out" 2>&1 &
  reaper_pid=$! init_pid=
  # On failure: end the sandbox while the reaper still runs to reap it.
  dwp_cleanup() {
    pkill -KILL -u "$me" -xf "sleep $tag"
    [ -n "$init_pid" ] && kill -KILL "$init_pid" 2>/dev/null
    wait_exit "$reaper_pid" 3 || true
  }
  at_exit dwp_cleanup
  sleep_pid=
  for _ in $(seq 200); do
    sleep_pid=$(pgrep -u "$me" -xf "sleep $tag") && break
    sleep 0.05
  done
  sbx_pid=$(awk '$1 == "child" { print $2 }' "$SCRATCH/reaper.log")
  init_pid=$(pgrep -P "$sbx_pid" -x sbx-init 2>/dev/null)
  if [ -n "$sleep_pid" ] && [ -n "$init_pid" ] && [ "$(cat "/proc/$init_pid/comm" 2>/dev/null)" = sbx-init ]; then
    pass "the sandbox's program and sbx-init are visible on the host"
    kill -KILL "$sbx_pid"
    if wait_gone 3 "$sleep_pid" "$init_pid" && wait_exit "$reaper_pid" 3; then
      pass "sbx killed with SIGKILL: within 3 s its sbx-init and program are gone"
    else
      fail "sbx killed with SIGKILL: within 3 s its sbx-init and program are gone" \
        "still there: $(ps -o pid=,stat=,comm= -p "$sleep_pid,$init_pid")"
    fi
    is "$(grep -c "^reaped $init_pid 9\$" "$SCRATCH/reaper.log")" 1 "sbx-init died of SIGKILL, its parent-death signal"
  else
    fail "the sandbox's program and sbx-init are visible on the host" \
      "sleep: '$sleep_pid' sbx: '$sbx_pid' init: '$init_pid'" "$(cat "$SCRATCH/reaper.log" "$SCRATCH/dwp.out")"
  fi
fi

# --- The sandbox ends with its program: a background process inside is
# killed with it, and does not hold sbx open.
tag=$(unique)
at_exit "pkill -KILL -u $me -xf 'sleep $tag'"
t0=$(date +%s%N)
timeout -k 2 10 "$SBX" -- sh -c "sleep $tag & echo bg; exit 0" </dev/null >"$SCRATCH/ends.out" 2>&1
RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "rc=$RC $(cat "$SCRATCH/ends.out")" "rc=0 bg" "sbx returns the program's status, not waiting for its background children" ends
if [ "$ms" -lt 5000 ]; then pass "sbx returns at once when the program exits"; else fail "sbx returns at once when the program exits" "took ${ms} ms"; fi
left=
for _ in $(seq 60); do
  left=$(pgrep -u "$me" -xf "sleep $tag") || break
  sleep 0.05
done
is "$left" "" "the program's background child is gone with the sandbox"

# --- Signals from inside cannot reach the host.
sleep 300 &
host_sleep=$!
at_exit "stop_bg $host_sleep"
sbx_run -- kill -TERM -1
if running "$host_sleep"; then pass "kill -TERM -1 inside the sandbox spares the host's processes"; else fail "kill -TERM -1 inside the sandbox spares the host's processes" "rc: $RC" "$OUT$ERR"; fi
sbx_run -- sh -c 'sleep 100 & kill -TERM -1; wait $!; echo $?; cat /proc/1/comm'
is "$OUT" "143
sbx-init" "kill -TERM -1 reaches the sandbox's own processes and not its init"
if running "$host_sleep"; then pass "the host process is still alive"; else fail "the host process is still alive"; fi
sbx_run -- sh -c 'kill -9 1; echo $?; cat /proc/1/comm'
is "$RC $OUT" "0 0
sbx-init" "SIGKILL to PID 1 from inside its namespace is ignored; the program goes on"

# A script's background job starts with SIGINT and SIGQUIT ignored; the
# program must still get default actions, or a forwarded Ctrl-C is lost.
o=$SCRATCH_SIG/ign.out
bash -c '"$0" -- sh -c "grep SigIgn /proc/self/status; trap \"echo got-INT; exit 3\" INT; echo ready; while :; do sleep 0.05; done" </dev/null >"$1" 2>&1 & p=$!
for i in $(seq 100); do grep -q ready "$1" && break; sleep 0.05; done
kill -INT $p; wait $p; echo "rc=$?" >>"$1"' "$SBX" "$o"
is "$(cat "$o")" "SigIgn:	0000000000000000
ready
got-INT
rc=3" "signals ignored where sbx started are not ignored by the program; a forwarded SIGINT arrives"

# --- --timeout: a wall-clock limit, as timeout(1) gives one ----------------------
t0=$EPOCHREALTIME
sbx_run --timeout 1 -- sh -c 'trap "echo got-TERM; exit 7" TERM; echo started; while :; do sleep 0.05; done'
t1=$EPOCHREALTIME
is "$RC" 124 "--timeout 1: exit 124, whatever the program made of the signal"
is "$OUT" "started
got-TERM" "... the program got SIGTERM (init forwarded it)"
is "$ERR" "sbx: timed out after 1s (--timeout): the sandbox was stopped" "... and sbx says why, in one line"
like "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a >= 0.9 && b - a < 4.5) ? "in time" : b - a }')" "^in time$" "... after about a second"
# A program that ignores SIGTERM: SIGKILL after the grace period (5 s).
t0=$EPOCHREALTIME
sbx_run --timeout 1s -- sh -c 'trap "" TERM; sleep 60'
t1=$EPOCHREALTIME
is "$RC" 124 "--timeout with SIGTERM ignored: still 124"
like "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a >= 5.5 && b - a < 15) ? "in time" : b - a }')" "^in time$" "... the sandbox killed after the 5 s grace"
sbx_run --timeout 10m -- true
is "$RC:$ERR" "0:" "a program that ends in time: its own status, nothing said"
fails_cleanly "--timeout 0 is refused" 125 "^sbx: --timeout: \`0\`: expected a duration" --timeout 0 -- true
fails_cleanly "--timeout 5x is refused" 125 "^sbx: --timeout: \`5x\`: expected a duration" --timeout 5x -- true

no_leftovers "nothing left behind"
