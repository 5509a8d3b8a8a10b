#!/usr/bin/env bash
# Network throughput of `sbx --net slirp` next to slirp4netns and pasta, on
# this machine only, measured as an unprivileged user.  A benchmark, not a
# test: it never gates CI.
#
#   tests/bench/network.sh [--time S] [--peers sbx,sbx-record,slirp4netns,pasta]
#                          [--sbx PATH] [--user NAME]
#
# For each of sbx, sbx-record (sbx with --net-record and an allow:host rule
# checked on every frame before allow:all: what learning and name rules
# cost), slirp4netns (--mtu=65520, host loopback on) and pasta:
#   sandbox->host      iperf3 client inside, server on the host's 127.0.0.1
#   host->sandbox      the same with -R
#   pub host->sandbox  iperf3 server inside on 5201, published on the host's
#                      127.0.0.1; client on the host
#   pub sandbox->host  the same with -R
#   pub conn/s         connect, one byte each way, close, in a loop for S s
# and the network process's CPU time and peak RSS (utime+stime from
# /proc/PID/stat and VmHWM from /proc/PID/status, sampled every 0.1 s until
# it exits): sbx-net, slirp4netns, pasta.  The host is reached through
# 10.0.2.2 in sbx (--allow-host-loopback) and slirp4netns (its default);
# pasta of this vintage maps its gateway to the host only for replies, so it
# reaches the host's loopback through -T (its spliced loopback path).
# Traffic never leaves the machine: every server is on 127.0.0.1 or inside.
# Targets (issue 4): sandbox<->host >= 1x slirp4netns, published >= 3x.
# Needs iperf3 and python3; slirp4netns and passt (pasta) when present
# (apt-get install -y iperf3 slirp4netns passt).  Exit 0 when sbx ran.
set -uo pipefail
export LC_ALL=C
secs=5
sbx=""
user=sbxtest
only=sbx,sbx-record,slirp4netns,pasta

die() { echo "network.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --time) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--time needs a positive integer"; secs=$2; shift 2 ;;
    --sbx) sbx=${2:?}; shift 2 ;;
    --user) user=${2:?}; shift 2 ;;
    --peers) [[ ${2:-} =~ ^(sbx|sbx-record|slirp4netns|pasta)(,(sbx|sbx-record|slirp4netns|pasta))*$ ]] || die "--peers takes sbx,sbx-record,slirp4netns,pasta"; only=$2; shift 2 ;;
    -h | --help) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
command -v iperf3 >/dev/null || die "iperf3 is not installed (apt-get install -y iperf3)"
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 is needed (apt-get install -y python3)"
. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_find_sbx "$sbx"
bench_as_user "$user" network.sh --time "$secs" --peers "$only"

cd / || exit 2
# Under /var/tmp: the host's /tmp and the homes are not visible in sbx.
work=$(mktemp -d /var/tmp/sbx-netbench.XXXXXX) || die "mktemp"
chmod 755 "$work"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf -- "$work"
}
trap cleanup EXIT
py=/usr/bin/python3
hz=$(getconf CLK_TCK)

# The connections-per-second pair and small helpers, as one Python file.
cat >"$work/nb.py" <<'EOF'
import json, socket, sys, time
cmd = sys.argv[1]
if cmd == "freeport":
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
elif cmd == "server":          # one thread: accept, 1 byte each way, close
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(sys.argv[2]))); s.listen(128)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        b = c.recv(1)
        if b == b"q":
            break
        c.sendall(b"y"); c.close()
elif cmd == "client":          # HOST PORT SECONDS -> connections a second
    host, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    n, end = 0, time.monotonic() + secs
    t0 = time.monotonic()
    while time.monotonic() < end:
        c = socket.create_connection((host, port), timeout=5)
        c.sendall(b"x")
        if c.recv(1) != b"y":
            sys.exit("bad answer")
        c.close(); n += 1
    rate = n / (time.monotonic() - t0)
    socket.create_connection((host, port), timeout=5).sendall(b"q")
    print("%.0f" % rate)
elif cmd == "bps":             # FILE KEY[,KEY...]: first non-zero end.KEY.bits_per_second
    try:
        end = json.load(open(sys.argv[2])).get("end", {})
    except Exception:
        end = {}
    for k in sys.argv[3].split(","):
        v = end.get(k, {}).get("bits_per_second", 0)
        if v:
            print("%.2f" % (v / 1e9)); break
    else:
        print("-")
EOF

freeport() { "$py" "$work/nb.py" freeport; }

