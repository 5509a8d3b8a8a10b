# sbx exec, tried from both sides: what it runs gets no host fd, no
# capability, no_new_privs and the sandbox's seccomp filter, in every one
# of the sandbox's namespaces and its cgroup; the process that joins is
# invisible from inside and not dumpable (nothing can ptrace it or read
# its /proc entries: runc's CVE-2016-9962), and holds only fds 0-2 of the
# caller's.  The escape probe runs under exec as under the sandbox's own
# program.  Under --seccomp-log its refusals are named too; a program
# that keeps CAP_SYS_ADMIN gets its own, locked, mount namespace.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

private_sbx_state
n=ex$$

sbx_run -d --name $n -- sleep 1000
is "$RC:$OUT" "0:$n" "a detached sandbox to exec into"
init=$("$SBX" inspect --format '{{.Pid}}' $n)
prog=$(ps --ppid "$init" -o pid= | tr -d ' ')

# Host fds: fd 5 and 7 of the caller must not reach inside.
OUT=$(exec 5</etc/passwd 7>"$SCRATCH/seven"; timeout 20 "$SBX" exec $n sh -c 'ls /proc/self/fd' 2>&1)
is "$(echo $OUT)" "0 1 2 3" "exec: only fds 0-2 reach the program (3 is ls's own)"
sbx_run exec $n "$probe" fds
probe_points "exec: fds"

