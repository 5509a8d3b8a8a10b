# The sandbox's D-Bus session bus (--dbus-user, core/dbus.h): a real
# dbus-daemon of the test's own, a real xdg-dbus-proxy started by sbx, a
# service of the test's own owning names (tests/lib/dbus-service.py).
# Inside: an allowed name answers, any other is unknown, a name not
# granted cannot be owned, ListNames shows only what is allowed, the
# host's bus socket is not there (connect: ENOENT); outside: no proxy is
# left after an exit, a failed start or a SIGKILL of sbx.  Each claim is
# also shown to fail where the rule is lifted.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"
. "$SBX_TESTS/lib/dbus.sh"

command -v dbus-daemon >/dev/null || skip_all "no dbus-daemon (apt-get install dbus-daemon)"
command -v gdbus >/dev/null || skip_all "no gdbus (apt-get install libglib2.0-bin)"
proxy_bin=$(command -v xdg-dbus-proxy) || skip_all "no xdg-dbus-proxy (apt-get install xdg-dbus-proxy)"
/usr/bin/python3 -c 'import gi' 2>/dev/null || skip_all "no python3-gi for the test's D-Bus service (apt-get install python3-gi)"

scratch
bus=$SCRATCH/bus
private_bus "$SCRATCH" >"$SCRATCH/why" || { fail "the test's dbus-daemon starts" "$(cat "$SCRATCH/why")"; exit 1; }
/usr/bin/python3 "$SBX_TESTS/lib/dbus-service.py" "$DBUS_SESSION_BUS_ADDRESS" org.sbxtest.Allowed org.sbxtest.Hidden \
  org.freedesktop.Notifications org.freedesktop.portal.Desktop \
  >"$SCRATCH/service.out" 2>&1 &
service=$!
at_exit "kill $service 2>/dev/null; wait $service 2>/dev/null"
wait_until 20 grep -q '^ready' "$SCRATCH/service.out" || { fail "the test's D-Bus service starts" "$(cat "$SCRATCH/service.out")"; exit 1; }

uid=$(id -u)
ping() { echo gdbus call --session --dest "$1" --object-path /org/sbxtest --method "org.sbxtest.Echo.${2:-Ping}" ${3:+"$3"}; }
bus_call() { echo gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method "org.freedesktop.DBus.$1" ${2:+"$2"} ${3:+"$3"}; }
filter=(--dbus-user filter --dbus-talk org.sbxtest.Allowed)

# The checks can fail: outside, every name answers and is listed.
is "$($(ping org.sbxtest.Hidden Ping hi) 2>&1)" "('hi',)" "outside: the hidden name answers"
like "$($(bus_call ListNames))" "org.sbxtest.Hidden" "outside: ListNames shows the hidden name"

sbx_run "${filter[@]}" -- $(ping org.sbxtest.Allowed Ping hello)
is "$OUT" "('hello',)" "filter: a --dbus-talk name answers"
sbx_run "${filter[@]}" -- sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS"'
is "$OUT" "unix:path=/run/user/$uid/bus" "filter: DBUS_SESSION_BUS_ADDRESS names the proxy's socket inside"
sbx_run "${filter[@]}" -- $(ping org.sbxtest.Hidden Ping hello)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "filter: a name not granted is unknown (ServiceUnknown)"
unlike "$OUT" "hello" "filter: ... and never answers"
sbx_run "${filter[@]}" -- $(bus_call ListNames)
like "$OUT" "'org.sbxtest.Allowed'" "filter: ListNames shows the granted name"
unlike "$OUT" "org\.sbxtest\.Hidden" "filter: ListNames hides the name not granted"
sbx_run "${filter[@]}" -- $(bus_call GetNameOwner org.sbxtest.Hidden)
like "$ERR" "org\.freedesktop\.DBus\.Error\.NameHasNoOwner" "filter: GetNameOwner of the hidden name: NameHasNoOwner"
sbx_run "${filter[@]}" -- $(bus_call RequestName org.sbxtest.Mine 0)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "filter: owning a name not granted is refused"
sbx_run "${filter[@]}" --dbus-own org.sbxtest.Mine -- $(bus_call RequestName org.sbxtest.Mine 0)
is "$OUT" "(uint32 1,)" "filter: --dbus-own lets it own that name (the check can fail)"
sbx_run "${filter[@]}" --dbus-own 'org.sbxtest.Mine.*' -- $(bus_call RequestName org.sbxtest.Mine.a 0)
is "$OUT" "(uint32 1,)" "filter: --dbus-own NAME.* covers the names below it"
sbx_run "${filter[@]}" --dbus-see org.sbxtest.Hidden -- $(ping org.sbxtest.Hidden Ping hello)
like "$ERR" "org\.freedesktop\.DBus\.Error\.AccessDenied" "filter: --dbus-see shows a name but refuses calls (AccessDenied)"
sbx_run "${filter[@]}" --dbus-call 'org.sbxtest.Hidden=org.sbxtest.Echo.Ping@/org/sbxtest' -- $(ping org.sbxtest.Hidden Ping hello)
is "$OUT" "('hello',)" "filter: --dbus-call NAME=METHOD@PATH lets that method through"
sbx_run "${filter[@]}" --dbus-call 'org.sbxtest.Hidden=org.sbxtest.Echo.Ping@/org/sbxtest' -- $(ping org.sbxtest.Hidden Secret)
like "$ERR" "org\.freedesktop\.DBus\.Error\.AccessDenied" "filter: ... and refuses the name's other methods (AccessDenied)"
unlike "$OUT" "secret" "filter: ... which never answer"

