# sbx test library: TAP output and helpers for running the real sbx as the
# unprivileged user the runner chose.  Source it: `. "$SBX_TESTS/lib/tap.sh"`.
# $SBX is the sbx binary under test; nothing here fakes a part of it.

: "${SBX:?SBX must name the sbx binary (run tests through tests/run)}"
_tap_n=0
_tap_failed=0
_tap_cleanups=()

_tap_finish() {
  local rc=$?
  local c
  for c in "${_tap_cleanups[@]}"; do eval "$c" || true; done
  echo "1..$_tap_n"
  if [ $_tap_failed -ne 0 ]; then exit 1; fi
  exit $rc
}
trap _tap_finish EXIT

# Run at exit, last registered first is not needed: in order.
at_exit() { _tap_cleanups+=("$1"); }

pass() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
fail() {
  _tap_n=$((_tap_n + 1))
  _tap_failed=1
  echo "not ok $_tap_n - $1"
  shift
  local d
  for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
# The whole file cannot run here: say why, exit 77.
skip_all() { trap - EXIT; echo "1..0 # SKIP $1"; exit 77; }

# is GOT WANT DESC
is() {
  if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:  '$1'" "want: '$2'"; fi
}
# like GOT ERE DESC
like() {
  if printf '%s' "$1" | grep -Eq -- "$2"; then pass "$3"; else fail "$3" "got:  '$1'" "want: /$2/"; fi
}
unlike() {
  if printf '%s' "$1" | grep -Eq -- "$2"; then fail "$3" "got:  '$1'" "must not match: /$2/"; else pass "$3"; fi
}

# sbx_run ARGS...: run sbx with a time limit; sets OUT, ERR and RC.
sbx_run() {
  local o e
  o=$(mktemp) e=$(mktemp)
  timeout -k 5 "${SBX_RUN_TIMEOUT:-60}" "$SBX" "$@" </dev/null >"$o" 2>"$e"
  RC=$?
  OUT=$(cat "$o") ERR=$(cat "$e")
  rm -f "$o" "$e"
}

# A unique scratch directory for this test file, removed at exit.  It is
# under $HOME, not /tmp: the host's /tmp is not visible inside a sandbox,
# the home directory is (read-only).
scratch() {
  SCRATCH=$(mktemp -d "$HOME/sbx-test.XXXXXX")
  # Named sandboxes' layers and layer stores kept there hold files of
  # subordinate ids: sbx_wipe removes those too.
  at_exit "sbx_wipe '$SCRATCH'"
}

# The test user's own HOME, whatever a test later exports.
SBX_TEST_HOME=${SBX_TEST_HOME:-$HOME}

# sbx_wipe DIR: rm -rf DIR, whose files may belong to the user's
# subordinate ids (upper layers, the layer store), from a sandbox that may
# remove them; then whatever is left, from here.  That sandbox keeps its
# state in the user's default directories: sbx hides its own directories
# in every sandbox, and DIR is often a test's XDG_DATA_HOME.
sbx_wipe() {
  [ -e "$1" ] || return 0
  env -u XDG_DATA_HOME -u XDG_CACHE_HOME -u XDG_CONFIG_HOME HOME="$SBX_TEST_HOME" \
    timeout 30 "$SBX" -q --overlay none --uid 0 --cap-add ALL --bind "$(dirname "$1"):/wipe" \
    -- rm -rf "/wipe/$(basename "$1")" </dev/null >/dev/null 2>&1
  rm -rf "$1" 2>/dev/null
  return 0
}

# in_fake_host SETUP ARGS...: run sbx ARGS as root of a user+mount
# namespace of the test's own (unshare -rm), after the shell commands
# SETUP there (bind a fake /etc/subuid, a closed /dev/fuse...): host
# states an unprivileged test cannot make on the host itself.  Sets OUT,
# ERR and RC.  Needs $SCRATCH.
in_fake_host() {
  local setup=$1
  shift
  OUT=$(timeout 120 unshare -rm sh -c "$setup
exec \"\$0\" \"\$@\"" "$SBX" "$@" 2>"$SCRATCH/fake-host.err" </dev/null)
  RC=$?
  ERR=$(cat "$SCRATCH/fake-host.err")
}

# Processes sbx may have left: its own, its init, its helpers.  Not
# zombies: a detached sandbox's monitor has exited when `sbx stop`
# returns, and whoever reaps orphans here may take its time.
sbx_processes() {
  ps -u "$(id -u)" -o pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 ~ /^(sbx|sbx-init|sbx-net|sbx-image|newuidmap|newgidmap|fuse-overlayfs|xdg-dbus-proxy)$/ { print $1, $3 }'
}

# no_leftovers DESC: nothing of sbx's is still running (waits 3s for the
# kernel to finish tearing a namespace down).
no_leftovers() {
  local i left
  for i in $(seq 30); do
    left=$(sbx_processes)
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -z "$left" ]; then pass "$1"; else fail "$1" "still running: $left"; fi
}