# Namespaces: every one of init's (seen through the program, which is
# dumpable), none of the host's.
"$SBX" exec $n sleep 1001 </dev/null >/dev/null 2>&1 &
execpid=$!
at_exit "kill $execpid 2>/dev/null"
inner=
wait_until 10 eval 'inner=$(pgrep -u "$(id -u)" -xf "sleep 1001"); [ -n "$inner" ]'
same=0 differ=0
for ns in user mnt pid net ipc uts cgroup; do
  [ "$(readlink /proc/$inner/ns/$ns)" = "$(readlink /proc/$prog/ns/$ns)" ] && same=$((same + 1))
  [ "$(readlink /proc/$inner/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] && differ=$((differ + 1))
done
is "$same:$differ" "7:7" "exec: in all 7 of the sandbox's namespaces, none of the host's"
is "$(grep -E '^(Seccomp|NoNewPrivs|CapEff|CapBnd):' /proc/$inner/status | awk '{ printf "%s ", $2 }')" \
  "0000000000000000 0000000000000000 1 2 " "exec: seen from the host, no capabilities, no_new_privs, a filter"
# The joiner: sbx exec's child, waiting outside the PID namespace.
joiner=$(ps --ppid "$execpid" -o pid= | tr -d ' ')
if [ -n "$joiner" ]; then
  cat /proc/$$/environ >/dev/null 2>&1 && own=readable || own=unreadable
  cat "/proc/$joiner/environ" >/dev/null 2>&1 && j=readable || j=unreadable
  is "$own:$j" "readable:unreadable" "the joiner is not dumpable: its /proc/PID/environ is closed to its own user"
  perl -e 'require "syscall.ph"; exit(syscall(&SYS_ptrace, 16, $ARGV[0], 0, 0) == 0 ? 0 : 1)' "$joiner" 2>/dev/null &&
    fail "... nor can its own user ptrace it" || pass "... nor can its own user ptrace it"
  is "$(ls /proc/$joiner/fd 2>&1 | head -1)" "ls: cannot open directory '/proc/$joiner/fd': Permission denied" \
    "... nor list its fds"
else
  fail "found the joiner" "$(ps -u "$(id -u)" -o pid,ppid,comm)"
fi
sbx_run exec $n sh -c 'for p in /proc/[0-9]*; do read c < $p/comm; echo $c; done'
is "$(printf '%s\n' "$OUT" | sort -u | tr '\n' ' ')" "sbx-init sh sleep " \
  "from inside, the joiner (and every helper) is invisible: only init, the program and exec's"
kill $execpid 2>/dev/null
wait $execpid 2>/dev/null

# The escape probes hold under exec as under the program (not `proc`,
# whose kill(-1) is meant for the sandbox's program itself).
sbx_run exec $n "$probe" priv
probe_points "exec: priv"

# --seccomp-log: what exec runs is named as the sandbox's own program is
# (its listener reaches sbx exec), and keeps the policy's errnos.
lg=${n}l
sbx_run -d --name $lg --seccomp-log -- sleep 1000
is "$RC:$OUT" "0:$lg" "a detached sandbox under --seccomp-log"
sbx_run exec $lg "$probe" refused
is "$RC" 0 "exec under --seccomp-log: refusals keep their errno (the refused probe passes)"
is "$(printf '%s\n' "$ERR" | grep -c '^sbx: refused keyctl() in pid ')" 1 "exec under --seccomp-log: keyctl is named, once"
like "$ERR" '^sbx: refused keyctl\(\) in pid [0-9]+ \(sbx-probe\)$' "exec under --seccomp-log: the line names the syscall, the pid and the command"
dups=$(printf '%s\n' "$ERR" | sed -n 's/^sbx: refused \([a-z0-9_]*\)(.*/\1/p' | sort | uniq -d)
is "$dups" "" "exec under --seccomp-log: no syscall is named twice"
sbx_run exec $lg sh -c 'echo quiet'
is "$RC:$OUT:$ERR" "0:quiet:" "exec under --seccomp-log: a program refused nothing prints nothing more"
# What exec leaves running: as exec ends, its listener goes to the
# sandbox's monitor, which names the refusals in the sandbox's log and
# answers with the policy's errno (not the kernel's ENOSYS for a listener
# nobody holds).  The job waits for a second exec, so that the first has
# ended before it calls anything.
qp=$(printf '%q' "$probe")
sbx_run exec $lg sh -c "(while [ ! -e /tmp/go ]; do sleep 0.05; done; $qp refused keyctl >/tmp/bg.out 2>&1; echo \$? >/tmp/bg.rc) >/dev/null 2>&1 &"
is "$RC" 0 "exec under --seccomp-log returns while its background job runs"
"$SBX" exec $lg touch /tmp/go
bgrc=
wait_until 20 eval 'bgrc=$("$SBX" exec $lg cat /tmp/bg.rc 2>/dev/null); [ -n "$bgrc" ]'
is "$bgrc" 0 "... the job, after exec ended: keyctl refused with the policy's errno (the probe passes)" \
  "$("$SBX" exec $lg cat /tmp/bg.out 2>&1)"
like "$("$SBX" logs $lg 2>&1)" '^sbx: refused keyctl\(\) in pid [0-9]+ \(sbx-probe\)$' \
  "... and the sandbox's log names it (the monitor took exec's listener)"

# Without the log, exec says nothing about refusals.
sbx_run exec $n "$probe" refused keyctl
is "$RC" 0 "exec without --seccomp-log: keyctl refused, its errno kept"
unlike "$ERR" "^sbx: refused" "exec without --seccomp-log: nothing named"
"$SBX" stop -t 0 $lg >/dev/null

# A sandbox whose program keeps CAP_SYS_ADMIN: what exec runs keeps it
# too, in a user and mount namespace of its own that the joiner maps
# (its ids, each to itself), so the sandbox's mounts stay locked.
sa=${n}a
sbx_run -d --name $sa --cap-add SYS_ADMIN -- sleep 1000
is "$RC:$OUT" "0:$sa" "a detached sandbox whose program keeps CAP_SYS_ADMIN"
sbx_run exec $sa sh -c 'cat /proc/self/uid_map; grep CapEff /proc/self/status; umount /tmp 2>/dev/null && echo unmounted || echo locked'
is "$RC" 0 "exec keeping CAP_SYS_ADMIN runs (the joiner maps its own namespace)"
is "$(printf '%s\n' "$OUT" | awk 'NF == 3 { if ($1 != $2) bad = 1; n++ } END { print (n > 0 && !bad) ? "identity" : "other" }')" \
  "identity" "exec keeping CAP_SYS_ADMIN: its namespace maps the sandbox's ids each to itself"
like "$OUT" "CapEff:.0000000000200000" "exec keeping CAP_SYS_ADMIN: it holds CAP_SYS_ADMIN, and only it"
like "$OUT" "locked$" "exec keeping CAP_SYS_ADMIN: the sandbox's mounts are locked all the same (umount /tmp refused)"
"$SBX" stop -t 0 $sa >/dev/null

# The cgroup: with limits, what exec runs counts against them.
c=${n}c
sbx_run -d --name $c --pids 64 --limits strict -- sleep 1000
if [ "$RC" = 0 ]; then
  cinit=$("$SBX" inspect --format '{{.Pid}}' $c)
  cprog=$(ps --ppid "$cinit" -o pid= | tr -d ' ')
  "$SBX" exec $c sleep 1002 </dev/null >/dev/null 2>&1 &
  cexec=$!
  at_exit "kill $cexec 2>/dev/null"
  cin=
  wait_until 10 eval 'cin=$(pgrep -u "$(id -u)" -xf "sleep 1002"); [ -n "$cin" ]'
  is "$(grep pids /proc/$cin/cgroup)" "$(grep pids /proc/$cprog/cgroup)" "exec: in the sandbox's cgroup (pids)"
  # init, the program and exec's sleep, at least (the joiner is outside
  # the PID namespace but in the cgroup too while it waits).
  pc=$("$SBX" inspect --format '{{.Cgroup.Stats.PidsCurrent}}' $c)
  [ "${pc:-0}" -ge 3 ] 2>/dev/null && pass "inspect: the cgroup's stats count them ($pc pids)" \
    || fail "inspect: the cgroup's stats count them" "PidsCurrent: $pc" "$("$SBX" inspect $c)"
  kill $cexec 2>/dev/null
  wait $cexec 2>/dev/null
  "$SBX" stop -t 0 $c >/dev/null
else
  skip "exec: in the sandbox's cgroup" "no delegated cgroup here: $ERR"
fi
"$SBX" stop -t 0 $n >/dev/null
no_leftovers "nothing left running"