# sample PID FILE: until PID is gone, keep its latest "ticks hwm_kib" in FILE.
sample() {
  local pid=$1 f=$2 st hwm
  while st=$(cat "/proc/$pid/stat" 2>/dev/null) && hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $hwm ]]; do
    st=${st##*) }
    # shellcheck disable=SC2086
    set -- $st
    echo "$((${12} + ${13})) $hwm" >"$f.new" && mv -f "$f.new" "$f"
    sleep 0.1
  done
}

# wait_for FILE TEXT SECONDS: until FILE holds TEXT (while $RUN lives).
wait_for() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    kill -0 "$RUN" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# start PEER NAME HOSTPORT HOSTSRV CMD...: run CMD inside PEER's network in
# the background, stdout in $work/NAME.out, stderr in NAME.out.err; HOSTPORT (or 0) is
# published to the guest's 5201, HOSTSRV (or 0) is a host server port
# pasta must forward with -T.  Sets RUN (the pid to wait for) and NETPID
# (the network process, sampled into $work/NAME.cpu).
start() {
  local peer=$1 name=$2 hp=$3 hs=$4 ns i
  shift 4
  local out=$work/$name.out
  NETPID=
  case $peer in
    sbx | sbx-record)
      local pub=()
      ((hp)) && pub=(-p "127.0.0.1:$hp:5201")
      [[ $peer == sbx-record ]] && pub+=(--net-record "$work/$name.rec" --egress allow:host:bench.test --egress allow:all)
      "$sbx" -q --net slirp --allow-host-loopback "${pub[@]}" -- "$@" </dev/null >"$out" 2>"$out.err" &
      RUN=$!
      for ((i = 0; i < 100; i++)); do
        NETPID=$(pgrep -x -P "$RUN" sbx-net) && break
        kill -0 "$RUN" 2>/dev/null || break
        sleep 0.05
      done
      ;;
    slirp4netns)
      # The namespace waits for slirp4netns to configure tap0, then runs CMD.
      rm -f "$work/go" "$work/ready" "$work/s4.sock"
      unshare -Urn sh -c 'while [ ! -e "$0" ]; do sleep 0.02; done; exec "$@"' "$work/go" "$@" </dev/null >"$out" 2>"$out.err" &
      RUN=$!
      ns=$RUN
      # slirp4netns must find the process in its new namespaces already.
      for ((i = 0; i < 100; i++)); do
        [[ $(readlink "/proc/$ns/ns/net" 2>/dev/null) != "$(readlink /proc/self/ns/net)" ]] && break
        sleep 0.02
      done
      slirp4netns --configure --mtu=65520 --api-socket "$work/s4.sock" --ready-fd 3 "$ns" tap0 \
        3>"$work/ready" >"$work/$name.s4log" 2>&1 &
      NETPID=$!
      pids+=("$NETPID")
      for ((i = 0; i < 100; i++)); do [[ -s $work/ready && -S $work/s4.sock ]] && break; sleep 0.05; done
      if ((hp)); then
        "$py" -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
  "host_addr": "127.0.0.1", "host_port": int(sys.argv[2]), "guest_port": 5201}}).encode())
s.shutdown(socket.SHUT_WR); r = s.recv(4096)
sys.exit(0 if b"error" not in r else "add_hostfwd: " + r.decode())' "$work/s4.sock" "$hp" 2>>"$out.err" || echo "add_hostfwd failed" >>"$out.err"
      fi
      touch "$work/go"
      ;;
    pasta)
      local t=none T=none
      ((hp)) && t=127.0.0.1/$hp:5201
      ((hs)) && T=$hs
      # Its own addresses (none copied from the host), no gateway mapping:
      # nothing it does can reach past this machine.
      pasta -f --config-net -4 -a 10.0.2.100 -n 24 -g 10.0.2.2 --no-map-gw \
        -t "$t" -u none -T "$T" -U none -- "$@" </dev/null >"$out" 2>"$out.err" &
      RUN=$!
      NETPID=$RUN
      ;;
  esac
  pids+=("$RUN")
  rm -f "$work/$name.cpu"
  SAMPLER=
  if [[ -n $NETPID ]]; then
    sample "$NETPID" "$work/$name.cpu" &
    SAMPLER=$!
  fi
}

# finish SECONDS: wait for $RUN (killing it past SECONDS) and for the
# network process to go; sets RC.
finish() {
  local i
  for ((i = 0; i < $1 * 20; i++)); do kill -0 "$RUN" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$RUN" 2>/dev/null && kill -TERM "$RUN" && sleep 1 && kill -9 "$RUN" 2>/dev/null
  wait "$RUN" 2>/dev/null
  RC=$?
  if [[ -n $NETPID ]]; then
    kill -TERM "$NETPID" 2>/dev/null # slirp4netns outlives its namespace
    for ((i = 0; i < 40; i++)); do kill -0 "$NETPID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$NETPID" 2>/dev/null
    wait "$NETPID" 2>/dev/null
  fi
  [[ -n $SAMPLER ]] && wait "$SAMPLER" 2>/dev/null
}

