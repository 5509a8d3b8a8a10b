# Shared by the benchmarks in tests/bench/ (sourced, never run): finding
# the sbx under test, and re-running the whole benchmark as an
# unprivileged user when started as root.  A benchmark as root would
# measure the wrong thing: root skips newuidmap and holds every
# capability, exactly the costs a user's sandbox pays.
#
#   . "${SBX_BENCH_LIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
#   bench_option "$@"                     # the shared options (--runs, --sbx, --user, -h)
#   bench_find_sbx "$sbx"                 # sets sbx to an absolute path, or dies
#   bench_as_user "$user" NAME ARGS...    # as root: re-runs, then exits

# die is the benchmark's own ("NAME: message", exit 2); this one stands in
# until the benchmark defines it.
declare -F die >/dev/null || die() { echo "bench: $*" >&2; exit 2; }

# bench_option WORDS...: the options every benchmark takes, from the front
# of WORDS: --runs N (a positive integer), --sbx PATH, --user NAME, and
# -h/--help, which prints lines $bench_help (a sed range, "2,14") of the
# benchmark's own header and exits.  Sets runs, sbx or user, and
# bench_shift to the words taken; returns 1 for any other word.
bench_option() {
  bench_shift=2
  case $1 in
    --runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"; runs=$2 ;;
    --sbx) [[ -n ${2:-} ]] || die "--sbx needs a path"; sbx=$2 ;;
    --user) [[ -n ${2:-} ]] || die "--user needs a name"; user=$2 ;;
    -h | --help) sed -n "${bench_help:-2,15}s/^# \{0,1\}//p" "${BASH_SOURCE[1]:-$0}"; exit 0 ;;
    *) return 1 ;;
  esac
}

# bench_find_sbx GIVEN: the binary under test: GIVEN, else sbx on PATH, else
# the build tree's.  Sets $sbx to its absolute path.
bench_find_sbx() {
  local given=$1
  [[ -n $given ]] || given=$(command -v sbx) || given="$(dirname "${BASH_SOURCE[0]}")/../../sbx"
  sbx=$(readlink -f -- "$given") || sbx=""
  [[ -f $sbx ]] || die "no sbx binary at '$given' (use --sbx PATH)"
}

# bench_as_user USER NAME ARGS...: when root, run the calling benchmark's
# text again as USER with `--sbx COPY ARGS...`, where COPY and this library
# are copies USER can read (the clone may sit under /root), from / (sbx
# carries the cwd into the sandbox, and root's may be closed to USER), in
# a login-like environment; then exit with its status.  Not root: returns.
bench_as_user() {
  local user=$1 name=$2 uid copy home script status rundir own_rundir=
  shift 2
  ((EUID == 0)) || return 0
  command -v runuser >/dev/null || die "running as root needs runuser (util-linux)"
  uid=$(id -u -- "$user" 2>/dev/null) || die "no such user '$user' (use --user NAME)"
  ((uid != 0)) || die "--user must be unprivileged, not root"
  script=$(<"$0") || die "cannot read my own source"
  copy=$(mktemp -d /var/tmp/sbx-bench.XXXXXX) || die "mktemp failed"
  # The helpers go along: sbx runs the ones beside it (core/base/libexec.h).
  cp -- "$sbx" "$copy/sbx" && cp -- "${BASH_SOURCE[0]}" "$copy/lib.sh" || die "cannot copy sbx"
  for h in sbx-image sbx-net sbx-learnfs; do
    [[ -f $(dirname -- "$sbx")/$h ]] && cp -- "$(dirname -- "$sbx")/$h" "$copy/$h" && chmod 755 "$copy/$h"
  done
  chmod 755 "$copy" "$copy/sbx" && chmod 644 "$copy/lib.sh"
  home=$(getent passwd "$user" | cut -d: -f6)
  # A login session has XDG_RUNTIME_DIR on a tmpfs (/run/user/UID), where
  # sbx keeps its records; without one they go to the home's disk, whose
  # inode creates and deletes a desktop start never pays.  Use the user's
  # if a session made it, else a private one on /dev/shm for this run.
  rundir=/run/user/$uid
  if [[ ! -d $rundir ]]; then
    rundir=$(mktemp -d /dev/shm/sbx-bench-run.XXXXXX) || die "mktemp on /dev/shm failed"
    chown -- "$user" "$rundir" && chmod 700 "$rundir" || die "cannot hand $rundir to $user"
    own_rundir=$rundir
  fi
  (cd / && runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
    XDG_RUNTIME_DIR="$rundir" \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 SBX_BENCH_LIB="$copy/lib.sh" \
    bash -c "$script" "$name" --sbx "$copy/sbx" "$@")
  status=$?
  rm -rf -- "$copy" ${own_rundir:+"$own_rundir"}
  exit $status
}
