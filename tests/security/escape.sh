# Escape probes: every isolation claim of sbx (issue 6), tried from inside
# a sandbox by tests/security/sbx-probe ($SBX_PROBE), one TAP point per
# line it prints.  Where it is cheap, the same probe is shown to fail
# without the protection (outside the sandbox, under --seccomp
# unconfined, with a capability granted, with a path bound in): a check
# that cannot fail proves nothing.  The table of claims, probes and the
# ones still pending is tests/security/README.md.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

scratch
q_probe=$(printf '%q' "$probe")
start_dir=$(pwd)



# running PID: PID exists and has not exited (a zombie has).
running() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}

# --- processes ------------------------------------------------------------------
# kill(-1, SIGTERM) from inside: it must reach the sandbox's own processes
# (the probe checks) and never this host process of the same user.
sleep 300 &
host_victim=$!
at_exit "kill $host_victim 2>/dev/null; wait $host_victim 2>/dev/null"
# The probe is the program itself (pid 2): under a shell, kill(-1) would
# end the shell.
sbx_run -- "$probe" proc
probe_points "proc"
if running $host_victim; then
  pass "proc: kill(-1, SIGTERM) inside left the host's process $host_victim (same user) alive"
else
  fail "proc: kill(-1, SIGTERM) inside left the host's process $host_victim (same user) alive" "it is gone"
fi

sbx_run --uid 0 -- "$probe" proc
probe_points "proc --uid 0"

# Without the filter the kernel lets the probe inspect its own child
# (the filter did refuse), never init (not dumpable: the kernel refuses).
sbx_run --seccomp unconfined -- "$probe" proc ptrace process_vm_readv pidfd_getfd kcmp open readlink opendir stat
shows_fail "proc --seccomp unconfined: ptrace of its own child goes through (the filter refused it)" \
  'ptrace\(PTRACE_ATTACH, own child\): got success'
shows_fail "proc --seccomp unconfined: process_vm_readv of its own child goes through" \
  'process_vm_readv\(own child\): got success'
shows_fail "proc --seccomp unconfined: pidfd_getfd of its own child goes through" \
  'pidfd_getfd\(own child\): got success'
shows_fail "proc --seccomp unconfined: kcmp with its own child goes through" \
  'kcmp\(own child, KCMP_VM\): got success'
bad=$(printf '%s\n' "$OUT" | grep '^FAIL' | grep -v 'own child' || true)
n=$(printf '%s\n' "$OUT" | grep '^ok' | grep -v 'own child' | grep -vc self)
if [ -z "$bad" ] && [ "$n" = 12 ]; then
  pass "proc --seccomp unconfined: init stays out of reach without the filter ($n checks: not dumpable)"
else
  fail "proc --seccomp unconfined: init stays out of reach without the filter" "$bad" "$n ok lines" "$OUT"
fi

# A process of the sandbox in a namespace of its own shows in /proc/*/ns.
if command -v unshare >/dev/null 2>&1; then
  sbx_run --cap-add SYS_ADMIN -- sh -c "unshare -m sh -c ': >/tmp/in-ns; exec sleep 10' &
    while [ ! -e /tmp/in-ns ]; do sleep 0.02; done
    $q_probe proc '/proc/*/ns'; kill \$! 2>/dev/null"
  shows_fail "proc /proc/*/ns: a process in another mount namespace is caught" '/proc/\*/ns: pid [0-9]+ is in mnt:'
else
  skip "proc /proc/*/ns: a process in another mount namespace is caught" "unshare(1) is not installed"
fi

# The sandbox's namespaces are none of the host's.  The time namespace is
# the host's: sbx does not create one (clocks are not isolated).
sbx_run -- sh -c 'for n in cgroup ipc mnt net pid user uts time; do echo "$n $(readlink /proc/self/ns/$n)"; done'
same=
for n in cgroup ipc mnt net pid user uts; do
  inside=$(printf '%s\n' "$OUT" | sed -n "s/^$n //p")
  host=$(readlink "/proc/self/ns/$n")
  if [ -z "$inside" ] || [ "$inside" = "$host" ]; then same="$same $n($inside)"; fi
done
is "${same# }" "" "proc: the cgroup, ipc, mnt, net, pid, user and uts namespaces are not the host's"

