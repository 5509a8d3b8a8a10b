# Trust boundaries of the host programs sbx runs outside any sandbox
# (core/helpers.c).  newuidmap and newgidmap run with root's rights before
# the sandbox exists: sbx takes them only from the system's directories
# (/usr/bin, /usr/sbin, /bin, /sbin), never from PATH, and only as root's
# setuid or file-capability files.  No helper (fuse-overlayfs either) comes
# from the current directory through an empty, `.` or relative PATH entry.
# Every fake here leaves a marker file if it runs; none may.  The claims
# table is tests/security/README.md.
. "$SBX_TESTS/lib/tap.sh"
scratch

me=$(id -un)
if ! grep -q "^$me:" /etc/subuid || ! grep -q "^$me:" /etc/subgid; then
  skip_all "$me has no range in /etc/subuid and /etc/subgid, so sbx runs no newuidmap at all (tests/host-setup gives one)"
fi
sys_path=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
marks=$SCRATCH/marks
mkdir -p "$marks"
# The system's file -v must name (a build with --with-idmap-helper-dir is
# not what these tests run).
sys_re='(/usr)?/s?bin'

# make_fakes DIR MODE NAMES...: scripts that record that they ran and fail.
make_fakes() {
  local d=$1 mode=$2 n
  shift 2
  mkdir -p "$d"
  for n in "$@"; do
    printf '#!/bin/sh\necho "$0" >>"%s/%s"\nexit 1\n' "$marks" "$n" >"$d/$n"
    chmod "$mode" "$d/$n"
  done
}
make_fakes "$SCRATCH/checkout" 0755 newuidmap newgidmap fuse-overlayfs
make_fakes "$SCRATCH/checkout/tools" 0755 newuidmap newgidmap fuse-overlayfs
make_fakes "$SCRATCH/abs" 0755 newuidmap newgidmap

# What ran: the markers' names and the paths they recorded.
ran() { (cd "$marks" && for f in *; do [ -f "$f" ] && printf '%s: %s ' "$f" "$(tr '\n' ' ' <"$f")"; done); }

