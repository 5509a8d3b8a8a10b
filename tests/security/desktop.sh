# The browser profile's desktop sockets, with a session of the test's own
# (a runtime directory with listening sockets where a desktop has them):
# the Wayland and PulseAudio sockets connect inside and their variables
# name them; PipeWire's own socket (every microphone and the screen), the
# session bus and any other socket of the runtime directory (a keyring's,
# docker's) are not there.  Without the profile, none of them is there.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"
shipped=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}

scratch
# Not below the home, which the profile replaces: a runtime directory as
# systemd makes one, the user's own, 0700 (here in /tmp, which is the
# sandbox's own inside, so nothing of it shows there unless bound).
rt=$(mktemp -d /tmp/sbx-test-runtime.XXXXXX)
at_exit "rm -rf '$rt'"
mkdir -p "$rt/pulse" "$rt/keyring"
n=0
for s in wayland-7 pulse/native pipewire-0 bus keyring/control docker.sock; do
  n=$((n + 1))
  "$probe" listen-unix "$rt/$s" >"$SCRATCH/listen$n.out" 2>&1 &
  at_exit "kill $! 2>/dev/null"
  wait_until 20 grep -q '^ready' "$SCRATCH/listen$n.out" || { fail "the test's socket $s listens" "$(cat "$SCRATCH/listen$n.out")"; exit 1; }
done
export XDG_RUNTIME_DIR=$rt WAYLAND_DISPLAY=wayland-7 XDG_DATA_HOME=$SCRATCH/data
unset DBUS_SESSION_BUS_ADDRESS
is "$("$probe" connect-unix "$rt/pipewire-0")" success "outside, PipeWire's socket answers (the check can fail)"

inside() { SBX_PROFILE_PATH=$shipped sbx_run -q --profile browser -- sh -c "$1"; }
inside "echo \$WAYLAND_DISPLAY; $(printf '%q' "$probe") connect-unix \"\$WAYLAND_DISPLAY\""
is "$OUT" "$rt/wayland-7
success" "browser profile: WAYLAND_DISPLAY names the compositor's socket, which connects"
inside "echo \$PULSE_SERVER; $(printf '%q' "$probe") connect-unix \"\${PULSE_SERVER#unix:}\""
is "$OUT" "unix:$rt/pulse/native
success" "browser profile: PULSE_SERVER names PulseAudio's socket, which connects"
for s in pipewire-0 keyring/control docker.sock; do
  inside "$(printf '%q' "$probe") connect-unix $rt/$s"
  is "$OUT" ENOENT "browser profile: $s of the runtime directory is not there (connect: ENOENT)"
done
# The session bus of the runtime directory: only through the proxy.
if command -v xdg-dbus-proxy >/dev/null; then
  inside "$(printf '%q' "$probe") connect-unix $rt/bus; echo \$DBUS_SESSION_BUS_ADDRESS"
  is "$OUT" "ENOENT
unix:path=/run/user/$(id -u)/bus" "browser profile: the runtime directory's bus is not there, the proxy's is"
else
  skip "browser profile: the runtime directory's bus is not there, the proxy's is" "xdg-dbus-proxy is not installed"
fi
inside "echo \$XDG_RUNTIME_DIR; ls -A /run/user/$(id -u)"
like "$OUT" "^/run/user/$(id -u)
(bus)?$" "browser profile: the sandbox's own runtime directory holds at most the proxy's bus"
sbx_run -- "$probe" connect-unix "$rt/wayland-7"
is "$OUT" ENOENT "without the profile: no Wayland socket"
no_leftovers "nothing left behind"
