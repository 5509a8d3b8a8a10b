# Running sandboxes without a daemon: sbx -d, ps, exec, logs, inspect,
# kill, stop, rm, run --rm; the record's states; bad input; and the
# article's scenario end to end (a detached server, its processes seen
# from inside and from the host, a file put into its upper dir from the
# host, stop).  Every record and layer goes to a scratch XDG_DATA_HOME
# (XDG_RUNTIME_DIR unset: the records live under it too).
. "$SBX_TESTS/lib/tap.sh"

private_sbx_state
tag=lc$$

# --- the article's scenario ----------------------------------------------
srv=${tag}srv
sbx_run -d --name $srv -- sh -c 'echo started; exec sleep 1000'
is "$RC:$OUT" "0:$srv" "sbx -d --name prints the name and returns at once"
pid=$("$SBX" inspect --format '{{.Pid}}' $srv)
like "$pid" '^[0-9]+$' "inspect --format '{{.Pid}}' gives init's host pid ($pid)"
is "$(cat /proc/$pid/comm 2>/dev/null)" "sbx-init" "... which is the sandbox's init"
sbx_run exec $srv ps -e -o pid=,ppid=,comm=
is "$RC" 0 "exec NAME ps: exit 0"
is "$(printf '%s\n' "$OUT" | awk '$3 == "sleep" { print $1, $2 }')" "2 1" "... the server is PID 2, PID 1's child"
like "$(printf '%s\n' "$OUT" | awk '$3 == "sbx-init" { print $1 }')" "^1$" "... init is PID 1"
tree=$(pstree -p "$pid" 2>/dev/null)
like "$tree" "^sbx-init\\($pid\\)---sleep\\([0-9]+\\)$" "pstree -p \$(inspect .Pid) on the host shows the same tree"
upper=$("$SBX" inspect --format '{{.GraphDriver.Data.UpperDir}}' $srv)
is "$upper" "$XDG_DATA_HOME/sbx/sandboxes/$srv/upper" "inspect names the upper dir"
# In a directory fuse-overlayfs has not listed yet: it keeps a listed
# directory's entries in memory (README, the copy-on-write root).
mkdir -p "$upper/srv/drop"
echo "from the host" >"$upper/srv/drop/hello-from-host"
sbx_run exec $srv cat /srv/drop/hello-from-host
is "$RC:$OUT" "0:from the host" "a file written into the upper dir from the host appears inside"
sbx_run stop $srv
is "$RC" 0 "stop returns 0"
gone "$pid" && pass "... once the sandbox is gone" || fail "... once the sandbox is gone" "init $pid still runs"
is "$(sbx_processes)" "" "... and nothing of it runs"

# --- ps, --json, inspect -------------------------------------------------
a=${tag}a
sbx_run -d --name $a --net slirp -- sleep 1000
is "$RC:$OUT" "0:$a" "a detached sandbox with --net slirp"
sbx_run ps
like "$OUT" "^NAME +PID +PROFILE +STATUS +UPTIME +NET +COMMAND" "ps prints its header"
like "$OUT" "$a +[0-9]+ +default +running +[0-9]+s +slirp +sleep 1000" "ps shows the sandbox: pid, profile, status, uptime, net, command"
sbx_run ps --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([(x["Name"], x["Status"], x["Net"]) for x in d if x["Name"] == sys.argv[1]])' "$a")" \
  "[('$a', 'running', 'slirp')]" "ps --json"
sbx_run inspect $a
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
ns = d["Namespaces"]
print(d["Name"], d["State"]["Status"], d["Pid"] > 0, sorted(ns), d["OCI"]["ociVersion"], d["OCI"]["status"],
      d["NetworkSettings"]["Mode"], "10.0.2.100" in d["NetworkSettings"]["Addresses"],
      d["GraphDriver"]["Data"]["LowerDir"], d["GraphDriver"]["Data"]["MergedDir"] == "/proc/%d/root" % d["Pid"])')" \
  "$a running True ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'] 1.0.2 running slirp True / True" \
  "inspect: JSON with pid, namespaces, OCI state, network, layers"
ipid=$("$SBX" inspect --format '{{.Pid}}' $a)
prog=$(ps --ppid "$ipid" -o pid= | tr -d ' ')
for ns in net pid mnt user; do
  want=$(readlink /proc/$prog/ns/$ns)
  if [ -n "$want" ] && [ "$("$SBX" inspect --format "{{.Namespaces.$ns}}" $a)" = "$want" ]; then
    pass "inspect's $ns namespace is the program's ($want)"
  else
    fail "inspect's $ns namespace is the program's" "inspect: $("$SBX" inspect --format "{{.Namespaces.$ns}}" $a)" "program $prog: $want"
  fi
done
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$runtime/$a/state.json")" "running" \
  "the record's state.json holds the OCI status"
