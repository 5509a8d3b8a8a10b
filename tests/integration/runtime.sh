# sbx as an OCI runtime, driven directly as an engine drives it (no
# engine here: tests/integration/podman.sh has podman): a bundle made by
# hand, create -> created (init waits, nothing of the program ran), start
# -> running, exec, kill, delete; hooks with the state on stdin; the pid
# file; errors to --log as JSON; the dispatch of a bare `sbx VERB`; and
# bad bundles, each a clear error naming the field, nothing left behind.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/oci.sh"
scratch
at_exit 'for d in "$SCRATCH"/root/*/; do [ -d "$d" ] && "$SBX" runtime --root "$SCRATCH/root" delete --force "$(basename "$d")" >/dev/null 2>&1; done'
b=$SCRATCH/bundle
oci_bundle "$b"
id=c1-$$

# --- create, start, state, exec, kill, delete ------------------------------
rt create --bundle "$b" --pid-file "$SCRATCH/c1.pid" $id
is "$RC:$ERR" "0:" "create exits 0, says nothing"
pid=$(cat "$SCRATCH/c1.pid" 2>/dev/null)
like "$pid" '^[0-9]+$' "create writes the pid file ($pid)"
is "$(rt_status $id)" created "state: created"
rt state $id
like "$OUT" "\"pid\": *$pid," "state's pid is the pid file's"
like "$OUT" '"ociVersion": *"1\.' "state has ociVersion"
like "$OUT" "\"bundle\": *\"$b\"" "state names the bundle"
is "$(cat /proc/$pid/comm 2>/dev/null)" sbx "init waits as sbx until start"
[ ! -e "$SCRATCH/out/pid" ] && pass "nothing of the program ran before start" ||
  fail "nothing of the program ran before start"
rt start $id
is "$RC:$ERR" "0:" "start exits 0"
wait_until 10 test -s "$SCRATCH/out/pid"
is "$(rt_status $id)" running "state: running"
is "$(cat "$SCRATCH/out/uid" "$SCRATCH/out/hostname" 2>/dev/null | tr '\n' ' ')" "0 ocitest " \
  "the program runs as uid 0 of its user namespace, with config.json's hostname"
is "$(cat "$SCRATCH/out/pid")" 1 "the program is PID 1 of its pid namespace"
is "$(cat /proc/$pid/comm 2>/dev/null)" sleep "the pid file's process is the program"
rt start $id
like "$RC:$ERR" "^[1-9][0-9]*:sbx: container \`$id\` is running, not created$" "a second start is refused"

printf '%s' '{"user":{"uid":0,"gid":0},"args":["sh","-c","echo exec $$; exit 4"],"env":["PATH=/bin:/usr/bin"],"cwd":"/tmp"}' >"$SCRATCH/p.json"
rt exec --process "$SCRATCH/p.json" --pid-file "$SCRATCH/e.pid" $id
is "$RC" 4 "exec waits and exits with the process's status"
like "$OUT" '^exec [0-9]+$' "exec runs in the container's pid namespace"
unlike "$OUT" '^exec 1$' "... not as its PID 1"
like "$(cat "$SCRATCH/e.pid" 2>/dev/null)" '^[0-9]+$' "exec writes its pid file"
printf '%s' '{"user":{"uid":0,"gid":0},"args":["sleep","1000"],"env":["PATH=/bin:/usr/bin"],"cwd":"/"}' >"$SCRATCH/p2.json"
rt exec --detach --process "$SCRATCH/p2.json" --pid-file "$SCRATCH/e2.pid" $id
is "$RC" 0 "exec --detach returns at once"
e2=$(cat "$SCRATCH/e2.pid" 2>/dev/null)
is "$(cat /proc/$e2/comm 2>/dev/null)" sleep "... its pid file names the process"
rt ps --format json $id
like "$(echo $OUT | tr -d ' \n')" "^\[$pid,([0-9]+,)*$e2(,[0-9]+)*\]$|^\[$pid,([0-9]+,)*$e2\]$" \
  "ps --format json lists init and the exec'd process"
printf '%s' '{"user":{"uid":0,"gid":0},"args":["no-such-program"],"env":["PATH=/bin"],"cwd":"/"}' >"$SCRATCH/p3.json"
rt exec --process "$SCRATCH/p3.json" $id
is "$RC:$ERR" "127:sbx: exec \`no-such-program\`: executable file not found in \$PATH" \
  "exec of a missing program: 127 and the words podman reads"
