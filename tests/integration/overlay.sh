# The copy-on-write root: writes anywhere land in an upper layer and the
# host's files never change; ephemeral sandboxes leave nothing behind, also
# when sbx is killed; named sandboxes keep their writes and deletions and
# run once at a time; --rootfs; --overlay kernel and auto; fuse-overlayfs
# dying under the program; a full disk during a copy-up; sbx diff and rm.
# Every byte of state goes to a scratch XDG_DATA_HOME, never to the test
# user's own data directory.
. "$SBX_TESTS/lib/tap.sh"

me=$(id -u)
tag=ovt$$

# Copied-up host directories belong to ids of the sandbox's range (root's
# /etc is "nobody" inside, one of our subordinate uids outside), which a
# plain rm cannot delete: remove the state from inside a sandbox, as root
# of its user namespace.  Registered before scratch so that it runs first.
wipe_data() { sbx_wipe "$SCRATCH/data"; }
at_exit wipe_data
scratch
export XDG_DATA_HOME=$SCRATCH/data
data=$XDG_DATA_HOME/sbx
real_data=$HOME/.local/share/sbx
# Host files a sandbox may see; under /var/tmp, which is part of the host's
# tree inside (the homes are not), and owned by us, so that a program can
# delete them even through the kernel's overlay.
VT=$(mktemp -d /var/tmp/sbx-overlay-test.XXXXXX)
at_exit "rm -rf '$VT'"
chmod 0755 "$VT"

# run_entries: the ephemeral state directories now present.
run_entries() { ls -A "$data/run" 2>/dev/null; }
run_has_one() { [ "$(run_entries | wc -l)" = 1 ]; }
# fstype MOUNTPOINT: from the mountinfo in $OUT.
fstype() { printf '%s\n' "$OUT" | awk -v m="$1" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1) } } END { print t }'; }

# --- writes anywhere; the host never changes ----------------------------
motd_before=$(md5sum /etc/motd 2>/dev/null)
passwd_mode=$(stat -c %a /etc/passwd)
sbx_run -- sh -c 'echo sandbox > /etc/motd && echo x > /usr/sbx-ovl-x && echo y > /root/x && mkdir -p /opt/sbx-ovl/d && cat /etc/motd /usr/sbx-ovl-x /root/x'
is "$RC:$OUT" "0:sandbox
x
y" "writes to /etc/motd, /usr, /root and a new tree under /opt succeed inside"
is "$(md5sum /etc/motd 2>/dev/null)" "$motd_before" "... the host's /etc/motd is unchanged"
[ ! -e /usr/sbx-ovl-x ] && [ ! -e /opt/sbx-ovl ] && pass "... no file appears in the host's /usr or /opt" \
  || fail "... no file appears in the host's /usr or /opt"
sbx_run -- sh -c 'chmod 777 /etc/passwd && stat -c %a /etc/passwd'
is "$OUT" "777" "chmod of a host file works inside (on the copy)"
is "$(stat -c %a /etc/passwd)" "$passwd_mode" "... the host's /etc/passwd keeps its mode"
sbx_run -- stat -c '%u:%g' /etc/passwd /usr/bin
is "$OUT" "$me:$(id -g)
$me:$(id -g)" "host files show as the program's own (fuse-overlayfs squashes ownership)"
sbx_run --uid 0 -- stat -c '%u' /etc/passwd
is "$OUT" "0" "... as root inside, as root's"
sbx_run -- sh -c 'cat /etc/shadow >/dev/null 2>&1; echo rc=$?'
if [ -r /etc/shadow ]; then skip "/etc/shadow stays unreadable" "the host lets $(id -un) read it"
else is "$OUT" "rc=1" "/etc/shadow stays unreadable: reads use the host's permissions"; fi
sbx_run -- cat /proc/self/mountinfo
is "$(fstype /)" "fuse.fuse-overlayfs" "/ is fuse-overlayfs by default"

# --- ephemeral state ------------------------------------------------------
is "$(run_entries)" "" "the ephemeral state is gone after each run (run/ is empty)"
[ -d "$data/run" ] && pass "the state lives under \$XDG_DATA_HOME/sbx" || fail "the state lives under \$XDG_DATA_HOME/sbx" "no $data/run"
bg_sbx live -- sh -c 'echo x > /etc/motd; sleep 2'
wait_until 5 run_has_one && pass "a running sandbox has one state directory in run/" \
  || fail "a running sandbox has one state directory in run/" "$(ls -la "$data/run" 2>&1)"
