#!/usr/bin/env bash
# sbx as podman's OCI runtime next to runc: `podman run --rm IMAGE true`
# with --runtime runc and --runtime sbx in interleaved rounds, rootless, as
# an unprivileged user, on a busybox image made here (no registry). crun is
# left out: it refuses this kind of host's hybrid cgroups. A benchmark, not
# a test: it never gates CI.
#
#   tests/bench/oci.sh [--runs N] [--sbx PATH] [--user NAME]
#
# --runs: rounds (default 20; medians and the ratio sbx/runc). Started as
# root, it runs everything as NAME (default sbxtest). podman's storage and
# run directories live in a temporary directory removed at the end. Exit
# status: 0 when both ran, 1 when one failed, 2 on bad usage.
set -uo pipefail
export LC_ALL=C

runs=20
sbx=""
user=sbxtest

die() { echo "oci.sh: $*" >&2; exit 2; }

. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,14
while (($#)); do
    case $1 in
        *) bench_option "$@" || die "unknown argument '$1' (try --help)"; shift "$bench_shift" ;;
    esac
done

bench_find_sbx "$sbx"
bench_as_user "$user" oci.sh --runs "$runs"

cd / || exit 2
command -v podman >/dev/null || die "podman is not installed (apt-get install podman)"
runc=$(PATH=$PATH:/usr/sbin:/sbin command -v runc) || die "runc is not installed (apt-get install runc)"
busybox=$(command -v busybox) || die "busybox is not installed (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (apt-get install busybox-static)"

work=$(mktemp -d "$HOME/sbx-bench-oci.XXXXXX") || die "mktemp failed"
export XDG_RUNTIME_DIR=$work/xdg CONTAINERS_CONF=$work/containers.conf XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' >"$CONTAINERS_CONF"
pm() { podman --root "$work/storage" --runroot "$work/runroot" "$@"; }
cleanup() {
    local p
    pm unshare rm -rf "$work/storage" "$work/runroot" 2>/dev/null
    for p in $(pgrep -u "$(id -u)" -x catatonit); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" && kill "$p"
    done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/img/bin" "$work/img/proc" "$work/img/sys" "$work/img/dev" "$work/img/tmp"
cp "$busybox" "$work/img/bin/busybox"
ln -s busybox "$work/img/bin/true"
ln -s busybox "$work/img/bin/sh"
tar -C "$work/img" -cf "$work/img.tar" . && pm import "$work/img.tar" localhost/sbx-bench:oci >/dev/null 2>&1 ||
    { echo "oci.sh: podman import failed" >&2; exit 1; }

# One timed `podman run --rm IMAGE true`, in ms; "fail" when it did not exit 0.
one() {
    local t0=$EPOCHREALTIME
    pm --runtime "$1" run --rm --network none localhost/sbx-bench:oci true >/dev/null 2>&1 || { echo fail; return; }
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

# A warm-up of each: podman's pause process, the image's first use.
one "$runc" >/dev/null
one "$sbx" >/dev/null
: >"$work/runc.ms"
: >"$work/sbx.ms"
failed=0
for ((i = 0; i < runs; i++)); do
    r=$(one "$runc") s=$(one "$sbx")
    [[ $r == fail || $s == fail ]] && { failed=1; echo "round $i: runc $r, sbx $s" >&2; continue; }
    echo "$r" >>"$work/runc.ms"
    echo "$s" >>"$work/sbx.ms"
done
mr=$(median <"$work/runc.ms")
ms=$(median <"$work/sbx.ms")
echo "podman run --rm --network none IMAGE true, $runs interleaved rounds, medians (podman $(podman --version | awk '{ print $3 }'), rootless):"
printf '  %-8s %8s ms\n' runc "$mr" sbx "$ms"
[[ $mr != n/a && $ms != n/a ]] && awk -v r="$mr" -v s="$ms" 'BEGIN { printf "  sbx/runc: %.2f\n", s / r }'
exit $failed