rt kill --all $id KILL
is "$RC" 0 "kill --all ID KILL"
wait_until 10 gone "$e2" && pass "... ends the exec'd process too" || fail "... ends the exec'd process too"
wait_until 10 test "$(rt_status $id)" = stopped && pass "state: stopped" || fail "state: stopped" "$(rt_status $id)"
rt kill $id TERM
like "$RC:$ERR" "^[1-9][0-9]*:sbx: container \`$id\` is not running$" "kill of a stopped container is refused"
rt delete $id
is "$RC:$ERR" "0:" "delete"
[ ! -e "$SCRATCH/root/$id" ] && pass "... removes the record" || fail "... removes the record"
rt state $id
is "$RC:$ERR" "125:sbx: container \`$id\` does not exist" "state of a deleted container"

# --- a created container deleted before start; delete --force of a running one --
rt create --bundle "$b" $id-b
rt delete $id-b
is "$RC" 0 "delete of a created container (never started)"
no_leftovers "... leaves no init waiting"
rt create --bundle "$b" $id-c && rt start $id-c
rt delete $id-c
like "$RC:$ERR" "^[1-9][0-9]*:.*is running: stop it first, or delete --force" "delete of a running container is refused"
rt delete --force $id-c
is "$RC" 0 "delete --force of a running one"
is "$(ls "$SCRATCH/root")" "" "no record is left"

# --- hooks, the state on their stdin ----------------------------------------
cat >"$SCRATCH/hook" <<EOF
#!/bin/sh
cat >"$SCRATCH/out/hook-\$1"
readlink /proc/self/ns/mnt >"$SCRATCH/out/ns-\$1"
EOF
chmod +x "$SCRATCH/hook"
oci_bundle "$SCRATCH/hooked" "c['hooks'] = {k: [{'path': '$SCRATCH/hook', 'args': ['hook', k]}] for k in ('prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop')}
c['hooks']['startContainer'] = [{'path': '/start-hook'}]"
# startContainer's path is the container's.
printf '#!%s\ncat >/out/hook-startContainer\n' "$(command -v sh)" >"$SCRATCH/hooked/rootfs/start-hook"
chmod +x "$SCRATCH/hooked/rootfs/start-hook"
rt create --bundle "$SCRATCH/hooked" $id-h
is "$RC" 0 "create with hooks"
like "$(cat "$SCRATCH/out/hook-createRuntime" 2>/dev/null)" "\"id\": *\"$id-h\".*\"status\": *\"creating\"|\"status\": *\"creating\".*\"id\": *\"$id-h\"" \
  "createRuntime hook gets the state (id, creating) on stdin"
is "$(cat "$SCRATCH/out/ns-createRuntime" 2>/dev/null)" "$(readlink /proc/self/ns/mnt)" "... in the runtime's mount namespace"
like "$(cat "$SCRATCH/out/hook-createContainer" 2>/dev/null)" '"status": *"creating"' "createContainer hook gets the state"
like "$(cat "$SCRATCH/out/ns-createContainer" 2>/dev/null)" '^mnt:' "... and runs (its path the runtime's)"
isnt_ns=$(cat "$SCRATCH/out/ns-createContainer" 2>/dev/null)
[ -n "$isnt_ns" ] && [ "$isnt_ns" != "$(readlink /proc/self/ns/mnt)" ] &&
  pass "... in the container's mount namespace" || fail "... in the container's mount namespace" "$isnt_ns"
[ -s "$SCRATCH/out/hook-prestart" ] && pass "prestart hook ran" || fail "prestart hook ran"
rt start $id-h
like "$(cat "$SCRATCH/out/hook-poststart" 2>/dev/null)" '"status": *"running"' "poststart hook: running"
wait_until 10 test -s "$SCRATCH/out/hook-startContainer"
like "$(cat "$SCRATCH/out/hook-startContainer" 2>/dev/null)" '"status": *"running"' "startContainer hook: running"
rt delete --force $id-h
like "$(cat "$SCRATCH/out/hook-poststop" 2>/dev/null)" '"status": *"stopped"' "poststop hook: stopped"
oci_bundle "$SCRATCH/badhook" "c['hooks'] = {'createRuntime': [{'path': '/bin/false'}]}"
rt create --bundle "$SCRATCH/badhook" $id-bh
like "$RC:$ERR" "^[1-9][0-9]*:sbx: hooks.createRuntime\[0\] \`/bin/false\`: exit status 1$" "a failing createRuntime hook fails create, naming it"
[ ! -e "$SCRATCH/root/$id-bh" ] && pass "... and leaves no record" || fail "... and leaves no record"
no_leftovers "... nor init"

