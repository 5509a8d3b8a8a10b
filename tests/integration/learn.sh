# sbx learn: a python3 program with files of its own in the home (reads
# ~/DATA, writes ~/OUT, imports ssl and sqlite3, runs git) is learnt, and the
# profile runs it again and nothing else: reading ~/.ssh or writing ~/DATA
# fails under it.  Two learns give the same profile; deleting any one of its
# directives makes `sbx learn --check` fail and name it; syscalls a profile
# may grant become seccomp-allow; curl against two local servers: only the
# learnt port works; Firefox's headless screenshot of a local page is
# learnt and taken again; --profile-in widens; bad input fails cleanly and
# never replaces a file unasked.
. "$SBX_TESTS/lib/tap.sh"
scratch
shipped=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}
export SBX_PROFILE_PATH=$shipped
export SBX_RUN_TIMEOUT=120

for tool in python3 git; do
  command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
python3 -c 'import ssl, sqlite3' 2>/dev/null || skip_all "python3 lacks ssl or sqlite3"

# The fixture lives in the home itself (sbx's home is the account's), under
# names of this run's own, removed at exit.
home=$SBX_TEST_HOME
data=learn-data-$$
out=learn-out-$$
extra=learn-extra-$$
mkdir -p "$home/$data" "$home/$out" "$home/$extra"
at_exit "rm -rf '$home/$data' '$home/$out' '$home/$extra'"
echo hello >"$home/$data/input.txt"
echo more >"$home/$extra/more.txt"
if [ -e "$home/.ssh" ]; then made_ssh=; else made_ssh=1; fi
mkdir -p "$home/.ssh" && chmod 700 "$home/.ssh"
echo SECRET-KEY >"$home/.ssh/sbx-learn-$$"
at_exit "rm -f '$home/.ssh/sbx-learn-$$'; [ -z '$made_ssh' ] || rmdir '$home/.ssh'"

cat >"$home/$data/prog.py" <<'EOF'
import os, sqlite3, ssl, subprocess, sys
home, data, out, mode = sys.argv[1:5]
with open(os.path.join(home, data, "input.txt")) as f:
    text = f.read()
db = sqlite3.connect(":memory:")
db.execute("create table t (x text)")
db.execute("insert into t values (?)", (text.strip(),))
row = db.execute("select upper(x) from t").fetchone()[0]
h = subprocess.run(["git", "hash-object", os.path.join(home, data, "input.txt")],
                   capture_output=True, text=True, check=True).stdout.strip()
with open(os.path.join(home, out, "result.txt"), "w") as f:
    f.write(row + "\n")
print(row, h, ssl.OPENSSL_VERSION.split()[0])
if mode == "ssh":
    print(open(os.path.join(home, ".ssh", "sbx-learn-%s" % sys.argv[5])).read())
if mode == "write-data":
    open(os.path.join(home, data, "input.txt"), "a").write("more\n")
if mode == "extra":
    print(open(os.path.join(home, sys.argv[5], "more.txt")).read().strip())
EOF
prog() { echo python3 "$home/$data/prog.py" "$home" "$data" "$out" "$@"; }
cd /

# The directives learnt profiles use, as a person would use them.
sbx_run --host-tree /usr --host-tree /etc/ld.so.cache --host-tree /no-such-dir-$$ -- sh -c 'ls /etc; ls / | tr "\n" " "; echo; test -x /usr/bin/sh && echo sh'
like "$OUT" "^ld.so.cache$" "--host-tree: of /etc only the path named"
like "$OUT" "(^| )usr " "... /usr is there"
unlike "$OUT" "(^| )(opt|srv|no-such-dir-$$) " "... what was not named is not, nor a path this host lacks"
like "$OUT" "^sh$" "... and programs run from it (the top-level links stay)"
fails_cleanly "--host-tree / is refused" 125 "^sbx: --host-tree: \`/\`: the whole tree is what sbx shows without host-tree" --host-tree / -- true
fails_cleanly "--dev outside /dev is refused" 125 "^sbx: --dev: \`/etc/passwd\`: name a device below /dev" --dev /etc/passwd -- true
sbx_run --dev /dev/fuse --dev /dev/no-such-device-$$ -- sh -c 'test -c /dev/fuse && echo fuse; test -e /dev/no-such-device-'$$' || echo absent'
is "$OUT" "fuse
absent" "--dev: the host's device at its place, left out where the host has none"

