# sbx profile for web browsers: `sbx --profile browser firefox`,
# `sbx --profile browser chromium` (and `sbx firefox`, `sbx chromium`,
# whose profiles include this one).  Each line says why it is here.
include default

# The user's own uid inside (the default, said here because it matters):
# Chromium refuses to run as root, and Wayland, PulseAudio and the
# portals check their peer's uid.

# The host's tree read-only, without a copy-on-write overlay: a browser
# writes only its home, /tmp, /run/user and /dev/shm (all its own) and
# the download directory, never the host's /usr or /etc.  No
# fuse-overlayfs then: the sandbox starts in about two thirds of the time,
# and the browser's files and libraries are read by the kernel, not
# through a FUSE daemon (issue 15).  `--overlay fuse` gives the writable
# root back for one run.
overlay none

# The browser's data (profiles, caches, ~/.mozilla, ~/.config/chromium)
# lives in $XDG_DATA_HOME/sbx/homes/browser, bound as the home: a real
# directory, not the copy-on-write overlay (whose files lose their
# database locks), and nothing of the real home.
persist-home browser
# The one part of the real home a browser needs: the download directory
# (xdg-user-dirs), writable.  Skipped with a note where there is none.
bind-try ${DOWNLOADS}

# /tmp, /run and the homes are the sandbox's own already (default): no
# ssh-agent, docker.sock, systemd or D-Bus socket of the host is there
# (the filtered bus below is the proxy's).
# The runtime directory is a private tmpfs; what the browser needs of the
# real one is bound into it below (at the host's paths, which lie in it
# where $XDG_RUNTIME_DIR is /run/user/UID, as systemd makes it).
tmpfs /run/user/${UID}
setenv XDG_RUNTIME_DIR=/run/user/${UID}

# Wayland, when the session has it.  X11 only when asked for (add
# `--profile x11`): an X11 client can read every other's keystrokes.
ro-bind-try ${WAYLAND_SOCKET}
setenv-try WAYLAND_DISPLAY=${WAYLAND_SOCKET}
# Sound through PulseAudio (or PipeWire's PulseAudio server).  PipeWire's
# own socket is left out: it hands out every microphone and the screen.
ro-bind-try ${PULSE_SOCKET}
setenv-try PULSE_SERVER=unix:${PULSE_SOCKET}

# A D-Bus session bus, filtered by xdg-dbus-proxy outside the sandbox: the
# host's bus socket is never inside, only the proxy's.  Where the session
# has no bus, the browser runs without one (a note says so).
dbus-user filter
# Desktop notifications.
dbus-talk org.freedesktop.Notifications
# The portals, method by method: the desktop's settings (dark mode, fonts),
# screen sharing and the camera through the portal (the user picks what
# is shared), notifications; their Request and Session objects, the
# version properties the browsers read, and the signals that answer them.
# Not the file chooser, nor the rest of org.freedesktop.portal.Desktop:
# the file chooser hands back host paths the sandbox cannot read, and
# others open files and URIs on the host.
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.Settings.*@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.ScreenCast.*@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.Camera.*@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.Notification.*@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.DBus.Properties.Get@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.DBus.Properties.GetAll@/org/freedesktop/portal/desktop
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.Request.Close@/org/freedesktop/portal/desktop/request/*
dbus-call org.freedesktop.portal.Desktop=org.freedesktop.portal.Session.Close@/org/freedesktop/portal/desktop/session/*
dbus-broadcast org.freedesktop.portal.Desktop=@/org/freedesktop/portal/desktop/*
# The browsers' own names: Firefox's remote (a second `firefox URL`
# opening a tab in the running one) and the media keys' (MPRIS).
dbus-own org.mozilla.firefox.*
dbus-own org.mozilla.firefox_esr.*
dbus-own org.mpris.MediaPlayer2.firefox.*
dbus-own org.mpris.MediaPlayer2.chromium.*
dbus-own org.chromium.*
# No system bus (dbus-system none, the default): a browser's uses of it
# (NetworkManager's state, UPower) are optional, and location goes through
# the portal.

# The GPU: the DRM nodes and NVIDIA's, where the host has them (the
# default's /sys, read-only, is what GPU discovery reads).
dev-bind-try /dev/dri
dev-bind-try /dev/nvidiactl
dev-bind-try /dev/nvidia0
dev-bind-try /dev/nvidia-modeset
dev-bind-try /dev/nvidia-uvm
# The user's own fonts and GTK settings, read-only (the system's are in
# the host's tree already, as is /etc/machine-id).
ro-bind-try ${XDG_DATA_HOME}/fonts
ro-bind-try ${XDG_CONFIG_HOME}/fontconfig
ro-bind-try ${XDG_CONFIG_HOME}/gtk-3.0/settings.ini

# The network through slirp, never the local network: no router admin
# pages, no cloud metadata, no services on the host.
net slirp
egress-preset no-lan

# The browsers' own sandboxes.  Chromium needs a user namespace of its
# own (with PID, network and IPC ones) and chroot, or it exits with "No
# usable sandbox!"; Firefox uses the same for its content processes.
# Mount namespaces, setns and mounts stay refused; never --no-sandbox.
# The seccomp syscall stays allowed (default): both load their own
# filters on top of sbx's, and refusals are errors, never kills.
nested-userns

# Threads count as pids; a browser runs hundreds.  Without a delegated
# cgroup the browser still runs, after one warning.
pids 16384
memory 8G
limits best-effort

# A private /dev/shm of its own size: renderers and the GPU process share
# their frames there (Chromium falls back to slower /tmp files when it is
# small); sized so, one browser cannot fill half of the machine's memory.
shm-size 2G
