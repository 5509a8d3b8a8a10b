#!/usr/bin/env bash
# The copy-on-write root's cost, side by side in one run, as an unprivileged
# user: the same file-system work on the host, on the kernel's overlayfs and
# on fuse-overlayfs mounted by hand (unshare -Urm), and inside sbx with
# --overlay fuse and --overlay kernel; then sandbox start-up with and without
# the overlay. A benchmark, not a test: it never gates CI.
#
#   tests/bench/overlay.sh [--reps N] [--runs N] [--sbx PATH] [--user NAME]
#
# --reps: repetitions of each file-system run (median reported, default 3);
# --runs: hyperfine runs for start-up (default 50). Started as root, it runs
# everything as NAME (default sbxtest). Temporary data goes under /var/tmp and
# is removed. Targets: sbx fuse within 1.2x of fuse-overlayfs by hand; start-up
# with the overlay under 2x of --overlay none. Exit 0 when sbx ran, 1 if not.
set -uo pipefail
export LC_ALL=C

reps=3
runs=50
sbx=""
user=sbxtest

die() { echo "overlay.sh: $*" >&2; exit 2; }

. "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]:-$0}")/lib.sh}"
bench_help=2,15
while (($#)); do
    case $1 in
        --reps) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--reps needs a positive integer"; reps=$2; shift 2 ;;
        *) bench_option "$@" || die "unknown argument '$1' (try --help)"; shift "$bench_shift" ;;
    esac
done

bench_find_sbx "$sbx"
bench_as_user "$user" overlay.sh --reps "$reps" --runs "$runs"

cd / || exit 2
for t in tar find dd unshare fuse-overlayfs fusermount3; do
    command -v $t >/dev/null || die "$t is not installed"
done
# /var/tmp: every mode can reach it (the sandbox sees the host's tree there)
# and all the upper layers then share one file system.
work=$(mktemp -d /var/tmp/sbx-bench-overlay.XXXXXX) || die "mktemp failed"
chmod 755 "$work"
# Upper layers made through a user namespace hold files of other ids;
# remove them from inside one.
cleanup() {
    unshare -Ur rm -rf -- "$work" 2>/dev/null || rm -rf -- "$work"
}
trap cleanup EXIT
mkdir -p "$work/in" "$work/xdg" "$work/host"
export XDG_DATA_HOME=$work/xdg

tree_rel=share/doc      # read with tar: below /usr
untar_src=/usr/include  # many small files, untarred into the layer
tar cf "$work/in/untar.tar" -C "$(dirname $untar_src)" "$(basename $untar_src)" 2>/dev/null \
    || die "cannot make the tarball of $untar_src"

# The work each mode does: ROOT is where /usr is, DST a writable directory
# on the layer, TARBALL the small-files archive. Prints "op seconds" lines.
cat >"$work/in/ops.sh" <<'EOF'
root=$1 dst=$2 tarball=$3
t() { local t0=$EPOCHREALTIME; "$@" >/dev/null 2>"$dst.err" || { echo "FAILED $*: $(head -c 200 "$dst.err")"; exit 1; }; echo "$op $(awk -v a=$t0 -v b=$EPOCHREALTIME 'BEGIN { printf "%.3f", b - a }')"; }
mkdir -p "$dst" || { echo "FAILED mkdir $dst"; exit 1; }
op=read   t sh -c "tar cf - -C '$root' share/doc | wc -c"
op=walk   t sh -c "find '$root' | wc -l"
op=untar  t sh -c "mkdir '$dst/x' && tar xf '$tarball' -C '$dst/x'"
op=write  t dd if=/dev/zero of="$dst/big" bs=1M count=1024 conv=fsync
op=read1g t dd if="$dst/big" of=/dev/null bs=1M
rm -rf "$dst/x" "$dst/big" "$dst.err"
EOF