wait_rc $BG 10
is "$RC:$(run_entries)" "0:" "... removed when the program exits"

# kill -9 of sbx: its daemon goes within ~2 s and nothing is left for long.
bg_sbx k9 -- sh -c 'echo x > /etc/motd; echo y > /usr/sbx-ovl-y; sleep 60'
sbx_pid=$BG
disown $BG # no "Killed" notice in the TAP output
wait_until 5 eval '[ -n "$(run_entries)" ]'
init_pid= fuse_pid=
wait_until 5 eval 'init_pid=$(child_of $sbx_pid sbx-init); [ -n "$init_pid" ] && fuse_pid=$(child_of $sbx_pid fuse-overlayfs) && [ -n "$fuse_pid" ]'
if [ -z "$fuse_pid" ]; then
  fail "kill -9 sbx: found its fuse-overlayfs" "$(ps -u "$me" -o pid,ppid,comm)"
else
  wait_until 5 eval 'test -e "$data/run/$(run_entries)/upper/usr/sbx-ovl-y"' 
  kill -KILL "$sbx_pid"
  t0=$(date +%s%N)
  wait_until 4 gone "$fuse_pid"
  ms=$((($(date +%s%N) - t0) / 1000000))
  if gone "$fuse_pid" && [ $ms -le 2100 ]; then pass "kill -9 sbx: its fuse-overlayfs is gone within 2 s (${ms} ms)"
  else fail "kill -9 sbx: its fuse-overlayfs is gone within 2 s" "still there after ${ms} ms"; fi
  wait_until 4 gone "$init_pid" && pass "... and its init" || fail "... and its init" "pid $init_pid still runs"
fi
wait "$sbx_pid" 2>/dev/null
sbx_run -- true
is "$RC:$(run_entries)" "0:" "the next run leaves run/ empty"

# kill -9 of sbx and its init at once: nobody inside can clean up; the
# next run removes the stale state (its lock is no longer held).
bg_sbx k9b -- sh -c 'echo x > /etc/motd; mkdir -p /usr/share/sbx-ovl/a/b; sleep 60'
sbx_pid=$BG
disown $BG
init_pid=
wait_until 5 eval 'init_pid=$(child_of $sbx_pid sbx-init); [ -n "$init_pid" ]'
stale=$(run_entries)
wait_until 5 test -d "$data/run/$stale/upper/usr/share/sbx-ovl/a/b"
kill -KILL "$sbx_pid" $init_pid
wait "$sbx_pid" 2>/dev/null
wait_until 4 gone "$init_pid"
[ -n "$stale" ] && [ -d "$data/run/$stale" ] && pass "kill -9 of sbx and its init leaves the state" \
  || skip "kill -9 of sbx and its init leaves the state" "it was removed anyway"
sbx_run -- true
is "$RC:$(run_entries)" "0:" "... which the next run removes, copied-up host directories and all"
no_leftovers "nothing of the killed sandboxes runs on"
# Killed between making its directory and its lock: an empty directory
# with sbx's name and no lock.  A minute later the next run removes it; a
# fresh one (a run making its lock right now) and a name sbx does not
# make are left alone.
mkdir -p "$data/run/4242-00000000deadbeef" "$data/run/4243-00000000deadbeef" "$data/run/not-ours" \
  "$data/run/.new-4244-00000000deadbeef" "$data/run/.new-4245-00000000deadbeef"
touch -d '-2 min' "$data/run/4242-00000000deadbeef" "$data/run/not-ours" "$data/run/.new-4244-00000000deadbeef"
sbx_run -- true
is "$RC:$(run_entries | tr '\n' ' ')" "0:.new-4245-00000000deadbeef 4243-00000000deadbeef not-ours " \
  "a run killed before its lock: its directory (named or .new-) is removed once a minute old, nothing else"
rmdir "$data/run/4243-00000000deadbeef" "$data/run/not-ours" "$data/run/.new-4245-00000000deadbeef"

