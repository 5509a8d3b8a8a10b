# DNS through the sandbox's resolver, end to end: --net-record's `dns`
# lines and the egress policy's allow:host:NAME rules, with the real
# libslirp forwarding 10.0.2.3 to a DNS server of the test's own.
#
# House rule: no name is resolved outside.  Everything runs in a user,
# mount and network namespace the test makes (`unshare -rmn`): only lo up,
# a resolv.conf naming 127.0.0.1 bound over the host's (libslirp reads it
# to forward DNS), the test's DNS server on 127.0.0.1:53 answering a few
# names under example.test with 10.0.2.2 and fd00::2 (slirp's aliases for
# that namespace's 127.0.0.1 and ::1), and its echo servers there.
. "$SBX_TESTS/lib/tap.sh"

py=/usr/bin/python3
net=$SBX_TESTS/lib/net.py
[ -x "$py" ] && [ -f "$net" ] || skip_all "no $py or $net (the test's servers are Python)"
unshare -rmn true 2>/dev/null || skip_all "unshare -rmn does not work here: no namespace of the test's own to resolve names in"
command -v ip >/dev/null 2>&1 || skip_all "ip(8) is not installed"
sbx_run --net slirp -- true
if [ "$RC" != 0 ]; then
  case $ERR in
    *tun* | *TUN* | *tap*) skip_all "--net slirp cannot create a tap device here: $ERR" ;;
  esac
fi
scratch
d=$SCRATCH/ns
mkdir -p "$d"

cat >"$d/run.sh" <<'EOS'
# In `unshare -rmn`.  NAME.out, NAME.err, NAME.rc per sbx run.
set -u
cd "$NSDIR" || exit 90
ip link set lo up || exit 91
if [ "$(ip -o link show | awk -F': ' '{ print $2 }')" != lo ] || [ -n "$(ip -4 route show table main)" ]; then
  { ip -o link show; ip route; } >setup.err
  exit 92
fi
printf 'nameserver 127.0.0.1\n' >resolv.conf
mount --bind resolv.conf /etc/resolv.conf || exit 93
pids=
trap 'kill $pids 2>/dev/null' EXIT
start() { # VAR ARGS...: a net.py server; its port in VAR (empty if none)
  local var=$1 p=
  shift
  "$PY" "$NETPY" "$@" >"$var.port" 2>&1 &
  pids="$pids $!"
  for _ in $(seq 300); do # 30 s: a python start under load
    p=$(sed -n 's/^port //p' "$var.port")
    [ -n "$p" ] && break
    sleep 0.1
  done
  eval "$var=\$p"
}
start dns dns 127.0.0.1 53 svc.example.test=10.0.2.2 a.v6.example.test=fd00::2 other.example.test=fd00::2
start t1 serve tcp 127.0.0.1 0 echo
start t2 serve tcp 127.0.0.1 0 echo
start t6 serve tcp ::1 0 echo
[ "$dns" = 53 ] && [ -n "$t1" ] && [ -n "$t2" ] || { cat dns.port t1.port t2.port >setup.err; exit 94; }
echo "$t1 $t2 $t6" >ports
c() { printf '%s %s connect %s; ' "$PY" "$NETPY" "$*"; }
run() { # NAME SBX-ARGS...
  local name=$1
  shift
  timeout -k 5 60 "$SBX" -q "$@" </dev/null >"$name.out" 2>"$name.err"
  echo $? >"$name.rc"
}
run record --net slirp --allow-host-loopback --net-record "$NSDIR/rec" -- sh -c "$(c tcp svc.example.test "$t1")"
six=
[ -n "$t6" ] && six="$(c tcp6 other.example.test "$t6")$(c tcp6 a.v6.example.test "$t6")"
run rules --net slirp --allow-host-loopback --net-log --egress allow:10.0.2.3:53 \
  --egress "allow:host:svc.example.test:$t1" --egress 'allow:host:*.v6.example.test' --egress deny:all -- \
  sh -c "$(c tcp 10.0.2.2 "$t1")$(c tcp svc.example.test "$t1")$(c tcp 10.0.2.2 "$t1")$(c tcp 10.0.2.2 "$t2")$six"
EOS

NSDIR=$d PY=$py NETPY=$net timeout -k 5 150 unshare -rmn bash "$d/run.sh" >"$d/setup.out" 2>&1
src=$?
if [ $src != 0 ]; then
  fail "the test's own namespace is set up" "exit $src" "$(cat "$d/setup.out" "$d/setup.err" "$d"/*.port 2>/dev/null)"
  exit 1
fi
read -r T1 T2 T6 <"$d/ports"
load() { OUT=$(cat "$d/$1.out" 2>/dev/null) ERR=$(cat "$d/$1.err" 2>/dev/null) RC=$(cat "$d/$1.rc" 2>/dev/null); }

load record
is "$RC $OUT" "0 echo:hello" "a name answered by the test's DNS server through 10.0.2.3 is reached"
is "$(cat "$d/rec" 2>/dev/null)" "flow udp 10.0.2.3 53
dns svc.example.test A 10.0.2.2 300
flow tcp 10.0.2.2 $T1" "--net-record: the query's flow, the answer's address for the name asked with its TTL, the connection"

load rules
want="ECONNREFUSED
echo:hello
echo:hello
ECONNREFUSED"
[ -n "$T6" ] && want="$want
ECONNREFUSED
echo:hello"
is "$RC $OUT" "0 $want" "allow:host:NAME:PORT: refused before the name is resolved, allowed after (by name and by the address answered), another port refused; *.v6.example.test: a name under it allowed, another name with the same address refused"
[ -z "$T6" ] && skip "allow:host over IPv6" "no ::1 in the test's namespace"
like "$ERR" "^sbx: net: refused tcp 10\.0\.2\.2:$T1 \(egress rule deny:all\)$" "the refusal before the answer has its --net-log line"
like "$ERR" "^sbx: net: refused tcp 10\.0\.2\.2:$T2 \(egress rule deny:all\)$" "... and the one to another port"
no_leftovers "nothing left behind"