# --- file descriptors and paths -------------------------------------------------
# Extra fds, one a directory of the host (the CVE-2024-21626 class), open
# in the shell that starts sbx: none reaches the program.
exec 5</dev/null 7<"$SCRATCH"
sbx_run -- "$probe" fds
exec 5<&- 7<&-
probe_points "fds (cwd: the tests directory, fds 5 and 7 open in sbx)"
cd "$HOME" && sbx_run -- "$probe" fds
cd "$start_dir" && probe_points "fds (cwd: the home)"
mkdir -p "$SCRATCH/project/src"
cd "$SCRATCH/project/src" && sbx_run -- "$probe" fds
cd "$start_dir" && probe_points "fds (cwd: a project below the home)"
sbx_run --chdir /usr/share -- "$probe" fds chdir getcwd /proc/self/cwd
probe_points "fds --chdir /usr/share"
# The checks fail where they must: an extra fd outside a sandbox, a cwd
# outside the root (a chroot that leaves the cwd behind).
OUT=$("$probe" fds 'fds at exec' 7</dev/null 2>&1)
shows_fail "fds: an extra fd is caught (outside a sandbox, fd 7 open)" 'fds at exec: got .*7 -> /dev/null'
sbx_run --cap-add SYS_CHROOT -- "$probe" fds --chroot-first chdir getcwd
shows_fail "fds: a cwd outside the root is caught (chroot /tmp, cwd left behind)" 'chdir\(\.\.\) x64 from the cwd: .* not at /'
shows_fail "fds: getcwd says so too" 'getcwd: got ENOENT'

# A bind destination swapped between a directory and a symlink that climbs
# out while sbx starts (the CVE-2021-30465 class).  Each run either mounts
# on the directory (the mount shows at /s/d/x, or at /s/d.alt/x if the
# swap came after) or refuses the climbing link; never anything else.
race=$SCRATCH/race
mkdir -p "$race/src" "$race/d/x"
: >"$race/src/marker"
ln -s ../../../../../../etc "$race/d.alt"
cat >"$race/where.sh" <<'EOS'
# Where the bind of .../race/src landed, as mountinfo names it now.
awk '$4 ~ /\/race\/src$/ { print "IN " $5 }' /proc/self/mountinfo
EOS
"$probe" swap "$race/d" "$race/d.alt" 3 >"$SCRATCH/swap.out" 2>&1 &
swapper=$!
n_in=0 n_refused=0 odd=
for i in $(seq 30); do
  sbx_run --ro-bind "$race:/s" --bind "$race/src:/s/d/x" -- sh /s/where.sh
  if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -Eqx 'IN /s/d(\.alt)?/x'; then
    n_in=$((n_in + 1))
  elif [ "$RC" = 125 ] && [ -z "$OUT" ] && printf '%s' "$ERR" | grep -q 'leads outside the sandbox root'; then
    n_refused=$((n_refused + 1))
  else
    odd="$odd
run $i: exit $RC, out '$OUT', err '$ERR'"
  fi
done
wait $swapper
swaps=$(sed -n 's/^swapped \([0-9]*\) times$/\1/p' "$SCRATCH/swap.out")
if [ -z "$odd" ] && [ "${swaps:-0}" -gt 0 ]; then
  pass "bind destination swapped with a climbing symlink during startup: 30 runs, $n_in mounted inside, $n_refused refused, nothing else ($swaps swaps)"
else
  fail "bind destination swapped with a climbing symlink during startup" "swapper: $(cat "$SCRATCH/swap.out")" "$odd"
fi

# --- mounts -----------------------------------------------------------------------
host_root=$(awk '$5 == "/" { r = $3 " " $4 } END { print r }' /proc/self/mountinfo)
sbx_run --setenv "SBX_PROBE_HOST_ROOT=$host_root" -- "$probe" mounts
probe_points "mounts"
# The kernel refuses these too, without CAP_SYS_ADMIN.
sbx_run --seccomp unconfined -- "$probe" mounts umount2 remount
probe_points "mounts --seccomp unconfined"
sbx_run -- "$probe" refused mount umount2 pivot_root fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr
probe_points "mounts: refused"

# With CAP_SYS_ADMIN inside, every mount can go: below each must lie only
# what sbx made (an empty mount point), and the read-only binds must stay
# read-only.
sbx_run --cap-add SYS_ADMIN --setenv "SBX_PROBE_HOST_ROOT=$host_root" -- "$probe" mounts --caps
probe_points "mounts --cap-add SYS_ADMIN"
# /home after unmounting everything: at most the user's empty mount point,
# none of the host's homes, nothing of the user's own (this scratch
# directory is there).  The shell's globs: no ls once /usr is gone.
sbx_run --cap-add SYS_ADMIN -- sh -c "$q_probe mounts --caps 'umount2(every mount)' >/dev/null; echo /home/* /home/\$USER/* /home/\$USER/.*"
leaks=
read -ra words <<<"$OUT" # no globbing here: the words are the sandbox's
for w in "${words[@]}"; do
  case $w in
    "/home/*" | "/home/$USER" | "/home/$USER/*" | "/home/$USER/." | "/home/$USER/.." | "/home/$USER/.*") ;;
    *) leaks="$leaks $w" ;;
  esac