# Runs starting at the same moment: each one's clean-up must leave the
# others' fresh directories alone (a directory became visible before its
# lock was held, and a concurrent run removed it: "mkdir upper: No such
# file or directory").
for round in 1 2 3; do
  pids=()
  for i in 1 2 3 4 5 6; do
    "$SBX" -q -- true </dev/null >/dev/null 2>"$SCRATCH/par.$i" &
    pids+=($!)
  done
  bad=0
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || bad=$((bad + 1)); done
  [ $bad = 0 ] || break
done
is "$bad" 0 "six runs started together, three times: each builds its own state (stderr: $(cat "$SCRATCH"/par.* | head -2))"
is "$(run_entries)" "" "... and leaves none behind"

# --- named sandboxes ------------------------------------------------------
n=${tag}a
echo lower >"$VT/del-me"
echo lower >"$VT/keep-me"
sbx_run --name $n -- sh -c "hostname; echo hi > /root/note; echo changed > /etc/motd; rm /etc/debian_version $VT/del-me && echo deleted"
is "$RC:$OUT" "0:$n
deleted" "--name: a run writes, deletes, and its hostname is the name"
[ -d "$data/sandboxes/$n/upper" ] && pass "... its state is in \$XDG_DATA_HOME/sbx/sandboxes/NAME" \
  || fail "... its state is in \$XDG_DATA_HOME/sbx/sandboxes/NAME" "$(find "$data" -maxdepth 3 2>&1)"
[ ! -e "$real_data/sandboxes/$n" ] && pass "... not in the user's own data directory" || fail "... not in the user's own data directory"
sbx_run --name $n -- sh -c "cat /root/note /etc/motd; test -e /etc/debian_version || echo gone1; test -e $VT/del-me || echo gone2; cat $VT/keep-me"
is "$OUT" "hi
changed
gone1
gone2
lower" "the next run sees the file, the change and both deletions (whiteouts)"
is "$(cat "$VT/del-me" 2>&1):$(test -e /etc/debian_version && echo there)" "lower:there" "the host's deleted files are still there"
sbx_run --name $n -- sh -c "echo again > $VT/del-me; rm /root/note"
sbx_run --name $n -- sh -c "cat $VT/del-me; test -e /root/note || echo note-gone"
is "$OUT" "again
note-gone" "a whited-out path can be made again; an upper file can be deleted"
is "$(run_entries)" "" "named runs use no ephemeral state"

# A second run of the same name while the first runs.
c=${tag}c
bg_sbx first --name $c -- sh -c 'echo one > /root/f; sleep 2; cat /root/f; echo first-done'
first=$BG
wait_until 5 test -e "$data/sandboxes/$c/upper/root/f"
before=$(cd "$data" && find . | sort)
sbx_run --name $c -- sh -c 'echo two > /root/f'
is "$RC" 125 "a concurrent second run of the same name: exit 125"
is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "... one line on stderr"
like "$ERR" "^sbx: .*sandbox \`$c\` is already running" "... saying the name is already running"
is "$(cd "$data" && find . | sort)" "$before" "... and creates nothing"
wait_rc $first 10
is "$RC:$(cat "$SCRATCH/first.out")" "0:one
first-done" "the first run is unaffected"
is "$(cat "$data/sandboxes/$c/upper/root/f")" "one" "... and so is its upper"
no_leftovers "nothing left after the concurrent runs"

# Names.
ls -A "$data/sandboxes" | sort >"$SCRATCH/names.before"
long=$(printf 'a%.0s' $(seq 64))
for bad in ../x a/b "" "$long" -x a..b .x "a b"; do
  fails_cleanly "invalid --name '$bad'" 125 "^sbx: --name: invalid sandbox name" --name "$bad" -- true
done
ls -A "$data/sandboxes" | sort >"$SCRATCH/names.after"
is "$(diff "$SCRATCH/names.before" "$SCRATCH/names.after"; ls -d "$data/x" "$data/sandboxes/a" 2>/dev/null)" "" \
  "invalid names create nothing (no sandboxes/a, no ../x)"