p1=$SCRATCH/p1.profile
sbx_run learn --profile-out "$p1" -- $(prog normal)
want="HELLO $(git hash-object "$home/$data/input.txt") OpenSSL"
is "$RC:$OUT" "0:$want" "sbx learn runs the program and passes its output on"
like "$ERR" "learn: verified: the program runs the same under $p1" "... and verifies the profile it wrote"
grep -v '^#' "$p1" | grep . >"$SCRATCH/p1.directives"
like "$(cat "$SCRATCH/p1.directives")" "^ro-bind ~/$data$" "the profile reads ~/$data"
like "$(cat "$SCRATCH/p1.directives")" "^bind ~/$out$" "... writes ~/$out"
like "$(cat "$SCRATCH/p1.directives")" "^host-tree /usr$" "... shows /usr of the host's tree"
unlike "$(cat "$SCRATCH/p1.directives")" "ssh|^bind ~/$data|^host-tree /home" "... and grants nothing of ~/.ssh, no write of ~/$data"
like "$(cat "$p1")" "^# read by python3(, [a-z0-9-]+)*: [0-9]+ paths?
ro-bind ~/$data$" "each directive follows its evidence"
like "$(head -1 "$p1")" "^# Learnt by .sbx learn. from one run of: python3 " "the header says what was run"
like "$(sed -n 2p "$p1")" "A run that takes another path" "... and what a run covers"
is "$(cat "$home/$out/result.txt" 2>&1)" "HELLO" "the verifying run wrote ~/$out, as the profile grants"

rm -f "$home/$out/result.txt"
sbx_run --profile "$p1" -- $(prog normal)
is "$RC:$OUT" "0:$want" "the learnt profile runs the program again"
is "$(cat "$home/$out/result.txt" 2>&1)" "HELLO" "... and its output lands in ~/$out"
sbx_run --profile "$p1" -- $(prog ssh $$)
isnt_rc=$RC
unlike "$OUT" "SECRET-KEY" "a variant that reads ~/.ssh gets nothing of it under the profile"
is "$([ "$isnt_rc" != 0 ] && echo failed)" "failed" "... and fails"
sbx_run --profile "$p1" -- $(prog write-data)
is "$RC" "1" "a variant that writes ~/$data fails under it"
like "$ERR" "Read-only file system" "... with EROFS"
is "$(cat "$home/$data/input.txt")" "hello" "... and ~/$data is unchanged"

# Learning never changes the home, and hides the secrets.
p_ssh=$SCRATCH/ssh.profile
sbx_run learn --no-verify --profile-out "$p_ssh" -- $(prog ssh $$)
is "$RC" "0" "learning a variant that reads ~/.ssh"
unlike "$OUT" "SECRET-KEY" "... gives it nothing of ~/.ssh"
like "$(cat "$p_ssh")" "^#   ~/\\.ssh$" "... and the profile's header names the attempt"
unlike "$(grep -v '^#' "$p_ssh")" "ssh" "... without granting it"
# No other way in while learning: not listed, not through .., a link or
# a rename, and every attempt is named.
sbx_run learn --no-verify --profile-out "$SCRATCH/tricks.profile" -- sh -c "
  ls -a ~ | grep -x .ssh; cat ~/$data/../.ssh/sbx-learn-$$; ln -s .ssh ~/$out/l; cat ~/$out/l/sbx-learn-$$
  mv ~/.ssh ~/$out/moved; mkdir ~/.ssh; ls ~/$out; true"
