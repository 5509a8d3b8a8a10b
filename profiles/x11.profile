# sbx profile that adds X11 to another: `sbx --profile browser --profile
# x11 firefox`.  Only when asked for: every X11 client can read the
# keystrokes and windows of every other one on the same server.
#
# The X server's socket file, never its abstract socket: that one lives in
# the host's network namespace, which a sandbox with `net none` or `net
# slirp` does not share (with `net host` it would be reachable).
ro-bind ${X11_SOCKET}
setenv DISPLAY=${DISPLAY}
# The cookie the server asks for, where the session has one.
ro-bind-try ${XAUTHORITY}
setenv-try XAUTHORITY=${XAUTHORITY}
