# Escape probes for the copy-on-write root and the network (issue 6's
# claims that waited for issues 3 and 4), tried from inside a sandbox by
# tests/security/sbx-probe ($SBX_PROBE), one TAP point per line it prints.
#
# The copy-on-write root (CVE-2023-0386 class): fuse-overlayfs's
# override_stat xattrs, the kernel overlay's trusted.overlay.* and file
# capabilities cannot plant a privileged file; a file made setuid inside,
# or a setuid-root host file copied up, is not setuid root on the host;
# setcap inside gives nothing outside (the upper layer is checked from the
# host, under a scratch XDG_DATA_HOME); --overlay none is read-only.
#
# The network: the host's loopback is out of reach through every address
# of slirp's network without --allow-host-loopback (and in reach with it:
# the checks can fail), egress rules hold for TCP and UDP, the DNS alias
# forwards nothing but port 53, --net none has no route, and the sbx-net
# helper is locked down.  House rule: only servers this file starts on
# 127.0.0.1 and ::1 are ever contacted, and nothing is sent to port 53.
# The reachability probes run in a user, mount and network namespace of
# the test's own with only lo up and a resolv.conf naming 127.0.0.1: there
# the "host" sbx-net talks to has no way off this machine, whatever a bug
# in sbx lets through, and a DNS alias that forwarded other ports would
# land on the test's own servers, where the probe sees it.
#
# The table of claims and probes is tests/security/README.md.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

me=$(id -u)
tag=esc$$

# Copied-up host files belong to ids of the sandbox's range, which a plain
# rm cannot delete: remove the state from inside a sandbox, as root of its
# user namespace (as overlay.sh does).  Registered before scratch so that
# it runs first.
wipe_data() { sbx_wipe "$SCRATCH/data"; }
at_exit wipe_data
scratch
export XDG_DATA_HOME=$SCRATCH/data
data=$XDG_DATA_HOME/sbx



# host_probe ARGS...: the probe run here, on the host; OUT, ERR, RC.
host_probe() {
  local e
  e=$(mktemp)
  OUT=$("$probe" "$@" 2>"$e")
  RC=$?
  ERR=$(cat "$e")
  rm -f "$e"
}

# ere TEXT: TEXT with the characters special in an ERE escaped.
ere() { printf '%s' "$1" | sed 's#[][\\.*^$+?(){}|]#\\&#g'; }

# --- the copy-on-write root ---------------------------------------------------
cowdir=usr/local/sbx-probe-cow
copies=("$cowdir/planted" "$cowdir/suid" "$cowdir/capped" "$cowdir/setcap")
# A setuid-root program and a file with capabilities of the host's, to
# copy up inside and to show that `upper` fails on them.
suid_host=
for f in /usr/bin/su /bin/su /usr/bin/passwd; do
  if [ -u "$f" ] && [ "$(stat -c %u "$f")" = 0 ]; then suid_host=$f; break; fi
done
cap_host=
if command -v getcap >/dev/null 2>&1; then
  cap_host=$(getcap -r /usr/bin /usr/sbin /usr/lib /usr/libexec 2>/dev/null | awk 'NR == 1 { print $1 }')
fi

# As the user: every trick refused, every copy runs unprivileged; a
# setuid-root host file and one with capabilities are copied up (touch)
# and the first made setuid again.
n1=${tag}a
copyup=
[ -n "$suid_host" ] && copyup="touch $suid_host && chmod u+s $suid_host && "
[ -n "$cap_host" ] && copyup="${copyup}touch $cap_host && "
sbx_run --name $n1 -- sh -c "${copyup}exec $(printf '%q' "$probe") cow"
probe_points "cow"
up1=$data/sandboxes/$n1/upper
extra=()
[ -n "$suid_host" ] && extra+=("${suid_host#/}")
[ -n "$cap_host" ] && extra+=("${cap_host#/}")
OUT=$(cd "$up1" 2>/dev/null && "$probe" upper "${copies[@]}" "${extra[@]}" 2>&1)
RC=$?
ERR=
probe_points "cow: on the host, the upper layer"
if [ -n "$suid_host" ]; then
  sbx_run --name $n1 -- "$probe" setuid-exec "$suid_host"
  probe_points "cow: $suid_host copied up and made setuid inside"
