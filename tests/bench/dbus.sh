#!/usr/bin/env bash
# Start-up cost of a filtered D-Bus session bus: `sbx -- true` with and
# without `--dbus-user filter --dbus-talk NAME` (xdg-dbus-proxy started,
# its --fd byte awaited, its socket bound in, the proxy stopped), side by
# side in one run, against a dbus-daemon of the benchmark's own.  The
# floor is xdg-dbus-proxy alone, started and stopped by a shell the way
# flatpak drives it (what bubblewrap's users pay for the same bus before
# bwrap itself).  A benchmark, not a test: it never gates CI.
#
#   tests/bench/dbus.sh [--runs N] [--sbx PATH] [--user NAME]
#
# Needs hyperfine, dbus-daemon and xdg-dbus-proxy.  Every sbx run uses
# --overlay none, so the bus is all that differs.
set -uo pipefail
export LC_ALL=C
runs=30
sbx=""
user=sbxtest

die() { echo "dbus.sh: $*" >&2; exit 2; }
. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,14
while (($#)); do
  bench_option "$@" || die "unknown argument '$1' (try --help)"
  shift "$bench_shift"
done
for p in hyperfine dbus-daemon xdg-dbus-proxy; do
  command -v $p >/dev/null || die "$p is not installed (apt-get install $p)"
done
bench_find_sbx "$sbx"
bench_as_user "$user" dbus.sh --runs "$runs"

cd / || exit 2
work=$(mktemp -d) || exit 2
cat >"$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$work/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*"/><allow own="*"/></policy></busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=1 >"$work/address" 2>"$work/daemon.err" &
daemon=$!
trap 'kill $daemon 2>/dev/null; rm -rf -- "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/address" ] && break; sleep 0.05; done
[ -s "$work/address" ] || die "dbus-daemon did not start: $(cat "$work/daemon.err")"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$work/bus
q=$(printf '%q' "$sbx")
filter="--dbus-user filter --dbus-talk org.freedesktop.Notifications"
"$sbx" --overlay none $filter -- true 2>"$work/err" || die "sbx cannot give a bus here: $(head -1 "$work/err")"
# The proxy alone: it writes its byte to the pipe once it listens; head
# takes it and exits, the pipe closes, the proxy stops.
floor="sh -c 'xdg-dbus-proxy --fd=3 \$0 $work/floor.sock --filter --talk=org.freedesktop.Notifications 3>&1 >/dev/null | head -c1 >/dev/null' $DBUS_SESSION_BUS_ADDRESS"

echo "sbx start-up with a filtered D-Bus session bus"
echo "  date:   $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel: $(uname -sr)"
echo "  sbx:    $("$sbx" --version); $(xdg-dbus-proxy --version)"
echo "  method: hyperfine, 3 warm-up + $runs timed runs each, wall time"
echo
hyperfine -N --style none --warmup 3 --runs "$runs" --export-csv "$work/r.csv" \
  "$q --overlay none -- true" "$q --overlay none $filter -- true" "$floor" >/dev/null 2>"$work/err" ||
  die "hyperfine failed: $(head -1 "$work/err")"
awk -F, 'NR == 2 { b = $5 } NR == 3 { d = $5 } NR == 4 { f = $5 }
  END {
    printf "%-52s %10s\n", "variant", "median ms"
    printf "%-52s %10.2f\n", "sbx --overlay none -- true", b * 1000
    printf "%-52s %10.2f\n", "... --dbus-user filter --dbus-talk NAME", d * 1000
    printf "%-52s %10.2f\n", "xdg-dbus-proxy alone, until ready, stopped (floor)", f * 1000
    printf "\nthe bus adds %.2f ms (%.3fx); xdg-dbus-proxy alone, started and stopped by a shell, takes %.2f ms\n",
      (d - b) * 1000, d / b, f * 1000
  }' "$work/r.csv"
