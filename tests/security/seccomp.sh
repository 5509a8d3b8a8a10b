# Seccomp: the default policy refuses what it must, with the errno it
# must, on every ABI the kernel offers (x86_64, x32, int $0x80), never
# with a kill; ordinary programs still work; the flags, the profile
# directives and `sbx seccomp` do what they say.  The refusals are checked
# from inside by tests/security/sbx-probe ($SBX_PROBE), one TAP point per
# line it prints; the same probe under --seccomp unconfined shows that
# the filter, not the kernel, gave each answer.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

scratch
q_sbx=$(printf '%q' "$SBX")
q_probe=$(printf '%q' "$probe")


# --- the default policy ---------------------------------------------------------
sbx_run -- grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
like "$OUT" "^Seccomp:	2$" "every sandbox runs behind a seccomp filter (Seccomp: 2)"
like "$OUT" "^NoNewPrivs:	1$" "the filter comes with no_new_privs"

sbx_run -- "$probe" refused
probe_points "refused"
is "$ERR" "" "refused: sbx itself prints nothing about refusals without --seccomp-log"

sbx_run -- "$probe" allowed
probe_points "allowed"

# --- the other ABIs: the same calls through x32 and int $0x80 ----------------
# The host check runs outside any sandbox: does the kernel have the ABI at
# all?  Without it every such call fails with or without sbx, and the
# test proves nothing.
host=$("$probe" x32 --host-check 2>&1)
rc=$?
if [ $rc = 77 ]; then
  skip "x32: each refused syscall through the x32 ABI gives ENOSYS" "$(printf '%s\n' "$host" | sed -n 's/^skip [^:]*: //p')"
elif [ $rc = 0 ]; then
  sbx_run -- "$probe" x32
  probe_points "x32"
else
  fail "sbx-probe x32 --host-check" "exit $rc" "$host"
fi

host=$("$probe" int80 --host-check 2>&1)
rc=$?
if [ $rc = 77 ]; then
  skip "int80: i386 syscalls through int \$0x80 give ENOSYS" "$(printf '%s\n' "$host" | sed -n 's/^skip [^:]*: //p')"
elif [ $rc = 0 ]; then
  sbx_run -- "$probe" int80
  probe_points "int80"
else
  fail "sbx-probe int80 --host-check" "exit $rc" "$host"
fi

# --- TIOCSTI under a real terminal ----------------------------------------------
# script(1) makes the terminal; sbx gives the program a pty of its own.
# After sbx exits, whatever waits on script's terminal is read back
# without waiting for a line: an injected character would show there.
if command -v script >/dev/null 2>&1; then
  # script's stdin stays open and empty (see integration/terminal.sh).
  exec 8< <(exec sleep 60)
  at_exit "kill $! 2>/dev/null"
  # The window size query must work there (allowed, on a terminal).
  OUT=$(timeout -k 5 60 script -qec "$q_sbx -- $q_probe tiocsti; r=\$?; $q_sbx -- $q_probe allowed 'ioctl(TIOCGWINSZ)' || r=1; echo probe-rc=\$r; stty -icanon min 0 time 5; echo \"after=[\$(head -c 16)]\"" /dev/null <&8 8<&- 2>&1 | tr -d '\r')
  exec 8<&-
  RC=$(printf '%s\n' "$OUT" | sed -n 's/^probe-rc=//p')
  ERR=$OUT
  probe_points "tiocsti"
  like "$OUT" '^after=\[\]$' "tiocsti: nothing reached the terminal sbx was started from"
else
  skip "tiocsti: TIOCSTI cannot inject into the terminal" "script(1) is not installed (package bsdutils)"
fi

# --- the filter is what refuses ---------------------------------------------------
sbx_run --seccomp unconfined -- "$probe" refused keyctl
like "$OUT" "^FAIL keyctl: got EOPNOTSUPP want EPERM" "--seccomp unconfined: keyctl reaches the kernel (EOPNOTSUPP, not EPERM)"
like "$ERR" "^sbx: warning: .*unconfined" "--seccomp unconfined warns on stderr"
sbx_run --seccomp unconfined -- grep '^Seccomp:' /proc/self/status
is "$OUT" "Seccomp:	0" "--seccomp unconfined: no filter at all"
# Every refused row whose unfiltered answer differs from the filter's
# must change: each pass above is the filter's doing, not the kernel's.
sbx_run --seccomp unconfined -- "$probe" refused --expect-allowed
fails=$(printf '%s\n' "$OUT" | grep '^FAIL' || true)
if [ "$RC" = 0 ] && [ -z "$fails" ]; then
  pass "--seccomp unconfined: every refusal the kernel would not give itself disappears ($(printf '%s\n' "$OUT" | grep -c '^ok') rows)"
else
  fail "--seccomp unconfined: every refusal the kernel would not give itself disappears" "exit $RC" "$fails" "stderr: $ERR"
fi

