# Bad input and hostile host states: each gives one clear line, a non-zero
# exit, and leaves nothing behind.  Host states the test user cannot
# create directly (a broken /etc/subuid, no newuidmap, namespace limits)
# are made inside a user+mount namespace of the test's own (unshare -rm),
# where sbx runs for real against them.
. "$SBX_TESTS/lib/tap.sh"
scratch

fails_cleanly "unknown option" 125 "^sbx: unknown option \`--frobnicate\`; see \`sbx --help\`$" --frobnicate -- true
fails_cleanly "option without its value" 125 "option \`--hostname\` needs a value" --hostname
fails_cleanly "no program" 125 "no program given" --hostname x
fails_cleanly "program not found" 127 "^sbx: no-such-program-xyz: command not found in sandbox$" -- no-such-program-xyz
fails_cleanly "program not found by path" 127 "^sbx: /nonexistent/prog: command not found in sandbox$" -- /nonexistent/prog
fails_cleanly "program not executable" 126 "^sbx: /etc/passwd: cannot execute in sandbox: Permission denied$" -- /etc/passwd
# A verb reserved for a later version, if this one still has any.
reserved=$("$SBX" --help | sed -n 's/^Reserved for later versions: *//p' | awk '{ print $1 }')
if [ -n "$reserved" ]; then
  fails_cleanly "reserved verb" 125 "sbx $reserved.*reserved.*sbx -- $reserved" "$reserved"
else
  skip "reserved verb" "this version reserves none"
fi
fails_cleanly "bad --uid" 125 "^sbx: --uid: \`abc\`: expected a number" --uid abc -- true
fails_cleanly "negative --gid" 125 "^sbx: --gid: \`-1\`: expected a number" --gid -1 -- true
fails_cleanly "bad hostname" 125 "^sbx: --hostname: invalid hostname \`-bad_name\`" --hostname -bad_name -- true
fails_cleanly "bad --setenv" 125 "^sbx: --setenv: \`NOEQUALS\`: expected NAME=VALUE" --setenv NOEQUALS -- true
fails_cleanly "unknown capability" 125 "--cap-add: unknown capability \`CAP_FLY\`" --cap-add CAP_FLY -- true
fails_cleanly "bind source missing" 125 "--bind: source \`$SCRATCH/missing\`: No such file or directory" --bind "$SCRATCH/missing:/x" -- true
fails_cleanly "relative destination" 125 "^sbx: --bind: .*the destination must be an absolute path" --bind "$SCRATCH:rel" -- true
fails_cleanly "destination with .." 125 "^sbx: --tmpfs: \`/a/../b\`: the destination may not be / or contain \`..\`" --tmpfs /a/../b -- true
fails_cleanly "destination /" 125 "may not be / or contain" --tmpfs / -- true
ln -s ../../../../../../../../../../../../etc "$SCRATCH/up"
# The scratch directory is bound at /s so that its symlink is on the way.
fails_cleanly "destination escaping through a symlink" 125 "leads outside the sandbox root" --ro-bind "$SCRATCH:/s" --bind "$SCRATCH:/s/up/x" -- true
fails_cleanly "mount point under the read-only host tree (--overlay none)" 125 "cannot create mount point \`/usr/sbx-new\`.*Read-only file system.*top-level" --overlay none --tmpfs /usr/sbx-new -- true
fails_cleanly "--chdir to a missing directory" 125 "^sbx: --chdir \`/nope\`: No such file or directory" --chdir /nope -- true

# A file sbx must not lose: a failed run leaves the user's files alone.
echo precious >"$SCRATCH/keep"
sbx_run --bind "$SCRATCH/keep:/usr/no/such/dir/keep" -- true
is "$(cat "$SCRATCH/keep")" "precious" "a failed bind leaves its source untouched"

# --- host states, made in a namespace of the test's own -----------------
if ! unshare -rm true 2>/dev/null; then
  skip "host-state tests" "unshare -rm does not work here"