# Results: R[peer,test] = value; C[peer] ticks, M[peer] peak KiB; N[peer,test] a note.
declare -A R N C M
account() { # PEER NAME TEST
  local t h
  if [[ -s $work/$2.cpu ]]; then
    read -r t h <"$work/$2.cpu"
    C[$1]=$((${C[$1]:-0} + t))
    ((h > ${M[$1]:-0})) && M[$1]=$h
  fi
  if [[ $1 == sbx* ]] && grep -q "network helper died" "$work/$2.out.err"; then
    N[$1,$3]="${N[$1,$3]:+${N[$1,$3]}; }$(grep -m1 'network helper died' "$work/$2.out.err")"
  fi
}

# The inside half of the published tests: a server on 5201, "ready" once
# it listens (0x1451 in /proc/net/tcp{,6}, state 0A).  The servers inside
# carry a timeout: unshare -Urn has no PID namespace to take them along.
# The sandbox lingers a second after iperf3 -s -1 ends, so that its last
# report reaches the client before the network goes (sbx cuts published
# connections at exit without draining them).
ready_loop='until grep -Eq ":1451 [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do sleep 0.05; done; echo ready'

bench_peer() {
  local peer=$1 addr sp hp name
  addr=10.0.2.2
  [[ $peer == pasta ]] && addr=127.0.0.1

  for dir in out in; do
    name=$peer-$dir
    sp=$(freeport)
    iperf3 -s -1 -J -B 127.0.0.1 -p "$sp" >"$work/$name.srv.json" 2>&1 &
    local srv=$!
    pids+=("$srv")
    for ((i = 0; i < 40; i++)); do ss -Hltn "sport = :$sp" | grep -q . && break; sleep 0.05; done
    local rflag=()
    [[ $dir == in ]] && rflag=(-R)
    start "$peer" "$name" 0 "$sp" iperf3 -c "$addr" -p "$sp" -t "$secs" "${rflag[@]}" -J
    finish $((secs + 20))
    # The server writes its report after the test: give it a moment.
    for ((i = 0; i < 100; i++)); do kill -0 "$srv" 2>/dev/null || break; sleep 0.05; done
    kill "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
    # The receiver's count: the host server's when it received, else the
    # client's own report from inside (its stdout).
    if [[ $dir == out ]]; then
      R[$peer,$dir]=$("$py" "$work/nb.py" bps "$work/$name.srv.json" sum_received)
    else
      R[$peer,$dir]=$("$py" "$work/nb.py" bps "$work/$name.out" sum_received)
      [[ ${R[$peer,$dir]} == - ]] && R[$peer,$dir]=$("$py" "$work/nb.py" bps "$work/$name.srv.json" sum_sent)
    fi
    [[ ${R[$peer,$dir]} == - ]] && N[$peer,$dir]="failed: $(cat "$work/$name.out.err" "$work/$name.srv.json" 2>/dev/null | grep -m1 -i 'error\|fail\|sbx:' | cut -c1-100)"
    account "$peer" "$name" "$dir"
  done

  for dir in pubin pubout; do
    name=$peer-$dir
    hp=$(freeport)
    start "$peer" "$name" "$hp" 0 sh -c "timeout $((secs + 40)) iperf3 -s -1 -p 5201 >/dev/null 2>&1 & $ready_loop; wait; sleep 1"
    if wait_for "$work/$name.out" ready 15; then
      local rflag=()
      [[ $dir == pubout ]] && rflag=(-R)
      timeout $((secs + 20)) iperf3 -c 127.0.0.1 -p "$hp" -t "$secs" "${rflag[@]}" -J >"$work/$name.cli.json" 2>&1
      R[$peer,$dir]=$("$py" "$work/nb.py" bps "$work/$name.cli.json" sum_received,sum_sent)
    else
      R[$peer,$dir]=-
    fi
    [[ ${R[$peer,$dir]} == - ]] && N[$peer,$dir]="failed: $(cat "$work/$name.out.err" "$work/$name.cli.json" 2>/dev/null | grep -m1 -i 'error\|fail\|sbx:' | cut -c1-100)"
    finish 15
    account "$peer" "$name" "$dir"
  done

  name=$peer-conn
  hp=$(freeport)
  start "$peer" "$name" "$hp" 0 timeout $((secs + 40)) "$py" "$work/nb.py" server 5201
  if wait_for "$work/$name.out" ready 15; then
    sleep 0.2
    R[$peer,conn]=$(timeout $((secs + 20)) "$py" "$work/nb.py" client 127.0.0.1 "$hp" "$secs" 2>"$work/$name.err") || R[$peer,conn]=-
  else
    R[$peer,conn]=-
  fi
  [[ ${R[$peer,conn]:--} == - ]] && { R[$peer,conn]=-; N[$peer,conn]="failed: $(cat "$work/$name.out.err" "$work/$name.err" 2>/dev/null | tail -1 | cut -c1-100)"; }
  finish 10
  account "$peer" "$name" conn
}

