#!/usr/bin/env bash
# Start-up cost of sbx next to its peers (bwrap, unshare, podman), measured as
# an unprivileged user, and issue 15's targets met or not. A benchmark, not a
# test: it never gates CI.
#
#   tests/bench/startup.sh [--runs N] [--build-runs N] [--sbx PATH]
#                          [--compare PATH] [--user NAME]
#
# --runs: interleaved rounds of the start-up commands (default 30; medians);
# --build-runs: rounds of the build job, host then sandbox (default 3; 0 skips
# it); --compare: another build of sbx (its helpers beside it, readable by
# NAME), whose sbx rows run in the same rounds: before and after a change,
# side by side. Started as root, it runs everything as NAME (default
# sbxtest). On a shared machine compare numbers from one run only. Exit
# status: 0 when sbx ran, 1 when it failed, 2 on bad usage.
set -uo pipefail
# C locale: $EPOCHREALTIME, awk and sort -g must agree on the decimal point.
export LC_ALL=C

runs=30
build_runs=3
sbx=""
compare=""
user=sbxtest

die() { echo "startup.sh: $*" >&2; exit 2; }

. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,15
while (($#)); do
    case $1 in
        --build-runs) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--build-runs needs a number"; build_runs=$2; shift 2 ;;
        --compare) [[ -n ${2:-} ]] || die "--compare needs a path"; compare=$(readlink -f -- "$2") || die "no sbx at '$2'"; shift 2 ;;
        *) bench_option "$@" || die "unknown argument '$1' (try --help)"; shift "$bench_shift" ;;
    esac
done

bench_find_sbx "$sbx"
if [[ -n $compare ]]; then
    [[ -x $compare ]] || die "--compare: '$compare' is not an executable"
    bench_as_user "$user" startup.sh --runs "$runs" --build-runs "$build_runs" --compare "$compare"
else
    bench_as_user "$user" startup.sh --runs "$runs" --build-runs "$build_runs"
fi

cd / || exit 2
work=$(mktemp -d "${TMPDIR:-/var/tmp}/sbx-startup.XXXXXX") || die "mktemp failed"
trap 'rm -rf -- "$work"' EXIT

