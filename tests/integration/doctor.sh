# sbx doctor: on this (healthy) test host every check passes or warns and
# the exit status is 0; each problem the test can make for real gives its
# FAIL or warn line, the command that fixes it, and exit status 1 for a
# FAIL.  Host states the test user cannot create are made inside a
# user+mount namespace of the test's own (unshare -rm), where doctor runs
# against them; sysctls, which no namespace can fake, are read from a
# fake tree through SBX_DOCTOR_ROOT (a variable for tests only).
. "$SBX_TESTS/lib/tap.sh"
scratch

# The lines of one check: its status line (matching ERE) and the fix and
# why lines below it.
block() {
  printf '%s\n' "$OUT" | awk -v re="$1" '
    /^(ok  |warn|FAIL)  / { on = ($0 ~ re) }
    /^sbx doctor:/ { on = 0 }
    on { print }'
}

# has_problem DESC STATUS ERE FIX_ERE: a STATUS line matching ERE, with a
# fix line matching FIX_ERE and a why line.
has_problem() {
  local b
  b=$(block "^$2  .*$3")
  if [ -n "$b" ] && printf '%s\n' "$b" | grep -Eq -- "^      fix \(as (root|user)\): .*$4" \
    && printf '%s\n' "$b" | grep -q '^      why: '; then
    pass "$1"
  else
    fail "$1" "want a $2 line matching /$3/, fix /$4/ and a why line" "got:" "$OUT"
  fi
}

statuses_text() { printf '%s\n' "$OUT" | sed -nE 's/^(ok|warn|FAIL)  +.*/\1/p'; }

# --- the healthy host ----------------------------------------------------
sbx_run doctor
is "$RC" 0 "healthy host: exit 0"
unlike "$OUT" "^FAIL" "... no FAIL line"
like "$OUT" "^ok    kernel [0-9]+\.[0-9]+[^:]*: user namespaces, new mount API" "... the kernel line first, naming its features"
like "$OUT" "^ok    user namespaces: made one" "... a user namespace made for real"
like "$OUT" "^ok    /dev/fuse: opened read-write" "... /dev/fuse opened"
like "$OUT" "^ok    fuse-overlayfs: version " "... fuse-overlayfs' version"
like "$OUT" "^ok    xdg-dbus-proxy [0-9.]+ \(/.*xdg-dbus-proxy\)$" "... xdg-dbus-proxy's version"
like "$OUT" "^ok    sbx's helpers: .*/sbx-net, .*/sbx-image, .*/sbx-learnfs$" "... sbx's own helpers, where they are"
like "$OUT" "^ok    default sandbox: \`sbx -- true\` ran" "... a default sandbox run"
like "$(printf '%s\n' "$OUT" | tail -1)" "^sbx doctor: (no problems|[0-9]+ problems? \(0 FAIL, [0-9]+ warn\)); the default sandbox works here$" "... the summary line last"
bad=$(printf '%s\n' "$OUT" | grep -Ev '^(ok    |warn  |FAIL  |      fix \(as (root|user)\): |      why: |sbx doctor: )')
is "$bad" "" "... every line is a status, a fix, a why or the summary"
n_text=$(statuses_text | wc -l)
text_statuses=$(statuses_text | tr '\n' ' ')

sbx_run doctor --json
is "$RC" 0 "--json: exit 0"
json=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d["checks"]:
    assert set(c) == {"name", "status", "finding", "fix", "fix_as", "why"}, c
    assert c["status"] in ("ok", "warn", "FAIL"), c
    assert c["status"] != "ok" or c["fix"] is None, c
print(len(d["checks"]), d["fail"], d["default_sandbox_works"])
print(" ".join(c["status"] for c in d["checks"]) + " ")
print(" ".join(c["name"] for c in d["checks"]))' 2>&1)
like "$json" "^$n_text 0 True" "--json parses, has the same number of checks ($n_text), no FAIL"
is "$(printf '%s\n' "$json" | sed -n 2p)" "$text_statuses" "--json: the same statuses in the same order"
like "$(printf '%s\n' "$json" | sed -n 3p)" "^kernel namespace-limits .* sandbox$" "--json: checks by name, kernel first, the sandbox last"