unlike "$OUT" "SECRET-KEY|^\\.ssh$|moved" "learning: ~/.ssh is not listed, nor reached through .., a link, a rename or a mkdir"
like "$(cat "$SCRATCH/tricks.profile")" "^#   ~/\\.ssh$" "... and the attempts are named"
is "$(cat "$home/.ssh/sbx-learn-$$")" "SECRET-KEY" "... and ~/.ssh is as it was"
# sbx-learnfs, which serves every path the program reaches, runs locked
# down, seen from the host while a learn waits: no_new_privs and the
# sandbox's seccomp policy (a filter, mode 2).
# The program waits (30 s at most) for a SIGUSR1 from this test.
"$SBX" learn --no-verify --profile-out "$SCRATCH/wait.profile" -- sh -c \
  'trap "exit 0" USR1; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done; exit 3' \
  sbx-learn-wait-$$ >/dev/null 2>&1 &
waiter=$!
at_exit "kill $waiter 2>/dev/null"
lfs=
if wait_until 30 eval 'lfs=$(pgrep -u "$(id -u)" -x sbx-learnfs | head -1); [ -n "$lfs" ]'; then
  is "$(grep -E '^(NoNewPrivs|Seccomp):' /proc/$lfs/status | awk '{ printf "%s ", $2 }')" "1 2 " \
    "sbx-learnfs runs with no_new_privs and a seccomp filter"
else
  fail "sbx-learnfs runs with no_new_privs and a seccomp filter" "no sbx-learnfs found while learning"
fi
# Signalled once its trap is set (SigCgt has SIGUSR1, bit 10): before,
# the signal would kill it.
trapped() {
  local p m
  p=$(pgrep -u "$(id -u)" -f "^sh -c .* sbx-learn-wait-$$\$" | head -1) && [ -n "$p" ] || return 1
  m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$p/status" 2>/dev/null) && [ -n "$m" ] || return 1
  (((0x$m >> 9) & 1)) && kill -USR1 "$p"
}
wait_until 30 trapped
wait $waiter
is "$?" 0 "... and the learn it served ends well"

p_write=$SCRATCH/write.profile
sbx_run learn --no-verify --profile-out "$p_write" -- $(prog write-data)
is "$RC:$(cat "$home/$data/input.txt")" "0:hello" "learning a variant that writes ~/$data leaves ~/$data as it was"
like "$(cat "$p_write")" "^bind ~/$data$" "... and grants it writable"

p2=$SCRATCH/p2.profile
sbx_run learn --no-verify --profile-out "$p2" -- $(prog normal)
is "$(diff "$p1" "$p2" && echo same)" "same" "two learns of the same run give the same profile"

# Each directive matters: without it, --check fails and names it.
while IFS= read -r d; do
  [ "$d" = "include default" ] && continue
  grep -vxF -- "$d" "$p1" >"$SCRATCH/minus.profile"
  sbx_run learn --check "$SCRATCH/minus.profile" -- $(prog normal)
  if [ "$RC" = 1 ] && grep -qF -- "\`$d\` grants it" <<<"$ERR"; then
    pass "without \`$d\`, --check fails and names it"
  else
    fail "without \`$d\`, --check fails and names it" "rc $RC" "$ERR"
  fi
done <"$SCRATCH/p1.directives"
sbx_run learn --check "$p1" -- $(prog normal)
is "$RC" "0" "--check of the whole profile passes"
mkdir -p "$SCRATCH/cfg/sbx/profiles" && cp "$p1" "$SCRATCH/cfg/sbx/profiles/learnt.profile"
XDG_CONFIG_HOME=$SCRATCH/cfg SBX_PROFILE_PATH=$SCRATCH/cfg/sbx/profiles:$shipped sbx_run learn --check learnt -- $(prog normal)
like "$RC:$ERR" "^0:.*verified: the program runs the same under learnt$" "... found by name, as --profile finds it"
fails_cleanly "--check of a profile that is not there" 125 "^sbx: learn: --check: profile \`no-such-$$\` not found" learn --check no-such-$$ -- true
no_leftovers "learn: nothing left behind"