echo "sbx network benchmark"
echo "  date:     $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel:   $(uname -srm), $(nproc) cpus"
echo "  user:     $(id -un) (uid $(id -u))"
echo "  sbx:      $sbx ($("$sbx" --version 2>&1 | head -n1))"
echo "  iperf3:   $(iperf3 --version | head -1)"
peers=()
[[ ,$only, == *,sbx,* ]] && peers+=(sbx)
[[ ,$only, == *,sbx-record,* ]] && peers+=(sbx-record)
for p in slirp4netns pasta; do
  [[ ,$only, == *,$p,* ]] || continue
  if command -v "$p" >/dev/null; then
    peers+=("$p")
    case $p in
      slirp4netns) echo "  $p: $(slirp4netns --version | head -1)" ;;
      pasta) echo "  pasta:    $(dpkg-query -W -f='${Version}' passt 2>/dev/null || echo '?')" ;;
    esac
  else
    echo "  $p: not installed (apt-get install -y ${p/pasta/passt}); its column is empty"
  fi
done
echo "  method:   iperf3 -t $secs, one TCP stream, Gbit/s at the receiver;"
echo "            conn/s: $secs s of connect/1 byte each way/close from one client"
echo

for p in "${peers[@]}"; do bench_peer "$p"; done

tests=(out in pubin pubout conn)
declare -A label=([out]="sandbox->host Gbit/s" [in]="host->sandbox (-R) Gbit/s"
  [pubin]="pub host->sandbox Gbit/s" [pubout]="pub sandbox->host Gbit/s" [conn]="pub connections/s")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
fmt="%-27s %10s %12s %10s %14s %11s %14s\n"
printf "$fmt" "" sbx slirp4netns pasta "sbx/slirp4netns" sbx-record "record/sbx"
printf "$fmt" "---" "---" "---" "---" "---" "---" "---"
for t in "${tests[@]}"; do
  printf "$fmt" "${label[$t]}" "${R[sbx,$t]:--}" "${R[slirp4netns,$t]:--}" "${R[pasta,$t]:--}" \
    "$(ratio "${R[sbx,$t]:-}" "${R[slirp4netns,$t]:-}")" "${R[sbx-record,$t]:--}" \
    "$(ratio "${R[sbx-record,$t]:-}" "${R[sbx,$t]:-}")"
done
cpu() { [[ -n ${C[$1]:-} ]] && awk -v t="${C[$1]}" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }' || echo -; }
rss() { [[ -n ${M[$1]:-} ]] && awk -v k="${M[$1]}" 'BEGIN { printf "%.1f", k / 1024 }' || echo -; }
printf "$fmt" "net process CPU s (all)" "$(cpu sbx)" "$(cpu slirp4netns)" "$(cpu pasta)" "$(ratio "$(cpu sbx)" "$(cpu slirp4netns)")" \
  "$(cpu sbx-record)" "$(ratio "$(cpu sbx-record)" "$(cpu sbx)")"
printf "$fmt" "net process peak RSS MiB" "$(rss sbx)" "$(rss slirp4netns)" "$(rss pasta)" "$(ratio "$(rss sbx)" "$(rss slirp4netns)")" \
  "$(rss sbx-record)" "$(ratio "$(rss sbx-record)" "$(rss sbx)")"
echo
echo "net process: sbx-net, slirp4netns, pasta; CPU summed over the 5 runs, RSS the largest."
echo "pasta reaches the host through -T (spliced loopback), not through its tap."
s_out=$(ratio "${R[sbx,out]:-}" "${R[slirp4netns,out]:-}") s_in=$(ratio "${R[sbx,in]:-}" "${R[slirp4netns,in]:-}")
s_pub=$(ratio "${R[sbx,pubin]:-}" "${R[slirp4netns,pubin]:-}")
echo "targets: sandbox<->host >= 1x slirp4netns (got $s_out, $s_in); published >= 3x (got $s_pub)"
status=1
for t in "${tests[@]}"; do [[ ${R[sbx,$t]:--} != - ]] && status=0; done
notes=0
for k in "${!N[@]}"; do
  ((notes++)) || echo "notes:"
  echo "  ${k%,*} ${label[${k#*,}]}: ${N[$k]}"
done
exit $status