sbx_run --name "${long%a}" -- true
is "$RC" 0 "a 63-character name is accepted"
sbx_run --name "A1.b-c_d" -- true
is "$RC" 0 "letters, digits, '.', '-' and '_' are accepted"
sbx_run --name "A1.b-c" -- hostname
is "$OUT" "A1.b-c" "... and a name that is a valid hostname is the hostname"
fails_cleanly "--name with --overlay none" 125 "^sbx: .*--name.*overlay" --name ${tag}none --overlay none -- true

# --- --rootfs --------------------------------------------------------------
R=$SCRATCH/rootfs
mini_rootfs "$R" sh cat rm
mkdir -p "$R/etc"
echo "from the rootfs" >"$R/etc/greeting"
echo old >"$R/old"
(cd "$R" && find . -exec stat -c '%n %s %a' {} + | sort) >"$SCRATCH/rootfs.before"
sbx_run --rootfs "$R" -- cat /etc/greeting
is "$RC:$OUT" "0:from the rootfs" "--rootfs DIR: the program runs from DIR and reads its files"
sbx_run --rootfs "$R" -- sh -c 'test -e /usr/bin/apt || test -e /etc/debian_version || echo no-host; echo new > /new; rm /old; cat /new'
is "$OUT" "no-host
new" "... none of the host's tree is there; writes and deletes work"
is "$( (cd "$R" && find . -exec stat -c '%n %s %a' {} + | sort) | diff "$SCRATCH/rootfs.before" - && echo same)" "same" "... and DIR is unchanged"
sbx_run --rootfs "$R" -- sh -c 'while read -r l; do case $l in *" / / "*) echo "$l";; esac; done < /proc/self/mountinfo'
is "$(fstype /)" "fuse.fuse-overlayfs" "... on fuse-overlayfs"
sbx_run --rootfs "$R" --name ${tag}r -- rm /old
sbx_run --rootfs "$R" --name ${tag}r -- sh -c 'test -e /old || echo deleted'
is "$OUT" "deleted" "--rootfs with --name keeps a deletion"
fails_cleanly "missing --rootfs" 125 "^sbx: --rootfs \`$SCRATCH/missing\`: No such file or directory" --rootfs "$SCRATCH/missing" -- true
fails_cleanly "--rootfs that is a file" 125 "^sbx: --rootfs .*Not a directory" --rootfs "$R/etc/greeting" -- true
is "$(run_entries)" "" "failed --rootfs runs leave no state"

# --overlay none: DIR is the user's own tree and stays exactly as it was,
# though the sandbox gets /proc, /dev, /tmp... (made on a tmpfs that holds
# DIR's top level, bound read-only).
snap() { (cd "$R" && find . -exec stat -c '%n %s %a %Y' {} + | sort); }
before=$(snap)
sbx_run --overlay none --rootfs "$R" -- sh -c 'cat /etc/greeting; test -d /proc/self && test -d /tmp && echo mounts; echo x > /etc/new || echo refused; test -e /etc/hosts || echo no-hosts'
is "$RC" 0 "--overlay none --rootfs runs${ERR:+ ($ERR)}"
is "$OUT" "from the rootfs
mounts
refused
no-hosts" "... reads DIR, has its mount points, cannot write; the tree without /etc/hosts keeps none"
like "$ERR" "Read-only file system" "... the write is refused as read-only"
is "$(snap | diff <(printf '%s\n' "$before") - && echo same)" "same" "... and DIR is unchanged: no mount point made in it"
fails_cleanly "--overlay none --rootfs --net slirp without /etc/resolv.conf in the tree" 125 \
  "^sbx: cannot create mount point \`/etc/resolv.conf\`.*read-only here .*make the empty file or directory in the tree, or use a copy-on-write root" \
  --overlay none --rootfs "$R" --net slirp -- true
is "$(snap | diff <(printf '%s\n' "$before") - && echo same)" "same" "... and DIR is still unchanged"
: >"$R/etc/resolv.conf"
sbx_run --overlay none --rootfs "$R" --net slirp -- cat /etc/resolv.conf
like "$OUT" "^nameserver 10\.0\.2\.3$" "with an empty /etc/resolv.conf in the tree: sbx's own is bound over it"
is "$(stat -c %s "$R/etc/resolv.conf")" 0 "... and the tree's stays empty"
rm -f "$R/etc/resolv.conf"