ops=(read walk untar write read1g)
declare -A label=(
    [read]="read tree (tar of /usr/$tree_rel, $(du -sh /usr/$tree_rel 2>/dev/null | cut -f1))"
    [walk]="walk (find /usr | wc -l, $(find /usr 2>/dev/null | wc -l) entries)"
    [untar]="untar $untar_src ($(find $untar_src | wc -l) entries)"
    [write]="1 GiB write (dd, conv=fsync)"
    [read1g]="1 GiB read (dd, warm cache)"
)
modes=(host kernel fuse sbx-fuse sbx-kernel)
declare -A mlabel=([host]="host dir" [kernel]="kernel ovl" [fuse]="fuse-ovl" [sbx-fuse]="sbx fuse" [sbx-kernel]="sbx kernel")

q() { printf '%q' "$1"; }
ops_sh="$work/in/ops.sh"
tarball="$work/in/untar.tar"
# One run of MODE: prints the ops.sh lines.
run_mode() {
    local m=$1 u=$work/layer
    case $m in
        host)
            bash "$ops_sh" /usr "$work/host/dst" "$tarball" ;;
        kernel)
            mkdir -p "$u/u" "$u/w" "$u/m"
            unshare -Urm bash -c "mount -t overlay overlay -o lowerdir=/usr,upperdir=$(q "$u/u"),workdir=$(q "$u/w"),userxattr $(q "$u/m") || { echo 'FAILED mount -t overlay'; exit 1; }
                bash $(q "$ops_sh") $(q "$u/m") $(q "$u/m/bench-dst") $(q "$tarball")"
            unshare -Ur rm -rf "$u" ;;
        fuse)
            mkdir -p "$u/u" "$u/w" "$u/m"
            unshare -Urm bash -c "fuse-overlayfs -o lowerdir=/usr,upperdir=$(q "$u/u"),workdir=$(q "$u/w"),squash_to_root $(q "$u/m") 2>/dev/null || { echo 'FAILED fuse-overlayfs'; exit 1; }
                bash $(q "$ops_sh") $(q "$u/m") $(q "$u/m/bench-dst") $(q "$tarball"); fusermount3 -u $(q "$u/m")"
            unshare -Ur rm -rf "$u" ;;
        sbx-fuse | sbx-kernel)
            "$sbx" -q --overlay "${m#sbx-}" --ro-bind "$work/in:/bench-in" \
                -- bash /bench-in/ops.sh /usr /usr/bench-dst /bench-in/untar.tar 2>&1 ;;
    esac
}

echo "sbx copy-on-write root benchmark"
echo "  date:    $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "  kernel:  $(uname -srm); cpus: $(nproc)"
echo "  user:    $(id -un) (uid $(id -u))"
echo "  sbx:     $sbx ($("$sbx" --version 2>&1 | head -n1))"
echo "  fuse-overlayfs: $(fuse-overlayfs --version 2>&1 | grep -m1 -o 'fuse-overlayfs: version .*' | sed 's/.*version //')" \
     "(by hand: squash_to_root; sbx adds threaded=1 and squashes to the caller)"
echo "  layers:  upper and work on $(df --output=fstype /var/tmp | tail -1) (/var/tmp); lower /usr"
echo "  method:  median of $reps runs per mode, wall time; page cache warm (no root to drop it)"
echo

# Warm the host's caches once, so the first mode pays no cold-cache cost.
tar cf - -C /usr "$tree_rel" 2>/dev/null | wc -c >/dev/null
find /usr 2>/dev/null | wc -l >/dev/null

declare -A res why
for m in "${modes[@]}"; do
    for ((r = 1; r <= reps; r++)); do
        out=$(run_mode "$m" 2>&1)
        if f=$(printf '%s\n' "$out" | grep -m1 -E '^FAILED|^sbx: '); then why[$m]=$f; break; fi
        for o in "${ops[@]}"; do
            v=$(printf '%s\n' "$out" | awk -v o=$o '$1 == o { print $2 }')
            [[ -n $v ]] && res[$m,$o]+="$v "
        done
    done
    printf '  ran %-10s %s\n' "${mlabel[$m]}" "${why[$m]:-ok}" >&2
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
declare -A med
for m in "${modes[@]}"; do for o in "${ops[@]}"; do med[$m,$o]=$(printf '%s' "${res[$m,$o]:-}" | median); done; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2fx", a / b; else printf "-" }'; }