# The host's bus is not there; the proxy's socket is.
sbx_run "${filter[@]}" -- "$probe" connect-unix "$bus"
is "$OUT" ENOENT "filter: the host's bus socket $bus is not inside (connect: ENOENT)"
sbx_run "${filter[@]}" -- "$probe" connect-unix "/run/user/$uid/bus"
is "$OUT" success "filter: the proxy's socket /run/user/$uid/bus connects"
sbx_run --bind "$bus" -- "$probe" connect-unix "$bus"
is "$OUT" success "a --bind of the host's bus socket connects (the check can fail)"
sbx_run -- "$probe" connect-unix "$bus"
is "$OUT" ENOENT "none (the default): the host's bus socket is not inside"
sbx_run -- sh -c 'echo "${DBUS_SESSION_BUS_ADDRESS:-unset}"; ls /run/user 2>&1'
like "$OUT" "^unset" "none: no DBUS_SESSION_BUS_ADDRESS inside"

# open: the whole bus, still through the proxy.
sbx_run --dbus-user open -- $(ping org.sbxtest.Hidden Ping hello)
is "$OUT" "('hello',)" "open: every name answers (through the proxy)"
sbx_run --dbus-user open -- "$probe" connect-unix "$bus"
is "$OUT" ENOENT "open: the host's bus socket is still not inside"

# The command line overrides a profile's bus.
cat >"$SCRATCH/bus.profile" <<EOF
dbus-user filter
dbus-talk org.sbxtest.Allowed
EOF
sbx_run --profile "$SCRATCH/bus.profile" -- $(ping org.sbxtest.Allowed Ping p)
is "$OUT" "('p',)" "a profile's dbus-user filter and dbus-talk"
sbx_run --profile "$SCRATCH/bus.profile" --dbus-user none -- $(ping org.sbxtest.Allowed Ping p)
like "$ERR" "Error" "--dbus-user none on the command line takes a profile's bus away"

# The browser profile's bus: notifications and the portals' settings, not
# the file chooser, nothing else.
shipped=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}
browser() { SBX_PROFILE_PATH=$shipped sbx_run -q --profile browser "$@"; }
browser -- $(ping org.freedesktop.Notifications Ping n)
is "$OUT" "('n',)" "browser profile: org.freedesktop.Notifications answers"
browser -- gdbus call --session --dest org.freedesktop.portal.Desktop --object-path /org/freedesktop/portal/desktop \
  --method org.freedesktop.portal.Settings.ReadOne org.freedesktop.appearance color-scheme
is "$OUT" "('setting org.freedesktop.appearance/color-scheme',)" "browser profile: the Settings portal answers"
browser -- gdbus call --session --dest org.freedesktop.portal.Desktop --object-path /org/freedesktop/portal/desktop \
  --method org.freedesktop.portal.FileChooser.OpenFile
like "$ERR" "org\.freedesktop\.DBus\.Error\.AccessDenied" "browser profile: the FileChooser portal is refused (AccessDenied)"
browser -- $(ping org.sbxtest.Allowed Ping n)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "browser profile: any other name is unknown"
browser -- $(bus_call RequestName org.mozilla.firefox.ZGVmYXVsdA__ 0)
is "$OUT" "(uint32 1,)" "browser profile: Firefox may own its remote name"
browser -- $(bus_call RequestName org.freedesktop.secrets 0)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "browser profile: owning org.freedesktop.secrets is refused"
no_leftovers "no xdg-dbus-proxy or other helper left after the runs"