else
  # in_fake_host (tests/lib/tap.sh): sbx as root of a user+mount namespace of our own.
  printf 'root:100000:65536\nroot:abc:10\n' >"$SCRATCH/subuid-bad"
  in_fake_host "mount --bind $SCRATCH/subuid-bad /etc/subuid" -- true
  is "$RC" 125 "malformed /etc/subuid: exit 125"
  like "$ERR" "^sbx: /etc/subuid:2: malformed line \`root:abc:10\`" "... naming file and line"
  like "$ERR" " \(run .sbx doctor.\)$" "... and, being about the host, ending with (run \`sbx doctor\`)"

  : >"$SCRATCH/empty"
  in_fake_host "mount --bind $SCRATCH/empty /etc/subuid && mount --bind $SCRATCH/empty /etc/subgid" -- sh -c 'cat /proc/self/uid_map; cat /proc/self/setgroups; id -u'
  is "$RC" 0 "no subuid range: the sandbox still runs"
  like "$OUT" "^ +0 +0 +1$" "... with a single-id map"
  like "$OUT" "deny" "... and setgroups denied"
  is "$(printf '%s\n' "$ERR" | grep -c 'note: no range for root in /etc/subuid')" 1 "... saying so once on stderr"

  printf 'root:100000:65536\n' >"$SCRATCH/subuid-root"
  subid_root="mount --bind $SCRATCH/subuid-root /etc/subuid && mount --bind $SCRATCH/subuid-root /etc/subgid"
  uidmap_bin=$(command -v newuidmap)
  gidmap_bin=$(command -v newgidmap)
  # A helper that is trusted, runs, and is refused by the kernel: a copy
  # of the real one, setuid to this namespace's root (the test user, who
  # owns the copy), bound where the system's is.  Its write is refused, as
  # this namespace's root has no range of the host's ids to give.  (The
  # host's own newuidmap shows as nobody's here, which sbx refuses to run:
  # the next test.)
  if cp "$uidmap_bin" "$SCRATCH/newuidmap" 2>/dev/null && cp "$gidmap_bin" "$SCRATCH/newgidmap" \
    && chmod 4755 "$SCRATCH/newuidmap" "$SCRATCH/newgidmap"; then
    in_fake_host "$subid_root && mount --bind $SCRATCH/newuidmap $uidmap_bin && mount --bind $SCRATCH/newgidmap $gidmap_bin" -- true
    is "$RC" 125 "newuidmap refusing: exit 125"
    like "$ERR" "^sbx: new[ug]idmap refused the id mapping .*check that /etc/sub[ug]id gives root a range" "... naming the helper and /etc/subuid"
  else
    skip "newuidmap refusing" "$uidmap_bin cannot be copied by $(id -un) (not readable)"
    skip "... naming the helper and /etc/subuid" "$uidmap_bin cannot be copied"
  fi

  # The host's setuid newuidmap seen from a user namespace that does not
  # map root: its owner shows as 65534 and the kernel would ignore its
  # setuid bit; sbx says so instead of running it.
  in_fake_host "$subid_root" -- true
  is "$RC" 125 "newuidmap owned by an unmapped uid: exit 125"
  like "$ERR" "^sbx: newuidmap: $uidmap_bin is owned by uid 65534, not root: that is how a user namespace shows an owner it does not map" "... saying what the owner means"

  in_fake_host "$subid_root && mount -t tmpfs none /usr/sbin && mount -t tmpfs none /usr/bin && PATH=/usr/bin" -- true
  is "$RC" 125 "newuidmap missing: exit 125"
  like "$ERR" "^sbx: /etc/subuid has a range for you but no .newuidmap. is installed in /usr/bin, /usr/sbin, /bin, /sbin \(sbx runs it only from there, never from PATH\); install the uidmap package" "... naming where sbx looked and the package"

  # /dev/fuse that users may not open (no udev rule ran): a root-owned
  # file of mode 0640 bound over it.  The default sandbox still runs, on
  # the host's tree read-only, and says why in one note; --overlay fuse,
  # asked for, fails with the real errno and the fix for it.
  nofuse="mount --bind $SCRATCH/empty /etc/subuid && mount --bind $SCRATCH/empty /etc/subgid && mount --bind /etc/shadow /dev/fuse"
  if [ -r /etc/shadow ]; then
    skip "/dev/fuse not usable" "/etc/shadow, which stands in for a closed /dev/fuse, is readable here"
  else
    in_fake_host "$nofuse" -- sh -c 'touch /usr/x 2>&1 | grep -c "Read-only"'
    is "$RC:$OUT" "0:1" "/dev/fuse not usable, no --overlay asked for: the sandbox runs, the host's tree read-only"
    is "$(printf '%s\n' "$ERR" | grep -c 'no copy-on-write root: open /dev/fuse (mode 0640, owner uid 65534) for the copy-on-write root: Permission denied.*chmod 0666 /dev/fuse.*running on the host.s tree read-only, as --overlay none (run .sbx doctor.)')" 1 \
      "... saying so in one note with the errno, the fix and sbx doctor"
    in_fake_host "$nofuse" -q -- true
    is "$RC:$(printf '%s' "$ERR" | grep -c 'copy-on-write')" "0:0" "... -q silences the note"
    in_fake_host "$nofuse" --overlay fuse -- true
    is "$RC" 125 "--overlay fuse asked for with /dev/fuse not usable: exit 125"
    like "$ERR" "^sbx: open /dev/fuse \(mode 0640, owner uid 65534\) for the copy-on-write root: Permission denied; users may not open it here; as root: chmod 0666 /dev/fuse.* \(run .sbx doctor.\)$" \
      "... with the real errno (EACCES, not ENOENT) and the fix for it"
    # /dev/net/tun the same way: --net slirp fails with the real errno.
    in_fake_host "mount --bind $SCRATCH/empty /etc/subuid && mount --bind $SCRATCH/empty /etc/subgid && mount --bind /etc/shadow /dev/net/tun" --net slirp -- true
    is "$RC" 125 "/dev/net/tun not usable, --net slirp: exit 125"
    like "$ERR" "^sbx: open /dev/net/tun for --net slirp: Permission denied; users may not open it here; as root: chmod 0666 /dev/net/tun.* \(run .sbx doctor.\)$" \
      "... with the real errno, the fix for it and sbx doctor"
    in_fake_host "$nofuse" --name keepme -- true
    is "$RC" 125 "--name with /dev/fuse not usable: refused (a named sandbox needs an overlay)"
  fi

  for ns in user mnt; do
    in_fake_host "echo 0 > /proc/sys/user/max_${ns}_namespaces" -- true
    is "$RC" 125 "user.max_${ns}_namespaces = 0: exit 125"
    like "$ERR" "the limit user.max_${ns}_namespaces is 0.*sysctl -w user.max_${ns}_namespaces=" "... naming the sysctl to raise"
    like "$ERR" " \(run .sbx doctor.\)$" "... ending with (run \`sbx doctor\`)"
  done
fi
no_leftovers "nothing left behind after all the failures"
