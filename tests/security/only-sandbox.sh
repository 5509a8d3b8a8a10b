# Only the sandbox inside: sbx's helpers (fuse-overlayfs, the network
# helper sbx-net) run outside the sandbox's PID namespace, so the program
# sees init and its own processes only, and nothing inside can signal a
# helper: it has no pid to name it by, and kill(-1) does not reach it.
# For every overlay backend and for --net slirp.
. "$SBX_TESTS/lib/tap.sh"

scratch
export XDG_DATA_HOME=$SCRATCH/data

# What the program sees: the command name of every process in its /proc
# (the shell's builtins alone, so that a tiny --rootfs tree does).
list='for p in /proc/[0-9]*; do read c < $p/comm; echo $c; done'

# A tree of the test user's own, for the kernel's overlay (which refuses
# the host's /).
R=$SCRATCH/rootfs
mini_rootfs "$R" sh cat
mkdir -p "$R/etc" "$R/out"

check_ps() {
  local label=$1
  shift
  sbx_run -q "$@" -- sh -c "$list"
  is "$RC:$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" "0:sbx-init sh " \
    "$label: the program sees init and itself only"
}
check_ps "--overlay fuse" --overlay fuse
check_ps "--overlay none" --overlay none
sbx_run -q --overlay kernel --rootfs "$R" -- sh -c :
if [ "$RC" = 0 ]; then
  check_ps "--overlay kernel" --overlay kernel --rootfs "$R"
else
  skip "--overlay kernel: the program sees init and itself only" "the kernel's overlay does not work here: $ERR"
fi
check_ps "--overlay fuse --rootfs" --overlay fuse --rootfs "$R"
check_ps "--net slirp" --net slirp

# Signals: the program kills everything it can (kill -9 -1, and every pid
# its /proc lists), then tells the host, which checks that the helpers it
# sees as sbx's children still run, before the sandbox ends.
mkfifo "$SCRATCH/go"
try_kill() {
  local label=$1 want=$2
  shift 2
  rm -f "$SCRATCH/done"
  bg_sbx kill "$@" --bind "$SCRATCH:/out" -- sh -c \
    'kill -9 -1 2>/dev/null; for p in /proc/[0-9]*; do [ ${p#/proc/} = 1 ] || [ ${p#/proc/} = $$ ] || kill -9 ${p#/proc/} 2>/dev/null; done; echo killed > /out/done; read x < /out/go; echo ended'
  local sbx_pid=$BG helpers="" h
  wait_until 20 test -e "$SCRATCH/done"
  for h in $want; do
    pid=$(child_of $sbx_pid $h)
    if [ -n "$pid" ] && ! gone "$pid"; then helpers="$helpers $h"; fi
  done
  is "$helpers" " $want" "$label: after kill -9 of everything inside, sbx's helpers ($want) still run"
  echo go >"$SCRATCH/go"
  wait_rc $sbx_pid 20
  is "$RC:$(cat "$SCRATCH/kill.out")" "0:ended" "$label: ... and the sandbox ends normally"
}
try_kill "fuse-overlayfs" "fuse-overlayfs"
try_kill "--net slirp" "fuse-overlayfs sbx-net" --net slirp

# The helpers are no children of init: init's /proc has none to show.
sbx_run -- sh -c 'cat /proc/1/task/1/children; echo'
is "$RC:$(echo $OUT)" "0:2" "init's only child is the program"
no_leftovers "nothing left running"