# The system bus: --dbus-system, through the same proxy.  A bus of the
# test's own stands for the host's (DBUS_SYSTEM_BUS_ADDRESS).
mkdir -p "$SCRATCH/system"
private_bus "$SCRATCH/system" DBUS_SYSTEM_BUS_ADDRESS >"$SCRATCH/why" || { fail "the test's system dbus-daemon starts" "$(cat "$SCRATCH/why")"; exit 1; }
/usr/bin/python3 "$SBX_TESTS/lib/dbus-service.py" "$DBUS_SYSTEM_BUS_ADDRESS" org.sbxtest.System org.sbxtest.SystemHidden \
  >"$SCRATCH/system/service.out" 2>&1 &
at_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
wait_until 20 grep -q '^ready' "$SCRATCH/system/service.out" || { fail "the test's system D-Bus service starts" "$(cat "$SCRATCH/system/service.out")"; exit 1; }
sysping() { echo gdbus call --system --dest "$1" --object-path /org/sbxtest --method org.sbxtest.Echo.Ping s; }
system=(--dbus-system filter --dbus-system-talk org.sbxtest.System)
sbx_run "${system[@]}" -- $(sysping org.sbxtest.System)
is "$OUT" "('s',)" "system: a --dbus-system-talk name answers"
sbx_run "${system[@]}" -- sh -c 'echo "$DBUS_SYSTEM_BUS_ADDRESS ${DBUS_SESSION_BUS_ADDRESS:-no-session-bus}"'
is "$OUT" "unix:path=/run/dbus/system_bus_socket no-session-bus" "system: DBUS_SYSTEM_BUS_ADDRESS names the proxy's socket inside, and no session bus is given"
sbx_run "${system[@]}" -- $(sysping org.sbxtest.SystemHidden)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "system: a name not granted is unknown"
sbx_run "${system[@]}" -- gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.ListNames
unlike "$OUT" "SystemHidden" "system: ListNames hides the name not granted"
sbx_run "${system[@]}" -- "$probe" connect-unix "$SCRATCH/system/bus"
is "$OUT" ENOENT "system: the host's system bus socket is not inside"
sbx_run -- "$probe" connect-unix "$SCRATCH/system/bus"
is "$OUT" ENOENT "none (the default): the host's system bus socket is not inside"
sbx_run -- $(sysping org.sbxtest.System)
like "$ERR" "Error" "none (the default): no system bus to call"
sbx_run "${filter[@]}" "${system[@]}" -- sh -c "$(ping org.sbxtest.Allowed Ping u) && $(sysping org.sbxtest.System)"
is "$OUT" "('u',)
('s',)" "both buses at once, each with its own rules"
sbx_run "${filter[@]}" -- $(sysping org.sbxtest.System)
like "$ERR" "Error" "a session bus alone gives no system bus"
env -u DBUS_SYSTEM_BUS_ADDRESS "$SBX" "${system[@]}" -- true >/dev/null 2>"$SCRATCH/nosys.err" </dev/null
if [ -S /run/dbus/system_bus_socket ]; then
  skip "no system bus on the host: one note" "this host has a system bus"
else
  like "$(cat "$SCRATCH/nosys.err")" "^sbx: note: dbus-system filter: this host has no D-Bus system bus" "no system bus on the host: one note"
fi
fails_cleanly "dbus-system with a bad value" 125 "^sbx: --dbus-system: \`maybe\`: expected none, filter or open$" \
  --dbus-system maybe -- true
fails_cleanly "dbus-system-call without a rule" 125 "^sbx: --dbus-system-call: \`org.a.B\`: expected NAME=RULE" \
  --dbus-system-call org.a.B -- true
DBUS_SYSTEM_BUS_ADDRESS=-x fails_cleanly "a system bus address that would be read as an option" 125 \
  "^sbx: DBUS_SYSTEM_BUS_ADDRESS \`-x\`: not a D-Bus address" --dbus-system filter -- true
unset DBUS_SYSTEM_BUS_ADDRESS
no_leftovers "system: no proxy left"

# No session bus: the sandbox has none, after one note.
env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR "$SBX" "${filter[@]}" -- sh -c 'echo "${DBUS_SESSION_BUS_ADDRESS:-unset}"' \
  >"$SCRATCH/nobus.out" 2>"$SCRATCH/nobus.err" </dev/null