else
  skip "cow: a setuid-root host file copied up" "no setuid-root su or passwd here"
fi
if [ -n "$cap_host" ]; then
  o=$(getcap -n "$up1$cap_host" 2>&1)
  if [ -z "$o" ] || printf '%s' "$o" | grep -Eq "^$(ere "$up1$cap_host") .*\[rootid=[1-9][0-9]*\]$"; then
    pass "cow: getcap -n on the host: $cap_host copied up has no capability, or one namespaced to a rootid other than 0 (${o##* })"
  else
    fail "cow: getcap -n on the host: $cap_host copied up has no capability, or one namespaced to a rootid other than 0" "got: $o"
  fi
else
  skip "cow: a host file with capabilities copied up" "no file with file capabilities under /usr (getcap -r)"
fi

# As root inside with every capability: the kernel takes file
# capabilities, namespaced to the sandbox's root (the user's own uid
# outside); the override xattrs stay refused.
n2=${tag}b
sbx_run --name $n2 --uid 0 --cap-add ALL -- "$probe" cow --caps plant setxattr setcap chmod stat
probe_points "cow --uid 0 --cap-add ALL"
up2=$data/sandboxes/$n2/upper
OUT=$(cd "$up2" 2>/dev/null && "$probe" upper "${copies[@]}" 2>&1)
RC=$?
ERR=
probe_points "cow --uid 0 --cap-add ALL: on the host, the upper layer"
if command -v getcap >/dev/null 2>&1; then
  is "$(cd "$up2" && getcap -n $cowdir/capped $cowdir/setcap 2>&1 | sed 's/ .*\[/ [/')" \
    "$cowdir/capped [rootid=$me]