done
is "${leaks# }" "" "mounts --cap-add SYS_ADMIN: after unmounting /home, nothing of the host's /home shows ($(ls -A /home | tr '\n' ' ')are there)"
# Remounting a --ro-bind writable would let the program change the
# user's files the sandbox was only to read.
mkdir -p "$SCRATCH/ro"
echo original >"$SCRATCH/ro/f"
sbx_run --cap-add SYS_ADMIN --ro-bind "$SCRATCH/ro:/data" -- sh -c "$q_probe mounts --caps 'remount(every read-only mount)' >/dev/null; echo changed >/data/f"
is "$(cat "$SCRATCH/ro/f")" "original" "mounts --cap-add SYS_ADMIN: a --ro-bind stays read-only (the host file is unchanged)"

# --- kernel surfaces --------------------------------------------------------------
sbx_run -- "$probe" refused keyctl add_key request_key bpf perf_event_open userfaultfd io_uring_setup \
  io_uring_enter io_uring_register open_by_handle_at syslog personality socket
probe_points "kernel: refused"
sbx_run -- "$probe" kernel
probe_points "kernel"
sbx_run --uid 0 -- "$probe" kernel
probe_points "kernel --uid 0"
# Every capability inside: the host's surfaces stay closed, the
# read-only mounts hold, and the sandbox's own network namespace is its
# own (the EPERMs above were the capability check).
sbx_run --uid 0 --cap-add ALL -- "$probe" kernel --caps
probe_points "kernel --uid 0 --cap-add ALL"

# --- privilege --------------------------------------------------------------------
sbx_run -- "$probe" priv
probe_points "priv"
sbx_run --uid 0 -- "$probe" priv
probe_points "priv --uid 0"
sbx_run -- "$probe" refused unshare clone clone3
probe_points "priv: nested user namespaces refused"
# Without the filter, what the kernel says (reported, not asserted: the
# kernel allows a nested user namespace to anyone).
sbx_run --seccomp unconfined -- "$probe" refused --expect-allowed unshare
pass "priv --seccomp unconfined: unshare(CLONE_NEWUSER): $(printf '%s\n' "$OUT" | sed -n 's/^[a-zA-Z]* unshare(CLONE_NEWUSER): //p') (the filter is the only barrier)"

# --nested-userns (the browser profile): a browser's own namespaces and
# chroot, never a mount, UTS or cgroup namespace, nor setns; and without
# the option the same namespaces are refused.
sbx_run --nested-userns -- "$probe" nested-userns
probe_points "nested-userns"
sbx_run -- "$probe" nested-userns "unshare(USER|PID|NET|IPC)"
shows_fail "nested-userns: without --nested-userns the browser's namespaces are refused" \
  'unshare\(USER\|PID\|NET\|IPC\): got EPERM'
sbx_run -- "$probe" nested-userns "clone(USER|PID|NET|IPC)"
shows_fail "nested-userns: ... and through clone() too" 'clone\(USER\|PID\|NET\|IPC\): got EPERM'
sbx_run --seccomp unconfined -- "$probe" nested-userns "unshare(CLONE_NEWNS) inside" "unshare(CLONE_NEWUTS) inside"
shows_fail "nested-userns --seccomp unconfined: the kernel allows a mount namespace there (the filter refused it)" \
  'unshare\(CLONE_NEWNS\) inside: got success'

# A setuid-root program (su, or passwd) gains nothing inside; outside, the
# same check sees euid 0, so it can fail.
setuid_line=$("$probe" setuid-exec --host-check 2>&1)
setuid_rc=$?
setuid_path=$(printf '%s\n' "$setuid_line" | sed -n 's/^[a-z]* setuid exec(\([^)]*\)).*/\1/p')
if [ $setuid_rc = 77 ]; then
  skip "priv: a setuid-root program gains nothing" "$setuid_line"
else
  like "$setuid_line" '^ok setuid exec\(.*euid 0' "priv: outside a sandbox $setuid_path runs with euid 0 (the check can fail)"
  like "$(stat -c '%u %A' "$setuid_path")" '^0 ...s' "priv: $setuid_path is setuid root on the host"
  sbx_run -- "$probe" setuid-exec "$setuid_path"
  probe_points "setuid-exec"
  sbx_run --uid 0 -- "$probe" setuid-exec "$setuid_path"
  probe_points "setuid-exec --uid 0"