# --- seccomp, capabilities, read-only root ---------------------------------
oci_bundle "$SCRATCH/conf" "c['process']['args'] = ['sh', '-c', 'mkdir /tmp/x 2>&1; grep CapEff /proc/self/status; echo > /x 2>&1; echo fds \$(ls /proc/self/fd); echo keys \$(cat /proc/keys 2>&1); echo bus \$(ls /proc/bus 2>&1); echo x 2>&1 > /proc/sys/kernel/domainname; grep NoNewPrivs /proc/self/status; echo done']
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13}]}
c['process']['capabilities'] = {'bounding': ['CAP_KILL'], 'effective': ['CAP_KILL'], 'permitted': ['CAP_KILL']}
c['root']['readonly'] = True
c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs'})"
# The program's stdout is create's, as conmon's pipe would be.
timeout 20 "$SBX" runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/conf" $id-s </dev/null >"$SCRATCH/s.out" 2>&1
rt start $id-s
wait_until 10 grep -q done "$SCRATCH/s.out"
wait_until 10 test "$(rt_status $id-s)" = stopped
rt delete $id-s
o=$(cat "$SCRATCH/s.out")
like "$o" "mkdir: cannot create directory '/tmp/x': Permission denied" "linux.seccomp: mkdir gets errnoRet 13 (EACCES)"
like "$o" "CapEff:[[:space:]]+0000000000000020" "process.capabilities: only CAP_KILL is effective"
like "$o" "/x: Read-only file system" "root.readonly: the root is read-only"
like "$o" "^fds 0 1 2 3$" "the program holds stdio only (3 is ls's own): no fd of the runtime's leaks in (CVE-2024-21626)"
like "$o" "^keys$" "linux.maskedPaths: /proc/keys (a file) reads empty: /dev/null over it"
[ -n "$(ls /proc/bus)" ] && like "$o" "^bus$" "linux.maskedPaths: /proc/bus (a directory, not empty on the host) lists nothing: an empty tmpfs over it"
like "$o" "/proc/sys/kernel/domainname: Read-only file system" "linux.readonlyPaths: /proc/sys refuses writes"
like "$o" "^NoNewPrivs:[[:space:]]+1$" "process.noNewPrivileges: set"

# --- linux.resources through sbx's cgroup backends ---------------------------
oci_bundle "$SCRATCH/lim" "c['linux']['resources'] = {'pids': {'limit': 7}}"
rt create --bundle "$SCRATCH/lim" --pid-file "$SCRATCH/lim.pid" $id-l
lpid=$(cat "$SCRATCH/lim.pid" 2>/dev/null)
if [ "$RC" = 0 ] && [ -z "$ERR" ]; then
  # The leaf init sits in: a v1 pids hierarchy, or v2's.
  max=$(awk -F: '$2 == "pids" { print "/sys/fs/cgroup/pids" $3 "/pids.max" } $1 == "0" && $2 == "" { print "V2" $3 "/pids.max" }' "/proc/$lpid/cgroup" |
    while read -r f; do
      case $f in V2*) f=$(findmnt -n -o TARGET -t cgroup2 | head -1)${f#V2} ;; esac
      # The limits sit on the leaf, init one below it (sbx's `sandbox`).
      cat "$f" "$(dirname "$(dirname "$f")")/pids.max" 2>/dev/null
    done | grep -vx max | head -1)
  is "$max" 7 "linux.resources.pids.limit: init's cgroup leaf has pids.max 7"
  echo '{"pids": {"limit": 9}}' >"$SCRATCH/res.json"
  rt update --resources "$SCRATCH/res.json" $id-l
  max2=$(for f in $(awk -F: '$2 == "pids" { print "/sys/fs/cgroup/pids" $3 }' "/proc/$lpid/cgroup"); do cat "$(dirname "$f")/pids.max"; done 2>/dev/null)
  [ -z "$(awk -F: '$2 == "pids"' "/proc/$lpid/cgroup")" ] || is "$RC:$max2" "0:9" "update --resources: pids.max is 9 now"
  echo '{"pids": {"limit": "x"}}' >"$SCRATCH/res2.json"
  rt update --resources "$SCRATCH/res2.json" $id-l
  like "$RC:$ERR" "^125:sbx: .*res2.json: resources.pids.limit: " "update with a bad file: an error naming the field"
  rt exec --detach --process "$SCRATCH/p2.json" --pid-file "$SCRATCH/le.pid" $id-l
  lep=$(cat "$SCRATCH/le.pid" 2>/dev/null)
  is "$(grep -E ':pids:|^0::' "/proc/$lep/cgroup" 2>&1)" "$(grep -E ':pids:|^0::' "/proc/$lpid/cgroup")" \
    "an exec'd process joins the container's cgroup"
  leaf=$(grep -o '"cgroups":\["[^"]*' "$SCRATCH/root/$id-l/state.json" | sed 's/.*\["//')
  rt delete --force $id-l
  [ -n "$leaf" ] && [ ! -e "$leaf" ] && [ ! -e "$(dirname "$leaf")" ] &&
    pass "delete removes init's leaf and the one with the limits ($(dirname "$leaf"))" ||
    fail "delete removes init's leaf and the one with the limits" "leaf: $leaf"
