#!/usr/bin/env bash
# Start-up cost of resource limits: `sbx -- true` with and without
# `--memory 512M --pids 256` (a leaf made, limits written, init moved, the
# leaf removed), side by side in one run, as an unprivileged user with the
# cgroups tests/host-setup delegates.  Target: +2 ms or less.  The peers
# have no unprivileged limits to compare with (bwrap and firejail leave it
# to systemd-run, whose own cost is shown for scale where a user manager
# runs).  A benchmark, not a test: it never gates CI.
#
#   tests/bench/cgroup.sh [--runs N] [--sbx PATH] [--user NAME]
#
# Needs hyperfine.  Both runs use --overlay none, so the cgroup is all that
# differs.
set -uo pipefail
export LC_ALL=C
runs=40
sbx=""
user=sbxtest

die() { echo "cgroup.sh: $*" >&2; exit 2; }
. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,14
while (($#)); do
  bench_option "$@" || die "unknown argument '$1' (try --help)"
  shift "$bench_shift"
done
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
bench_find_sbx "$sbx"
bench_as_user "$user" cgroup.sh --runs "$runs"

cd / || exit 2
work=$(mktemp -d) || exit 2
trap 'rm -rf -- "$work"' EXIT
q=$(printf '%q' "$sbx")
if ! "$sbx" --overlay none --memory 512M --pids 256 -- true 2>"$work/err"; then
  die "sbx cannot apply limits here: $(head -1 "$work/err") (as root, tests/host-setup delegates cgroups to $user)"
fi

echo "sbx start-up with resource limits"
echo "  date:   $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel: $(uname -sr)"
echo "  sbx:    $("$sbx" --version)"
echo "  method: hyperfine, 3 warm-up + $runs timed runs each, wall time"
echo
hyperfine -N --style none --warmup 3 --runs "$runs" --export-csv "$work/r.csv" \
  "$q --overlay none -- true" "$q --overlay none --memory 512M --pids 256 -- true" >/dev/null 2>"$work/err" ||
  die "hyperfine failed: $(head -1 "$work/err")"
awk -F, 'NR == 2 { b = $5 } NR == 3 { l = $5 }
  END {
    printf "%-44s %10s\n", "variant", "median ms"
    printf "%-44s %10.2f\n", "sbx --overlay none -- true", b * 1000
    printf "%-44s %10.2f\n", "... --memory 512M --pids 256", l * 1000
    printf "\nlimits add %.2f ms (%.3fx); target +2 ms: %s\n", (l - b) * 1000, l / b, (l - b) * 1000 <= 2 ? "met" : "not met"
  }' "$work/r.csv"
