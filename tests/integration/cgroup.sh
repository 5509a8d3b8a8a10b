# Resource limits through a delegated cgroup: the kernel enforces them
# (a fork bomb stops at --pids, a memory hog is killed at --memory), sbx
# says why, and every cgroup it made is gone afterwards.  Needs the v1
# memory and pids cgroups tests/host-setup delegates to the test user
# (sbx-UID below the cgroups the tests run in); skips where there are
# none.  The cgroup v2 backend's enforcement needs a host with v2
# controllers delegated; its logic is unit-tested (tests/unit/test-cgroup.c).
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"
scratch

# The delegated directory of controller $1, as host-setup made it.
delegated() {
  local line ctls path mnt root
  line=$(grep -E "^[0-9]+:([^:]*,)?$1(,[^:]*)?:" /proc/self/cgroup) || return 1
  ctls=${line#*:} path=${ctls#*:}
  read -r root mnt < <(awk -v c="$1" '{ for (s = 7; s <= NF && $s != "-"; s++) ; if ($(s + 1) != "cgroup") next
    n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $4, $5; exit } }' /proc/self/mountinfo) || return 1
  [ "$root" = / ] || path=${path#"$root"}
  echo "$mnt${path%/}/sbx-$(id -u)"
}
memdir=$(delegated memory) pidsdir=$(delegated pids)
if [ ! -w "$memdir" ] || [ ! -w "$pidsdir" ]; then
  skip_all "no memory and pids cgroups delegated to $(id -un) (${memdir:-no v1 memory hierarchy}, ${pidsdir:-no v1 pids hierarchy}): tests/host-setup makes them on a cgroup v1 or hybrid host"
fi
leaves() { ls -d "$memdir"/sbx-* "$pidsdir"/sbx-* 2>/dev/null | tr '\n' ' '; }

# --- no limit: no cgroup ----------------------------------------------------
sbx_run -v -- true
is "$RC" 0 "a run without limits"
unlike "$ERR" "cgroup" "... touches no cgroup (nothing about one in -v's output)"

# --- pids: a fork bomb stops with EAGAIN -----------------------------------------
# The probe forks until fork fails (at most 4 x the limit, each child gone
# when the probe ends): harmless even without a limit.
SBX_RUN_TIMEOUT=30 sbx_run --pids 16 -- "$probe" limits 16 fork
probe_points "--pids 16"
is "$(leaves)" "" "--pids: the sandbox's cgroup is removed"
# The same probe without the limit forks them all: the check can fail.
sbx_run -- "$probe" limits 16 fork
shows_fail "no --pids: the fork bomb is caught" "fork: forked all 64 children"

# --- memory: a hog is killed, sbx says so, exits 137 ---------------------------
# Swap would let the hog page out instead of dying: none for it where
# the kernel accounts swap; without swap accounting, only without swap.
swap=()
if [ -e "$memdir/memory.memsw.limit_in_bytes" ]; then
  swap=(--memory-swap 0)
elif [ "$(grep -vc '^Filename' /proc/swaps)" != 0 ]; then
  swap=(none)
fi
if [ "${swap[*]}" = none ]; then
  skip "--memory 64M kills a hog" "swap is on and this kernel does not account it (swapaccount=1): the hog would swap"
else
  SBX_RUN_TIMEOUT=60 sbx_run --memory 64M "${swap[@]}" -- "$probe" hog
  is "$RC" 137 "--memory 64M: the hog is killed (exit 137)"
  is "$ERR" "sbx: killed: out of memory (limit 64M)" "--memory 64M: sbx says why, in one line"
fi
is "$(leaves)" "" "--memory: the sandbox's cgroup is removed"

# --- the limits are the ones asked for, and the program runs in the leaf -------
sbx_run --memory 96M --pids 40 -- sh -c 'cat /proc/self/cgroup'
is "$RC" 0 "a run with limits${ERR:+ ($ERR)}"
# Inside, the sandbox is the root of its own cgroup namespace.
like "$OUT" "^[0-9]+:memory:/$" "inside, the program's memory cgroup is its namespace's root"
like "$OUT" "^[0-9]+:pids:/$" "... and its pids cgroup"
# Seen from here, init sits in `sandbox` below the leaf with the limits.
# start_sandbox ARGS...: a `sleep 30` sandbox in the background ($bg),
# its init in $init once it sits in its cgroup (empty if it never does).
start_sandbox() {
  "$SBX" "$@" -- sleep 30 </dev/null >/dev/null 2>&1 &
  bg=$!
  at_exit "kill $bg 2>/dev/null"
  init=
  for _ in $(seq 200); do
    init=$(ps -o pid= --ppid $bg 2>/dev/null | head -1 | tr -d ' ')
    [ -n "$init" ] && grep -q sbx-init "/proc/$init/comm" 2>/dev/null &&
      grep -Eq "^[0-9]+:(memory|pids):.*/sandbox$" "/proc/$init/cgroup" 2>/dev/null && break
    init=
    sleep 0.05
  done
}
stop_sandbox() {
  kill $bg 2>/dev/null
  wait $bg 2>/dev/null
  for _ in $(seq 100); do [ -z "$(leaves)" ] && break; sleep 0.05; done
}
start_sandbox --memory 96M --pids 40
if [ -n "$init" ]; then
  cg=$(cat "/proc/$init/cgroup")
  like "$cg" "^[0-9]+:memory:.*/sbx-$(id -u)/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "init is in a memory leaf below the delegated cgroup, under the one with the limits"
  like "$cg" "^[0-9]+:pids:.*/sbx-$(id -u)/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "... and in a pids leaf"
else
  fail "init of a sandbox with limits shows up" "no sbx-init child of $bg in a memory leaf"
fi
stop_sandbox
is "$(leaves)" "" "... both removed at the end"

# limits_of ARGS...: "MEMORY PIDS", the limits of such a sandbox's leaf.
limits_of() {
  local leaf
  start_sandbox "$@"
  leaf=$(sed -n 's|^[0-9]*:memory:.*/\(sbx-[0-9]*-[0-9a-f]*\)/sandbox$|\1|p' "/proc/$init/cgroup" 2>/dev/null)
  if [ -n "$init" ] && [ -n "$leaf" ]; then
    echo "$(cat "$memdir/$leaf/memory.limit_in_bytes") $(cat "$pidsdir/$leaf/pids.max" 2>/dev/null || echo none)"
  else
    echo "no sandbox"
  fi
  stop_sandbox
}

# --- the sandbox cannot raise its own limits nor leave its cgroup -------------
# With every capability, root inside tries every way it has (mount each
# v1 hierarchy and cgroup2, write `max` into every limit file and its pid
# into every cgroup.procs it can reach), then forks: the limit holds.
# (The leaf that carries the limit lies above the sandbox's cgroup-
# namespace root, so even a mount would not show it.)
SBX_RUN_TIMEOUT=30 sbx_run --uid 0 --cap-add ALL --pids 16 -- "$probe" limits 16
probe_points "--uid 0 --cap-add ALL --pids 16"
# Caught: with the delegated pids cgroup bound in, the probe moves itself
# out of its leaf and forks past the limit.
SBX_RUN_TIMEOUT=30 sbx_run --uid 0 --cap-add ALL --pids 16 --bind "$pidsdir:/mnt/cg" -- "$probe" limits 16
shows_fail "--bind of the delegated cgroup: the escape is caught" "escape: .* succeeded"
shows_fail "... and the fork bomb gets through" "fork: forked all"
is "$(leaves)" "" "... every leaf removed all the same"

# --- the ci profile's limits ----------------------------------------------------
# Its `memory 75%` and `pids 8192`, as the leaf carries them; the command
# line overrides them.
# The profiles of this tree, not an installed copy.
export SBX_PROFILE_PATH=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}
machine=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
want=$((machine / 100 * 75))
got=$(limits_of --profile ci)
# The kernel rounds memory.limit_in_bytes down to a page.
is "$got" "$((want / 4096 * 4096)) 8192" "--profile ci: memory 75% of the machine's (${machine} bytes) and pids 8192"
is "$(limits_of --profile ci --memory 200M --pids 300)" "$((200 << 20)) 300" "--profile ci --memory 200M --pids 300: the command line wins"
is "$(limits_of --profile ci --pids max --memory 128M)" "$((128 << 20)) none" "--profile ci --pids max: no pids cgroup at all"
sbx_run --profile ci --memory max --pids max -v -- true
is "$RC" 0 "--profile ci --memory max --pids max runs${ERR:+ ($(printf '%s' "$ERR" | grep -v debug | head -1))}"
unlike "$ERR" "cgroup v1, leaf" "... and makes no cgroup"
fails_cleanly "--memory 0% is refused" 125 "^sbx: --memory: \`0%\`: expected a share of memory from 1% to 100%" --memory 0% -- true
fails_cleanly "--memory 150% is refused" 125 "^sbx: --memory: \`150%\`" --memory 150% -- true

