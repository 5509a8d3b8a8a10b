# The sandbox's filesystem: the host's / (copy-on-write, or read-only with
# --overlay none), fresh /proc, a minimal /dev, private /tmp and /run,
# nosuid/nodev, private propagation, no trace of the old root, and the
# user's --bind/--ro-bind/--tmpfs/--chdir.  The overlay itself: overlay.sh.
. "$SBX_TESTS/lib/tap.sh"
scratch

sbx_run --overlay none -- sh -c 'touch /usr/sbx-probe 2>&1; echo rc=$?'
like "$OUT" "Read-only file system" "--overlay none: the host's /usr is read-only"
sbx_run --overlay none -- sh -c 'touch /sbx-probe 2>&1; echo rc=$?'
like "$OUT" "Read-only file system" "--overlay none: the top level is read-only"
sbx_run -- sh -c 'touch /usr/sbx-probe /sbx-probe && echo ok'
is "$OUT" "ok" "on the copy-on-write root the program can write anywhere"
[ ! -e /usr/sbx-probe ] && [ ! -e /sbx-probe ] && pass "... and the host's / never changes" || fail "... and the host's / never changes"
sbx_run -- sh -c 'echo x > /tmp/a && echo x > /run/a && echo x > /dev/shm/a && echo ok'
is "$OUT" "ok" "/tmp, /run and /dev/shm are writable"
sbx_run --shm-size 64M -- sh -c 'df -k /dev/shm | tail -1'
like "$OUT" "^[^ ]+ +65536 " "--shm-size 64M: /dev/shm holds 64 MiB"
sbx_run --shm-size 64M -- sh -c 'head -c 70000000 /dev/zero > /dev/shm/big; echo rc=$?'
like "$OUT" "rc=1" "... and no more (ENOSPC past it)"
fails_cleanly "--shm-size 1K is refused" 125 "^sbx: --shm-size: \`1K\`: at least 64K" --shm-size 1K -- true
touch "$SCRATCH/host-marker"
sbx_run -- ls -A /tmp
is "$OUT" "" "/tmp is private and empty"
sbx_run -- sh -c 'echo x > /tmp/left-by-sandbox'
[ ! -e /tmp/left-by-sandbox ] && pass "writes to /tmp stay in the sandbox" || fail "writes to /tmp stay in the sandbox"

sbx_run -- ls /dev
is "$(echo $OUT)" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" "/dev holds only the minimal set"
sbx_run -- sh -c 'ls /dev/pts'
is "$(echo $OUT)" "ptmx" "/dev/pts is a private instance with no host ptys"
sbx_run -- sh -c 'head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok'
is "$OUT" "4
null-ok" "the device nodes work"
sbx_run -- sh -c 'ls /dev/kmsg /dev/mem /dev/vda /dev/fuse 2>/dev/null | wc -l'
is "$OUT" "0" "no other host device nodes"

sbx_run --overlay none -- ls /proc
is "$(printf '%s\n' "$OUT" | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')" "1 2 " "/proc shows only the sandbox's processes"
sbx_run --uid 0 -- sh -c '(echo evil > /proc/sys/kernel/hostname) 2>&1; echo rc=$?'
like "$OUT" "rc=[1-9]" "/proc/sys refuses writes"
sbx_run --uid 0 -- sh -c '(echo x > /sys/kernel/uevent_helper) 2>&1; echo rc=$?'
like "$OUT" "Read-only file system|Permission denied|No such file" "/sys is read-only"
sbx_run -- sh -c 'ls /sys/class/net'
is "$OUT" "lo" "/sys shows the sandbox's own network namespace"

# Mount options and propagation, from mountinfo.
sbx_run -- cat /proc/self/mountinfo
mi=$OUT
bad=$(printf '%s\n' "$mi" | awk '{ split($6, o, ","); s = 0; d = 0; for (i in o) { if (o[i] == "nosuid") s = 1; if (o[i] == "nodev") d = 1 }
  if (!s) print $5 " lacks nosuid"; if (!d && $5 !~ /^(\/run\/.sbx-fuse)?\/dev\/(null|zero|full|random|urandom|tty|fuse)$/ && $5 != "/dev" && $5 != "/dev/pts") print $5 " lacks nodev" }')
is "$bad" "" "every mount is nosuid, and nodev except the device nodes"
for m in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs /sys; do
  opts=$(printf '%s\n' "$mi" | awk -v m=$m '$5 == m { print $6 }')
  if [ -z "$opts" ] && [ ! -e "$m" ]; then skip "$m is read-only" "absent on this kernel"; continue; fi
  like "$opts" "^ro," "$m is mounted read-only"
done
for m in /dev /dev/pts; do
  if printf '%s\n' "$mi" | awk -v m=$m '$5 == m' | grep -q noexec; then pass "$m is noexec"; else fail "$m is noexec"; fi