# run_from DIR PATH: sbx -v, started in DIR with PATH, prints the sum of
# the counts of its uid map and of its gid map.  Sets OUT, ERR, RC.
run_from() {
  local o e
  rm -f "$marks"/*
  o=$(mktemp) e=$(mktemp)
  (cd "$1" && PATH=$2 timeout -k 5 60 "$SBX" -v -- /bin/sh -c \
    'awk "{ n += \$3 } END { printf \"%d \", n }" /proc/self/uid_map; awk "{ n += \$3 } END { print n }" /proc/self/gid_map' \
    </dev/null >"$o" 2>"$e")
  RC=$?
  OUT=$(cat "$o") ERR=$(cat "$e")
  rm -f "$o" "$e"
}

# hijack_points DESC FUSE_FAKE: what must hold after run_from, whatever
# fakes PATH offered.  FUSE_FAKE: the fuse-overlayfs PATH led to, which
# -v must say it passed over ("" when PATH offered none).
hijack_points() {
  local desc=$1 fuse_fake=$2 fuse_line
  if [ "$RC" = 0 ]; then pass "$desc: sbx runs (exit 0)"; else fail "$desc: sbx runs (exit 0)" "rc: $RC" "stderr: $ERR"; fi
  is "$(ran)" "" "$desc: no fake helper ran"
  is "$OUT" "65536 65536" "$desc: the 65536-id ranges are mapped (the system's helpers ran)"
  like "$ERR" "sbx: debug: newuidmap: $sys_re/newuidmap \((setuid root|file capabilities)\)" "$desc: -v names the system's newuidmap"
  like "$ERR" "sbx: debug: newgidmap: $sys_re/newgidmap \((setuid root|file capabilities)\)" "$desc: -v names the system's newgidmap"
  if [ -n "$fuse_fake" ]; then
    fuse_line=$(printf '%s\n' "$ERR" | grep '^sbx: debug: fuse-overlayfs: /')
    if [ -n "$fuse_line" ] && [ "${fuse_line#*"$SCRATCH"}" = "$fuse_line" ]; then
      pass "$desc: -v names a fuse-overlayfs outside the current directory (${fuse_line##* })"
    else
      fail "$desc: -v names a fuse-overlayfs outside the current directory" "stderr: $ERR"
    fi
    like "$ERR" "sbx: debug: fuse-overlayfs: not using ${fuse_fake//./\\.}: its PATH entry is relative" \
      "$desc: -v says why $fuse_fake was passed over"
  fi
}

# --- PATH leads to a checkout's own helpers -------------------------------
# The report: `cd some-untrusted-checkout && sbx -- true` with an empty
# entry in PATH ran the checkout's ./newuidmap, unconfined.
run_from "$SCRATCH/checkout" ":$sys_path"
hijack_points "PATH with an empty entry first, started in a checkout with fakes" ./fuse-overlayfs
run_from "$SCRATCH/checkout" ".:$sys_path"
hijack_points "PATH with \`.\` first" ./fuse-overlayfs
run_from "$SCRATCH/checkout" "tools:$sys_path"
hijack_points "PATH with a relative directory (tools) first" tools/fuse-overlayfs
# An absolute directory is fine for an unprivileged helper, never for the
# setuid ones: only the system's own newuidmap writes a range map.
run_from "$SCRATCH" "$SCRATCH/abs:$sys_path"
hijack_points "PATH with an absolute non-system directory of fakes first" ""

# -v with the ordinary PATH: each helper's file, and nothing passed over.
run_from "$SCRATCH" "$sys_path"
like "$ERR" "sbx: debug: fuse-overlayfs: /[^ ]*/fuse-overlayfs$" "-v names the fuse-overlayfs it runs"
like "$ERR" "sbx: debug: newuidmap: $sys_re/newuidmap \((setuid root|file capabilities)\)$" "-v names the newuidmap it runs, and why it is trusted"

# --- the system's directories hold something that is no privileged helper --
# Made in a user+mount namespace of the test's own (unshare -rm), where
# the test user is root: its files there are root's, the host's are
# nobody's (65534).  /etc/subuid gives that root a range, so sbx needs
# the helpers.
if ! unshare -rm true 2>/dev/null; then
  skip "a file at /usr/bin/newuidmap that is no privileged helper" "unshare -rm does not work here"
else
  printf 'root:100000:65536\n' >"$SCRATCH/subid"
  ns_subid="mount --bind $SCRATCH/subid /etc/subuid && mount --bind $SCRATCH/subid /etc/subgid"
  uidmap_bin=$(command -v newuidmap)
  gidmap_bin=$(command -v newgidmap)
  # in_fake_host SETUP: sbx -v -- true as root of that namespace after SETUP.
  in_fake_host() {
    rm -f "$marks"/*
    OUT=$(timeout 60 unshare -rm sh -c "$ns_subid && $1
exec \"\$0\" -v -- true" "$SBX" 2>"$SCRATCH/err" </dev/null)
    RC=$?
    ERR=$(grep -v '^sbx: debug: ' "$SCRATCH/err")
    DEBUG=$(grep '^sbx: debug: ' "$SCRATCH/err")
  }
  # refused DESC ERE: exit 125 with one line matching ERE, and no fake ran.
  refused() {
    if [ "$RC" = 125 ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] && printf '%s' "$ERR" | grep -Eq -- "$2"; then
      pass "$1: refused, saying why"
    else
      fail "$1: refused, saying why" "rc: $RC (want 125)" "stderr: $ERR" "want one line matching /$2/"
    fi
  }

  # A fake that is no setuid file: the user's own script, put where the
  # system's newuidmap is.
  make_fakes "$SCRATCH/plain" 0755 newuidmap newgidmap
  in_fake_host "mount --bind $SCRATCH/plain/newuidmap $uidmap_bin && mount --bind $SCRATCH/plain/newgidmap $gidmap_bin"
  refused "not setuid, no file capabilities" \
    "^sbx: newuidmap: $uidmap_bin is not setuid root and has no file capabilities: apt-get install --reinstall uidmap \(run .sbx doctor.\)$"
  is "$(ran)" "" "not setuid, no file capabilities: the fake did not run"

  # A symlink to a setuid root file: judged as the link, never followed
  # (what it points to could change between the check and the exec).
  make_fakes "$SCRATCH/suid" 4755 newuidmap newgidmap
  mkdir -p "$SCRATCH/linkbin"
  ln -s "$SCRATCH/suid/newuidmap" "$SCRATCH/linkbin/newuidmap"
  ln -s "$SCRATCH/suid/newgidmap" "$SCRATCH/linkbin/newgidmap"
  in_fake_host "mount --bind $SCRATCH/linkbin ${uidmap_bin%/*}"
  refused "a symlink at $uidmap_bin" "^sbx: newuidmap: $uidmap_bin is a symlink; sbx runs only a regular file there"

  # A setuid root file that others may rewrite.
  make_fakes "$SCRATCH/gw" 4775 newuidmap newgidmap
  in_fake_host "mount --bind $SCRATCH/gw/newuidmap $uidmap_bin && mount --bind $SCRATCH/gw/newgidmap $gidmap_bin"
  refused "setuid root but group-writable" \
    "^sbx: newuidmap: $uidmap_bin is writable by its group or others \(mode 4775\).*chmod go-w"
  is "$(ran)" "" "setuid root but group-writable: the fake did not run"

  # File capabilities instead of setuid (as Fedora ships newuidmap): a
  # copy of the real one with cap_setuid, cap_setgid set in the namespace
  # is trusted and runs; the kernel then refuses its write, as this
  # namespace's root has no range of the host's to give.
  cp "$uidmap_bin" "$SCRATCH/caps-newuidmap" 2>/dev/null
  cp "$gidmap_bin" "$SCRATCH/caps-newgidmap" 2>/dev/null
  setcaps="python3 -c 'import os, struct, sys
v = struct.pack(\"<6I\", 0x03000001, (1 << 6) | (1 << 7), 0, 0, 0, 0)
for f in sys.argv[1:]: os.setxattr(f, \"security.capability\", v)' $SCRATCH/caps-newuidmap $SCRATCH/caps-newgidmap"
  if [ ! -f "$SCRATCH/caps-newgidmap" ] || ! command -v python3 >/dev/null \
    || ! unshare -rm sh -c "$setcaps" 2>/dev/null; then
    skip "file capabilities instead of setuid" "cannot copy newuidmap or set file capabilities here (python3, xattrs)"
  else
    in_fake_host "mount --bind $SCRATCH/caps-newuidmap $uidmap_bin && mount --bind $SCRATCH/caps-newgidmap $gidmap_bin"
    if printf '%s' "$DEBUG" | grep -Eq "sbx: debug: newuidmap: $uidmap_bin \(file capabilities\)" \
      && [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -Eq '^sbx: new[ug]idmap refused the id mapping \(new[ug]idmap: write to [ug]id_map failed'; then
      pass "file capabilities instead of setuid: trusted (-v says so) and run"
    else
      fail "file capabilities instead of setuid: trusted (-v says so) and run" "rc: $RC" "stderr: $ERR" "debug: $DEBUG"
    fi
  fi
fi

# sbx's own helpers, sbx-image, sbx-net and sbx-learnfs (core/base/libexec.c): taken
# from beside sbx (this copy is not the installed one), never from PATH,
# and only as regular files of root's or sbx's owner's that nobody else
# may change.  A copy of sbx in a directory of its own, with fakes beside
# it and on PATH; each fake leaves a marker if it runs.
own=$SCRATCH/own
mkdir -p "$own" "$SCRATCH/path-fakes"
cp "$SBX" "$own/sbx"
make_fakes "$SCRATCH/path-fakes" 0755 sbx-net sbx-image
libexec_default=$(strings "$SBX" | grep -m1 -E '^/.*/libexec/sbx$')
# own_sbx DESC ARGS...: the copy, with the fakes' directory first on PATH.
own_sbx() {
  rm -f "$marks"/*
  SBX=$own/sbx PATH=$SCRATCH/path-fakes:$sys_path fails_cleanly "$@"
  is "$(ran)" "" "$1: no fake helper ran"
}
if [ -n "$libexec_default" ] && [ -e "$libexec_default/sbx-net" ]; then
  skip "a missing sbx-net is an error" "an installed sbx's helpers are in $libexec_default"
else
  own_sbx "sbx-net missing beside sbx: not taken from PATH" 125 \
    "^sbx: sbx's helper \`sbx-net\` is missing \(looked beside sbx in \`$own\`, then in /.*\); reinstall sbx$" \
    --net slirp -- true
fi
make_fakes "$own" 0775 sbx-net
own_sbx "a group-writable sbx-net is refused" 125 \
  "^sbx: sbx's helper \`$own/sbx-net\` is writable by group or others; reinstall sbx$" \
  --net slirp -- true
rm -f "$own/sbx-net"
ln -s "$(dirname "$SBX")/sbx-net" "$own/sbx-net"
own_sbx "a symlinked sbx-net is refused" 125 \
  "^sbx: sbx's helper \`$own/sbx-net\` is a symlink; reinstall sbx$" --net slirp -- true
rm -f "$own/sbx-net"
# sbx-learnfs, the third helper (sbx learn), is judged the same way; the
# profile it would have led to is never written.
make_fakes "$own" 0775 sbx-learnfs
own_sbx "a group-writable sbx-learnfs is refused" 125 \
  "^sbx: sbx's helper \`$own/sbx-learnfs\` is writable by group or others; reinstall sbx$" \
  learn --profile-out "$SCRATCH/learnt.profile" -- true
is "$([ -e "$SCRATCH/learnt.profile" ] && echo written || echo absent)" absent \
  "... and no profile is written"
rm -f "$own/sbx-learnfs"
ln -s "$(dirname "$SBX")/sbx-learnfs" "$own/sbx-learnfs"
own_sbx "a symlinked sbx-learnfs is refused" 125 \
  "^sbx: sbx's helper \`$own/sbx-learnfs\` is a symlink; reinstall sbx$" \
  learn --profile-out "$SCRATCH/learnt.profile" -- true
rm -f "$own/sbx-learnfs"
# sbx-image runs only for layers the store lacks: a fresh store here.
python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/img" >/dev/null
export XDG_DATA_HOME=$SCRATCH/data
make_fakes "$own" 0664 sbx-image
chmod 0644 "$own/sbx-image"
own_sbx "an sbx-image that is not executable is refused" 125 \
  "^sbx: --image \`oci:$SCRATCH/img\`: sbx's helper \`$own/sbx-image\` is not executable; reinstall sbx$" \
  --image "oci:$SCRATCH/img" -- true
rm -f "$own/sbx-image"
cp "$(dirname "$SBX")/sbx-image" "$own/sbx-image"
SBX=$own/sbx sbx_run --image "oci:$SCRATCH/img" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "the sbx-image beside sbx unpacks the image's layers"
# Once they are in the store, a start reads the image without sbx-image.
rm -f "$own/sbx-image"
SBX=$own/sbx sbx_run -v --image "oci:$SCRATCH/img" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "with its layers unpacked, an image starts without sbx-image"
unset XDG_DATA_HOME
cp "$(dirname "$SBX")/sbx-net" "$own/sbx-net"
SBX=$own/sbx sbx_run -v --net slirp -- true
if [ "$RC" = 0 ] && printf '%s' "$ERR" | grep -qx "sbx: debug: sbx-net: $own/sbx-net"; then
  pass "the sbx-net beside sbx runs, and -v names it"
else
  fail "the sbx-net beside sbx runs, and -v names it" "rc: $RC" "stderr: $ERR"
fi
no_leftovers "nothing left behind"