fi

# --- cgroups ----------------------------------------------------------------------
sbx_run -- "$probe" cgroup
probe_points "cgroup"
sbx_run --uid 0 --cap-add ALL -- "$probe" cgroup --caps
probe_points "cgroup --uid 0 --cap-add ALL"
# Outside, this host's own cgroup path may not be "/": then the check fails there.
if grep -qv ':/$' /proc/self/cgroup; then
  OUT=$("$probe" cgroup /proc/self/cgroup 2>&1)
  shows_fail "cgroup: a path other than / is caught (outside a sandbox)" '/proc/self/cgroup: got'
else
  skip "cgroup: a path other than / is caught" "this shell is at the root of every hierarchy"
fi

# --- the user's secrets -----------------------------------------------------------
# In the real home, as the user keeps them; removed at exit (only what
# this test made).
for d in .ssh .gnupg; do
  if [ ! -e "$HOME/$d" ]; then
    mkdir -m 700 "$HOME/$d"
    at_exit "rm -rf '$HOME/$d'"
  fi
done
echo "sbx-test key" >"$HOME/.ssh/id_sbx_test_$$"
echo "sbx-test" >"$HOME/.gnupg/sbx_test_$$"
at_exit "rm -f '$HOME/.ssh/id_sbx_test_$$' '$HOME/.gnupg/sbx_test_$$'"
agent=$HOME/sbx-test-agent.$$.sock
x0=@sbx-test-X0-$$
n=0
for sock in "$agent" "$x0"; do
  n=$((n + 1))
  "$probe" listen-unix "$sock" >"$SCRATCH/listen$n.out" 2>&1 &
  at_exit "kill $! 2>/dev/null; rm -f '$agent'"
  # Up to 20 s: a loaded machine can be slow to start it; never go on
  # without it (the connects below would fail for the wrong reason).
  for _ in $(seq 400); do grep -q '^ready' "$SCRATCH/listen$n.out" && break; sleep 0.05; done
  if ! grep -q '^ready' "$SCRATCH/listen$n.out"; then
    fail "secrets: the test's listener on $sock starts" "it never said ready in 20 s: $(cat "$SCRATCH/listen$n.out")"
    exit 1
  fi
done
is "$("$probe" connect-unix "$agent")" success "secrets: outside, the agent socket $agent answers"
is "$("$probe" connect-unix "$x0")" success "secrets: outside, the abstract socket $x0 answers"
export SSH_AUTH_SOCK=$agent SBX_TEST_SECRET=1
# The cwd decides what of the home is shown: nothing (the home itself), a
# project below it (read-only), never a secret directory (sbx starts in
# the empty home instead).
for cwd in "$HOME" "$SCRATCH/project" "$HOME/.ssh"; do
  label="secrets (cwd ${cwd/#$HOME/\~})"
  want_pwd=$HOME
  [ "$cwd" = "$SCRATCH/project" ] && want_pwd=$cwd
  cd "$cwd" || fail "$label: cd $cwd"
  sbx_run -- "$probe" secrets
  probe_points "$label"
  sbx_run -- "$probe" connect-unix "$agent"
  is "$OUT" ENOENT "$label: the agent socket is not there"
  sbx_run -- "$probe" connect-unix "$x0"
  is "$OUT" ECONNREFUSED "$label: the abstract socket is another network namespace's"
  sbx_run -- pwd
  is "$OUT" "$want_pwd" "$label: the program starts in ${want_pwd/#$HOME/\~}"
  cd "$start_dir" || exit 1
done
# What a profile or option grants is there: the checks can fail.
sbx_run --bind "$HOME/.ssh" -- "$probe" secrets '~/.ssh'
shows_fail "secrets: a granted --bind ~/.ssh is visible" '~/.ssh: .* is there'
sbx_run --keep-env -- "$probe" secrets environment '$SSH_AUTH_SOCK'
shows_fail "secrets: --keep-env passes SBX_TEST_SECRET" 'environment: .*SBX_TEST_SECRET'
shows_fail "secrets: --keep-env passes SSH_AUTH_SOCK" '\$SSH_AUTH_SOCK: SSH_AUTH_SOCK is set'
sbx_run --bind "$agent" -- "$probe" connect-unix "$agent"
is "$OUT" success "secrets: a granted --bind of the agent socket connects"
unset SSH_AUTH_SOCK SBX_TEST_SECRET

no_leftovers "nothing left behind"