sbx_run --seccomp default -- "$probe" refused keyctl
probe_points "--seccomp default"

# --- loosening and tightening ------------------------------------------------------
sbx_run --seccomp-allow ptrace -- sh -c "$q_probe refused --expect-allowed ptrace && $q_probe refused keyctl process_vm_readv"
probe_points "--seccomp-allow ptrace (ptrace reaches the kernel, the rest stays refused)"

sbx_run --seccomp-allow @keyring -- sh -c "$q_probe refused --expect-allowed keyctl add_key request_key && $q_probe refused bpf"
probe_points "--seccomp-allow @keyring"

sbx_run --seccomp-deny @network-io -- "$probe" allowed socket getpid
like "$OUT" "^FAIL socket\(AF_INET, SOCK_STREAM\): got EPERM want success" "--seccomp-deny @network-io: socket(AF_INET) gets EPERM"
like "$OUT" "^FAIL socket\(AF_UNIX\): got EPERM want success" "--seccomp-deny @network-io: socket(AF_UNIX) gets EPERM"
like "$OUT" "^ok getpid:" "--seccomp-deny @network-io: the rest still works"

sbx_run --seccomp-deny memfd_create -- "$probe" allowed memfd_create eventfd
like "$OUT" "^FAIL memfd_create: got EPERM want success$" "--seccomp-deny NAME refuses that syscall with EPERM"
like "$OUT" "^ok eventfd:" "--seccomp-deny NAME leaves the others alone"

# --- readable refusals -------------------------------------------------------------
sbx_run --seccomp-log -- sh -c "keyctl show 2>/dev/null; $q_probe refused >/dev/null"
is "$RC" 0 "--seccomp-log: refusals keep their errno (the refused probe still passes)"
is "$(printf '%s\n' "$ERR" | grep -c '^sbx: refused keyctl() in pid ')" 1 "--seccomp-log: keyctl is named exactly once"
like "$ERR" '^sbx: refused keyctl\(\) in pid [0-9]+ \((sbx-probe|keyctl)\)$' "--seccomp-log: the line names the syscall, the pid and the command"
dups=$(printf '%s\n' "$ERR" | sed -n 's/^sbx: refused \([a-z0-9_]*\)(.*/\1/p' | sort | uniq -d)
is "$dups" "" "--seccomp-log: no syscall is named twice"
missing=
for name in add_key bpf perf_event_open io_uring_setup open_by_handle_at mount fsopen unshare clone ptrace personality socket; do
  printf '%s\n' "$ERR" | grep -q "^sbx: refused $name(" || missing="$missing $name"
done
is "${missing# }" "" "--seccomp-log: refusals by name and by argument are named (clone, personality, socket)"
# The probe's ioctl(TIOCSTI) and ioctl(TIOCLINUX) are refused too.
if printf '%s\n' "$ERR" | grep -q '^sbx: refused ioctl('; then
  pass "--seccomp-log: a refused ioctl (TIOCSTI, TIOCLINUX) is named"
else
  fail "--seccomp-log: a refused ioctl (TIOCSTI, TIOCLINUX) is named" \
    "no 'sbx: refused ioctl(' among its $(printf '%s\n' "$ERR" | grep -c '^sbx: refused') refusal lines"
fi
unlike "$ERR" "^sbx: refused getpid\(" "--seccomp-log: allowed calls are not named"

# --- the policy in plain words -----------------------------------------------------
# show_refuses NAME: does the policy text in $OUT list NAME as refused (on
# a line that says so, or under a heading that does)?
show_refuses() {
  printf '%s\n' "$OUT" | awk -v name="$1" '
    { l = tolower($0) }
    l ~ /refus|denied|deny|eperm/ { sect = 1 }
    l ~ /^ *allow/ && l !~ /refus|deny|eperm/ { sect = 0 }
    { for (i = 1; i <= NF; i++) if ($i == name && (sect || l ~ /refus|deny|eperm/)) found = 1 }
    END { exit !found }'
}
sbx_run seccomp show default
if [ "$RC" = 0 ] && show_refuses keyctl; then
  pass "sbx seccomp show default lists keyctl as refused"
else
  fail "sbx seccomp show default lists keyctl as refused" "exit $RC" "$OUT" "$ERR"
fi
sbx_run seccomp show --seccomp-allow keyctl
if [ "$RC" = 0 ] && ! show_refuses keyctl && printf '%s\n' "$OUT" | grep -qw keyctl; then
  pass "sbx seccomp show --seccomp-allow keyctl shows it allowed"
else
  fail "sbx seccomp show --seccomp-allow keyctl shows it allowed" "exit $RC" "$OUT" "$ERR"
fi
sbx_run seccomp show --seccomp-deny @network-io
if [ "$RC" = 0 ] && show_refuses socket && show_refuses connect; then
  pass "sbx seccomp show --seccomp-deny @network-io lists socket and connect as refused"