# A --rootfs of the user's own (the kernel's overlay refuses a tree whose
# owner the sandbox does not map): /bin/true and its libraries.
rootfs=$work/rootfs
for f in /bin/true $(ldd /bin/true | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$f")" && cp -L "$f" "$rootfs$f"
done

# key|label|command line (words split on blanks; the sbx path is the only
# one that may need quoting). Rows keep this order.
qsbx=$(printf '%q' "$sbx")
rows=(
    "true|/bin/true (process start, for scale)|/bin/true"
    "version|sbx --version (loading sbx alone)|$qsbx --version"
    "bwrap|bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc true|bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc true"
    "unshare|unshare --map-auto --map-root-user true|unshare --map-auto --map-root-user true"
    "none|sbx --overlay none -- true|$qsbx --overlay none -- true"
    "default|sbx -- true (fuse-overlayfs, the default)|$qsbx -- true"
    "slirp|sbx --net slirp -- true|$qsbx --net slirp -- true"
    "rootfs|sbx --rootfs DIR --overlay kernel -- /bin/true|$qsbx --rootfs $(printf '%q' "$rootfs") --overlay kernel -- /bin/true"
)
# --compare: the same sbx rows for the other build, in the same rounds.
if [[ -n $compare ]]; then
    qcmp=$(printf '%q' "$compare")
    rows+=(
        "c_none|  --compare: sbx --overlay none -- true|$qcmp --overlay none -- true"
        "c_default|  --compare: sbx -- true|$qcmp -- true"
        "c_slirp|  --compare: sbx --net slirp -- true|$qcmp --net slirp -- true"
        "c_rootfs|  --compare: sbx --rootfs DIR --overlay kernel|$qcmp --rootfs $(printf '%q' "$rootfs") --overlay kernel -- /bin/true"
    )
fi

echo "sbx start-up benchmark (issue 15)"
echo "  date:    $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel:  $(uname -srm)"
echo "  cpus:    $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  user:    $(id -un) (uid $(id -u))"
echo "  runtime: XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-unset} ($(stat -f -c %T -- "${XDG_RUNTIME_DIR:-$HOME}" 2>/dev/null))"
echo "  sbx:     $sbx ($("$sbx" --version 2>&1 | head -n1))"
[[ -z $compare ]] || echo "  compare: $compare ($("$compare" --version 2>&1 | head -n1)): the rows marked --compare"
echo "  method:  $runs interleaved rounds (each command once a round, in turn), wall time"
echo "           by \$EPOCHREALTIME, medians; one warm-up round first"
echo

# Try each once first, so one that is absent or refuses to run here is
# reported, not silently dropped.
declare -A why cmd label samples
keys=()
for r in "${rows[@]}"; do
    key=${r%%|*} rest=${r#*|}
    label[$key]=${rest%%|*} cmd[$key]=${rest#*|}
    keys+=("$key")
    eval "argv=(${cmd[$key]})"
    if ! command -v "${argv[0]}" >/dev/null; then
        why[$key]="not installed"
    elif ! timeout 30 "${argv[@]}" </dev/null >/dev/null 2>"$work/err"; then
        why[$key]="failed: $(grep -m1 . "$work/err" || echo "no message")"
    fi
done

for ((round = 0; round <= runs; round++)); do
    for key in "${keys[@]}"; do
        [[ -z ${why[$key]:-} ]] || continue
        eval "argv=(${cmd[$key]})"
        t0=$EPOCHREALTIME
        "${argv[@]}" </dev/null >/dev/null 2>"$work/err" || why[$key]="failed while timed: $(grep -m1 . "$work/err")"
        t1=$EPOCHREALTIME
        ((round > 0)) && samples[$key]+="$t0 $t1"$'\n'
    done
done

# median KEY: the median in ms, or "" when KEY did not run.
median() {
    [[ -z ${why[$1]:-} && -n ${samples[$1]:-} ]] || return 0
    printf '%s' "${samples[$1]}" | awk '{ print ($2 - $1) * 1000 }' | sort -g |
        awk '{ t[NR] = $1 } END { printf "%.2f", NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}
declare -A ms
for key in "${keys[@]}"; do ms[$key]=$(median "$key"); done

# ratio A B: A/B to two places, or "-".
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo -; }

fmt="%-62s %9s %9s %10s\n"
printf "$fmt" "command" "median ms" "x bwrap" "x unshare"
printf "$fmt" "-------" "---------" "-------" "---------"
for key in "${keys[@]}"; do
    if [[ -n ${why[$key]:-} ]]; then
        printf '%-62s %s\n' "${label[$key]}" "${why[$key]}"
    else
        printf "$fmt" "${label[$key]}" "${ms[$key]}" "$(ratio "${ms[$key]}" "${ms[bwrap]}")" \
            "$(ratio "${ms[$key]}" "${ms[unshare]}")"
    fi
done
if command -v podman >/dev/null; then
    printf '%-62s %s\n' "podman run --rm" "installed, not timed here (it needs an image)"
else
    printf '%-62s %s\n' "podman run --rm" "not installed (~425 ms on this kind of machine, issue 15)"
fi

# Peak RSS.  The launcher's own: its VmHWM, read until it exits (a
# sandbox that sleeps a little, so the last read is after every start-up
# step).  GNU time's %M is the largest of sbx and every process it waited
# for (init, the id-map helpers), shown for context.
rss="" tree_rss=""
if [[ -z ${why[none]:-} ]] && [[ -x /usr/bin/time ]]; then
    for i in 1 2 3 4 5; do
        "$sbx" --overlay none -- sleep 0.2 </dev/null >/dev/null 2>&1 &
        pid=$! hwm=""
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $v ]] && hwm=$v
            sleep 0.01
        done
        wait "$pid"
        echo "$hwm"
    done >"$work/rsss"
    rss=$(grep . "$work/rsss" | sort -n | awk '{ t[NR] = $1 } END { if (NR) printf "%.2f", t[int((NR + 1) / 2)] / 1024 }')
    for i in 1 2 3 4 5; do
        /usr/bin/time -f '%M' -o "$work/rss" "$sbx" --overlay none -- true </dev/null >/dev/null 2>&1
        tail -n1 "$work/rss"
    done >"$work/trss"
    tree_rss=$(sort -n "$work/trss" | awk '{ t[NR] = $1 } END { if (NR) printf "%.2f", t[int((NR + 1) / 2)] / 1024 }')
fi

# The build job: a small autotools project's configure, make and make check,
# on the host and in the default sandbox with the workspace bound, in turn.
build=""
build_why=""
if ((build_runs == 0)); then
    build_why="skipped (--build-runs 0)"
elif ! command -v autoreconf >/dev/null || ! command -v cc >/dev/null; then
    build_why="skipped: needs autoreconf and cc"
else
    proj=$work/proj
    mkdir -p "$proj"
    cat >"$proj/configure.ac" <<'EOF'
AC_INIT([hello], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
AC_CHECK_HEADERS([stdio.h stdlib.h string.h unistd.h sys/stat.h])
AC_CHECK_FUNCS([strdup strndup getline])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
EOF
    cat >"$proj/Makefile.am" <<'EOF'
bin_PROGRAMS = hello
hello_SOURCES = hello.c greet.c greet.h
TESTS = hello-test.sh
EXTRA_DIST = hello-test.sh
EOF
    printf '#include <stdio.h>\n#include "greet.h"\nint main (void) { puts (greet ()); return 0; }\n' >"$proj/hello.c"
    printf 'const char *greet (void);\n' >"$proj/greet.h"
    printf '#include "greet.h"\nconst char *greet (void) { return "Hello, world!"; }\n' >"$proj/greet.c"
    printf '#!/bin/sh\n./hello | grep -qx "Hello, world!"\n' >"$proj/hello-test.sh"
    chmod +x "$proj/hello-test.sh"
    job='./configure -q >/dev/null && make -s >/dev/null && make -s check >/dev/null && make -s distclean >/dev/null'
    if ! (cd "$proj" && autoreconf -fi >/dev/null 2>&1); then
        build_why="skipped: autoreconf failed on the sample project"
    else
        : >"$work/build"
        for ((i = 0; i < build_runs; i++)); do
            for where in host sbx; do
                t0=$EPOCHREALTIME
                if [[ $where == host ]]; then
                    (cd "$proj" && sh -c "$job") </dev/null >/dev/null 2>"$work/err"
                else
                    (cd "$proj" && "$sbx" --bind "$proj" -- sh -c "$job") </dev/null >/dev/null 2>"$work/err"
                fi || { build_why="failed ($where): $(grep -m1 . "$work/err")"; break 2; }
                t1=$EPOCHREALTIME
                echo "$where $t0 $t1" >>"$work/build"
            done
        done
        [[ -n $build_why ]] || build=$(awk '{ d = $3 - $2; if ($1 == "host") h[++nh] = d; else s[++ns] = d }
            function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                           return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            END { printf "%.3f %.3f", med(h, nh), med(s, ns) }' "$work/build")
    fi
fi
echo
if [[ -n $rss ]]; then echo "peak RSS of the launcher, sbx --overlay none: $rss MiB (largest process of its tree, id-map helpers and init included: $tree_rss MiB)"; fi
if [[ -n $build ]]; then
    read -r bh bs <<<"$build"
    echo "build job (configure, make, make check; $build_runs rounds, medians): host ${bh} s, sbx ${bs} s"
    # Each round's own ratio: the job runs for seconds, and a shared
    # machine's load moves it from round to round more than the medians
    # show.
    echo "  sbx/host by round: $(awk '$1 == "host" { h = $3 - $2 } $1 == "sbx" { printf "%.2f ", ($3 - $2) / h }' "$work/build")"
else
    echo "build job: $build_why"
fi

# target DESC VALUE LIMIT [UNIT]: "met" when VALUE <= LIMIT; VALUE "" is n/a.
echo
echo "targets (issue 15):"
target() {
    local desc=$1 v=$2 limit=$3 unit=${4:-x}
    if [[ -z $v || $v == - ]]; then printf '  %-52s %12s  n/a\n' "$desc" "-"; return; fi
    awk -v d="$desc" -v v="$v" -v l="$limit" -v u="$unit" 'BEGIN {
        printf "  %-52s %12s  %s\n", d, (u == "x" ? sprintf("%.2fx", v) : sprintf("%.2f %s", v, u)),
            (v + 0 <= l + 0 ? "met" : "NOT MET") }'
}
# targets P: the issue's targets from the rows of this build (P "") or of
# the --compare build (P c_); the build job and RSS are this build's only.
targets() {
    local p=$1 slirp_adds=""
    target "sbx --overlay none <= 1.3x unshare --map-auto" "$(ratio "${ms[${p}none]}" "${ms[unshare]}")" 1.3
    target "sbx (default) <= 50 ms" "${ms[${p}default]}" 50 ms
    target "sbx (default) <= 2x --overlay none" "$(ratio "${ms[${p}default]}" "${ms[${p}none]}")" 2
    [[ -n ${ms[${p}slirp]} && -n ${ms[${p}default]} ]] &&
        slirp_adds=$(awk -v a="${ms[${p}slirp]}" -v b="${ms[${p}default]}" 'BEGIN { printf "%.2f", a - b }')
    target "--net slirp adds <= 5 ms" "$slirp_adds" 5 ms
    target "--rootfs --overlay kernel <= 1.5x --overlay none" "$(ratio "${ms[${p}rootfs]}" "${ms[${p}none]}")" 1.5
    [[ -n $p ]] && return
    target "build job under sbx <= 1.05x the host" "$([[ -n $build ]] && ratio "$bs" "$bh")" 1.05
    target "peak RSS of the launcher <= 4 MiB" "$rss" 4 MiB
}
targets ""
if [[ -n $compare ]]; then
    echo
    echo "the --compare build, same rounds:"
    targets c_
    echo
    echo "this build / the --compare build (medians):"
    for k in none default slirp rootfs; do
        printf '  %-10s %s\n' "$k" "$(ratio "${ms[$k]}" "${ms[c_$k]}")x"
    done
fi

[[ -z ${why[default]:-} && -z ${why[none]:-} ]] && exit 0 || exit 1