# --- sysctls, from a fake /proc/sys ----------------------------------------
fake=$SCRATCH/root
mkdir -p "$fake/proc/sys/kernel" "$fake/proc/sys/user"
SBX_DOCTOR_ROOT=$fake sbx_run doctor
is "$RC" 0 "SBX_DOCTOR_ROOT with no sysctls: exit 0"
like "$OUT" "^ok    kernel.apparmor_restrict_unprivileged_userns: not on this kernel" "... the fake tree is the one read"

echo 0 >"$fake/proc/sys/user/max_user_namespaces"
SBX_DOCTOR_ROOT=$fake sbx_run doctor
is "$RC" 1 "user.max_user_namespaces = 0: exit 1"
has_problem "... its FAIL line and fix" FAIL "user.max_user_namespaces = 0" "sysctl -w user.max_user_namespaces=15000"
like "$(printf '%s\n' "$OUT" | tail -1)" "^sbx doctor: [0-9]+ problems? \([1-9][0-9]* FAIL, [0-9]+ warn\); the default sandbox does not work here$" "... and the summary says so"
SBX_DOCTOR_ROOT=$fake sbx_run doctor --json
like "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [c for c in d["checks"] if c["name"] == "namespace-limits"][0]
print(c["status"], c["fix_as"], c["fix"], d["default_sandbox_works"])' 2>&1)" "^FAIL root sysctl -w user.max_user_namespaces=15000 .* False$" "... and in --json"
is "$RC" 1 "... --json: exit 1 too"
rm "$fake/proc/sys/user/max_user_namespaces"

echo 0 >"$fake/proc/sys/user/max_net_namespaces"
SBX_DOCTOR_ROOT=$fake sbx_run doctor
has_problem "user.max_net_namespaces = 0: FAIL naming it" FAIL "user.max_net_namespaces = 0" "sysctl -w user.max_net_namespaces="
rm "$fake/proc/sys/user/max_net_namespaces"

echo 0 >"$fake/proc/sys/kernel/unprivileged_userns_clone"
SBX_DOCTOR_ROOT=$fake sbx_run doctor
is "$RC" 1 "kernel.unprivileged_userns_clone = 0: exit 1"
has_problem "... its FAIL line and fix" FAIL "kernel.unprivileged_userns_clone = 0" "sysctl -w kernel.unprivileged_userns_clone=1"
echo 1 >"$fake/proc/sys/kernel/unprivileged_userns_clone"

echo 1 >"$fake/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
if [ -e /etc/apparmor.d/sbx ]; then
  SBX_DOCTOR_ROOT=$fake sbx_run doctor
  like "$OUT" "^ok    kernel.apparmor_restrict_unprivileged_userns = 1; /etc/apparmor.d/sbx is present" "AppArmor restriction with sbx's profile installed: ok"
else
  SBX_DOCTOR_ROOT=$fake sbx_run doctor
  is "$RC" 1 "AppArmor restriction without sbx's profile: exit 1"
  has_problem "... its FAIL line and fix" FAIL "apparmor_restrict_unprivileged_userns = 1 and /etc/apparmor.d/sbx is missing" "apparmor_parser -r /etc/apparmor.d/sbx"
fi

# --- host states, made in a namespace of the test's own --------------------
if ! unshare -rm true 2>/dev/null; then
  skip "host-state tests" "unshare -rm does not work here"
  exit 0
fi
# in_fake_host (tests/lib/tap.sh): sbx as root of a user+mount namespace of our own.

if [ -d /etc/apparmor.d ]; then
  in_fake_host "mount -t tmpfs none /etc/apparmor.d && echo 'profile sbx {}' >/etc/apparmor.d/sbx && export SBX_DOCTOR_ROOT=$fake" doctor
  like "$OUT" "^ok    kernel.apparmor_restrict_unprivileged_userns = 1; /etc/apparmor.d/sbx is present" "AppArmor restriction with /etc/apparmor.d/sbx present: ok"
  in_fake_host "mount -t tmpfs none /etc/apparmor.d && export SBX_DOCTOR_ROOT=$fake" doctor
  has_problem "AppArmor restriction, /etc/apparmor.d/sbx missing: FAIL" FAIL "/etc/apparmor.d/sbx is missing" "apparmor_parser"
