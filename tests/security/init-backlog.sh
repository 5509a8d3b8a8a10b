# Init never waits on the program (issue "Trust boundaries").  The
# sandbox's init opens, inside the sandbox, the socket behind every
# connection to a published port.  A hostile program listens on that port
# with a backlog of one and never accepts; 500 connections from the host
# then fill its queue, and every further connect inside waits for SYN
# retries, minutes long.  Were init's connect blocking, init would stop
# reaping and forwarding signals meanwhile.  While the queue is full, the
# program makes orphans (sbx-probe listen-noaccept): init must reap them,
# and a SIGTERM to sbx must still end the sandbox at once (within 2 s; a
# normal machine takes well under a second).  A published port nothing
# listens on still resets the client.  Only 127.0.0.1 is ever contacted.
#
# The table of claims is tests/security/README.md.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

export SBX_RUN_TIMEOUT=30
sbx_run --net slirp -- true
if [ "$RC" != 0 ]; then
  case $ERR in
    *tun* | *TUN* | *tap*) skip_all "--net slirp cannot create a tap device here: $ERR" ;;
  esac
fi
scratch
py=/usr/bin/python3
netpy=$SBX_TESTS/lib/net.py

# elapsed T0: seconds since T0 (an $EPOCHREALTIME).
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
# wait_until SECONDS CMD...: run CMD every 20 ms until it succeeds (0) or
# SECONDS have passed (1); the time it took in WAITED.
wait_until() {
  local limit=$1 t0=$EPOCHREALTIME
  shift
  while :; do
    if "$@"; then
      WAITED=$(elapsed "$t0")
      return 0
    fi
    WAITED=$(elapsed "$t0")
    awk -v w="$WAITED" -v l="$limit" 'BEGIN { exit !(w >= l) }' && return 1
    sleep 0.02
  done
}
# running PID: PID exists and has not exited (a zombie has).
running() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}
stopped() { ! running "$1"; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }
# A host port nothing listens on now.
free_port() {
  if [ -x "$py" ] && [ -f "$netpy" ]; then
    "$py" "$netpy" freeport tcp 127.0.0.1
  else
    echo $((20000 + RANDOM % 40000))
  fi
}
orphans() { sed -n 's/^orphans //p' "$1" | tail -1; }
at_least_orphans() { [ "$(orphans "$1")" -ge "$2" ] 2>/dev/null; }
# zombies PID: PID's children that exited and wait to be reaped.
zombies() { ps --ppid "$1" -o stat= 2>/dev/null | grep -c '^Z'; }
few_zombies() { [ "$(zombies "$1")" -le 2 ]; }

# --- a program that never accepts ------------------------------------------------
hp=$(free_port)
sp=8080
out=$SCRATCH/prog.out err=$SCRATCH/prog.err
"$SBX" --net slirp -p "$hp:$sp" -- "$probe" listen-noaccept $sp </dev/null >"$out" 2>"$err" &
bg=$!
at_exit "kill -9 $bg 2>/dev/null"
if ! wait_until 10 has_line "$out" '^listening '; then
  fail "the program listens on the published port $hp:$sp" "$(cat "$out" "$err")"
  exit 1
fi
init=$(pgrep -x -P $bg sbx-init)

"$probe" connect-flood "$hp" 500 >"$SCRATCH/flood.out" 2>&1 &
flood=$!
at_exit "kill $flood 2>/dev/null"
if wait_until 10 has_line "$SCRATCH/flood.out" '^opened '; then
  like "$(cat "$SCRATCH/flood.out")" '^opened (4[5-9][0-9]|500)$' "500 connections to 127.0.0.1:$hp started at once"
else
  fail "500 connections to 127.0.0.1:$hp started at once" "$(cat "$SCRATCH/flood.out")"
fi

if wait_until 10 has_line "$out" '^backlog full'; then
  pass "the program's accept queue overflowed ($(sed -n 's/^backlog full //p' "$out"), it never accepts): further connects inside wait"
else
  fail "the program's accept queue overflowed" "no 'backlog full' in 10 s" "$(tail -3 "$out")" "$(cat "$err")"
fi

# Orphans made while the queue is full are reparented to init: init must
# reap them (a blocked init leaves one zombie more every 10 ms).
o0=$(orphans "$out")
if [ -n "$init" ] && wait_until 10 at_least_orphans "$out" $((${o0:-0} + 20)); then
  if wait_until 5 few_zombies "$init"; then
    pass "init reaps while the backlog is full: $(($(orphans "$out") - o0)) orphans made, $(zombies "$init") zombies under init"
  else
    fail "init reaps while the backlog is full" "$(zombies "$init") zombies under init (pid $init) after 5 s" \
      "$(ps --ppid "$init" -o pid=,stat=,comm= | head -5)"
  fi
else
  fail "init reaps while the backlog is full" "init: '$init'; orphans: $(orphans "$out") (from ${o0:-none})" "$(cat "$err")"
fi

# SIGTERM to sbx: init forwards it, the program dies of it, sbx ends.
kill -TERM $bg
if wait_until 5 stopped $bg; then
  if awk -v w="$WAITED" 'BEGIN { exit !(w <= 2) }'; then
    pass "kill -TERM of sbx ends the sandbox in ${WAITED} s with the backlog full (at most 2)"
  else
    fail "kill -TERM of sbx ends the sandbox within 2 s with the backlog full" "it took ${WAITED} s"
  fi
else
  fail "kill -TERM of sbx ends the sandbox within 2 s with the backlog full" \
    "sbx still runs after ${WAITED} s" "init (pid $init): $(ps -o stat=,wchan=,comm= -p "$init" 2>&1)"
  kill -9 $bg 2>/dev/null
fi
wait $bg 2>/dev/null
is "$?" 143 "sbx exits 143: the program died of the SIGTERM init forwarded"
kill $flood 2>/dev/null
wait $flood 2>/dev/null
no_leftovers "nothing of the sandbox is left"

# --- nothing listens inside ----------------------------------------------------------
# The connect inside fails after init handed the socket over: the helper
# resets the client, as connecting to a closed port would.
if [ -x "$py" ] && [ -f "$netpy" ]; then
  hp=$(free_port)
  "$SBX" --net slirp -p "$hp:$sp" -- sh -c 'echo ready; exec sleep 60' </dev/null >"$out" 2>"$err" &
  bg=$!
  at_exit "kill -9 $bg 2>/dev/null"
  if wait_until 10 has_line "$out" '^ready'; then
    r=$("$py" "$netpy" connect tcp 127.0.0.1 "$hp" hello 5 2>/dev/null)
    like "$r" '^(ECONNRESET|EPIPE)$' "a published port nothing listens on resets the client ($r)"
  else
    fail "a published port nothing listens on resets the client" "the sandbox did not start" "$(cat "$err")"
  fi
  kill -TERM $bg
  wait $bg 2>/dev/null
else
  skip "a published port nothing listens on resets the client" "no $py or $netpy"
fi
no_leftovers "nothing of the sandbox is left (closed port)"
