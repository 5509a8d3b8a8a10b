#!/usr/bin/env bash
# Cost of sbx's default seccomp filter on syscall-heavy work, measured as an
# unprivileged user: the same sandbox with --seccomp unconfined and with the
# default policy, side by side, and the bare command on the host for scale.  A
# benchmark, not a test: it never gates CI.
#
#   tests/bench/seccomp.sh [--runs N] [--sbx PATH] [--user NAME]
#
# Both sandboxes run with --overlay none, so that the filter is all that
# differs (the fuse overlay would dominate a tree walk).
# Workloads: `find /usr` (a tree walk: getdents64, newfstatat, openat) and
# `dd bs=1` (one read and one write per byte: the cheapest syscalls, so the
# filter's share is as large as it gets).  Target: default / unconfined
# <= 1.05 on each.  Needs hyperfine.
set -uo pipefail
export LC_ALL=C
runs=20
sbx=""
user=sbxtest

die() { echo "seccomp.sh: $*" >&2; exit 2; }
. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,13
while (($#)); do
  bench_option "$@" || die "unknown argument '$1' (try --help)"
  shift "$bench_shift"
done
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
bench_find_sbx "$sbx"
bench_as_user "$user" seccomp.sh --runs "$runs"

cd / || exit 2
work=$(mktemp -d) || exit 2
trap 'rm -rf -- "$work"' EXIT
q=$(printf '%q' "$sbx")

median() { # csv -> median seconds of the first row
  awk -F, 'NR == 2 { print $5 }' "$1"
}

echo "sbx seccomp filter cost"
echo "  date:   $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel: $(uname -sr)"
echo "  sbx:    $("$sbx" --version)"
echo "  method: hyperfine, 2 warm-up + $runs timed runs each, wall time"
echo
printf '%-10s %-22s %10s %10s\n' workload variant "median ms" "x unconf."
status=0
for w in "find|find /usr -xdev -name sbx-no-such-name" "dd|dd if=/dev/zero of=/dev/null bs=1 count=1000000 status=none"; do
  name=${w%%|*} cmd=${w#*|}
  base=
  # The host line is for scale; the ratio that matters is default/unconfined.
  for v in "unconfined|$q --overlay none --seccomp unconfined -q -- " "default|$q --overlay none -- " "host (no sandbox)|"; do
    label=${v%%|*} pre=${v#*|}
    # -i: find meets unreadable directories (exit 1); the work is the same.
    if ! hyperfine -N -i --style none --warmup 2 --runs "$runs" --export-csv "$work/r.csv" "$pre$cmd" >/dev/null 2>"$work/err"; then
      printf '%-10s %-22s %10s\n' "$name" "$label" "failed: $(head -1 "$work/err")"
      status=1
      continue
    fi
    m=$(median "$work/r.csv")
    [[ -n $base ]] || base=$m
    awk -v n="$name" -v l="$label" -v m="$m" -v b="$base" 'BEGIN { printf "%-10s %-22s %10.1f %9.3fx\n", n, l, m * 1000, m / b }'
  done
done
exit $status