else
  fail "sbx seccomp show --seccomp-deny @network-io lists socket and connect as refused" "exit $RC" "$OUT" "$ERR"
fi
sbx_run seccomp groups
missing=
for g in mount privileged debug module raw-io reboot swap clock cpu-emulation obsolete keyring io_uring resources network-io process; do
  printf '%s\n' "$OUT" | grep -q -- "@$g\b" || missing="$missing @$g"
done
is "$RC:${missing# }" "0:" "sbx seccomp groups lists every group"

# --- bad input ---------------------------------------------------------------------
fails_cleanly "--seccomp-allow with an unknown syscall" 125 "nosuchcall" --seccomp-allow nosuchcall -- true
fails_cleanly "--seccomp-deny with an unknown group" 125 "@nosuchgroup" --seccomp-deny @nosuchgroup -- true
fails_cleanly "--seccomp with an unknown policy" 125 "bogus" --seccomp bogus -- true
printf 'hostname x\nseccomp-allow bogus\n' >"$SCRATCH/badsc.profile"
fails_cleanly "a profile with an unknown syscall" 125 "^sbx: profile badsc\.profile:2: .*bogus" --profile "$SCRATCH/badsc.profile" -- true

# --- the directives in a profile --------------------------------------------------
printf 'seccomp default\nseccomp-allow ptrace\nseccomp-deny memfd_create\n' >"$SCRATCH/sc.profile"
sbx_run --profile "$SCRATCH/sc.profile" -- sh -c "$q_probe refused --expect-allowed ptrace && $q_probe refused keyctl"
probe_points "profile seccomp-allow ptrace"
sbx_run --profile "$SCRATCH/sc.profile" -- "$probe" allowed memfd_create
like "$OUT" "^FAIL memfd_create: got EPERM" "profile seccomp-deny memfd_create"
printf 'seccomp-log\n' >"$SCRATCH/log.profile"
sbx_run --profile "$SCRATCH/log.profile" -- "$probe" refused keyctl
like "$ERR" '^sbx: refused keyctl\(\) in pid [0-9]+ \(sbx-probe\)$' "profile seccomp-log"
printf 'seccomp unconfined\n' >"$SCRATCH/unconf.profile"
sbx_run --profile "$SCRATCH/unconf.profile" -- "$probe" refused keyctl
like "$OUT" "^FAIL keyctl: got EOPNOTSUPP" "profile seccomp unconfined: keyctl reaches the kernel"
like "$ERR" "^sbx: warning: .*unconfined" "profile seccomp unconfined warns too"
sbx_run --profile "$SCRATCH/unconf.profile" --seccomp default -- "$probe" refused keyctl
like "$OUT" "^ok keyctl: EPERM" "--seccomp default on the command line overrides a profile's unconfined"

# --- ordinary programs under the default policy ---------------------------------
sbx_run -- sh -c 'seq 1 5000 | sort -rn | head -n 1 | tr 0-9 a-j'
is "$OUT" "faaa" "a shell pipeline"
sbx_run -- sh -c '/bin/true & wait $!; echo "bg=$?"; out=$(/bin/echo fork-exec); echo "$out"; (exit 3); echo "sub=$?"'
is "$OUT" "bg=0
fork-exec
sub=3" "fork, exec and wait from a shell"
if [ -x /usr/bin/python3 ]; then
  sbx_run -- /usr/bin/python3 -c '
import threading, subprocess, socket, os
out = []
ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
r = subprocess.run(["/bin/echo", "child"], capture_output=True, text=True)
a, b = socket.socketpair()
a.sendall(b"ping"); got = b.recv(4)
print(sum(out), r.stdout.strip(), got.decode(), os.cpu_count() > 0)'
  is "$OUT" "28 child ping True" "python3: threads, subprocess, sockets"
else
  skip "python3: threads, subprocess, sockets" "/usr/bin/python3 is not installed"
fi
if command -v cc >/dev/null 2>&1; then
  cat >"$SCRATCH/hello.c" <<'EOC'
#include <pthread.h>
#include <stdio.h>
static void *f (void *a) { return a; }
int main (void) { pthread_t t; void *r; pthread_create (&t, 0, f, "threaded"); pthread_join (t, &r); printf ("hello %s\n", (char *) r); return 0; }
EOC
  q_src=$(printf '%q' "$SCRATCH/hello.c") q_out=$(printf '%q' "$SCRATCH/hello")
  # The output goes to a writable place: the scratch directory, bound.
  sbx_run --bind "$SCRATCH" -- sh -c "cc -x c - -o $q_out -pthread <$q_src && $q_out"
  if [ "$OUT" = "hello threaded" ]; then
    pass "cc compiles and the program runs (threads too)"
  else
    fail "cc compiles and the program runs (threads too)" "got: '$OUT'" "exit $RC" "stderr: $ERR"
  fi
else
  skip "cc compiles and the program runs" "no C compiler (cc) on this host"
fi
no_leftovers "nothing left behind"