$cowdir/setcap [rootid=$me]" \
    "cow --uid 0 --cap-add ALL: getcap -n on the host: both capabilities are namespaced to rootid $me (the sandbox's root)"
else
  skip "cow --uid 0 --cap-add ALL: getcap -n on the host" "getcap is not installed"
fi
# A later run without the capabilities gains none from those files: as
# root inside (whose rootid the files name) and as the user.
sbx_run --name $n2 --uid 0 -- "$probe" cow exec
probe_points "cow --uid 0, a later run"
sbx_run --name $n2 -- "$probe" cow exec
probe_points "cow, a later run as the user"
# The checks can fail: a process that holds capabilities is caught ...
sbx_run --name $n2 --uid 0 --cap-add ALL -- "$probe" cow exec
shows_fail "cow: the exec check catches a privileged process (--uid 0 --cap-add ALL)" \
  'exec\(capped\): .* CapEff 0*[1-9a-f]'
# ... the override xattrs go through where fuse-overlayfs is not in the
# way (a --bind of a host directory), and `upper` then sees them ...
mkdir -p "$SCRATCH/plain"
sbx_run --bind "$SCRATCH/plain:/sbx-cow-plain" --setenv SBX_PROBE_COW_DIR=/sbx-cow-plain/d -- \
  "$probe" cow plant 'setxattr(planted, user.fuseoverlayfs.override_stat)'
shows_fail "cow: on a --bind of a host directory user.fuseoverlayfs.override_stat is taken (the overlay refused it)" \
  'setxattr\(planted, user\.fuseoverlayfs\.override_stat\): got success'
host_probe upper "$SCRATCH/plain/d/planted"
shows_fail "upper: an override_stat xattr is caught" '.*carries user\.fuseoverlayfs\.override_stat=0:0:4755:file'
# ... and `upper` fails on the host's own privileged files.
if [ -n "$suid_host" ]; then
  host_probe upper "$suid_host"
  shows_fail "upper: $suid_host (setuid root) is caught" "$(ere "$suid_host"): .*setuid/setgid root"
fi
if [ -n "$cap_host" ]; then
  host_probe upper "$cap_host"
  shows_fail "upper: $cap_host's capabilities are caught" "$(ere "$cap_host"): .*that the host honours"
fi

# No overlay: the host's tree itself, read-only.
sbx_run --overlay none -- "$probe" cow --ro
probe_points "cow --overlay none"

# --- the network: the sbx-net helper ------------------------------------------
"$SBX" --net slirp -- sleep 20 </dev/null >/dev/null 2>"$SCRATCH/helper.err" &
bg=$!
at_exit "kill -9 $bg 2>/dev/null; wait $bg 2>/dev/null"
helper=
# sbx-net starts before the sandbox and locks itself down once it has the
# tap, before the program may run: look once the program runs.
for _ in $(seq 100); do
  helper=$(pgrep -x -P $bg sbx-net) && init=$(pgrep -x -P $bg sbx-init) &&
    pgrep -x -P "$init" sleep >/dev/null && break
  helper=
  sleep 0.1
done
if [ -n "$helper" ]; then
  host_probe net-helper "$helper"
  probe_points "net-helper"
  # sbx itself is none of that: the checks can fail.
  host_probe net-helper "$bg"
  shows_fail "net-helper: on sbx itself, no_new_privs 0 is caught" 'NoNewPrivs: NoNewPrivs: got 0'
  shows_fail "net-helper: on sbx itself, a readable environ is caught" 'environ\(not dumpable\): got success'
  shows_fail "net-helper: on sbx itself, other limits are caught" 'limit\(Max open files\): got'
else
  fail "sbx-net runs beside a --net slirp sandbox" "$(ps -u "$me" -o pid=,ppid=,comm=)" "$(cat "$SCRATCH/helper.err")"
fi
kill $bg 2>/dev/null
wait $bg 2>/dev/null

# --- the network: reachability, in a network namespace of the test's own -------
py=/usr/bin/python3
netpy=$SBX_TESTS/lib/net.py
netdir=$SCRATCH/net
mkdir -p "$netdir"
cat >"$netdir/run.sh" <<'EOS'
# In `unshare -rmn`: nothing but lo, a resolv.conf naming 127.0.0.1, the
# test's echo servers on 127.0.0.1 and ::1, then every sbx run at once
# (the checks wait for silences).  NAME.out, NAME.err, NAME.rc per run.
set -u
cd "$NETDIR" || exit 90
ip link set lo up || { echo "ip link set lo up failed" >setup.err; exit 91; }
# Nothing may leave: one interface (lo), no route but loopback's.
if [ "$(ip -o link show | awk -F': ' '{ print $2 }')" != lo ] || [ -n "$(ip -4 route show table main)" ]; then
  { ip -o link show; ip route; } >setup.err
  exit 92
fi
printf 'nameserver 127.0.0.1\n' >resolv.conf
mount --bind resolv.conf /etc/resolv.conf 2>>setup.err || echo "resolv.conf not replaced" >>setup.err
pids=
serve() { # NAME PROTO ADDR
  "$PY" "$NETPY" serve "$2" "$3" 0 echo >"$1.port" 2>&1 &
  pids="$pids $!"
}
serve tcp4 tcp 127.0.0.1
serve udp4 udp 127.0.0.1
serve tcp6 tcp ::1
serve udp6 udp ::1
trap 'kill $pids 2>/dev/null' EXIT
for n in tcp4 udp4 tcp6 udp6; do
  for _ in $(seq 50); do
    grep -q '^port ' "$n.port" && break
    [ -s "$n.port" ] && break # an error: no ::1 here
    sleep 0.1
  done
  p=$(sed -n 's/^port //p' "$n.port")
  eval "$n=\$p"
done
[ -n "$tcp4" ] && [ -n "$udp4" ] || { cat tcp4.port udp4.port >setup.err; exit 93; }
echo "$tcp4 $udp4 $tcp6 $udp6" >ports
env=(--setenv "SBX_PROBE_TCP=$tcp4" --setenv "SBX_PROBE_UDP=$udp4")
[ -n "$tcp6" ] && [ -n "$udp6" ] && env+=(--setenv "SBX_PROBE_TCP6=$tcp6" --setenv "SBX_PROBE_UDP6=$udp6")
q=$(printf '%q' "$PROBE")
runs=
run() { # NAME SBX-ARGS...: in the background
  local name=$1
  shift
  (
    timeout -k 5 30 "$SBX" -q "$@" </dev/null >"$name.out" 2>"$name.err"
    echo $? >"$name.rc"
  ) &
  runs="$runs $!"
}
run slirp --net slirp "${env[@]}" -- "$PROBE" net
run allow --net slirp --allow-host-loopback "${env[@]}" -- "$PROBE" net
# Frames to the other addresses reach libslirp only through a route the
# program makes with CAP_NET_ADMIN (nothing answers ARP for them).
run routes --net slirp --cap-add NET_ADMIN "${env[@]}" -- sh -c \
  "ip route add 10.0.2.5/32 via 10.0.2.2 && ip route add 10.0.2.0/32 via 10.0.2.2 &&
   ip -6 route add fd00::5/128 via fd00::2 && exec $q net || echo 'FAIL routes: ip route add failed'"
# A published UDP port changes how sbx keeps the host out (frame by frame
# instead of libslirp's setting): from any port, and from the published one.
run published --net slirp -p "127.0.0.1:$PUB1:5353/udp" "${env[@]}" -- "$PROBE" net
# (UDP only, one check at a time: those that reach libslirp.)
src_sel=("udp 10.0.2.2:$udp4" "udp 10.0.2.3:$udp4" "udp 10.0.2.255:$udp4" "udp 10.0.2.3:80" "udp 10.0.2.3:5353")
[ -n "$udp6" ] && src_sel+=("udp [fd00::2]:$udp6" "udp [fd00::3]:$udp6" "udp [fd00::3]:5353")
run published-src --net slirp -p "127.0.0.1:$PUB2:5353/udp" "${env[@]}" --setenv SBX_PROBE_UDP_SRC=5353 -- \
  "$PROBE" net "${src_sel[@]}"
rules=(--egress "deny:10.0.2.2:$tcp4/tcp" --egress "deny:10.0.2.2:$udp4/udp")
sel=("tcp 10.0.2.2:$tcp4" "udp 10.0.2.2:$udp4")
if [ -n "$tcp6" ] && [ -n "$udp6" ]; then
  rules+=(--egress "deny:[fd00::2]:$tcp6/tcp" --egress "deny:[fd00::2]:$udp6/udp")
  sel+=("tcp [fd00::2]:$tcp6" "udp [fd00::2]:$udp6")
fi
run egress --net slirp --allow-host-loopback "${rules[@]}" "${env[@]}" -- "$PROBE" net "${sel[@]}"
run none --net none "${env[@]}" -- "$PROBE" net "tcp 10.0.2.2:$tcp4" "udp 10.0.2.2:$udp4"
# shellcheck disable=SC2086
wait $runs
EOS
net_ok=1
if [ ! -x "$py" ] || [ ! -f "$netpy" ]; then
  net_ok=0 why="no $py or $netpy (the test's servers are Python)"
elif ! unshare -rmn true 2>/dev/null; then
  net_ok=0 why="unshare -rmn does not work here, so the probes cannot run where nothing leaves the machine"
elif ! command -v ip >/dev/null 2>&1; then
  net_ok=0 why="ip(8) is not installed"
fi
if [ $net_ok = 1 ]; then
  pub1=$("$py" "$netpy" freeport udp 127.0.0.1)
  pub2=$("$py" "$netpy" freeport udp 127.0.0.1)
  NETDIR=$netdir PY=$py NETPY=$netpy PROBE=$probe PUB1=$pub1 PUB2=$pub2 \
    timeout -k 5 60 unshare -rmn bash "$netdir/run.sh" >"$netdir/setup.out" 2>&1
  src=$?
  if [ $src != 0 ]; then
    fail "the network probes' own namespace is set up" "exit $src" "$(cat "$netdir/setup.out" "$netdir/setup.err" 2>/dev/null)"
    net_ok=0 why="its setup failed"
  fi
fi
# load NAME: the run's OUT, ERR and RC.
load() {
  OUT=$(cat "$netdir/$1.out" 2>/dev/null)
  ERR=$(cat "$netdir/$1.err" 2>/dev/null)
  RC=$(cat "$netdir/$1.rc" 2>/dev/null)
}
if [ $net_ok = 1 ]; then
  read -r T4 U4 T6 U6 <"$netdir/ports"
  [ -s "$netdir/setup.err" ] && echo "# note: $(tr '\n' ' ' <"$netdir/setup.err")"
  load slirp
  probe_points "net --net slirp"
  load routes
  probe_points "net --net slirp, routes to 10.0.2.5, 10.0.2.0, fd00::5 (--cap-add NET_ADMIN)"
  load published
  probe_points "net --net slirp -p PORT:5353/udp"
  load published-src
  probe_points "net --net slirp -p PORT:5353/udp, UDP sent from port 5353"
  # With --allow-host-loopback the host's servers answer through 10.0.2.2
  # (and fd00::2), and only there: the checks can fail.
  load allow
  shows_fail "net --allow-host-loopback: TCP through 10.0.2.2 reaches the host's 127.0.0.1 (the check can fail)" \
    "tcp 10\.0\.2\.2:$T4: connected; the host's server answered 'echo:sbx-probe'"
  shows_fail "net --allow-host-loopback: UDP through 10.0.2.2 reaches the host's 127.0.0.1" \
    "udp 10\.0\.2\.2:$U4: the host's server answered 'echo:sbx-probe'"
  if [ -n "$T6" ]; then
    shows_fail "net --allow-host-loopback: TCP through fd00::2 reaches the host's ::1" \
      "tcp \[fd00::2\]:$T6: connected; the host's server answered"
    shows_fail "net --allow-host-loopback: UDP through fd00::2 reaches the host's ::1" \
      "udp \[fd00::2\]:$U6: the host's server answered"
  else
    skip "net --allow-host-loopback: fd00::2 reaches the host's ::1" "no ::1 in the test's namespace"
  fi
  is "$(printf '%s\n' "$OUT" | grep '^FAIL' | grep -Ev '^FAIL (tcp|udp) (10\.0\.2\.2|\[fd00::2\]):' || true)" "" \
    "net --allow-host-loopback: every other address (the DNS alias, .5, .255, .0, fd00::3, ::5) stays closed"
  # Egress rules on the ports the run above reached.
  load egress
  probe_points "net --allow-host-loopback --egress deny:..."
  like "$OUT" "^ok tcp 10\.0\.2\.2:$T4: ECONNREFUSED" "net --egress deny:10.0.2.2:PORT/tcp: ECONNREFUSED (a RST)"
  like "$OUT" "^ok udp 10\.0\.2\.2:$U4: EHOSTUNREACH" "net --egress deny:10.0.2.2:PORT/udp: EHOSTUNREACH on the connected socket (ICMP administratively prohibited)"
  if [ -n "$T6" ]; then
    like "$OUT" "^ok tcp \[fd00::2\]:$T6: ECONNREFUSED" "net --egress deny:[fd00::2]:PORT/tcp: ECONNREFUSED"
    like "$OUT" "^ok udp \[fd00::2\]:$U6: EACCES" "net --egress deny:[fd00::2]:PORT/udp: EACCES (ICMPv6 administratively prohibited)"
  fi
  load none
  probe_points "net --net none"
  like "$OUT" "^ok tcp 10\.0\.2\.2:$T4: ENETUNREACH" "net --net none: no route to 10.0.2.2 (ENETUNREACH)"
else
  skip "net: the host's loopback, egress and the DNS alias from inside" "$why"
fi

no_leftovers "nothing left behind"