is "$(stat -c %a "$runtime") $(stat -c %a "$runtime/$a")" "700 700" "the records are the user's alone (0700)"
# The record is replaced by an exchange and the old one unlinked
# (record.c): none is left beside it.
is "$(ls -A "$runtime/$a" | grep -c '^state\.json')" 1 "the record's updates leave no state.json.new behind"

# --- exec: exit status, environment, stdin, errors -----------------------
sbx_run exec $a sh -c 'exit 7'
is "$RC" 7 "exec returns the program's exit status"
sbx_run exec $a sh -c 'kill -TERM $$'
is "$RC" 143 "... 128+N when it dies of signal N"
sbx_run exec $a no-such-program
is "$RC" 127 "exec of a missing program: 127"
like "$ERR" "^sbx: no-such-program: command not found in sandbox$" "... and says so"
sbx_run exec -t $a true
like "$RC:$ERR" "^125:sbx: exec -t: stdin and stdout must be a terminal$" "exec -t without a terminal: a clear error"
# -it on a terminal (script(1) makes one; its stdin stays open and empty).
if command -v script >/dev/null 2>&1; then
  exec 8< <(exec sleep 60)
  at_exit "kill $! 2>/dev/null"
  q=$(printf '%q' "$SBX")
  out=$(timeout -k 5 30 script -qec "$q exec -it $a sh -c 'tty; test -t 0 && echo stdin-tty; exit 5'; echo rc=\$?" /dev/null <&8 8<&- 2>&1 | tr -d '\r')
  exec 8<&-
  is "$out" "/dev/pts/0
stdin-tty
rc=5" "exec -it: a pty of the sandbox's own devpts, and the exit status"
else
  skip "exec -it: a pty of the sandbox's own devpts" "script(1) is not installed"
fi
OUT=$(echo piped | timeout 20 "$SBX" exec -i $a cat 2>&1)
is "$OUT" "piped" "exec -i passes stdin"
OUT=$(echo piped | timeout 20 "$SBX" exec $a cat 2>&1)
is "$OUT" "" "without -i, stdin is /dev/null"
sbx_run exec $a sh -c 'echo $HOME; echo $container; hostname'
is "$OUT" "$HOME
sbx
$a" "exec gets the program's environment and the sandbox's hostname"
sbx_run exec $a cat /proc/self/status
is "$(printf '%s\n' "$OUT" | awk '/^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):/ { printf "%s%s ", $1, $2 }')" \
  "CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1 Seccomp:2 " \
  "exec: no capabilities, no_new_privs, a seccomp filter, as the program"
sbx_run exec $a sh -c 'exec 2>/dev/null; keyctl show; echo $?; unshare -U true; echo $?'
like "$OUT" "1$" "exec: what the policy refuses stays refused (unshare -U)"

# --- signals, logs -------------------------------------------------------
l=${tag}log
sbx_run -d --name $l -- sh -c 'trap "echo got USR1" USR1; trap "echo got ALRM" ALRM; trap "echo got TERM; exit 3" TERM; echo hello; while :; do sleep 0.1; done'
is "$RC:$OUT" "0:$l" "a detached sandbox that traps signals"
wait_until 5 eval '"$SBX" logs $l | grep -q hello'
is "$("$SBX" logs $l)" "hello" "logs shows what it printed"
"$SBX" logs -f $l >"$SCRATCH/follow.out" 2>&1 &
follow=$!
sbx_run kill $l USR1
is "$RC" 0 "kill NAME USR1"
wait_until 5 eval '"$SBX" logs $l | grep -q "got USR1"' && pass "... reaches the program" || fail "... reaches the program" "$("$SBX" logs $l)"
# ALRM is no signal init forwards: sbx sends it to the program itself.
sbx_run kill $l ALRM
is "$RC" 0 "kill NAME ALRM (not one init forwards)"
wait_until 5 eval '"$SBX" logs $l | grep -q "got ALRM"' && pass "... reaches the program itself" || fail "... reaches the program itself" "$("$SBX" logs $l)"
sbx_run stop -t 10 $l
is "$RC" 0 "stop: SIGTERM first"
wait_rc $follow 10
is "$RC:$(cat "$SCRATCH/follow.out")" "0:hello
got USR1
got ALRM
got TERM" "logs -f follows until the sandbox ends"
sbx_run ps --all
like "$OUT" "$l +- +default +exited \\(3\\)" "ps --all: the stopped sandbox with its exit status"
unlike "$("$SBX" ps)" "$l" "... which plain ps leaves out"
sbx_run exec $l true
like "$RC:$ERR" "^125:sbx: sandbox .$l. is not running" "exec into a stopped sandbox fails cleanly"

# stop -t: a program that ignores SIGTERM is killed after the timeout.
t=${tag}t
sbx_run -d --name $t -- sh -c 'trap "" TERM; while :; do sleep 0.1; done'
t0=$(date +%s%N)
sbx_run stop -t 1 $t
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$RC" = 0 ] && [ $ms -ge 900 ] && [ $ms -lt 8000 ]; then pass "stop -t 1: SIGKILL after the timeout (${ms} ms)"
else fail "stop -t 1: SIGKILL after the timeout" "rc $RC, ${ms} ms"; fi
like "$("$SBX" ps --all)" "$t +- +default +exited \\(137\\)" "... exit 137"