is "$(cat "$SCRATCH/nobus.out")" unset "no session bus on the host: the sandbox runs without one"
like "$(cat "$SCRATCH/nobus.err")" "^sbx: note: dbus-user filter: this session has no D-Bus session bus" "... after one note"

# Failures leave no proxy behind.
DBUS_SESSION_BUS_ADDRESS=--filter fails_cleanly "an address that would be read as the proxy's option" 125 \
  "^sbx: DBUS_SESSION_BUS_ADDRESS \`--filter\`: not a D-Bus address" --dbus-user filter -- true
# A proxy that fails to start: its words make sbx's one line.
printf '#!/bin/sh\necho "cannot listen here" >&2\nexit 1\n' >"$SCRATCH/failing-proxy"
chmod +x "$SCRATCH/failing-proxy"
in_fake_host "mount --bind $SCRATCH/failing-proxy $proxy_bin" "${filter[@]}" -- true
is "$RC:${ERR##*$'\n'}" "125:sbx: xdg-dbus-proxy failed: cannot listen here" "a proxy that fails to start: its words in one line"
fails_cleanly "the sandbox fails after the proxy started" 127 "command not found" \
  "${filter[@]}" -- /nonexistent/prog
in_fake_host "mount --bind /dev/null $proxy_bin" "${filter[@]}" -- true
is "$RC" 125 "xdg-dbus-proxy not installed: exit 125"
like "$ERR" "^sbx: dbus-user filter: xdg-dbus-proxy, which filters the sandbox's D-Bus messages, is not installed.*apt-get install xdg-dbus-proxy, or run without a bus: --dbus-user none" \
  "... naming the package and --dbus-user none"
fails_cleanly "dbus-user with a bad value" 125 "^sbx: --dbus-user: \`maybe\`: expected none, filter or open$" \
  --dbus-user maybe -- true
fails_cleanly "dbus-talk with a bad name" 125 "^sbx: --dbus-talk: \`org\`: not a D-Bus name" --dbus-talk org -- true
fails_cleanly "dbus-call without a rule" 125 "^sbx: --dbus-call: \`org.foo.Bar\`: expected NAME=RULE" \
  --dbus-call org.foo.Bar -- true
fails_cleanly "dbus-call with a bad rule" 125 "^sbx: --dbus-call: \`a b\`: not a rule" \
  --dbus-call 'org.foo.Bar=a b' -- true
printf 'dbus-user filter\ndbus-own org..x\n' >"$SCRATCH/bad.profile"
fails_cleanly "a profile's bad dbus-own names its line" 125 "^sbx: profile .*bad.profile:2: dbus-own: \`org..x\`: not a D-Bus name" \
  --profile "$SCRATCH/bad.profile" -- true

# The proxy's lock-down (Landlock and the sandbox's seccomp policy): a
# stand-in run where the proxy runs, as it runs, tries the user's home,
# /tmp and /proc, and to make a user namespace; outside, the same script
# does all four (the check can fail).
echo secret >"$SCRATCH/secret"
cat >"$SCRATCH/nosy-proxy" <<EOF
#!/bin/sh
cat $SCRATCH/secret >/dev/null 2>&1 && echo "home: read" || echo "home: refused"
touch /tmp/sbx-dbus-nosy-\$\$ 2>/dev/null && echo "tmp: written" || echo "tmp: refused"
rm -f /tmp/sbx-dbus-nosy-\$\$
cat /proc/self/environ >/dev/null 2>&1 && echo "proc: read" || echo "proc: refused"
unshare -U true 2>/dev/null && echo "userns: made" || echo "userns: refused"
exit 1
EOF
chmod +x "$SCRATCH/nosy-proxy"
is "$("$SCRATCH/nosy-proxy" | tr '\n' ' ')" "home: read tmp: written proc: read userns: made " \
  "lock-down: outside, the stand-in reads the home, writes /tmp, reads /proc, makes a user namespace"
in_fake_host "mount --bind $SCRATCH/nosy-proxy $proxy_bin" "${filter[@]}" -- true
is "${ERR##*$'\n'}" "sbx: xdg-dbus-proxy failed: home: refused tmp: refused proc: refused userns: refused" \
  "lock-down: where sbx runs the proxy, the home, /tmp and /proc are refused (Landlock), and a user namespace (seccomp)"