# A --rootfs under /tmp: the new root is staged over /tmp in the
# sandbox's mount namespace, which must not hide the tree (nor a state
# directory there) from any backend.
T=$(mktemp -d /tmp/sbx-rootfs.XXXXXX)
at_exit "rm -rf '$T'"
cp -a "$R/." "$T/"
for mode in fuse none auto; do
  sbx_run --overlay $mode --rootfs "$T" -- cat /etc/greeting
  is "$RC:$OUT" "0:from the rootfs" "--rootfs under /tmp with --overlay $mode"
done
sbx_run --overlay kernel --rootfs "$T" -- cat /etc/greeting
if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -q "set overlay option"; then
  skip "--rootfs under /tmp with --overlay kernel" "the kernel refuses it here: $ERR"
else
  is "$RC:$OUT" "0:from the rootfs" "--rootfs under /tmp with --overlay kernel"
fi
XDG_DATA_HOME=$T/data sbx_run --rootfs "$T" --name ${tag}tmp -- sh -c 'echo kept > /kept'
XDG_DATA_HOME=$T/data sbx_run --rootfs "$T" --name ${tag}tmp -- cat /kept
is "$RC:$OUT" "0:kept" "a state directory under /tmp (XDG_DATA_HOME=/tmp/...) works too"
XDG_DATA_HOME=$T/data "$SBX" rm ${tag}tmp 2>/dev/null

# A tree that belongs to root on the host (what debootstrap run as root
# leaves; tests/run stages one when it starts as root): writable through
# fuse-overlayfs, shown as the program's, also as uid 0; the kernel's
# overlay is refused with a clear error; the tree itself never changes.
RR=${SBX_ROOT_ROOTFS:-}
if [ -n "$RR" ] && [ -d "$RR" ] && [ "$(stat -c %u "$RR")" = 0 ] && [ "$(id -u)" != 0 ]; then
  before=$( (cd "$RR" && find . -exec stat -c '%n %s %a %u' {} + | sort))
  for who in "" "--uid 0"; do
    sbx_run --rootfs "$RR" $who -- sh -c 'echo x > /etc/new && mkdir -p /var/tmp/d && echo y > /var/tmp/d/f && cat /etc/new /var/tmp/d/f /etc/greeting && grep -c localhost /etc/hosts'
    is "$RC:$OUT" "0:x
y
root's tree
2" "--rootfs owned by root on the host${who:+ ($who)}: /etc, /var/tmp and /etc/hosts are usable"
  done
  fails_cleanly "--overlay kernel over a tree of root's says why and what to use" 125 \
    "belongs to an owner the sandbox does not map.*use --overlay fuse" --overlay kernel --rootfs "$RR" -- true
  sbx_run --overlay auto --rootfs "$RR" -- sh -c 'echo x > /etc/new && cat /etc/new'
  is "$RC:$OUT" "0:x" "--overlay auto over a tree of root's takes fuse-overlayfs"
  is "$( (cd "$RR" && find . -exec stat -c '%n %s %a %u' {} + | sort))" "$before" "... and the tree of root's is unchanged"
else
  skip "--rootfs owned by root on the host" "no root-owned tree staged (tests/run stages one when started as root)"
fi