# Syscalls: what a profile may grant runs while learning and becomes
# seccomp-allow; the class no profile may grant stays refused and is named.
if [ "$(uname -m)" = x86_64 ]; then
  sc=$SCRATCH/sc.profile
  pyc='import ctypes; l = ctypes.CDLL(None); print(l.ptrace(0, 0, 0, 0), l.syscall(250, 0, 0, 0, 0, 0))'
  sbx_run learn --profile-out "$sc" -- python3 -c "$pyc"
  is "$RC:$OUT" "0:0 -1" "learning lets ptrace (grantable) through; keyctl (never) stays refused"
  like "$(cat "$sc")" "^seccomp-allow ptrace$" "... the profile grants ptrace"
  like "$(cat "$sc")" "^# keyctl\\(\\) called by python3: refused whatever a profile says$" "... and names keyctl in its header"
  grep -vx "seccomp-allow ptrace" "$sc" >"$SCRATCH/sc-minus.profile"
  sbx_run learn --check "$SCRATCH/sc-minus.profile" -- python3 -c "$pyc"
  if [ "$RC" = 1 ] && grep -qF -- "refused the syscall ptrace() of python3: \`seccomp-allow ptrace\` grants it" <<<"$ERR"; then
    pass "without seccomp-allow ptrace, --check fails and names it"
  else
    fail "without seccomp-allow ptrace, --check fails and names it" "rc $RC" "$ERR"
  fi
else
  skip "learning syscalls" "the keyctl number is x86_64's"
fi

# The network: curl against two servers of this test's own on the host's
# loopback; only the port the learning run reached works under the profile.
# Nothing is resolved and nothing leaves this machine.
sbx_run --net slirp -- true
if ! command -v curl >/dev/null; then
  skip "learning the network" "curl is not installed"
elif [ "$RC" != 0 ]; then
  skip "learning the network" "--net slirp does not work here: $ERR"
else
  mkdir -p "$SCRATCH/www" && echo served >"$SCRATCH/www/index.html"
  serve() { # a web server on 127.0.0.1, its port in $PORT
    local f=$SCRATCH/srv.$1
    python3 -c 'import http.server, socketserver, sys, os
os.chdir(sys.argv[1])
s = socketserver.TCPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print("port", s.server_address[1], flush=True)
s.serve_forever()' "$SCRATCH/www" >"$f" 2>/dev/null &
    at_exit "kill $! 2>/dev/null"
    port_from "$f"
  }
  serve a && web1=$PORT
  serve b && web2=$PORT
  pn=$SCRATCH/net.profile
  sbx_run learn --net slirp --allow-host-loopback --profile-out "$pn" -- curl -sS "http://10.0.2.2:$web1/"
  is "$RC:$OUT" "0:served" "learning curl against a local server"
  like "$(cat "$pn")" "^egress allow:10\\.0\\.2\\.2:$web1/tcp$" "... the profile allows its port"
  like "$(cat "$pn")" "^allow-host-loopback$" "... on the host's loopback"
  like "$(tail -1 "$pn")" "^egress deny:all$" "... and refuses everything else"
  sbx_run --profile "$pn" -- curl -sS "http://10.0.2.2:$web1/"
  is "$RC:$OUT" "0:served" "under the profile the learnt port works"
  sbx_run --profile "$pn" -- curl -sS "http://10.0.2.2:$web2/"
  is "$RC" "7" "... the other server's port is refused (curl: could not connect)"

  # Firefox: a headless screenshot of a page of this test's own, learnt
  # with its own sandbox on (--nested-userns), then run again under the
  # profile.  Bounded: each run gets at most 4 minutes.
  firefox=$(command -v firefox-esr)
  if [ -z "$firefox" ]; then
    skip "learning firefox-esr's headless screenshot" "firefox-esr is not installed (apt-get install firefox-esr)"
  else
    ff=learn-ff-$$
    mkdir -p "$home/$ff/prof"
    at_exit "rm -rf '$home/$ff'"
    echo '<html><body style="background:#ff0000"><h1>sbx</h1></body></html>' >"$SCRATCH/www/index.html"
    shoot=("$firefox" --headless --profile "$home/$ff/prof" --screenshot "$home/$ff/shot.png" --window-size=400,300 "http://10.0.2.2:$web1/")
    pf=$SCRATCH/firefox.profile
    SBX_RUN_TIMEOUT=480 sbx_run learn --nested-userns --shm-size 2G --net slirp --allow-host-loopback --profile-out "$pf" -- "${shoot[@]}"
    is "$RC" "0" "learning firefox-esr's headless screenshot of a local page"
    like "$ERR" "learn: verified: the program runs the same under" "... verified under the profile it wrote"
    like "$(cat "$pf")" "^nested-userns$" "... which keeps the option the learning run was given"
    like "$(cat "$pf")" "^egress allow:10\\.0\\.2\\.2:$web1/tcp$" "... and allows the page's server"
    unlike "$(grep -v '^#' "$pf")" " ~/\\.(ssh|mozilla)" "... and grants nothing of ~/.ssh or ~/.mozilla"
    rm -f "$home/$ff/shot.png"
    SBX_RUN_TIMEOUT=240 sbx_run --profile "$pf" -- "${shoot[@]}"
    is "$RC:$(head -c 4 "$home/$ff/shot.png" 2>/dev/null | tail -c 3)" "0:PNG" "the learnt profile takes the screenshot again"
  fi
