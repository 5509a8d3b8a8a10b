# sbx as the OCI runtime of unmodified podman (Debian's), rootless, as the
# test user: `podman --runtime $SBX`.  No registry is reachable: the image
# is a busybox tree imported with `podman import`.  podman keeps its
# storage, run root, runtime, configuration and data directories in this test's scratch
# directory (nothing of the user's own), with the cgroupfs manager and
# file events (no systemd session here); podman's pause process and its
# storage (files of subordinate ids) go at exit.
. "$SBX_TESTS/lib/tap.sh"
command -v podman >/dev/null || skip_all "podman is not installed (apt-get install podman)"
[ -x /bin/busybox ] || skip_all "busybox is not installed (apt-get install busybox-static)"
scratch
export XDG_RUNTIME_DIR=$SCRATCH/xdg CONTAINERS_CONF=$SCRATCH/containers.conf XDG_CONFIG_HOME=$SCRATCH/config XDG_DATA_HOME=$SCRATCH/data
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
cat >"$CONTAINERS_CONF" <<'EOF'
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
pm() { timeout -k 5 60 podman --root "$SCRATCH/storage" --runroot "$SCRATCH/runroot" --runtime "$SBX" "$@"; }
# podman's pause process (it holds podman's user namespace) is the one
# started with this test's XDG_RUNTIME_DIR.
stop_pause() {
  local p
  for p in $(pgrep -u "$(id -u)" -x catatonit); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" && kill "$p"
  done
}
at_exit 'pm rm -a -f -t 0 >/dev/null 2>&1; podman --root "$SCRATCH/storage" --runroot "$SCRATCH/runroot" unshare rm -rf "$SCRATCH/storage" "$SCRATCH/runroot" 2>/dev/null; stop_pause'

# The image: busybox (with the libraries it loads, if it is not static).
mini_rootfs "$SCRATCH/img" busybox 2>/dev/null
mkdir -p "$SCRATCH/img/bin.new"
cp -L "$(command -v busybox)" "$SCRATCH/img/bin.new/busybox"
for a in sh true id cat echo sleep grep touch mkdir httpd tty stty wc ls; do
  ln -s busybox "$SCRATCH/img/bin.new/$a"
done
# /bin, whatever mini_rootfs made of it (merged /usr: a copy under usr/bin).
cp -a "$SCRATCH/img/bin.new/." "$SCRATCH/img/usr/bin/" 2>/dev/null
rm -rf "$SCRATCH/img/bin" && mv "$SCRATCH/img/bin.new" "$SCRATCH/img/bin"
mkdir -p "$SCRATCH/img/etc" "$SCRATCH/img/tmp" "$SCRATCH/img/proc" "$SCRATCH/img/sys" "$SCRATCH/img/dev"
echo 'root:x:0:0:root:/root:/bin/sh' >"$SCRATCH/img/etc/passwd"
echo 'root:x:0:' >"$SCRATCH/img/etc/group"
echo hello-web >"$SCRATCH/img/tmp/index.html"
tar -C "$SCRATCH/img" -cf "$SCRATCH/img.tar" .
img=localhost/sbx-busybox:test
pm import "$SCRATCH/img.tar" $img >/dev/null 2>"$SCRATCH/import.err" ||
  skip_all "podman cannot import an image here: $(tail -1 "$SCRATCH/import.err")"

# --- run --rm: exit codes pass through ----------------------------------------
OUT=$(pm run --rm $img true 2>&1)
is "$?:$OUT" "0:" "podman --runtime sbx run --rm IMG true: exit 0"
OUT=$(pm run --rm $img sh -c 'echo hi; exit 3' 2>&1)
is "$?:$OUT" "3:hi" "run --rm IMG sh -c 'exit 3': exit 3, output through"
OUT=$(pm run --rm $img no-such-program 2>&1)
RC=$?
like "$RC:$(echo $OUT)" "^127:.*executable file not found in \\\$PATH" "a missing program: podman says 127, with sbx's words"
unlike "$OUT" "does not exist" "... and the clean-up (delete --force of what create did not make) is quiet"