# --- --stats -----------------------------------------------------------------
sbx_run --stats -- sh -c 'head -c 4000000 /dev/zero | tail -c 1 >/dev/null'
is "$RC" 0 "--stats${ERR:+ ($(printf '%s' "$ERR" | head -1))}"
like "$ERR" "^sbx: stats: memory peak [0-9.]+[KMG]? \(at the end [0-9.]+[KMG]?\), cpu time [0-9]+\.[0-9]{3}s, pids peak " \
  "--stats: peak memory, cpu time and pids at the end"
if [ -e "$pidsdir/pids.peak" ]; then
  like "$ERR" "pids peak [3-9]$" "--stats: the pids high-water mark (sh, head, tail: 3 or more)"
else
  skip "--stats: the pids high-water mark" "this kernel's v1 pids controller has no pids.peak"
fi

# --- cpus: a busy loop gets about half a CPU ------------------------------------
# Two seconds of a busy shell loop under --cpus 0.5: at most half of the
# sandbox's wall time in CPU time (plus slack).  A loaded machine gives it
# less, never more, so the bound cannot flake; without the limit an idle
# CPU gives it 2 s.
if [ -w "$(delegated cpu)" ] && [ -w "$(delegated cpuacct)" ]; then
  t0=$EPOCHREALTIME
  SBX_RUN_TIMEOUT=30 sbx_run --cpus 0.5 --stats -- timeout 2 sh -c 'while :; do :; done'
  t1=$EPOCHREALTIME
  cpu=$(printf '%s\n' "$ERR" | sed -n 's/.*cpu time \([0-9.]*\)s.*/\1/p')
  is "$RC" 124 "--cpus 0.5: the busy loop ran its two seconds (timeout's 124)"
  # Half the sandbox's whole life, plus the CFS's slack of a few periods.
  max=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 2 + 0.3 }')
  if [ -n "$cpu" ] && awk -v c="$cpu" -v m="$max" 'BEGIN { exit !(c <= m) }'; then
    pass "--cpus 0.5: ${cpu}s of CPU (at most $max: half the wall time and 0.3 s)"
  else
    fail "--cpus 0.5: at most half the wall time in CPU" "cpu time: ${cpu:-none}, at most $max" "stderr: $ERR"
  fi
