#!/usr/bin/env bash
# Start-up cost of `sbx -- true` next to its peers (unshare, bwrap, firejail),
# measured as an unprivileged user. A benchmark, not a test: it never gates CI.
#
#   tests/bench/startup.sh [--runs N] [--sbx PATH] [--user NAME]
#
# Started as root, it runs everything as NAME (default sbxtest). The figure that
# matters is "sbx / bwrap" (target: within 1.5x). Exit status: 0 when sbx ran,
# 1 when it failed, 2 on bad usage.
set -uo pipefail
# C locale: $EPOCHREALTIME, awk and sort -g must agree on the decimal point.
export LC_ALL=C

runs=200
warmup=5
sbx=""
user=sbxtest
target=1.5

usage() { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]:-$0}" 2>/dev/null; exit "${1:-0}"; }
die() { echo "startup.sh: $*" >&2; exit 2; }

while (($#)); do
    case $1 in
        --runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"; runs=$2; shift 2 ;;
        --sbx) [[ -n ${2:-} ]] || die "--sbx needs a path"; sbx=$2; shift 2 ;;
        --user) [[ -n ${2:-} ]] || die "--user needs a name"; user=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done

. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_find_sbx "$sbx"
bench_as_user "$user" startup.sh --runs "$runs"

cd / || exit 2
work=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf -- "$work"' EXIT

# name|command line (words split on blanks; the sbx path is the only one that
# may need quoting, and printf %q quoting is understood by hyperfine -N too).
qsbx=$(printf '%q' "$sbx")
peers=(
    "sbx|$qsbx -- true"
    "sbx --uid 0|$qsbx --uid 0 -- true"
    "sbx --overlay none|$qsbx --overlay none -- true"
    "unshare -Ur|unshare -Ur true"
    "bwrap|bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true"
    "firejail|firejail --noprofile --quiet true"
)

if command -v hyperfine >/dev/null; then tool="hyperfine $(hyperfine --version | cut -d' ' -f2)"
else tool="bash loop (\$EPOCHREALTIME)"; fi

echo "sbx start-up benchmark"
echo "  date:    $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel:  $(uname -srm)"
echo "  cpus:    $(nproc)"
echo "  user:    $(id -un) (uid $(id -u))"
echo "  sbx:     $sbx ($("$sbx" --version 2>&1 | head -n1))"
echo "  method:  $tool, $warmup warm-up + $runs timed runs each, wall time"
echo

# measure NAME CMD: append "name,mean_s,stddev_s,median_s" (hyperfine's CSV
# column order) to $work/res; on failure leave the reason in $work/err.
measure() {
    local name=$1 r t0 t1 argv=()
    eval "argv=($2)"
    if [[ $tool == hyperfine* ]]; then
        # -N: no intermediate shell, whose own start-up would swamp a few ms.
        hyperfine -N --style basic --warmup "$warmup" --runs "$runs" -n "$name" \
            --export-csv "$work/csv" "$2" >"$work/err" 2>&1 || return 1
        tail -n +2 "$work/csv" | cut -d, -f1-4 >>"$work/res"
        return
    fi
    # $EPOCHREALTIME rather than `date +%s%N`: forking date around every run
    # would add a millisecond of its own to each sample.
    for ((r = 0; r < warmup; r++)); do "${argv[@]}" </dev/null >/dev/null 2>&1; done
    for ((r = 0; r < runs; r++)); do
        t0=$EPOCHREALTIME
        "${argv[@]}" </dev/null >/dev/null 2>"$work/err" || return 1
        t1=$EPOCHREALTIME
        echo "$t0 $t1"
    done >"$work/samples"
    awk '{ print $2 - $1 }' "$work/samples" | sort -g | awk -v n="$name" '
        { t[NR] = $1; s += $1; ss += $1 * $1 }
        END { m = s / NR; sd = NR > 1 ? sqrt((ss - NR * m * m) / (NR - 1)) : 0
              med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
              printf "%s,%.9f,%.9f,%.9f\n", n, m, sd, med }' >>"$work/res"
}

# Try each peer once first, so one that is absent or refuses to run here
# (firejail often does in VMs/containers) is reported, not silently dropped.
# Each is timed on its own, so one failing mid-way costs only its own row.
status=() argv=() sbx_ok=0
: >"$work/res"
for p in "${peers[@]}"; do
    name=${p%%|*} cmd=${p#*|}
    eval "argv=($cmd)"
    if ! command -v "${argv[0]}" >/dev/null; then
        status+=("$name|not installed"); continue
    fi
    timeout 30 "${argv[@]}" </dev/null >/dev/null 2>"$work/err"; rc=$?
    if ((rc != 0)); then
        status+=("$name|failed: $(grep -m1 . "$work/err" || echo "exit status $rc, no message")")
    elif ! measure "$name" "$cmd"; then
        # hyperfine's own "Error:" line, minus its advice; else the program's.
        why=$(sed -n '/^Error: /{s/^Error: //;s/\. Use the .*//;p;q}' "$work/err")
        status+=("$name|failed while timed: ${why:-$(grep -m1 . "$work/err")}")
    else
        status+=("$name|")
        [[ $name == sbx ]] && sbx_ok=1
    fi
done

# Ratios are of medians (the mean is pulled about by the odd scheduling hiccup)
# against bwrap, the closest peer in what it sets up. Rows keep the peers' order.
printf '%s\n' "${status[@]}" | awk -v target="$target" -v resf="$work/res" '
    BEGIN {
        while ((getline l < resf) > 0) {
            split(l, f, ","); n = f[1]
            mean[n] = f[2] * 1000; sd[n] = f[3] * 1000; med[n] = f[4] * 1000
        }
        ref = med["bwrap"]; sbx = med["sbx"]
        fmt = "%-14s %10s %10s %9s %10s\n"
        printf fmt, "command", "median ms", "mean ms", "sd ms", "x bwrap"
        printf fmt, "-------", "---------", "-------", "-----", "-------"
    }
    # "name|" ran; "name|why" did not (why may itself hold a "|").
    { i = index($0, "|"); n = substr($0, 1, i - 1); why = substr($0, i + 1) }
    why != "" { printf "%-14s %s\n", n, why; next }
    { printf fmt, n, sprintf("%.2f", med[n]), sprintf("%.2f", mean[n]),
          sprintf("%.2f", sd[n]), ref ? sprintf("%.2fx", med[n] / ref) : "-" }
    END {
        print ""
        if (sbx && ref)
            printf "sbx / bwrap = %.2fx (median; target <= %.1fx): %s\n", sbx / ref, target,
                sbx / ref <= target ? "within target" : "OVER TARGET"
        else
            print "sbx / bwrap: n/a (" (sbx ? "bwrap" : "sbx") " did not run)"
    }'

((sbx_ok)) && exit 0 || exit 1