# --- run -d, inspect's pid, exec, logs, stop, rm --------------------------------
pm run -d --name web $img sh -c 'echo started; exec sleep 1000' >/dev/null
is "$?" 0 "run -d"
cid=$(pm inspect --format '{{.Id}}' web)
pid=$(pm inspect --format '{{.State.Pid}}' web)
is "$("$SBX" state "$cid" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pid"], d["status"])')" \
  "$pid running" "podman inspect .State.Pid is the pid sbx's state gives (the runtime's default root)"
is "$(cat /proc/$pid/comm 2>/dev/null)" sleep "... and it is the container's program"
OUT=$(pm exec web sh -c 'echo in-exec $$' 2>&1)
like "$?:$OUT" "^0:in-exec [0-9]+$" "exec"
OUT=$(pm exec web sh -c 'exit 5' 2>&1)
is "$?" 5 "exec's exit code passes through"
wait_until 10 sh -c "podman --root '$SCRATCH/storage' --runroot '$SCRATCH/runroot' logs web 2>/dev/null | grep -q started"
is "$(pm logs web 2>&1)" started "logs"
pm stop -t 1 web >/dev/null 2>&1
is "$?:$(pm inspect --format '{{.State.Status}}' web)" "0:exited" "stop"
gone "$pid" && pass "... the program is gone" || fail "... the program is gone"
pm rm web >/dev/null
is "$?" 0 "rm"
[ -z "$(ls "$XDG_RUNTIME_DIR/sbx/.oci" 2>/dev/null)" ] && pass "... no runtime record is left" ||
  fail "... no runtime record is left" "$(ls "$XDG_RUNTIME_DIR/sbx/.oci")"

# --- networks: none, the default (slirp4netns), a published port ------------
OUT=$(pm run --rm --network none $img sh -c 'ls /sys/class/net' 2>&1)
is "$?:$(echo $OUT)" "0:lo" "--network none: only lo"
OUT=$(pm run --rm $img sh -c 'ls /sys/class/net' 2>&1)
like "$?:$(echo $OUT)" "^0:(.* )?tap0( .*)?$" "the default rootless network: podman's netns joined (tap0 of slirp4netns)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pm run -d --name srv -p 127.0.0.1:$port:8080 $img httpd -f -p 8080 -h /tmp >/dev/null
get() { python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$port/index.html', timeout=2).read().decode().strip())" 2>/dev/null; }
wait_until 20 sh -c "[ \"\$(python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/index.html', timeout=2).read().decode().strip())\" 2>/dev/null)\" = hello-web ]"
is "$(get)" hello-web "-p 127.0.0.1:$port:8080: a client on the host's loopback reaches the container's server"
pm rm -f -t 0 srv >/dev/null 2>&1

# --- identity, read-only root, capabilities, seccomp ---------------------------
# (exec 2>&1 inside: the container's stdout and stderr reach podman through
# two pipes, whose lines may come in either order.)
OUT=$(pm run --rm --user 1000 $img id -u 2>&1)
is "$?:$OUT" "0:1000" "--user 1000"
OUT=$(pm run --rm --read-only $img sh -c 'exec 2>&1; touch /tmp/ok && echo tmp-ok; touch /x' 2>&1)
like "$?:$(echo $OUT)" "^1:tmp-ok touch: /x: Read-only file system$" "--read-only: / refuses writes, /tmp (tmpcopyup) takes them"
OUT=$(pm run --rm $img grep CapEff /proc/self/status 2>&1)
unlike "$OUT" "CapEff:[[:space:]]+0000000000000000" "by default the program has podman's capabilities"
OUT=$(pm run --rm --cap-drop ALL $img grep CapEff /proc/self/status 2>&1)
like "$OUT" "^CapEff:[[:space:]]+0000000000000000$" "--cap-drop ALL: CapEff is 0"
cat >"$SCRATCH/seccomp.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
EOF
OUT=$(pm run --rm --security-opt seccomp="$SCRATCH/seccomp.json" $img mkdir /tmp/x 2>&1)
like "$?:$OUT" "^1:mkdir: can't create directory '/tmp/x': Permission denied$" \
  "--security-opt seccomp=FILE: mkdir gets the profile's errno (EACCES)"

printf 'seccomp-deny mkdir\nseccomp-deny mkdirat\n' >"$SCRATCH/nomkdir.profile"
OUT=$(pm run --rm --annotation run.oci.sbx.profile="$SCRATCH/nomkdir.profile" $img sh -c 'exec 2>&1; mkdir /tmp/x; echo > /tmp/f && echo wrote' 2>&1)
like "$(echo $OUT)" "^mkdir: can't create directory '/tmp/x': Operation not permitted wrote$" \
  "--annotation run.oci.sbx.profile=FILE: the sbx profile's seccomp-deny holds, the rest works"

# A shipped profile by name: inside podman's user namespace the host's root
# is unmapped, so the installed profile's owner shows as the overflow uid;
# it is root's all the same in the system's own profile directory.
shipped=$("$SBX" profile list 2>/dev/null | awk '$1 == "offline" { print $2 }')
case $shipped in
/etc/sbx/profiles/* | */share/sbx/profiles/*)
  OUT=$(pm run --rm --annotation run.oci.sbx.profile=offline $img echo ran 2>&1)
  like "$?:$OUT" "^0:ran$" "--annotation run.oci.sbx.profile=offline: a shipped profile, root's, is accepted"
  # Anywhere else an overflow owner stays refused: root's /etc/hostname
  # (any unmapped user's file looks the same from in here).
  OUT=$(pm run --rm --annotation run.oci.sbx.profile=/etc/hostname $img echo ran 2>&1)
  like "$?:$OUT" "^126:.*profile \`/etc/hostname\` belongs to uid [0-9]+, neither to you nor to root" \
    "... but a file of an unmapped owner outside the system's profile directories is refused" ;;
*) skip "--annotation run.oci.sbx.profile=offline: a shipped profile" "no installed offline.profile (make install puts it in \$(datadir)/sbx/profiles)" ;;
esac

# --- a terminal: the console socket -------------------------------------------
# Attached, podman's -t waits for its stdin here (with runc too): detached,
# the pty's output lands in the log.
pm run -d -t --name tty $img sh -c 'tty; [ -c /dev/console ] && echo console-is-a-tty-device' >/dev/null
wait_until 20 sh -c "[ \"\$(podman --root '$SCRATCH/storage' --runroot '$SCRATCH/runroot' inspect --format '{{.State.Status}}' tty)\" = exited ]"
like "$(pm logs tty 2>&1 | tr -d '\r' | head -1)" "^/dev/pts/[0-9]+$" "-t: the program's stdio is a pty of the container's devpts (the console socket works)"
like "$(pm logs tty 2>&1 | tr -d '\r' | tail -1)" "^console-is-a-tty-device$" "-t: /dev/console is the pty, bound there"
pm rm -f tty >/dev/null 2>&1
# Attached, in a real terminal: tmux's.
if command -v tmux >/dev/null; then
  sock=sbx-podman-$$
  at_exit "tmux -L $sock kill-server 2>/dev/null"
  tmux -L $sock new-session -d -x 80 -y 24 "podman --root '$SCRATCH/storage' --runroot '$SCRATCH/runroot' --runtime '$SBX' run --rm -it $img sh -c 'tty; read x; echo got-\$x; exit 7' >'$SCRATCH/it.out' 2>&1; echo rc=\$? >>'$SCRATCH/it.out'"
  wait_until 30 grep -q '^/dev/pts/' "$SCRATCH/it.out"
  tmux -L $sock send-keys hello Enter
  wait_until 30 grep -q '^rc=' "$SCRATCH/it.out"
  out=$(tr -d '\r' <"$SCRATCH/it.out" | grep -v 'level=warning')
  like "$(echo $out)" "^/dev/pts/[0-9]+ hello got-hello rc=7$" \
    "run -it in tmux: a pty inside, the typed line read through it, exit code 7"
else
  skip "run -it in tmux" "tmux is not installed (apt-get install tmux)"
fi
no_leftovers "nothing of sbx runs at the end"