# --- rm, run --rm, unnamed -----------------------------------------------
sbx_run rm $l $t
is "$RC" 0 "rm removes stopped sandboxes"
is "$(ls "$runtime" 2>/dev/null | grep -c "^$tag[lt]")" 0 "... their records"
test -e "$XDG_DATA_HOME/sbx/sandboxes/$l" && fail "... and their layers" "still there" || pass "... and their layers"
sbx_run rm $a
like "$RC:$ERR" "^125:sbx: sandbox .$a. is running; stop it before .sbx rm.$" "rm of a running sandbox is refused"
sbx_run rm ${tag}none
like "$RC:$ERR" "^125:sbx: no sandbox named .${tag}none." "rm of an unknown name: a clear error"
sbx_run run --rm --name ${tag}rm -- sh -c 'echo x > /kept; cat /kept'
is "$RC:$OUT" "0:x" "run --rm --name runs"
test -e "$XDG_DATA_HOME/sbx/sandboxes/${tag}rm" && fail "... and keeps no layers" || pass "... and keeps no layers"
test -e "$runtime/${tag}rm" && fail "... and no record" || pass "... and no record"
sbx_run -d -- sleep 1000
like "$RC:$OUT" "^0:sbx-[0-9a-f]{6}$" "an unnamed detached sandbox gets a name"
anon=$OUT
sbx_run exec "$anon" true
is "$RC" 0 "... exec reaches it by that name"
sbx_run stop "$anon" $a
is "$RC" 0 "stop of several"
sbx_run -- true
is "$(ls "$runtime" 2>/dev/null | grep -v "^$anon$" | grep -c "^sbx-")" 0 "a foreground unnamed sandbox leaves no record"

# --- where the records live ------------------------------------------------
mkdir -m 0700 "$SCRATCH/xdg"
x=${tag}x
XDG_RUNTIME_DIR=$SCRATCH/xdg sbx_run -d --name $x -- sleep 1000
is "$RC:$(stat -c %a "$SCRATCH/xdg/sbx" 2>&1):$(test -f "$SCRATCH/xdg/sbx/$x/state.json" && echo record)" "0:700:record" \
  "with XDG_RUNTIME_DIR, the record is in \$XDG_RUNTIME_DIR/sbx (0700)"
XDG_RUNTIME_DIR=$SCRATCH/xdg sbx_run ps
like "$OUT" "$x +[0-9]+ " "... where ps finds it"
XDG_RUNTIME_DIR=$SCRATCH/xdg sbx_run stop -t 0 $x
is "$RC" 0 "... and stop"
XDG_RUNTIME_DIR=/ sbx_run --name ${tag}y -- true
is "$RC:$(test -d "$runtime/${tag}y" && echo fallback)" "0:fallback" \
  "an XDG_RUNTIME_DIR that is not the user's own (su without -) is passed over for the data directory"

# --- bad input -----------------------------------------------------------
fails_cleanly "ps with an unknown option" 125 "^sbx: usage: sbx ps" ps --bogus
fails_cleanly "stop without a name" 125 "^sbx: usage: sbx stop" stop
fails_cleanly "stop -t with a bad value" 125 "^sbx: stop -t .x.: expected seconds" stop -t x y
fails_cleanly "stop of an unknown name" 125 "^sbx: no sandbox named .${tag}zz." stop ${tag}zz
fails_cleanly "kill with an unknown signal" 125 "^sbx: kill: unknown signal .BOGUS." kill x BOGUS
fails_cleanly "exec of an unknown name" 125 "^sbx: no sandbox named .${tag}zz." exec ${tag}zz true
fails_cleanly "exec without a program" 125 "^sbx: usage: sbx exec" exec ${tag}zz
fails_cleanly "exec with an unknown option" 125 "^sbx: exec: unknown option .-x." exec -x n true
fails_cleanly "logs of an unknown name" 125 "^sbx: no sandbox named" logs ${tag}zz
fails_cleanly "inspect --format with a bad template" 125 "^sbx: --format: .x.: only field paths" inspect --format '{{x}}' $srv
fails_cleanly "an invalid name" 125 "^sbx: invalid sandbox name" inspect ../x
sbx_run -d --name ${tag}dup -- sleep 1000
sbx_run -d --name ${tag}dup -- sleep 1000
like "$RC:$ERR" "^125:sbx: .*${tag}dup.* (is already running|is running already)" "a second sandbox of a running name is refused"
"$SBX" stop -t 0 ${tag}dup >/dev/null 2>&1
sbx_run -d --name ${tag}bad -- /no/such/program
like "$RC:$ERR" "^127:sbx: /no/such/program: command not found in sandbox$" "-d with a missing program: 127 and why, from the waiting sbx"
no_leftovers "nothing left running"
