# The sandbox from the inside: namespaces, PID 1, id maps, identity,
# capabilities, environment, fds, exit statuses.
. "$SBX_TESTS/lib/tap.sh"

me=$(id -u)
mygid=$(id -g)

sbx_run -- sh -c 'echo $PPID; cat /proc/1/comm'
is "$OUT" "1
sbx-init" "the program runs under sbx's init as PID 1"
sbx_run -- sh -c 'echo $$'
is "$OUT" "2" "the program is PID 2: sbx's helpers are not in the sandbox's PID namespace"

sbx_run -- hostname
is "$OUT" "sbx" "default hostname is sbx"
sbx_run --hostname build1 -- cat /proc/sys/kernel/hostname
is "$OUT" "build1" "--hostname sets the UTS name"
is "$(hostname)" "$(hostname)" "the host's hostname is untouched"

for ns in user mnt pid ipc uts cgroup net; do
  host=$(readlink /proc/self/ns/$ns)
  sbx_run -- readlink /proc/self/ns/$ns
  if [ -n "$OUT" ] && [ "$OUT" != "$host" ]; then pass "own $ns namespace"; else fail "own $ns namespace" "inside: $OUT host: $host"; fi
done

if grep -q "^$(id -un):" /etc/subuid; then
  sbx_run -- cat /proc/self/uid_map
  total=$(printf '%s\n' "$OUT" | awk '{ s += $3 } END { print s }')
  is "$total" 65536 "65536 uids mapped through newuidmap"
  like "$OUT" "^ *$me +$me +1$" "own uid maps to itself by default"
  sbx_run -- cat /proc/self/gid_map
  total=$(printf '%s\n' "$OUT" | awk '{ s += $3 } END { print s }')
  is "$total" 65536 "65536 gids mapped through newgidmap"
  sbx_run -- cat /proc/self/setgroups
  is "$OUT" "allow" "setgroups stays allowed with a full gid map (newgidmap's decision)"
else
  fail "the test user has a range in /etc/subuid" "run tests/host-setup as root"
fi

sbx_run -- id -u
is "$OUT" "$me" "default uid inside is the caller's"
sbx_run -- id -g
is "$OUT" "$mygid" "default gid inside is the caller's"
sbx_run --uid 0 -- sh -c 'id -u; id -g; head -1 /proc/self/uid_map'
like "$OUT" "^0
0
 *0 +$me +1$" "--uid 0: root inside, mapped to the caller outside"
sbx_run --uid 1234 --gid 4321 -- sh -c 'id -u; id -g'
is "$OUT" "1234
4321" "--uid/--gid pick any identity inside"

sbx_run -- sh -c 'touch /tmp/f; stat -c %u /tmp/f'
is "$OUT" "$me" "files the program creates belong to the caller"

# Capabilities: none, also as root inside.
caps_re='CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000'
sbx_run -- grep -E '^Cap' /proc/self/status
is "$OUT" "$caps_re" "no capabilities by default"
sbx_run --uid 0 -- grep -E '^Cap' /proc/self/status
is "$OUT" "$caps_re" "no capabilities as root inside"
sbx_run -- grep NoNewPrivs /proc/self/status
like "$OUT" "NoNewPrivs:	1" "no_new_privs is set"
sbx_run --uid 0 --cap-add CHOWN --cap-add dac_override -- grep -E '^Cap(Eff|Bnd)' /proc/self/status
is "$OUT" "CapEff:	0000000000000003
CapBnd:	0000000000000003" "--cap-add keeps exactly the chosen capabilities as root"
sbx_run --cap-add CAP_FOWNER -- grep -E '^Cap(Eff|Amb)' /proc/self/status
is "$OUT" "CapEff:	0000000000000008
CapAmb:	0000000000000008" "--cap-add reaches a non-root program through the ambient set"
sbx_run --uid 0 --cap-add ALL --cap-drop SYS_ADMIN -- grep -E '^CapEff' /proc/self/status
unlike "$OUT" "^CapEff:	0000000000000000" "--cap-add ALL keeps capabilities"
sbx_run --uid 0 --cap-add ALL --cap-drop SYS_ADMIN -- sh -c 'mount -t tmpfs none /mnt 2>&1; echo rc=$?'
like "$OUT" "rc=[1-9]" "--cap-drop SYS_ADMIN takes mount away again"
sbx_run --uid 0 --cap-add CHOWN -- sh -c 'touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u /tmp/f'
is "$OUT" "1000" "a kept CHOWN works on the sandbox's own files"

# Environment.
export SBX_SECRET_TEST=hunter2 LANG=C.UTF-8 TZ=UTC
sbx_run -- env
unlike "$OUT" "SBX_SECRET_TEST" "host variables are not passed by default"
like "$OUT" "^LANG=C.UTF-8$" "LANG is kept"
like "$OUT" "^TZ=UTC$" "TZ is kept"
like "$OUT" "^HOME=$HOME$" "HOME is the caller's home"
like "$OUT" "^USER=$(id -un)$" "USER is the caller"
sbx_run --uid 0 -- sh -c 'echo $HOME $USER'
is "$OUT" "/root root" "HOME and USER for root inside"
sbx_run --keep-env -- env
like "$OUT" "^SBX_SECRET_TEST=hunter2$" "--keep-env passes the host environment"
sbx_run --setenv A=1 --setenv B=x=y --unsetenv LANG -- env
like "$OUT" "^A=1$" "--setenv sets"
like "$OUT" "^B=x=y$" "--setenv keeps '=' in the value"
unlike "$OUT" "^LANG=" "--unsetenv removes"
unset SBX_SECRET_TEST

# File descriptors: only 0-2 reach the program.
o=$(timeout 30 "$SBX" -- sh -c 'ls /proc/self/fd' 5</dev/null 7>/dev/null </dev/null 2>&1)
is "$(echo $o | tr ' ' '\n' | sort -n | tr '\n' ' ')" "0 1 2 3 " "only fds 0-2 are open in the program (3 is ls's own)"

# Exit statuses.
sbx_run -- sh -c 'exit 42'
is "$RC" 42 "the program's exit status is sbx's"
sbx_run -- sh -c 'kill -9 $$'
is "$RC" 137 "death by signal N gives 128+N"
sbx_run -- true
is "$RC$ERR" "0" "a plain run prints nothing of its own"
echo hello | timeout 30 "$SBX" -- cat >"${TMPDIR:-/tmp}/sbx-stdin.$$" 2>&1
is "$(cat "${TMPDIR:-/tmp}/sbx-stdin.$$")" "hello" "stdin and stdout pass through without a terminal"
rm -f "${TMPDIR:-/tmp}/sbx-stdin.$$"

# Network: loopback only, up.
sbx_run -- cat /proc/net/dev
is "$(printf '%s\n' "$OUT" | tail -n +3 | awk -F: '{ gsub(/ /, "", $1); print $1 }')" "lo" "the network namespace has only lo"
sbx_run -- cat /sys/class/net/lo/flags
is "$(( ${OUT:-0} & 1 ))" 1 "lo is up"

# Processes: the host's are invisible.
sleep 300 &
hostpid=$!
at_exit "kill $hostpid 2>/dev/null"
sbx_run -- ps -e -o comm=
is "$(echo $OUT | tr ' ' '\n' | sort | tr '\n' ' ')" "ps sbx-init " "ps -e inside sees only init and itself"
sbx_run -- sh -c "kill -0 $hostpid; echo \$?"
like "$OUT" "^1$" "a host process cannot be signalled by pid"
no_leftovers "nothing left behind"