else
  like "$ERR" "warning: linux.resources: not applied" "without a delegated cgroup: a warning, the container runs"
  rt delete --force $id-l
fi

# --- run.oci.sbx.profile: an sbx profile on top of the engine's config -------
printf 'seccomp-deny mkdir\nseccomp-deny mkdirat\n' >"$SCRATCH/t.profile"
oci_bundle "$SCRATCH/prof" "c['annotations'] = {'run.oci.sbx.profile': '$SCRATCH/t.profile'}
c['process']['args'] = ['sh', '-c', 'mkdir /tmp/y 2>&1; echo > /tmp/f && echo wrote; echo done']
c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs'})"
timeout 20 "$SBX" runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/prof" $id-p </dev/null >"$SCRATCH/p.out" 2>&1
rt start $id-p
wait_until 10 grep -q done "$SCRATCH/p.out"
like "$(cat "$SCRATCH/p.out")" "mkdir: cannot create directory '/tmp/y': Operation not permitted" \
  "the profile's seccomp-deny mkdir holds on top of the engine's filter"
like "$(cat "$SCRATCH/p.out")" "wrote" "... and what it allows still works"
wait_until 10 test "$(rt_status $id-p)" = stopped
rt delete $id-p
oci_bundle "$SCRATCH/prof2" "c['annotations'] = {'run.oci.sbx.profile': 'no-such-profile'}"
fails_cleanly "an unknown profile in the annotation: an error naming it" 125 "annotations.run.oci.sbx.profile: .*no-such-profile" \
  runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/prof2" $id-p2

# --- errors to --log as JSON; bad bundles ------------------------------------
rt create --bundle "$b" $id-e
rt create --bundle "$b" $id-e
is "$RC:$ERR" "125:sbx: container \`$id-e\` already exists" "create of an id that exists is refused"
is "$(rt_status $id-e)" created "... the first one is untouched"
rt delete $id-e
oci_bundle "$SCRATCH/bad1" "c['process']['capabilities']['bounding'] = ['CAP_FOO']"
sbx_run runtime --root "$SCRATCH/root" --log "$SCRATCH/log.json" --log-format json create --bundle "$SCRATCH/bad1" $id-bad
like "$RC:$ERR" "^125:sbx: .*/bad1/config.json: process.capabilities.bounding\[0\]: unknown capability \`CAP_FOO\`$" \
  "an unknown capability: one line naming the field"
like "$(cat "$SCRATCH/log.json" 2>/dev/null)" '^\{"level":"error","msg":".*unknown capability `CAP_FOO`","time":"[0-9T:-]+Z"\}$' \
  "--log --log-format json: the error as one JSON line"
[ -z "$(ls "$SCRATCH/root" 2>/dev/null)" ] && pass "... no record left" || fail "... no record left" "$(ls "$SCRATCH/root")"
oci_bundle "$SCRATCH/bad2" "c['linux']['intelRdt'] = {'closID': 'x'}"
fails_cleanly "a field sbx cannot honour is refused by name" 125 "linux.intelRdt: not supported by sbx" \
  runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/bad2" $id-bad2
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
  oci_bundle "$SCRATCH/bad6" "c['process']['apparmorProfile'] = 'containers-default'"
  fails_cleanly "an AppArmor profile where AppArmor is off: refused, naming it" 125 \
    "process.apparmorProfile .containers-default.: AppArmor is not enabled on this host" \
    runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/bad6" $id-bad6