# fails_cleanly DESC EXPECTED_RC ERE ARGS...: sbx exits EXPECTED_RC with
# one line on stderr matching ERE, and leaves nothing behind.
fails_cleanly() {
  local desc=$1 want_rc=$2 re=$3
  shift 3
  sbx_run "$@"
  if [ "$RC" = "$want_rc" ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] \
    && printf '%s' "$ERR" | grep -Eq -- "$re"; then
    pass "$desc"
  else
    fail "$desc" "args: $*" "rc: $RC (want $want_rc)" "stderr: $ERR" "want one line matching /$re/"
  fi
  no_leftovers "$desc: nothing left behind"
}

# bg_sbx NAME ARGS...: sbx ARGS in the background, output in
# $SCRATCH/NAME.out; BG=pid.  Needs $SCRATCH.
bg_sbx() {
  local name=$1
  shift
  "$SBX" "$@" </dev/null >"$SCRATCH/$name.out" 2>&1 &
  BG=$!
  at_exit "kill -KILL $BG 2>/dev/null; wait $BG 2>/dev/null"
}
# wait_until SECONDS CMD...: poll CMD every 50 ms, until it succeeds or
# the deadline passes.
wait_until() {
  local n=$(($1 * 20))
  shift
  for _ in $(seq $n); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
# port_from FILE: PORT = N of the line `port N` a server writes to FILE
# once it listens, waiting up to 5 s; 1 (PORT empty) when it did not.
port_from() {
  PORT=
  wait_until 5 grep -qs '^port ' "$1" || return 1
  PORT=$(sed -n 's/^port //p' "$1")
}
# wait_rc PID SECONDS: RC = PID's status, or "timeout" (and it is killed).
wait_rc() {
  if wait_until "$2" gone "$1"; then
    wait "$1"
    RC=$?
  else
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    RC=timeout
  fi
}
# child_of PID COMM: the pid of PID's child named COMM.
child_of() { ps --ppid "$1" -o pid=,comm= 2>/dev/null | awk -v c="$2" '$2 == c { print $1; exit }'; }

# private_sbx_state: this test's sandboxes keep their records and layers
# in a scratch XDG_DATA_HOME (XDG_RUNTIME_DIR unset, so the records lie
# there too, in $runtime), never in the user's own; at exit, whatever
# still runs is stopped, then the state is wiped.  Sets SCRATCH.
private_sbx_state() {
  at_exit stop_all_sandboxes
  at_exit 'sbx_wipe "$SCRATCH/data"'
  scratch
  export XDG_DATA_HOME=$SCRATCH/data
  unset XDG_RUNTIME_DIR
  runtime=$XDG_DATA_HOME/sbx/runtime
}
stop_all_sandboxes() {
  "$SBX" ps 2>/dev/null | awk 'NR > 1 { print $1 }' | xargs -r "$SBX" stop -t 0 >/dev/null 2>&1
}

# mini_rootfs DIR PROG...: a --rootfs tree of the test user's own in DIR
# holding PROG... (from PATH) and the libraries they load.
mini_rootfs() {
  local dir=$1 prog p f
  shift
  mkdir -p "$dir"
  for prog in "$@"; do
    p=$(command -v "$prog")
    for f in "$p" $(ldd "$p" | grep -o '/[^ ]*'); do
      mkdir -p "$dir$(dirname "$f")"
      cp -L "$f" "$dir$f"
    done
  done
}