# A detached sandbox keeps its bus while it runs; `sbx exec` reaches it;
# `sbx stop` ends the proxy.
name=sbx-dbus-test-$$
sbx_run -d --rm --name "$name" "${filter[@]}" -- sleep 120
is "$RC:$OUT" "0:$name" "detached: started"
sbx_run exec "$name" $(ping org.sbxtest.Allowed Ping d)
is "$OUT" "('d',)" "detached: sbx exec talks to a granted name"
sbx_run exec "$name" $(ping org.sbxtest.Hidden Ping d)
like "$ERR" "org\.freedesktop\.DBus\.Error\.ServiceUnknown" "detached: ... and not to another"
sbx_run inspect --format '{{.DBus.Session.Mode}} {{.DBus.Session.Socket}} {{.DBus.System.Mode}}' "$name"
is "$OUT" "filter /run/user/$uid/bus none" "detached: inspect shows the buses"
sbx_run inspect --format '{{.DBus.ProxyPid}}' "$name"
is "$(cat "/proc/$OUT/comm" 2>&1)" "xdg-dbus-proxy" "detached: inspect's DBus.ProxyPid is the running proxy"
sbx_run stop -t 0 "$name"
no_leftovers "detached: sbx stop leaves no proxy"

# SIGKILL of sbx takes the proxy along.
bg_sbx killed "${filter[@]}" -- sleep 60
sbx_pid=$BG
proxy_pid=
find_proxy() { proxy_pid=$(child_of "$sbx_pid" xdg-dbus-proxy); [ -n "$proxy_pid" ]; }
if wait_until 30 find_proxy; then
  pass "the proxy runs as sbx's child, outside the sandbox"
  kill -KILL "$sbx_pid"
  if wait_until 10 gone "$proxy_pid"; then pass "SIGKILL of sbx: the proxy goes too"; else fail "SIGKILL of sbx: the proxy goes too" "$proxy_pid still runs"; fi
else
  fail "the proxy runs as sbx's child, outside the sandbox" "$(cat "$SCRATCH/killed.out")"
fi
no_leftovers "SIGKILL of sbx: nothing left"

# With limits, the proxy is counted in the sandbox's cgroup.
bg_sbx limited "${filter[@]}" --pids 200 --limits best-effort -- sleep 60
sbx_pid=$BG
find_init() { init_pid=$(child_of "$sbx_pid" sbx-init); [ -n "$init_pid" ]; }
if wait_until 30 find_proxy && wait_until 30 find_init; then
  if grep -q pids /proc/$init_pid/cgroup && [ "$(grep pids /proc/$init_pid/cgroup)" != "$(grep pids /proc/$$/cgroup)" ]; then
    is "$(grep pids /proc/$proxy_pid/cgroup)" "$(grep pids /proc/$init_pid/cgroup)" "with --pids, the proxy is in the sandbox's pids cgroup"
  else
    skip "with --pids, the proxy is in the sandbox's pids cgroup" "no delegated pids cgroup here: $(cat "$SCRATCH/limited.out")"
  fi
else
  fail "with --pids, the proxy is in the sandbox's pids cgroup" "no proxy or init: $(cat "$SCRATCH/limited.out")"
fi
kill -TERM "$sbx_pid"
wait_rc "$sbx_pid" 20
no_leftovers "with limits: nothing left"

# The proxy dying under a running sandbox: one warning, the program goes on.
bg_sbx proxydies "${filter[@]}" -- sleep 600
sbx_pid=$BG
if wait_until 30 find_proxy; then
  kill -TERM "$proxy_pid"
  wait_until 10 grep -q "xdg-dbus-proxy, the sandbox's D-Bus, ended" "$SCRATCH/proxydies.out"
  like "$(cat "$SCRATCH/proxydies.out")" "^sbx: warning: xdg-dbus-proxy, the sandbox's D-Bus, ended \(signal 15\); the sandbox has no bus from now on$" \
    "the proxy killed under a running sandbox: one warning"
  kill -0 "$sbx_pid" 2>/dev/null && pass "... and the sandbox runs on" || fail "... and the sandbox runs on" "$(cat "$SCRATCH/proxydies.out")"
  kill -TERM "$sbx_pid"
  wait_rc "$sbx_pid" 20
else
  fail "the proxy killed under a running sandbox: one warning" "no proxy: $(cat "$SCRATCH/proxydies.out")"
fi
no_leftovers "the proxy killed: nothing left at the end"