else
  skip "AppArmor profile present/missing" "no /etc/apparmor.d on this host"
fi

: >"$SCRATCH/empty"
in_fake_host "mount --bind $SCRATCH/empty /etc/subuid && mount --bind $SCRATCH/empty /etc/subgid" doctor
has_problem "no subuid range: a warn with the usermod command" warn "/etc/subuid: no range for root" "usermod --add-subuids 100000-165535 root"
has_problem "no subgid range: the same for subgid" warn "/etc/subgid: no range for root" "usermod --add-subgids 100000-165535 root"
unlike "$OUT" "^FAIL  /etc/sub" "... not a FAIL: sbx runs with a single-id map"

printf 'root:100000:1000\n' >"$SCRATCH/small"
in_fake_host "mount --bind $SCRATCH/small /etc/subuid" doctor
has_problem "a range under 65536 ids: a warn" warn "/etc/subuid: root has only 1000 ids" "usermod --add-subuids 101000-166535 root"

printf 'other:50000:100000\nroot:100000:65536\n' >"$SCRATCH/overlap"
in_fake_host "mount --bind $SCRATCH/overlap /etc/subuid" doctor
has_problem "a range overlapping another user's: a warn" warn "root's range 100000-165535 overlaps other's 50000-149999" "usermod --del-subuids 100000-165535 --add-subuids 165536-231071 root"

printf 'root:100000:65536\nroot:abc:10\n' >"$SCRATCH/malformed"
in_fake_host "mount --bind $SCRATCH/malformed /etc/subuid" doctor
is "$RC" 1 "a malformed /etc/subuid: exit 1"
has_problem "... FAIL naming file and line" FAIL "/etc/subuid:2: malformed line" "edit /etc/subuid"

printf 'root:100000:65536\n' >"$SCRATCH/range"
helper=$(command -v newuidmap)
cp "$helper" "$SCRATCH/newuidmap"
chmod 0755 "$SCRATCH/newuidmap"
in_fake_host "mount --bind $SCRATCH/range /etc/subuid && mount --bind $SCRATCH/range /etc/subgid && mount --bind $SCRATCH/newuidmap $helper" doctor
is "$RC" 1 "newuidmap not setuid, with a range: exit 1"
has_problem "... FAIL with the reinstall command" FAIL "newuidmap: $helper is not setuid root and has no file capabilities" "apt-get install --reinstall uidmap"
has_problem "... and the default sandbox fails too, saying why" FAIL "default sandbox: .sbx -- true. failed \(exit 125\): sbx: newuidmap: $helper is not setuid root" "fix the FAIL lines above"

in_fake_host "mount --bind $SCRATCH/empty /etc/subuid && mount --bind $SCRATCH/empty /etc/subgid && mount --bind $SCRATCH/newuidmap $helper" doctor
has_problem "newuidmap not setuid, no range: only a warn" warn "newuidmap: $helper is not setuid root" "apt-get install --reinstall uidmap"

in_fake_host "mount --bind $SCRATCH/range /etc/subuid && mount --bind $SCRATCH/range /etc/subgid" doctor
has_problem "setuid newuidmap inside a user namespace: FAIL, it cannot act as root" FAIL "newuidmap: $helper is owned by uid 65534, not root: that is how a user namespace shows an owner it does not map" "run sbx outside this user namespace"

# A file root owns and others cannot write: refused also to root of our
# namespace, since the host's root is not mapped there.
if [ -f /etc/shadow ] && ! [ -w /etc/shadow ]; then
  in_fake_host "mount --bind /etc/shadow /dev/fuse" doctor
  is "$RC" 1 "/dev/fuse not openable: exit 1"
  has_problem "... FAIL with the chmod and the udev rule" FAIL "/dev/fuse: Permission denied \(mode 0[0-7]+\)" "chmod 0666 /dev/fuse, and to keep it after a reboot: echo 'KERNEL==\"fuse\", MODE=\"0666\"' > /etc/udev/rules.d/"
  in_fake_host "mount --bind /etc/shadow /dev/net/tun" doctor
  is "$RC" 0 "/dev/net/tun not openable: exit 0 (only --net slirp needs it)"
  has_problem "... a warn with the chmod" warn "/dev/net/tun: Permission denied" "chmod 0666 /dev/net/tun"