else
  skip "--cpus 0.5 holds a busy loop to half a CPU" "no cpu and cpuacct cgroups delegated to $(id -un)"
fi

# --- sbx killed: nothing runs on, and the leaf it leaves is empty -------------------
# (The next run removes such a leaf once it is a minute old: the unit test
# of the sweep shows that; a test cannot wait a minute.)
start_sandbox --pids 50
if [ -n "$init" ]; then
  leaf=$(sed -n 's|^[0-9]*:pids:.*/\(sbx-[0-9]*-[0-9a-f]*\)/sandbox$|\1|p' "/proc/$init/cgroup")
  kill -KILL $bg
  wait $bg 2>/dev/null
  for _ in $(seq 200); do [ ! -e "/proc/$init" ] && break; sleep 0.05; done
  ok=1
  [ -e "/proc/$init" ] && ok=0
  is "$ok" 1 "SIGKILL of sbx: the sandbox's init is gone too"
  is "$(cat "$pidsdir/$leaf/sandbox/cgroup.procs" 2>/dev/null)" "" "... and its cgroup holds no process"
  rmdir "$pidsdir/$leaf/sandbox" "$pidsdir/$leaf" "$memdir/$leaf/sandbox" "$memdir/$leaf" 2>/dev/null
else
  fail "a sandbox with --pids 50 starts" "no init in a leaf"
fi

# --- no delegation: strict fails, best-effort warns ----------------------------
# blkio is not delegated by host-setup.
blkiodir=$(delegated blkio)
if [ -n "$blkiodir" ] && [ ! -w "$blkiodir" ]; then
  fails_cleanly "--io-weight without a delegated blkio cgroup: strict fails, naming it and the fix" 125 \
    "^sbx: cannot apply the resource limits: cgroup v1: no blkio cgroup is delegated to you: .*chown .*--limits best-effort \(run \`sbx doctor\`\)$" \
    --io-weight 50 -- true
  sbx_run --limits best-effort --io-weight 50 -- echo ran
  is "$RC:$OUT" "0:ran" "--limits best-effort: the program runs without the limit"
  like "$ERR" "^sbx: warning: running without resource limits: cgroup v1: no blkio cgroup" "... after one warning"
  is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "... one line"
else
  skip "--io-weight without a delegated blkio cgroup" "blkio is delegated or not a v1 hierarchy here"
fi

# --- bad values ----------------------------------------------------------------
fails_cleanly "--memory 12XB is refused, naming the value" 125 "^sbx: --memory: \`12XB\`: expected a size" --memory 12XB -- true
fails_cleanly "--cpus -1 is refused" 125 "^sbx: --cpus: \`-1\`" --cpus -1 -- true
fails_cleanly "--pids 0 is refused" 125 "^sbx: --pids: \`0\`" --pids 0 -- true

is "$(leaves)" "" "no cgroup left behind"
no_leftovers "nothing left behind"