# --- --overlay kernel and auto -------------------------------------------
# backend_checks MODE LABEL: what every backend shares, for a non-root
# program in a named sandbox: / is an overlay, /root is writable and its
# files persist, nothing reaches the host.  Ownership differs: on
# fuse-overlayfs every host file is the program's (writes anywhere work,
# and deletions persist as whiteouts); on the kernel's overlayfs host files
# keep their real owners, so root's files and directories stay closed.
backend_checks() {
  local mode=$1 label=$2 k=${tag}b$1 fs first
  sbx_run --overlay "$mode" --name "$k" -- sh -c "echo mine > /root/x && cat /root/x
    (echo x > /usr/local/sbx-b-$mode) 2>/dev/null && echo usr-written || echo usr-refused
    rm /etc/debian_version 2>/dev/null && echo etc-deleted || echo etc-refused
    stat -c %u /etc /usr/local"
  first=$OUT
  sbx_run --overlay "$mode" -- cat /proc/self/mountinfo
  fs=$(fstype /usr)
  [ -n "$fs" ] || fs=$(fstype /)
  like "$fs" "^(overlay|fuse.fuse-overlayfs)$" "$label: /usr is on an overlay ($fs)"
  sbx_run --overlay "$mode" --name "$k" -- sh -c "cat /root/x; test -e /usr/local/sbx-b-$mode && echo usr-there; test -e /etc/debian_version || echo etc-gone"
  [ ! -e /usr/local/sbx-b-$mode ] && [ -e /etc/debian_version ] && pass "$label: the host is unchanged" || fail "$label: the host is unchanged"
  like "$OUT" "^mine$" "$label: a file in /root persists in the named sandbox"
  if [ "$fs" = overlay ]; then
    like "$first" "^usr-refused$" "$label: a root-owned host directory stays unwritable (real ownership)"
    like "$first" "^etc-refused$" "$label: a root-owned file in a top-level directory cannot be deleted"
    unlike "$first" "^$me$" "$label: the host's /etc and /usr/local do not show as the program's own"
  else
    is "$first" "mine
usr-written
etc-deleted
$me
$me" "$label: the program writes and deletes under the host's root-owned dirs"
    is "$OUT" "mine
usr-there
etc-gone" "$label: ... and the next run sees both"
  fi
  sbx_run --overlay "$mode" -- true
  is "$RC:$(run_entries)" "0:" "$label: an ephemeral run leaves run/ empty"
}
# The kernel's overlay cannot stack over the host's / in a user namespace
# (locked submounts): a clear refusal, and nothing made.
fails_cleanly "--overlay kernel over the host's tree" 125 "^sbx: --overlay kernel: the kernel's overlayfs cannot stack over the host's / .*use --overlay fuse" --overlay kernel -- true
[ -z "$(ls -A "$data/sandboxes" 2>/dev/null | grep "^${tag}krefused")" ] && [ -z "$(run_entries)" ] \
  && pass "... and leaves no state" || fail "... and leaves no state" "$(ls -A "$data/run" "$data/sandboxes")"
sbx_run --overlay kernel --name ${tag}krefused -- true
[ ! -e "$data/sandboxes/${tag}krefused" ] && pass "... a refused named run makes no sandbox" \
  || fail "... a refused named run makes no sandbox" "$(ls -A "$data/sandboxes/${tag}krefused")"
# The kernel's overlay over a --rootfs tree (one lower, no host mounts).
sbx_run --overlay kernel --rootfs "$R" -- sh -c 'cat /etc/greeting; echo k > /new && cat /new; while read -r l; do case $l in *" / / "*) echo "$l";; esac; done < /proc/self/mountinfo'
if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -q "not usable here"; then
  skip "--overlay kernel --rootfs" "the kernel refuses it here: $ERR"
else
  is "$(printf '%s\n' "$OUT" | head -2)" "from the rootfs
k" "--overlay kernel --rootfs: reads DIR, writes land in the upper"
  is "$(fstype /)" "overlay" "... on the kernel's overlayfs"
  sbx_run --overlay kernel --rootfs "$R" --name ${tag}rk -- rm /old
  sbx_run --overlay kernel --rootfs "$R" --name ${tag}rk -- sh -c 'test -e /old || echo deleted'
  is "$OUT" "deleted" "... with --name, a deletion persists"
  is "$( (cd "$R" && find . -exec stat -c '%n %s %a' {} + | sort) | diff "$SCRATCH/rootfs.before" - && echo same)" "same" "... and DIR is unchanged"
fi
sbx_run --overlay auto -- cat /proc/self/mountinfo
if [ "$RC" = 0 ]; then
  pass "--overlay auto runs (kernel where it works, else fuse)"
  backend_checks auto "--overlay auto"
else
  fail "--overlay auto runs (kernel where it works, else fuse)" "rc $RC: $ERR"
  skip "--overlay auto: the shared checks" "it does not run"
fi
no_leftovers "nothing left after the backends"