else
  skip "an unopenable /dev/fuse" "no root-only /etc/shadow to bind over it"
fi

in_fake_host "mount -t tmpfs none /dev/net" doctor
has_problem "no /dev/net/tun: a warn naming the module" warn "/dev/net/tun: No such file or directory" "modprobe tun"

printf '#!/bin/sh\necho broken >&2\nexit 3\n' >"$SCRATCH/fuse-overlayfs"
chmod 0755 "$SCRATCH/fuse-overlayfs"
fo=$(command -v fuse-overlayfs)
in_fake_host "mount --bind $SCRATCH/fuse-overlayfs $fo" doctor
is "$RC" 1 "a broken fuse-overlayfs: exit 1"
has_problem "... FAIL with the reinstall command" FAIL "$fo --version failed" "apt-get install --reinstall fuse-overlayfs"
if proxy=$(command -v xdg-dbus-proxy); then
  in_fake_host "mount --bind /dev/null $proxy" doctor
  has_problem "no xdg-dbus-proxy: a warning with the install command" warn "xdg-dbus-proxy: not installed" "apt-get install xdg-dbus-proxy"
else
  skip "no xdg-dbus-proxy: a warning with the install command" "xdg-dbus-proxy is not installed here"
fi

# sbx's own network helper replaced by something that is not a program.
in_fake_host "mount --bind /dev/null $(dirname "$SBX")/sbx-net" doctor
is "$RC" 0 "no usable sbx-net: the default sandbox still works (exit 0)"
has_problem "... a warn naming --net slirp and the reinstall" warn "sbx's helpers: .*sbx-net" "reinstall sbx"
like "$(block "^warn  sbx's helpers")" "why: --net slirp runs sbx's own helper program" "... and why it matters"

# --- sbx's data directory --------------------------------------------------
mkdir -p "$SCRATCH/data/sbx"
chmod 0777 "$SCRATCH/data/sbx"
XDG_DATA_HOME=$SCRATCH/data sbx_run doctor
is "$RC" 1 "a data directory others can write: exit 1"
has_problem "... FAIL with the chmod" FAIL "$SCRATCH/data/sbx: owned by $(id -u), mode 0777" "chmod 0700 $SCRATCH/data/sbx"
rmdir "$SCRATCH/data/sbx"
ln -s /tmp "$SCRATCH/data/sbx"
XDG_DATA_HOME=$SCRATCH/data sbx_run doctor
has_problem "a data directory that is a symlink: FAIL" FAIL "$SCRATCH/data/sbx: not a directory" "mv $SCRATCH/data/sbx"
rm "$SCRATCH/data/sbx"

# --- the command line ------------------------------------------------------
sbx_run doctor --frobnicate
is "$RC" 125 "an unknown argument: exit 125"
like "$ERR" "^sbx: doctor: unknown argument \`--frobnicate\`; see \`sbx help doctor\`$" "... one line naming it"
sbx_run help doctor
like "$OUT" "^Usage: sbx doctor \[--json\]" "sbx help doctor"
sbx_run --help
like "$OUT" "  doctor \[--json\] +check what sbx needs" "sbx --help lists doctor"
no_leftovers "nothing left behind"

# The cgroup check agrees with sbx itself: where --pids works, doctor says
# the limits work; where it does not, doctor warns with the command that
# delegates what is missing.
sbx_run --pids 50 -- true
limits_rc=$RC
sbx_run doctor
if [ "$limits_rc" = 0 ]; then
  like "$OUT" "^ok +cgroups: --memory, --pids and --cpus work here \(cgroup v[12], below " \
    "cgroups: --pids works here, and doctor says so"
else
  like "$OUT" "^warn +cgroups " "cgroups: --pids does not work here, and doctor warns"
fi
