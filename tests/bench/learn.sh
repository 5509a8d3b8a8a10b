#!/usr/bin/env bash
# Cost of learning: `sbx learn` (sbx-learnfs stacked over the copy-on-write
# root, the seccomp listener, the profile written; no second run) against
# the same program in a plain sandbox, side by side, measured as an
# unprivileged user.  A benchmark, not a test: it never gates CI.
#
#   tests/bench/learn.sh [--runs N] [--sbx PATH] [--user NAME]
#
# Workloads: a python3 program like the acceptance test's (imports ssl and
# sqlite3, runs git: start-up bound, many small opens), and a read-heavy
# walk (`cat` of every .py file below /usr/lib/python3*).  Issue 17's
# target: learn / plain <= 2.  Needs hyperfine.
set -uo pipefail
export LC_ALL=C
runs=10
sbx=""
user=sbxtest

die() { echo "learn.sh: $*" >&2; exit 2; }
. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,12
while (($#)); do
  bench_option "$@" || die "unknown argument '$1' (try --help)"
  shift "$bench_shift"
done
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
command -v python3 >/dev/null && command -v git >/dev/null || die "needs python3 and git"
bench_find_sbx "$sbx"
bench_as_user "$user" learn.sh --runs "$runs"

cd / || exit 2
# In the home: the sandbox shows it while learning (a plain run shows the
# program as the current directory would not).
work=$(mktemp -d "$HOME/sbx-bench-learn.XXXXXX") || exit 2
trap 'rm -rf -- "$work"' EXIT
q=$(printf '%q' "$sbx")
cat >"$work/prog.py" <<'PY'
import os, sqlite3, ssl, subprocess, sys
d = sys.argv[1]
db = sqlite3.connect(":memory:")
db.execute("create table t (x)")
db.execute("insert into t values (?)", (open(os.path.join(d, "prog.py")).read(),))
h = subprocess.run(["git", "hash-object", os.path.join(d, "prog.py")], capture_output=True,
                   text=True, check=True).stdout.strip()
print(len(db.execute("select x from t").fetchone()[0]), h, ssl.OPENSSL_VERSION.split()[0])
PY

median() { awk -F, 'NR == 2 { print $5 }' "$1"; }

echo "sbx learn: the cost of learning"
echo "  date:   $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel: $(uname -sr)"
echo "  sbx:    $("$sbx" --version)"
echo "  method: hyperfine, 1 warm-up + $runs timed runs each, wall time"
echo
printf '%-8s %-34s %10s %10s\n' workload variant "median ms" "x plain"
status=0
walk="sh -c 'cat /usr/lib/python3*/*.py /usr/lib/python3*/*/*.py >/dev/null'"
for w in "python|python3 $work/prog.py $work" "walk|$walk"; do
  name=${w%%|*} cmd=${w#*|}
  base=
  # The plain run sees the program's directory as learning does.
  for v in "plain (sbx --ro-bind DIR --)|$q -q --ro-bind $work -- " \
    "learn (sbx learn --no-verify)|$q learn -q --force --no-verify --profile-out $work/p.profile -- "; do
    label=${v%%|*} pre=${v#*|}
    # Once first, to see that it works: a run that fails fast is no timing.
    if ! sh -c "$pre$cmd" >/dev/null 2>"$work/err"; then
      printf '%-8s %-34s %10s\n' "$name" "$label" "failed: $(tail -1 "$work/err")"
      status=1
      continue
    fi
    if ! hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$work/r.csv" "$pre$cmd" >/dev/null 2>"$work/err"; then
      printf '%-8s %-34s %10s\n' "$name" "$label" "failed: $(head -1 "$work/err")"
      status=1
      continue
    fi
    m=$(median "$work/r.csv")
    [[ -n $base ]] || base=$m
    awk -v n="$name" -v l="$label" -v m="$m" -v b="$base" 'BEGIN { printf "%-8s %-34s %10.1f %9.3fx\n", n, l, m * 1000, m / b }'
  done
done
echo
echo "target (issue 17): learn <= 2x plain"
exit $status