printf '%-44s' "seconds (median)"
for m in "${modes[@]}"; do printf ' %10s' "${mlabel[$m]}"; done
printf ' %11s %11s %11s\n' "sbxfuse/fuse" "sbxkern/kern" "fuse/host"
for o in "${ops[@]}"; do
    printf '%-44s' "${label[$o]}"
    for m in "${modes[@]}"; do printf ' %10s' "${med[$m,$o]:--}"; done
    printf ' %11s %11s %11s\n' "$(ratio "${med[sbx-fuse,$o]}" "${med[fuse,$o]}")" \
        "$(ratio "${med[sbx-kernel,$o]}" "${med[kernel,$o]}")" "$(ratio "${med[fuse,$o]}" "${med[host,$o]}")"
done
for m in "${modes[@]}"; do [[ -n ${why[$m]:-} ]] && echo "  ${mlabel[$m]} did not run: ${why[$m]}"; done
worst=$(for o in "${ops[@]}"; do ratio "${med[sbx-fuse,$o]}" "${med[fuse,$o]}"; echo; done | tr -d x | grep -v '^-$' | sort -g | tail -1)
if [[ -n $worst ]]; then
    awk -v w="$worst" 'BEGIN { printf "sbx fuse / fuse-overlayfs by hand: worst %.2fx (target <= 1.2x): %s\n", w, w <= 1.2 ? "within target" : "OVER TARGET" }'
fi
echo

# Start-up: the overlay's share of `sbx -- true`.
startup=("none|$(q "$sbx") --overlay none -- true" "fuse|$(q "$sbx") --overlay fuse -- true" "kernel|$(q "$sbx") --overlay kernel -- true")
declare -A smed
sbx_ok=0
for s in "${startup[@]}"; do
    n=${s%%|*} cmd=${s#*|}
    if ! eval "$cmd" </dev/null >/dev/null 2>"$work/err"; then
        smed[$n]="failed: $(head -1 "$work/err")"; continue
    fi
    [[ $n == fuse ]] && sbx_ok=1
    if command -v hyperfine >/dev/null; then
        hyperfine -N --style none --warmup 3 --runs "$runs" --export-csv "$work/csv" "$cmd" >/dev/null 2>&1 \
            && smed[$n]=$(tail -1 "$work/csv" | cut -d, -f4 | awk '{ printf "%.2f", $1 * 1000 }')
    else
        for ((i = 0; i < runs; i++)); do t0=$EPOCHREALTIME; eval "$cmd" </dev/null >/dev/null 2>&1; echo "$t0 $EPOCHREALTIME"; done \
            | awk '{ print ($2 - $1) * 1000 }' >"$work/s"
        smed[$n]=$(median <"$work/s")
    fi
done
echo "start-up, sbx -- true ($(command -v hyperfine >/dev/null && echo hyperfine -N || echo bash loop), $runs runs, median ms):"
for n in none fuse kernel; do printf '  --overlay %-7s %s\n' "$n" "${smed[$n]:-}"; done
if [[ ${smed[fuse]:-} =~ ^[0-9.]+$ && ${smed[none]:-} =~ ^[0-9.]+$ ]]; then
    awk -v a="${smed[fuse]}" -v b="${smed[none]}" 'BEGIN { r = a / b; printf "  fuse / none = %.2fx (target < 2x): %s\n", r, r < 2 ? "within target" : "OVER TARGET" }'
fi
((sbx_ok)) && [[ -z ${why[sbx-fuse]:-} ]] && exit 0 || exit 1