# --- fuse-overlayfs dying under the program ------------------------------
# From the host: the program's next access fails, sbx exits, the upper stays.
d=${tag}d
bg_sbx die1 --name $d -- sh -c 'echo keep > /root/keep; while read x < /root/keep; do :; done; echo "read failed"; exit 3'
sbx_pid=$BG
fuse_pid=
wait_until 5 test -e "$data/sandboxes/$d/upper/root/keep"
wait_until 5 eval 'fuse_pid=$(child_of $sbx_pid fuse-overlayfs); [ -n "$fuse_pid" ]'
[ -n "$fuse_pid" ] && kill -KILL "$fuse_pid"
wait_rc $sbx_pid 10
o=$(cat "$SCRATCH/die1.out")
# sbx stops the sandbox (125), unless the program saw the error (3) or
# died of SIGBUS on its unmapped text (135) first.
case $RC in
  3 | 125 | 135) pass "fuse-overlayfs killed from the host: the sandbox ends, sbx exits ($RC)" ;;
  *) fail "fuse-overlayfs killed from the host: the sandbox ends, sbx exits" "rc: $RC (want 125, 3 or 135)" "output: $o" ;;
esac
like "$o" "^sbx: .*fuse-overlayfs.*died" "... and sbx says that fuse-overlayfs died"
is "$(printf '%s\n' "$o" | grep -c '^sbx: ')" 1 "... in one line"
is "$(cat "$data/sandboxes/$d/upper/root/keep" 2>&1)" "keep" "... the named upper is intact"
sbx_run --name $d -- cat /root/keep
is "$RC:$OUT" "0:keep" "... and the next run of the name works and sees it"
# From inside: the daemon is not in the sandbox's PID namespace, so the
# program finds nothing to kill (tests/security/only-sandbox.sh tries
# harder), and the root keeps working.
sbx_run --name $d -- sh -c 'n=0; for p in /proc/[0-9]*; do read c < $p/comm; [ "$c" = fuse-overlayfs ] && n=$((n + 1)) && kill -9 ${p#/proc/}; done; kill -9 -1; echo $n; cat /root/keep'
is "$RC:$OUT" "0:0
keep" "from inside, no fuse-overlayfs is visible to kill; the root keeps working"
no_leftovers "nothing left after the daemon deaths"

# --- a full disk during a copy-up ----------------------------------------
# The data directory on a 1 MiB tmpfs, in a user+mount namespace of the
# test's own where sbx runs for real (as errors.sh makes host states).
if ! unshare -rm true 2>/dev/null; then
  skip "full disk during a copy-up" "unshare -rm does not work here, so no small filesystem can be made unprivileged"
