# Networking: --net none|slirp|host, the sandbox's side of slirp (tap0,
# routes, resolv.conf, hosts, MTU, IPv6), host loopback only when asked,
# published ports (TCP spliced, UDP through libslirp), the egress policy,
# --net-log, --net-record, and the sbx-net helper's lifetime and lock-down.
#
# House rule: traffic stays on this machine.  Every server is one this file
# starts, on the host's 127.0.0.1 / ::1 (reached from inside through
# 10.0.2.2 / fd00::2) or inside the sandbox.  No name is ever resolved, and
# egress rules are only tried against 10.0.2.2 / fd00::2 ports listened on
# here; refusals happen in sbx before anything reaches libslirp.
. "$SBX_TESTS/lib/tap.sh"

py=/usr/bin/python3
net=$SBX_TESTS/lib/net.py
[ -x "$py" ] || skip_all "no $py on this host (the helper servers are Python)"
[ -f "$net" ] || skip_all "no $net"
export SBX_RUN_TIMEOUT=30

sbx_run --net slirp -- true
if [ "$RC" != 0 ]; then
  case $ERR in
    *tun* | *TUN* | *tap*) skip_all "--net slirp cannot create a tap device here: $ERR" ;;
  esac
fi
host_ipv6=0
grep -q ' lo$' /proc/net/if_inet6 2>/dev/null && grep -q '^0\{31\}1 ' /proc/net/if_inet6 && host_ipv6=1

scratch
me=$(id -u)

# hostserve PROTO ADDR PORT MODE...: a server on the host (net.py serve),
# killed at exit; its
# port in $PORT (empty when it did not start within 5 s).
hostserve() {
  local f
  f=$(mktemp "$SCRATCH/srv.XXXXXX")
  "$py" "$net" serve "$@" >"$f" 2>&1 &
  at_exit "kill $! 2>/dev/null"
  port_from "$f" && return 0
  fail "host server $* started" "$(cat "$f")"
  return 1
}

# ere TEXT: TEXT with the characters special in an ERE escaped.
ere() { printf '%s' "$1" | sed 's#[][\\.*^$+?(){}|]#\\&#g'; }

# c PROTO ADDR PORT [MSG [WAIT]]: the shell text of one client call inside.
c() { printf '%s %s connect %s; ' "$py" "$net" "$*"; }