fi
oci_bundle "$SCRATCH/bad3" "c['root']['path'] = 'nowhere'"
fails_cleanly "a missing rootfs" 125 "root.path \`$SCRATCH/bad3/nowhere\`: No such file or directory" \
  runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/bad3" $id-bad3
# A container directory others may write to (a shared --root) could hold
# a planted state: its bundle's poststop hook would run at delete.
# Refused before the state is read.
oci_bundle "$SCRATCH/planted" "c['hooks'] = {'poststop': [{'path': '/bin/sh', 'args': ['sh', '-c', 'touch $SCRATCH/hook-ran']}]}"
mkdir -p "$SCRATCH/shared/evil"
chmod 0777 "$SCRATCH/shared/evil"
printf '{"ociVersion": "1.0.2", "id": "evil", "pid": 1, "bundle": "%s", "sbx": {"start_time": 1}}' \
  "$SCRATCH/planted" >"$SCRATCH/shared/evil/state.json"
fails_cleanly "delete: a container directory others may write to is refused" 125 \
  "^sbx: container \`evil\`: \`$SCRATCH/shared/evil\` is writable by others \(mode 0777\)$" \
  runtime --root "$SCRATCH/shared" delete --force evil
[ ! -e "$SCRATCH/hook-ran" ] && pass "... its planted poststop hook did not run" ||
  fail "... its planted poststop hook did not run"
fails_cleanly "state: the same directory is refused" 125 "is writable by others" \
  runtime --root "$SCRATCH/shared" state evil
chmod 0700 "$SCRATCH/shared/evil"
sbx_run runtime --root "$SCRATCH/shared" state evil
like "$RC:$(printf '%s' "$OUT" | tr -d ' \n')" '^0:.*"status":"stopped"' "... and read once it is the user's alone (the caught case)"
rm -rf "$SCRATCH/shared"
oci_bundle "$SCRATCH/bad4" "c['process']['args'] = ['no-such-program']"
fails_cleanly "a missing program: create fails with podman's words (127)" 127 "exec \`no-such-program\`: executable file not found in \\\$PATH" \
  runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/bad4" $id-bad4
oci_bundle "$SCRATCH/bad5" "c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$SCRATCH/none'})"
fails_cleanly "a bind of a missing source names the mount" 125 "mounts\[5\]: bind source \`$SCRATCH/none\`: No such file or directory" \
  runtime --root "$SCRATCH/root" create --bundle "$SCRATCH/bad5" $id-bad5
fails_cleanly "a bad id" 125 "invalid container id" runtime --root "$SCRATCH/root" create --bundle "$b" "a/b"
is "$(ls "$SCRATCH/root")" "" "no failed create left a record"

# --- how a bare `sbx ...` reaches the runtime --------------------------------
export XDG_RUNTIME_DIR=$SCRATCH/xdg
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
sbx_run create --bundle "$b" $id-d
is "$RC" 0 "sbx create (a runtime-only verb) is the runtime's"
[ -d "$XDG_RUNTIME_DIR/sbx/.oci/$id-d" ] && pass "... its default root is \$XDG_RUNTIME_DIR/sbx/.oci" ||
  fail "... its default root is \$XDG_RUNTIME_DIR/sbx/.oci" "$(ls -R "$XDG_RUNTIME_DIR")"
sbx_run --log-format=json state $id-d
like "$RC:$(echo $OUT)" '^0:.*"status": *"created"' "sbx --log-format=json state (a global flag first) is the runtime's"
ln -s "$SBX" "$SCRATCH/sbx-runc"
OUT=$("$SCRATCH/sbx-runc" start $id-d 2>&1) && "$SCRATCH/sbx-runc" state $id-d | grep -q '"running"' &&
  pass "invoked as sbx-runc, start and state are the runtime's" || fail "invoked as sbx-runc" "$OUT"
sbx_run ps
like "$OUT" "^NAME" "bare sbx ps is still sbx's own"
unlike "$OUT" "$id-d" "... and does not list runtime containers"
sbx_run kill $id-d 9
is "$RC" 0 "bare sbx kill ID 9 of a runtime container is the runtime's"
wait_until 10 sh -c "\"$SBX\" state $id-d | grep -q stopped" && pass "... it stopped" || fail "... it stopped"
sbx_run delete $id-d
is "$RC" 0 "bare sbx delete"
sbx_run runtime --version
like "$OUT" "^sbx version .*
spec: 1\.0\.2$" "runtime --version"
sbx_run features
like "$OUT" '"ociVersionMax": *"1\.0\.2"' "features"
no_leftovers "nothing of sbx runs at the end"