done
fstype_of() { printf '%s\n' "$mi" | awk -v m="$1" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); break } }'; }
is "$(fstype_of /)" "fuse.fuse-overlayfs" "/ is the copy-on-write overlay"
is "$(fstype_of /proc)" "proc" "/proc is a fresh proc"
is "$(fstype_of /dev/pts)" "devpts" "/dev/pts is a fresh devpts"
unlike "$mi" "shared:" "no mount propagates to or from the host (all private)"
is "$(printf '%s\n' "$mi" | awk '$5 == "/" || $5 == "/tmp"' | wc -l)" 2 "the old root is gone: one / and one /tmp"

# --bind, --ro-bind, --tmpfs, --chdir.
mkdir -p "$SCRATCH/src" "$SCRATCH/ro"
echo data >"$SCRATCH/src/f"
echo ro >"$SCRATCH/ro/f"
sbx_run --bind "$SCRATCH/src:/src" --chdir /src -- sh -c 'pwd; cat f; echo new > g'
is "$OUT" "/src
data" "--bind SRC:DST at a new top-level path, --chdir into it"
is "$(cat "$SCRATCH/src/g" 2>/dev/null)" "new" "--bind is writable and writes reach the host"
sbx_run --ro-bind "$SCRATCH/ro" -- sh -c "cat $SCRATCH/ro/f; (echo x > $SCRATCH/ro/f) 2>&1; echo rc=\$?"
like "$OUT" "^ro" "--ro-bind SRC binds at the same path"
like "$OUT" "Read-only file system" "--ro-bind is read-only"
is "$(cat "$SCRATCH/ro/f")" "ro" "the host file is unchanged"
sbx_run --tmpfs /scratch -- sh -c 'ls -A /scratch; touch /scratch/x && echo ok; stat -c %a /scratch'
is "$OUT" "ok
755" "--tmpfs gives an empty writable directory"
sbx_run --bind "$SCRATCH/src/f:/etc/motd" -- cat /etc/motd
is "$OUT" "data" "--bind of a single file over an existing one"
sbx_run --bind "$SCRATCH/src:/a/b/c" -- cat /a/b/c/f
is "$OUT" "data" "missing top-level parents are created"
mkdir -p "$SCRATCH/cwd"
OUT=$(cd "$SCRATCH/cwd" && timeout 30 "$SBX" -- pwd 2>&1)
is "$OUT" "$SCRATCH/cwd" "the program starts in the caller's directory when it is visible"
# A directory in /tmp (the sandbox's own): the program starts in the home,
# and sbx says so once (a CI job from a checkout in /tmp must not run
# elsewhere silently); -q silences it.
T=$(mktemp -d /tmp/sbx-cwd.XXXXXX)
at_exit "rm -rf '$T'"
E=$(cd "$T" && timeout 30 "$SBX" -- pwd 2>&1 >"$SCRATCH/pwd.out")
is "$(cat "$SCRATCH/pwd.out")" "$HOME" "a cwd in /tmp: the program starts in the home"
is "$(printf '%s\n' "$E" | grep -c "^sbx: note: the current directory $T is not visible in the sandbox (/tmp is the sandbox's own); the program starts in $HOME (bind it with --bind $T, or choose one with --chdir)$")" 1 \
  "... and sbx says so in one note naming the directory, why, and the fix"
E=$(cd "$T" && timeout 30 "$SBX" -q -- pwd 2>&1 >/dev/null)
is "$E" "" "... -q silences the note"
OUT=$(cd "$T" && timeout 30 "$SBX" --bind "$T" -- pwd 2>&1)
is "$OUT" "$T" "... and with --bind of it, the program starts there"
sbx_run --chdir /nonexistent -- true
is "$RC" 125 "--chdir to a missing directory fails"
like "$ERR" "--chdir .*/nonexistent.*No such file" "... saying which directory"

# Destinations are resolved inside the new root: a symlink cannot send a
# mount outside it.
ln -s /etc "$SCRATCH/abs-link"
ln -s ../../../../../../../../../../etc "$SCRATCH/climb-link"
mkdir -p "$SCRATCH/target"
sbx_run --bind "$SCRATCH/src:$SCRATCH/target" --tmpfs /mnt -- sh -c "cat $SCRATCH/target/f; ls -A /mnt"
is "$OUT" "data" "binding onto an existing host directory"
# $SCRATCH is bound at /s so its symlinks lie on the destinations' way.
sbx_run --ro-bind "$SCRATCH:/s" --bind "$SCRATCH/src:/s/climb-link/x" -- true
is "$RC" 125 "a destination through a symlink that climbs above / is refused"
like "$ERR" "leads outside the sandbox root" "... with a clear error"
sbx_run --ro-bind "$SCRATCH:/s" --tmpfs "/s/abs-link" -- true
# /etc exists inside; an absolute link resolves to the sandbox's /etc.
is "$RC" 0 "an absolute symlink in a destination resolves inside the sandbox"
sbx_run --ro-bind "$SCRATCH:/s" --tmpfs "/s/abs-link" -- ls -A /etc
is "$OUT" "" "... and the mount lands on the sandbox's /etc, not elsewhere"
is "$(ls /etc | wc -l | tr -d ' ')" "$(ls /etc | wc -l | tr -d ' ')" "the host's /etc is untouched"
no_leftovers "nothing left behind"