# max_elapsed: the slowest "elapsed S" line in $ERR, in seconds.
max_elapsed() { printf '%s\n' "$ERR" | awk '/^elapsed / { if ($2 > m) m = $2 } END { print m + 0 }'; }
under() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# bg_sbx NAME NLINES ARGS...: start sbx in the background (stdout in
# $SCRATCH/NAME.out, stderr in NAME.err, pid in BG) and wait up to 10 s
# until NLINES "port" lines came out (the servers inside listen).
bg_sbx() {
  local name=$1 n=$2
  shift 2
  BG_OUT=$SCRATCH/$name.out BG_ERR=$SCRATCH/$name.err
  "$SBX" "$@" </dev/null >"$BG_OUT" 2>"$BG_ERR" &
  BG=$!
  at_exit "kill -9 $BG 2>/dev/null"
  for _ in $(seq 100); do
    [ "$(grep -c '^port ' "$BG_OUT")" -ge "$n" ] && return 0
    kill -0 $BG 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# bg_wait SECONDS: wait for $BG at most SECONDS, then kill it; status in RC.
bg_wait() {
  for _ in $(seq $(($1 * 10))); do
    kill -0 $BG 2>/dev/null || break
    sleep 0.1
  done
  kill -0 $BG 2>/dev/null && kill -9 $BG
  wait $BG
  RC=$?
}

hostserve tcp 127.0.0.1 0 echo && T4=$PORT
hostserve tcp 127.0.0.1 0 echo && T4b=$PORT
hostserve udp 127.0.0.1 0 echo && U4=$PORT
if [ $host_ipv6 = 1 ]; then
  hostserve tcp ::1 0 echo && T6=$PORT
  hostserve tcp ::1 0 echo && T6b=$PORT
  hostserve udp ::1 0 echo && U6=$PORT
fi
hostserve tcp 127.0.0.1 0 drop && D4=$PORT
[ -n "$T4" ] && [ -n "$T4b" ] && [ -n "$U4" ] && [ -n "$D4" ] || exit 1

### The sandbox's side of slirp.
sbx_run --net slirp -- sh -c 'cat /sys/class/net/tap0/mtu; ip -4 -o addr show dev tap0; ip route; ip -6 route show default; ip -6 -o addr show dev tap0 scope global; cat /sys/class/net/lo/flags'
out=$OUT
is "$RC" 0 "--net slirp: the program runs"
is "$(sed -n 1p <<<"$out")" 65520 "tap0's MTU is 65520 by default"
like "$out" "tap0 +inet 10\.0\.2\.100/24 " "tap0 has 10.0.2.100/24"
like "$out" "^default via 10\.0\.2\.2 dev tap0" "the IPv4 default route is 10.0.2.2"
like "$out" "default via fd00::2 dev tap0" "the IPv6 default route is fd00::2"
like "$out" "inet6 fd00::100/64 " "tap0 has fd00::100/64"
is "$(( $(tail -1 <<<"$out") & 1 ))" 1 "lo is up beside tap0"
sbx_run --net slirp -- cat /proc/net/dev
is "$(printf '%s\n' "$OUT" | tail -n +3 | awk -F: '{ gsub(/ /, "", $1); print $1 }' | sort | tr '\n' ' ')" "lo tap0 " "--net slirp: lo and tap0, nothing else"

sbx_run --net slirp --hostname box1 -- sh -c 'cat /etc/resolv.conf; echo --; cat /etc/hosts'
resolv=${OUT%%--*} hosts=${OUT#*--}
like "$resolv" "^nameserver 10\.0\.2\.3$" "/etc/resolv.conf names 10.0.2.3"
like "$resolv" "^nameserver fd00::3$" "/etc/resolv.conf names fd00::3"
unlike "$(grep nameserver <<<"$resolv")" "nameserver (127\.|::1)" "no host-loopback resolver leaks in"
like "$hosts" "^10\.0\.2\.100[[:space:]]+box1([[:space:]]|$)" "/etc/hosts maps the hostname to 10.0.2.100"
like "$hosts" "^127\.0\.0\.1[[:space:]]+localhost" "/etc/hosts keeps localhost"

sbx_run --net slirp --mtu 1500 --no-ipv6 -- sh -c 'cat /sys/class/net/tap0/mtu; ip -6 route show default; ip -6 -o addr show dev tap0 scope global; grep -c "nameserver fd00" /etc/resolv.conf'
is "$OUT" "1500
0" "--mtu 1500 sets the MTU; --no-ipv6: no IPv6 address, route or resolver"
if [ $host_ipv6 = 1 ]; then
  sbx_run --net slirp --allow-host-loopback --no-ipv6 -- sh -c "$(c tcp fd00::2 "$T6")"
  is "$OUT" "ENETUNREACH" "--no-ipv6: fd00::2 is unreachable"
fi

### --net none and --net host.
sbx_run --net none -- sh -c "cat /proc/net/dev; echo --; ip route; ip -6 route show default; echo --; $(c tcp 10.0.2.2 "$T4")"
is "$(printf '%s\n' "${OUT%%--*}" | tail -n +3 | awk -F: 'NF { gsub(/ /, "", $1); print $1 }')" "lo" "--net none: only lo"
routes=${OUT#*--}
is "$(tr -d '\n' <<<"${routes%--*}")" "" "--net none: no route out"
is "${OUT##*--$'\n'}" "ENETUNREACH" "--net none: a connect to 10.0.2.2 fails with ENETUNREACH"

sbx_run --net host -- sh -c 'readlink /proc/self/ns/net; ls /sys/class/net | tr "\n" " "'
is "$OUT" "$(readlink /proc/self/ns/net)
$(ls /sys/class/net | tr '\n' ' ')" "--net host: the host's network namespace and interfaces"

### Host loopback: only with --allow-host-loopback, over TCP and UDP.
sbx_run --net slirp --allow-host-loopback -- sh -c "$(c tcp 10.0.2.2 "$T4" up)$(c udp 10.0.2.2 "$U4" dgram)"
is "$OUT" "echo:up
echo:dgram" "--allow-host-loopback: the host's 127.0.0.1 answers through 10.0.2.2 (TCP and UDP)"
sbx_run --net slirp -- sh -c "$(c tcp 10.0.2.2 "$T4")$(c udp 10.0.2.2 "$U4" x 1)"
tcp=$(sed -n 1p <<<"$OUT") udp=$(sed -n 2p <<<"$OUT")
is "$tcp" "ENETUNREACH" "without it: TCP to 10.0.2.2 is refused (ENETUNREACH)"
el=$(printf '%s\n' "$ERR" | awk '/^elapsed/ { print $2; exit }')
if under "${el:-9}" 1; then pass "without it: the TCP refusal is fast (${el}s)"; else fail "without it: the TCP refusal is fast" "took ${el}s" "$ERR"; fi
unlike "$udp" "^echo:" "without it: UDP to 10.0.2.2 gets no answer ($udp)"
sbx_run --net slirp -- sh -c "$(c tcp 10.0.2.5 "$T4" x 5)$(c udp 10.0.2.5 "$U4" x 1)"
like "$(sed -n 1p <<<"$OUT")" "^(EHOSTUNREACH|ENETUNREACH|ECONNREFUSED)$" "without it: TCP to another alias 10.0.2.5 is refused"
unlike "$(sed -n 2p <<<"$OUT")" "^echo:" "without it: UDP to 10.0.2.5 gets no answer"

if [ $host_ipv6 = 1 ]; then
  sbx_run --net slirp --allow-host-loopback -- sh -c "$(c tcp fd00::2 "$T6" up6)$(c udp fd00::2 "$U6" dgram6)"
  is "$OUT" "echo:up6
echo:dgram6" "--allow-host-loopback: the host's ::1 answers through fd00::2 (TCP and UDP)"
  sbx_run --net slirp -- sh -c "$(c tcp fd00::2 "$T6")$(c udp fd00::2 "$U6" x 1)"
  is "$(sed -n 1p <<<"$OUT")" "ENETUNREACH" "without it: TCP to fd00::2 is refused (ENETUNREACH)"
  unlike "$(sed -n 2p <<<"$OUT")" "^echo:" "without it: UDP to fd00::2 gets no answer"
else
  skip "IPv6 host loopback" "the host has no ::1"
fi

# A host server that closes while the sandbox is still sending: libslirp
# then writes to a closed socket, which must be an error, not a SIGPIPE
# that kills sbx-net.
sbx_run --net slirp --allow-host-loopback -- sh -c "$py $net flood 10.0.2.2 $D4 20; $(c tcp 10.0.2.2 "$T4" after)"
if [ "$RC" = 0 ] && [ "$(tail -1 <<<"$OUT")" = "echo:after" ]; then
  pass "a host server closing while the sandbox still sends leaves the network up"
else
  fail "a host server closing while the sandbox still sends leaves the network up" "rc: $RC (want 0)" "stdout: $OUT" "stderr: $ERR"
fi

### Published ports.
hp=$("$py" "$net" freeport tcp 127.0.0.1)
if bg_sbx pub-tcp 1 --net slirp -p "$hp:80" -- "$py" "$net" serve tcp 127.0.0.1 80 echo --count 9; then
  pass "a program listens on port 80 inside, unprivileged"
  is "$(ss -Hltn "sport = :$hp" | awk '{ print $4 }')" "127.0.0.1:$hp" "-p HOSTPORT:... listens on 127.0.0.1 only"
  is "$("$py" "$net" connect tcp 127.0.0.1 "$hp" ping 2>/dev/null)" "echo:ping" "-p $hp:80: data goes in and the answer comes out"
  is "$("$py" "$net" multi 127.0.0.1 "$hp" 8 2>&1)" "8 answers" "8 concurrent connections through the published port, each its own answers"
  bg_wait 15
  is "$RC" 0 "the sandbox served 9 connections and exited 0"
else
  fail "a program listens on port 80 inside, unprivileged" "$(cat "$BG_OUT" "$BG_ERR")"
fi

head -c 20M /dev/urandom >"$SCRATCH/blob"
sum=$(sha256sum <"$SCRATCH/blob" | cut -d' ' -f1)
hp1=$("$py" "$net" freeport tcp 127.0.0.1)
hp2=$("$py" "$net" freeport tcp 127.0.0.1)
if bg_sbx pub-bulk 2 --net slirp --ro-bind "$SCRATCH:/mnt" -p "$hp1:8001" -p "$hp2:8002" -- sh -c \
  "$py $net serve tcp 127.0.0.1 8001 send /mnt/blob --count 1 & $py $net serve tcp 127.0.0.1 8002 sha --count 1; wait"; then
  is "$("$py" "$net" fetch 127.0.0.1 "$hp1" 2>&1)" "20971520 $sum" "20 MB out of the sandbox through a published port, sha256 intact"
  is "$("$py" "$net" put 127.0.0.1 "$hp2" "$SCRATCH/blob" 2>&1)" "$sum" "20 MB into the sandbox through a published port, sha256 intact"
  bg_wait 15
  is "$RC" 0 "the bulk sandbox exited 0"
else
  fail "bulk servers listen inside" "$(cat "$BG_OUT" "$BG_ERR")"
fi

# The program sends 6 MB (more than the host socket's receive buffer, less
# than that and the sandbox's socket buffers and the splice pipe hold
# between them) and exits at once, before a slow host reader has taken it:
# every byte must still arrive (the published connections drain before the
# helper stops), never a silently short stream.
head -c 6M "$SCRATCH/blob" >"$SCRATCH/blob6"
sum6=$(sha256sum <"$SCRATCH/blob6" | cut -d' ' -f1)
hp1=$("$py" "$net" freeport tcp 127.0.0.1)
if bg_sbx pub-exit 1 --net slirp --ro-bind "$SCRATCH:/mnt" -p "$hp1:8001" -- \
  "$py" "$net" serve tcp 127.0.0.1 8001 send /mnt/blob6 --count 1; then
  is "$("$py" "$net" fetch 127.0.0.1 "$hp1" 0 2 2>&1)" "6291456 $sum6" \
    "what the program sent before exiting all reaches a slow host reader"
  bg_wait 10
else
  fail "a sender listens inside" "$(cat "$BG_OUT" "$BG_ERR")"
fi

hp1=$("$py" "$net" freeport tcp 127.0.0.1)
hp2=$("$py" "$net" freeport tcp 127.0.0.1)
if bg_sbx pub-drop 2 --net slirp -p "$hp1:80" -p "$hp2:81" -- sh -c \
  "$py $net serve tcp 127.0.0.1 80 drop --count 1 & $py $net serve tcp 127.0.0.1 81 echo --count 1; wait"; then
  "$py" "$net" flood 127.0.0.1 "$hp1" 20 >/dev/null 2>&1
  o=$("$py" "$net" connect tcp 127.0.0.1 "$hp2" after 2>/dev/null)
  bg_wait 10
  if [ "$o" = "echo:after" ] && [ "$RC" = 0 ]; then
    pass "a sandbox server closing while the host still sends leaves the published ports up"
  else
    fail "a sandbox server closing while the host still sends leaves the published ports up" \
      "second connection: $o (want echo:after)" "sbx: rc $RC (want 0), stderr: $(cat "$BG_ERR")"
  fi
else
  fail "drop servers listen inside" "$(cat "$BG_OUT" "$BG_ERR")"
fi

hu=$("$py" "$net" freeport udp 127.0.0.1)
if bg_sbx pub-udp 1 --net slirp -p "$hu:5353/udp" -- "$py" "$net" serve udp 0.0.0.0 5353 echo --count 2; then
  r1=$("$py" "$net" connect udp 127.0.0.1 "$hu" d1 2 2>/dev/null)
  r2=$("$py" "$net" connect udp 127.0.0.1 "$hu" d2 2 2>/dev/null)
  bg_wait 10
  is "$RC" 0 "-p $hu:5353/udp: both datagrams reach the program inside"
  is "$r1 $r2" "echo:d1 echo:d2" "-p $hu:5353/udp: the answers come back to the host"
else
  fail "a UDP server listens inside" "$(cat "$BG_OUT" "$BG_ERR")"
fi

if [ $host_ipv6 = 1 ]; then
  hu6=$("$py" "$net" freeport udp ::1)
  if bg_sbx pub-udp6 1 --net slirp -p "[::1]:$hu6:5353/udp" -- "$py" "$net" serve udp :: 5353 echo --count 1; then
    r6=$("$py" "$net" connect udp ::1 "$hu6" d6 2 2>/dev/null)
    bg_wait 10
    is "$r6" "echo:d6" "-p [::1]:$hu6:5353/udp: published UDP on the host's ::1, both ways"
  else
    fail "a UDP server listens inside (IPv6)" "$(cat "$BG_OUT" "$BG_ERR")"
  fi
  # The same after the sandbox has been idle for three seconds (the
  # scenario, not a wait for something): by then libslirp sleeps up to a
  # second between rounds, and its router advertisement has arrived.  The
  # first datagram used to be lost here, every time: libslirp held it for
  # the sandbox's address, got the answer, but sent it only after its
  # one-second expiry; and over IPv6 the answer left from an address the
  # advertisement had added, which libslirp did not match to the flow.
  for fam in 4 6; do
    if [ $fam = 4 ]; then la=127.0.0.1 pa= sa=0.0.0.0; else la=::1 pa="[::1]:" sa=::; fi
    hu=$("$py" "$net" freeport udp $la)
    if bg_sbx pub-udp-idle$fam 1 --net slirp -p "$pa$hu:5353/udp" -- "$py" "$net" serve udp $sa 5353 echo --count 1; then
      sleep 3
      r=$("$py" "$net" connect udp $la "$hu" idle$fam 2 2>/dev/null)
      bg_wait 10
      is "$r" "echo:idle$fam" "-p $pa$hu:5353/udp: the first datagram after three idle seconds is answered (IPv$fam)"
    else
      fail "a UDP server listens inside (idle, IPv$fam)" "$(cat "$BG_OUT" "$BG_ERR")"
    fi
  done
  hp6=$("$py" "$net" freeport tcp ::1)
  if bg_sbx pub-tcp6 1 --net slirp -p "[::1]:$hp6:80" -- "$py" "$net" serve tcp :: 80 echo --count 1; then
    is "$("$py" "$net" connect tcp ::1 "$hp6" ping6 2>/dev/null)" "echo:ping6" "-p [::1]:$hp6:80: published on the host's ::1"
    bg_wait 10
  else
    fail "-p [::1]:$hp6:80: published on the host's ::1" "$(cat "$BG_OUT" "$BG_ERR")"
  fi
else
  skip "-p [::1]:PORT:80" "the host has no ::1"
fi

fails_cleanly "-p on a host port in use" 125 "127\.0\.0\.1:$T4.*(in use|Address already in use)" \
  --net slirp -p "$T4:80" -- echo the program ran
is "$OUT" "" "-p on a port in use: the program never ran"
for spec in 80 0:80 80:0 70000:80 abc:80 1.2.3:80:80 8080:80/sctp '[::1:8080:80' 8080:80:90:1; do
  fails_cleanly "-p '$spec' is refused" 125 "^sbx: .*$(ere "$spec")" \
    --net slirp -p "$spec" -- echo the program ran
done
for rule in deny allow:10.0.0.0/33 deny:10.0.0.1:0 deny:10.0.0.1:90-80 bogus:all deny:fd00::/8:53 \
  'deny:[fd00::/8' deny:10.0.0.1:80/icmp deny:1.2.3.4.5 deny:10.0.0.1:70000 '' \
  deny:host:example.test allow:host: allow:host:a.*.test 'allow:host:a b.test' allow:host:example.test:0; do
  fails_cleanly "--egress '$rule' is refused" 125 "^sbx: --egress: .$(ere "$rule").:" \
    --net slirp --egress "$rule" -- echo the program ran
done
fails_cleanly "--egress-preset with an unknown name is refused" 125 "^sbx: --egress-preset.*bogus" \
  --net slirp --egress-preset bogus -- true

### --net-record: one line per distinct flow and TLS server name, appended
### (the sandbox's resolver forwards to the host's, which no test may ask
### here: the `dns` lines are tested in a namespace with a DNS server of
### the test's own, net-names.sh, and on frames, tests/unit/test-netrecord).
echo "a line of the user's" >"$SCRATCH/net.rec"
pushd "$SCRATCH" >/dev/null
sbx_run --net slirp --allow-host-loopback --net-record net.rec -- sh -c \
  "$(c tcp 10.0.2.2 "$T4" a)$(c tcp 10.0.2.2 "$T4" b)$(c tcp 10.0.2.2 "$T4b" c)$(c udp 10.0.2.2 "$U4" d)$py $net tlshello 10.0.2.2 $D4 Example.TEST"
popd >/dev/null
is "$RC $OUT" "0 echo:a
echo:b
echo:c
echo:d
hello sent" "--net-record: the program's connections work as without it"
is "$(cat "$SCRATCH/net.rec")" "a line of the user's
flow tcp 10.0.2.2 $T4
flow tcp 10.0.2.2 $T4b
flow udp 10.0.2.2 $U4
flow tcp 10.0.2.2 $D4
sni example.test 10.0.2.2 $D4" "--net-record FILE (relative to where sbx runs): each flow once, the TLS server name, appended to what the file held"
if [ $host_ipv6 = 1 ]; then
  sbx_run --net slirp --allow-host-loopback --net-record "$SCRATCH/net6.rec" -- sh -c "$(c tcp fd00::2 "$T6" a)$(c udp fd00::2 "$U6" b)"
  is "$(cat "$SCRATCH/net6.rec")" "flow tcp fd00::2 $T6
flow udp fd00::2 $U6" "--net-record: IPv6 flows"
else
  skip "--net-record: IPv6 flows" "the host has no ::1"
fi
sbx_run --net slirp --allow-host-loopback --net-record "$SCRATCH/refused.rec" --egress "deny:10.0.2.2:$T4" -- sh -c "$(c tcp 10.0.2.2 "$T4")"
is "$OUT $(wc -c <"$SCRATCH/refused.rec")" "ECONNREFUSED 0" "--net-record: a flow the egress policy refuses is not recorded"
fails_cleanly "--net-record in a missing directory is refused" 125 \
  "^sbx: net-record: open .$(ere "$SCRATCH/no/such.rec").* No such file or directory" \
  --net slirp --net-record "$SCRATCH/no/such.rec" -- echo the program ran
mkfifo "$SCRATCH/fifo.rec"
fails_cleanly "--net-record to a FIFO nobody reads is refused at once" 125 \
  "^sbx: net-record: open .$(ere "$SCRATCH/fifo.rec").* No such device or address" \
  --net slirp --net-record "$SCRATCH/fifo.rec" -- echo the program ran
fails_cleanly "--net-record without --net slirp is refused" 125 "^sbx: --net-record .*needs --net slirp" \
  --net none --net-record "$SCRATCH/none.rec" -- echo the program ran
[ ! -e "$SCRATCH/none.rec" ] && pass "--net-record without slirp makes no file" || fail "--net-record without slirp makes no file"

### The egress policy, only ever against 10.0.2.2 / fd00::2 ports listened on here.
hl=(--net slirp --allow-host-loopback)
sbx_run "${hl[@]}" --egress "deny:10.0.2.2:$T4/tcp" -- sh -c "$(c tcp 10.0.2.2 "$T4")$(c tcp 10.0.2.2 "$T4b")"
is "$OUT" "ECONNREFUSED
echo:hello" "deny:10.0.2.2:PORT/tcp refuses that port (ECONNREFUSED), another port works"
el=$(printf '%s\n' "$ERR" | awk '/^elapsed/ { print $2; exit }')
if under "${el:-9}" 1; then pass "the egress refusal is fast (${el}s)"; else fail "the egress refusal is fast" "took ${el}s" "$ERR"; fi

sbx_run "${hl[@]}" --egress "allow:10.0.2.2:$T4" --egress deny:all -- \
  sh -c "$(c tcp 10.0.2.2 "$T4")$(c tcp 10.0.2.2 "$T4b")$(c udp 10.0.2.2 "$U4" x 2)"
is "$OUT" "echo:hello
ECONNREFUSED
EHOSTUNREACH" "allow:10.0.2.2:PORT then deny:all: only that port gets through"
sbx_run "${hl[@]}" --egress deny:all --egress "allow:10.0.2.2:$T4" -- sh -c "$(c tcp 10.0.2.2 "$T4")"
is "$OUT" "ECONNREFUSED" "deny:all then allow: the first match wins"
# allow:host: with no DNS answer seen (no test may ask the host's
# resolver; answers are tested in net-names.sh, with a DNS server of the
# test's own, and on frames, tests/unit/test-egress-host),
# an address is refused as deny:all refuses it, and said so; an address
# rule after it still counts.
sbx_run "${hl[@]}" --net-log --egress "allow:host:example.test:$T4" --egress "allow:host:*.example.test" \
  --egress "allow:10.0.2.2:$T4b" --egress deny:all -- sh -c "$(c tcp 10.0.2.2 "$T4")$(c tcp 10.0.2.2 "$T4b")$(c udp 10.0.2.2 "$U4" x 2)"
is "$OUT" "ECONNREFUSED
echo:hello
EHOSTUNREACH" "allow:host:NAME: an address no answer gave is refused (TCP and UDP), a later allow still works"
like "$ERR" "^sbx: net: refused tcp 10\.0\.2\.2:$T4 \(egress rule deny:all\)$" "... with a --net-log line naming the rule that refused"

lo=$T4 hi=$T4b
[ "$lo" -gt "$hi" ] && lo=$T4b hi=$T4
sbx_run "${hl[@]}" --egress "deny:10.0.2.0/24:$lo-$((hi - 1))" -- sh -c "$(c tcp 10.0.2.2 "$lo")$(c tcp 10.0.2.2 "$hi")"
is "$OUT" "ECONNREFUSED
echo:hello" "a port range $lo-$((hi - 1)) on a CIDR refuses the port inside it, not the one past it"
sbx_run "${hl[@]}" --egress "deny:10.0.2.2:$lo-$hi" -- sh -c "$(c tcp 10.0.2.2 "$lo")$(c tcp 10.0.2.2 "$hi")"
is "$OUT" "ECONNREFUSED
ECONNREFUSED" "a port range $lo-$hi refuses both ends"

sbx_run "${hl[@]}" --egress "deny:10.0.2.2:$U4/udp" --egress "deny:10.0.2.2:$T4/udp" -- \
  sh -c "$(c udp 10.0.2.2 "$U4" x 2)$(c tcp 10.0.2.2 "$T4")"
is "$OUT" "EHOSTUNREACH
echo:hello" "a /udp rule refuses UDP (EHOSTUNREACH at once) and leaves TCP alone"
if under "$(max_elapsed)" 1; then pass "the UDP refusal is fast"; else fail "the UDP refusal is fast" "$ERR"; fi

if [ $host_ipv6 = 1 ]; then
  sbx_run "${hl[@]}" --egress "deny:[fd00::2]:$T6" -- sh -c "$(c tcp fd00::2 "$T6")$(c tcp fd00::2 "$T6b")"
  is "$OUT" "ECONNREFUSED
echo:hello" "deny:[fd00::2]:PORT refuses that IPv6 port, another works"
fi

sbx_run "${hl[@]}" --egress-preset no-lan -- sh -c "$(c tcp 10.0.2.2 "$T4")$(c udp 10.0.2.2 "$U4" x 2)${T6:+$(c tcp fd00::2 "$T6")}"
is "$OUT" "ECONNREFUSED
EHOSTUNREACH${T6:+
ECONNREFUSED}" "--egress-preset no-lan refuses the host even with --allow-host-loopback"

# --net-log, stderr a pipe and stderr a file (as in CI logs).
o=$(timeout -k 5 30 "$SBX" "${hl[@]}" --net-log --egress "deny:10.0.2.2:$T4" -- sh -c "$(c tcp 10.0.2.2 "$T4")" 2>&1 </dev/null | grep -v '^elapsed')
like "$o" "^sbx: net: refused tcp 10\.0\.2\.2:$T4 \(egress rule deny:10\.0\.2\.2:$T4\)$" "--net-log prints the refusal (stderr a pipe)"
sbx_run "${hl[@]}" --net-log --egress "deny:10.0.2.2:$T4" -- sh -c "$(c tcp 10.0.2.2 "$T4")sleep 0.5; $(c tcp 10.0.2.2 "$T4b")"
if [ "$RC" = 0 ] && printf '%s\n' "$ERR" | grep -q "^sbx: net: refused tcp 10\.0\.2\.2:$T4 (egress rule deny:10\.0\.2\.2:$T4)$"; then
  pass "--net-log prints the refusal (stderr a file) and the sandbox goes on"
else
  fail "--net-log prints the refusal (stderr a file) and the sandbox goes on" "rc: $RC (want 0)" "stdout: $OUT" "stderr: $ERR"
fi
# 40 refusals in well under a second: at most 10 lines a second, the rest
# counted.  (stderr a pipe, so that this does not depend on the case above.)
e=$(timeout -k 5 30 "$SBX" "${hl[@]}" --net-log --egress "deny:10.0.2.2:$T4" -- "$py" -c "
import socket
for i in range(40):
    s = socket.socket(); s.settimeout(2)
    try: s.connect(('10.0.2.2', $T4))
    except OSError: pass
    s.close()" 2>&1 </dev/null)
n=$(printf '%s\n' "$e" | grep -c '^sbx: net: refused tcp ')
if [ "$n" -ge 1 ] && [ "$n" -le 20 ]; then pass "--net-log is rate-limited ($n lines for 40 refusals)"
else fail "--net-log is rate-limited" "$n lines for 40 refusals" "$e"; fi
like "$e" "^sbx: net: the egress policy refused [0-9]+ packets in all$" "--net-log ends with the count of refusals"

### The helper: locked down, and its life bound to the sandbox's.
"$SBX" --net slirp -- sleep 30 </dev/null >/dev/null 2>"$SCRATCH/helper.err" &
BG=$!
at_exit "kill -9 $BG 2>/dev/null"
helper=
# sbx-net starts before the sandbox and locks itself down once it has the
# tap, before the program may run: look once the program runs.
for _ in $(seq 100); do
  helper=$(pgrep -x -P $BG sbx-net) && init=$(pgrep -x -P $BG sbx-init) &&
    pgrep -x -P "$init" sleep >/dev/null && break
  helper=
  sleep 0.1
done
if [ -n "$helper" ]; then
  st=$(cat /proc/$helper/status 2>/dev/null)
  like "$st" "NoNewPrivs:	1" "sbx-net runs with no_new_privs"
  like "$st" "Seccomp:	2" "sbx-net runs under a seccomp filter"
  like "$st" "CapEff:	0000000000000000" "sbx-net has no capabilities"
  kill -9 "$helper"
  bg_wait 10
  is "$RC" 125 "killing sbx-net ends the sandbox with 125"
  like "$(cat "$SCRATCH/helper.err")" "^sbx: the network helper died" "and says the network helper died"
else
  fail "sbx-net runs beside the sandbox" "$(ps -u "$me" -o pid=,ppid=,comm=)"
fi

"$SBX" --net slirp -- sleep 30 </dev/null >/dev/null 2>&1 &
BG=$!
at_exit "kill -9 $BG 2>/dev/null"
init= helper=
for _ in $(seq 50); do
  init=$(pgrep -x -P $BG sbx-init) && helper=$(pgrep -x -P $BG sbx-net) && break
  sleep 0.1
done
if [ -n "$init" ] && [ -n "$helper" ]; then
  kill -9 "$init"
  bg_wait 10
  for _ in $(seq 30); do
    kill -0 "$helper" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$helper" 2>/dev/null; then
    fail "the sandbox's death ends sbx-net" "sbx-net $helper still runs: $(ps -o pid=,ppid=,comm= -p "$helper")"
  else
    pass "the sandbox's death ends sbx-net"
  fi
else
  fail "a sandbox with its init and sbx-net" "$(ps -u "$me" -o pid=,ppid=,comm=)"
fi

is "$(pgrep -u "$me" -x sbx-net)" "" "no sbx-net left"
# A storm of UDP flows (each datagram from a new source port is a host
# socket in libslirp): the helper's memory and fds stay bounded, it stays
# up, and the sandbox's TCP still works afterwards or fails cleanly.
out=$(mktemp) maxrss=0 maxfds=0
timeout -k 5 60 "$SBX" --net slirp --allow-host-loopback -- sh -c \
  "$py $net storm 10.0.2.2 $U4 4; $(c tcp 10.0.2.2 "$T4" after)" >"$out" 2>&1 &
storm_pid=$!
for i in $(seq 60); do
  hp=$(pgrep -u "$(id -u)" -x sbx-net | head -1)
  if [ -n "$hp" ]; then
    rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$hp/status 2>/dev/null)
    fds=$(awk '/^FDSize:/ { print $2 }' /proc/$hp/status 2>/dev/null)
    fds=${fds:-0}
    [ -n "$rss" ] && [ "$rss" -gt "$maxrss" ] && maxrss=$rss
    [ "$fds" -gt "$maxfds" ] && maxfds=$fds
  fi
  kill -0 $storm_pid 2>/dev/null || break
  sleep 0.1
done
wait $storm_pid
storm_rc=$?
# Its own new flows may fail until libslirp expires the old ones (a storm
# only harms the sandbox that makes it); the helper must live on.
if [ "$storm_rc" != 125 ] && ! grep -q "network helper died" "$out"; then
  pass "a UDP storm from inside leaves the network helper running ($(head -1 "$out"))"
else
  fail "a UDP storm from inside leaves the network helper running" "rc $storm_rc: $(cat "$out")"
fi
[ "$maxrss" -gt 0 ] && [ "$maxrss" -lt 262144 ] && pass "... the helper's memory stays bounded (peak RSS ${maxrss} KiB)" \
  || fail "... the helper's memory stays bounded" "peak RSS ${maxrss} KiB"
[ "$maxfds" -gt 0 ] && [ "$maxfds" -le 2048 ] && pass "... and its fd table stays within its limit (peak $maxfds)" \
  || fail "... and its fd table stays within its limit" "peak $maxfds"
rm -f "$out"

no_leftovers "nothing left behind"
