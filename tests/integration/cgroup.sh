# Resource limits through a delegated cgroup: the kernel enforces them
# (a fork bomb stops at --pids, a memory hog is killed at --memory), sbx
# says why, and every cgroup it made is gone afterwards.  Needs the v1
# memory and pids cgroups tests/host-setup delegates to the test user
# (sbx-UID below the cgroups the tests run in); skips where there are
# none.  The cgroup v2 backend's enforcement needs a host with v2
# controllers delegated; its logic is unit-tested (tests/unit/test-cgroup.c).
. "$SBX_TESTS/lib/tap.sh"
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
command -v python3 >/dev/null || skip_all "python3 is not installed (the fork bomb and the memory hog are python)"
leaves() { ls -d "$memdir"/sbx-* "$pidsdir"/sbx-* 2>/dev/null | tr '\n' ' '; }

# --- no limit: no cgroup ----------------------------------------------------
sbx_run -v -- true
is "$RC" 0 "a run without limits"
unlike "$ERR" "cgroup" "... touches no cgroup (nothing about one in -v's output)"

# --- pids: a bounded fork bomb stops with EAGAIN ------------------------------
# At most 64 children, each gone within 3 s: harmless even without a limit.
bomb='import errno, os, time
kids = []
try:
    for i in range(64):
        pid = os.fork()
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        kids.append(pid)
    print("forked all 64")
except OSError as e:
    print("fork failed: %s after %d" % (errno.errorcode[e.errno], len(kids)))
for k in kids:
    os.kill(k, 9)
    os.waitpid(k, 0)'
SBX_RUN_TIMEOUT=30 sbx_run --pids 16 -- python3 -c "$bomb"
is "$RC" 0 "--pids 16: the sandbox ends${ERR:+ ($ERR)}"
like "$OUT" "^fork failed: EAGAIN after (1[0-5]|[0-9])$" "--pids 16: fork fails with EAGAIN below 16 processes"
is "$(leaves)" "" "--pids: the sandbox's cgroup is removed"

# --- memory: a hog is killed, sbx says so, exits 137 ---------------------------
hog='a = []
while True:
    a.append(bytearray(1 << 20))'
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
  SBX_RUN_TIMEOUT=60 sbx_run --memory 64M "${swap[@]}" -- python3 -c "$hog"
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
"$SBX" --memory 96M --pids 40 -- sleep 30 </dev/null >/dev/null 2>&1 &
bg=$!
at_exit "kill $bg 2>/dev/null"
init=
for _ in $(seq 100); do
  init=$(ps -o pid= --ppid $bg 2>/dev/null | head -1 | tr -d ' ')
  [ -n "$init" ] && grep -q sbx-init "/proc/$init/comm" 2>/dev/null && break
  init=
  sleep 0.05
done
if [ -n "$init" ]; then
  cg=$(cat "/proc/$init/cgroup")
  like "$cg" "^[0-9]+:memory:.*/sbx-$(id -u)/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "init is in a memory leaf below the delegated cgroup, under the one with the limits"
  like "$cg" "^[0-9]+:pids:.*/sbx-$(id -u)/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "... and in a pids leaf"
else
  fail "init of a sandbox with limits shows up" "no sbx-init child of $bg"
fi
kill $bg 2>/dev/null
wait $bg 2>/dev/null
for _ in $(seq 100); do [ -z "$(leaves)" ] && break; sleep 0.05; done
is "$(leaves)" "" "... both removed at the end"

# --- the sandbox cannot raise its own limits nor leave its cgroup -------------
# With every capability, root inside tries every way it has: mount the
# pids hierarchy (v1 and v2), write `max` into every pids.max it can
# reach, move itself into the cgroup it sees as its root's parent; then it
# forks, and the limit holds.  (The leaf that carries the limit lies above
# the sandbox's cgroup-namespace root, so even a mount would not show it.)
escape='n=0
mkdir -p /tmp/c /tmp/c2
mount -t cgroup -o pids none /tmp/c 2>/dev/null && { n=$((n + 1)); echo "mounted v1 pids"; }
mount -t cgroup2 none /tmp/c2 2>/dev/null && { n=$((n + 1)); echo "mounted cgroup2"; }
for f in $(find /sys/fs/cgroup /tmp/c /tmp/c2 -name pids.max 2>/dev/null); do
  echo max > "$f" 2>/dev/null && { n=$((n + 1)); echo "raised $f"; }
done
for f in $(find /sys/fs/cgroup /tmp/c /tmp/c2 -name cgroup.procs 2>/dev/null); do
  echo $$ > "$f" 2>/dev/null && { n=$((n + 1)); echo "moved into $f"; }
done
echo "escapes $n"'
SBX_RUN_TIMEOUT=30 sbx_run --uid 0 --cap-add ALL --pids 16 -- sh -c "$escape
python3 -c \"\$0\"" "$bomb"
is "$RC" 0 "--cap-add ALL --pids 16: the sandbox runs${ERR:+ ($ERR)}"
like "$OUT" "^escapes 0$" "--cap-add ALL: no cgroup mount, no pids.max written, no move into another cgroup"
like "$OUT" "^fork failed: EAGAIN after (1[0-5]|[0-9])$" "--cap-add ALL: after every try, fork still fails below 16"

# --- --stats -----------------------------------------------------------------
sbx_run --stats -- sh -c 'head -c 4000000 /dev/zero | tail -c 1 >/dev/null'
is "$RC" 0 "--stats${ERR:+ ($(printf '%s' "$ERR" | head -1))}"
like "$ERR" "^sbx: stats: memory peak [0-9.]+[KMG]? \(at the end [0-9.]+[KMG]?\), cpu time [0-9]+\.[0-9]{3}s, pids peak " \
  "--stats: peak memory, cpu time and pids at the end"

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