fi

# --profile-in widens a profile by another run, in place.
cp "$p1" "$SCRATCH/wide.profile"
sbx_run learn --profile-in "$SCRATCH/wide.profile" --profile-out "$SCRATCH/wide.profile" -- $(prog extra "$extra")
is "$RC" "0" "--profile-in FILE --profile-out FILE widens the profile by a run"
like "$(cat "$SCRATCH/wide.profile")" "^ro-bind ~/$extra$" "... adding what the new run read"
is "$(head -n "$(wc -l <"$p1")" "$SCRATCH/wide.profile" | diff - "$p1" && echo kept)" "kept" "... after the old lines, kept as they were"
sbx_run --profile "$SCRATCH/wide.profile" -- $(prog extra "$extra")
is "$RC:$(tail -1 <<<"$OUT")" "0:more" "the widened profile runs the new mode"

# Bad input: one line, no profile, nothing left behind.
fails_cleanly "learn without --profile-out" 125 "^sbx: learn: say where the profile goes: --profile-out" learn -- true
fails_cleanly "learn without a program" 125 "^sbx: learn: give the program after" learn --profile-out "$SCRATCH/x.profile"
fails_cleanly "learn of a program that is not there" 127 "^sbx: learn: program \`no-such-program-$$\` not found" learn --profile-out "$SCRATCH/x.profile" -- no-such-program-$$
is "$(ls "$SCRATCH/x.profile" 2>&1 >/dev/null | grep -c 'No such')" "1" "... and no profile was written"
fails_cleanly "learn into a directory that cannot be written" 125 "^sbx: learn: --profile-out: cannot write in \`/proc\`" learn --profile-out /proc/x.profile -- true
echo "# mine" >"$SCRATCH/mine.profile"
fails_cleanly "learn over an existing file" 125 "exists; --force replaces it" learn --profile-out "$SCRATCH/mine.profile" -- true
is "$(cat "$SCRATCH/mine.profile")" "# mine" "... leaves it as it was"
sbx_run learn --force --no-verify --profile-out "$SCRATCH/mine.profile" -- true
like "$RC:$(cat "$SCRATCH/mine.profile")" "^0:# Learnt by" "--force replaces it"
is "$(ls "$SCRATCH" | grep -c 'profile\.')" "0" "no temporary file is left beside the profiles"
echo "not a program" >"$SCRATCH/notprog"
chmod 644 "$SCRATCH/notprog"
fails_cleanly "learn of a file that is no program" 126 "^sbx: learn: program \`$SCRATCH/notprog\`: Permission denied" learn --no-verify --profile-out "$SCRATCH/y.profile" -- "$SCRATCH/notprog"
fails_cleanly "learn of a program sbx cannot run" 126 "^sbx: .*: cannot execute in sandbox" learn --no-verify --profile-out "$SCRATCH/y.profile" -- /usr
is "$(ls "$SCRATCH/y.profile" 2>&1 >/dev/null | grep -c 'No such')" "1" "... and no profile was written"