else
  mkdir -p "$SCRATCH/small"
  host_md5=$(md5sum </usr/bin/bash)
  OUT=$(timeout 60 unshare -rm sh -c '
    mount -t tmpfs -o size=1m none "$1" || exit 99
    export XDG_DATA_HOME=$1; S=$2; n=full
    "$S" -q --name $n -- sh -c "echo keep > /root/keep" || echo "run1 failed"
    "$S" -q --name $n -- sh -c "dd if=/dev/zero of=/root/big bs=64k count=64 2>&1 | grep -o \"No space left on device\" | head -1;
      echo x >> /usr/bin/bash || echo append-failed; rm /root/big; exit 7" 2>&1
    echo "rc2=$?"
    "$S" -q --name $n -- sh -c "cat /root/keep; md5sum < /usr/bin/bash"
    echo "rc3=$?"' sh "$SCRATCH/small" "$SBX" 2>&1)
  if printf '%s' "$OUT" | grep -q '^rc2='; then
    like "$OUT" "No space left on device" "full disk: the program gets ENOSPC"
    like "$OUT" "append-failed" "full disk: a copy-up of /usr/bin/bash fails"
    like "$OUT" "rc2=7" "... sbx survives and returns the program's status"
    is "$(printf '%s\n' "$OUT" | sed -n '/^rc2=/,$p' | tail -n +2)" "keep
$host_md5
rc3=0" "... the upper's files survive and the failed copy-up left /usr/bin/bash whole"
  else
    fail "full disk during a copy-up" "$OUT"
  fi
fi

# --- sbx diff and sbx rm -------------------------------------------------
sbx_run diff ${tag}nosuch
if printf '%s' "$ERR" | grep -q reserved; then
  skip "sbx diff and sbx rm" "not implemented in this build ($ERR)"
else
  fails_cleanly "sbx diff of an unknown name" 125 "^sbx: .*no sandbox named \`${tag}nosuch\`" diff ${tag}nosuch
  fails_cleanly "sbx rm of an unknown name" 125 "^sbx: .*no sandbox named \`${tag}nosuch\`" rm ${tag}nosuch
  fails_cleanly "sbx rm of an invalid name" 125 "^sbx: .*invalid sandbox name" rm ../x
  fails_cleanly "sbx diff of an invalid name" 125 "^sbx: .*invalid sandbox name" diff a/b
  n=${tag}df
  echo lower >"$VT/df-del"
  sbx_run --name $n -- sh -c "echo a > /root/added; echo changed > /etc/motd; rm /etc/debian_version $VT/df-del; mkdir -p /usr/sbx-newdir; echo f > /usr/sbx-newdir/f"
  sbx_run diff $n
  is "$RC" 0 "sbx diff NAME: exit 0"
  diffout=$OUT
  like "$diffout" "^A /root/added$" "... A for an added file"
  like "$diffout" "^C /etc/motd$" "... C for a changed /etc file"
  like "$diffout" "^D /etc/debian_version$" "... D for a deleted host file (a whiteout)"
  like "$diffout" "^D $VT/df-del$" "... D for a deleted file in a user-owned dir"
  like "$diffout" "^A /usr/sbx-newdir$" "... A for an added directory"
  like "$diffout" "^A /usr/sbx-newdir/f$" "... and for the file in it"
  unlike "$diffout" " /etc/passwd$" "... nothing for an unchanged file"
  is "$(printf '%s\n' "$diffout" | grep -cvE '^[ACD] /')" 0 "... every line is 'A|C|D /path'"
  is "$(printf '%s\n' "$diffout" | LC_ALL=C sort -k2 | tr '\n' ' ')" "$(printf '%s\n' "$diffout" | tr '\n' ' ')" "... sorted by path"
  unlike "$diffout" "^[ACD] /(work|lock|upper)" "... none of sbx's own files"
  sbx_run --rootfs "$R" --name ${tag}rdf -- sh -c 'echo n > /new; rm /old'
  sbx_run diff ${tag}rdf
  is "$OUT" "A /new
D /old" "sbx diff of a --rootfs sandbox shows only the program's changes, not sbx's mount points"
  sbx_run --overlay kernel --name ${tag}kdf -- true
  if [ "$RC" = 0 ]; then
    sbx_run diff ${tag}kdf
    is "$RC:$OUT" "0:" "sbx diff of an untouched --overlay kernel sandbox is empty"
  else
    skip "sbx diff of an untouched --overlay kernel sandbox is empty" "--overlay kernel does not run here: $ERR"
  fi
  # rm refuses a running sandbox.
  bg_sbx rmrun --name $n -- sh -c 'sleep 2; cat /root/added'
  rmrun=$BG
  wait_until 5 eval '[ -n "$(child_of $rmrun sbx-init)" ]'
  sleep 0.3
  sbx_run rm $n
  is "$RC" 125 "sbx rm of a running sandbox: exit 125"
  like "$ERR" "^sbx: .*\`$n\`.*running" "... saying it is running"
  is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "... in one line"
  [ -e "$data/sandboxes/$n/upper/root/added" ] && pass "... the state is intact" || fail "... the state is intact"
  wait_rc $rmrun 10
  is "$RC:$(cat "$SCRATCH/rmrun.out")" "0:a" "... the running sandbox is unaffected"
  sbx_run rm $n
  is "$RC" 0 "sbx rm NAME: exit 0${ERR:+ ($ERR)}"
  [ ! -e "$data/sandboxes/$n" ] && pass "... the whole state is gone, copied-up host directories too" \
    || fail "... the whole state is gone, copied-up host directories too" "$(find "$data/sandboxes/$n" 2>&1 | head -5)"
  sbx_run --name $n -- sh -c 'test -e /root/added || echo fresh; cat /etc/motd' 
  unlike "$OUT" "changed" "... the next run of the name starts fresh"
  like "$OUT" "^fresh" "... without the old files"
  sbx_run rm $n
  for s in $(ls -A "$data/sandboxes"); do
    sbx_run rm "$s"
    [ "$RC" = 0 ] || fail "sbx rm $s" "rc $RC: $ERR"
  done
  is "$(ls -A "$data/sandboxes")" "" "sbx rm removes every sandbox this test made"
fi

no_leftovers "nothing left behind"
