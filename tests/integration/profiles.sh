# Profiles: the shipped ones, the user's own, precedence against the
# command line, and bad profiles.
. "$SBX_TESTS/lib/tap.sh"
scratch
shipped=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}

SBX_PROFILE_PATH=$shipped sbx_run --profile ci -- sh -c 'id -u; hostname; echo $CI; grep CapEff /proc/self/status'
is "$OUT" "0
ci
true
CapEff:	00000000800405fb" "the ci profile: root inside, hostname ci, CI=true, package-manager capabilities"
# The build's and the CI run's variables come in by name; credentials do not.
CC=clang-17 SOURCE_DATE_EPOCH=1700000000 GITHUB_SHA=0123abc GITHUB_TOKEN=ghs_secret CI_JOB_TOKEN=glcbt-x \
  SBX_PROFILE_PATH=$shipped sbx_run --profile ci -- sh -c 'echo "CC=$CC SDE=$SOURCE_DATE_EPOCH SHA=$GITHUB_SHA TOKEN=${GITHUB_TOKEN:-none} JOB=${CI_JOB_TOKEN:-none}"'
is "$OUT" "CC=clang-17 SDE=1700000000 SHA=0123abc TOKEN=none JOB=none" "the ci profile passes build and CI-run variables, never GITHUB_TOKEN or CI_JOB_TOKEN"
GITHUB_TOKEN=ghs_secret SBX_PROFILE_PATH=$shipped sbx_run --profile ci --pass-env GITHUB_TOKEN -- sh -c 'echo "${GITHUB_TOKEN:-none}"'
is "$OUT" "ghs_secret" "... unless the job names one with --pass-env"
fails_cleanly "--pass-env with an empty name is refused" 125 "^sbx: --pass-env: \`A,,B\`: expected variable names" --pass-env A,,B -- true
SBX_PROFILE_PATH=$shipped sbx_run --profile ci -- sh -c 'touch /tmp/f && chown 1:1 /tmp/f && stat -c %u:%g /tmp/f'
is "$OUT" "1:1" "the ci profile's CHOWN works on the sandbox's own files"
SBX_PROFILE_PATH=$shipped sbx_run --profile default -- hostname
is "$OUT$RC" "sbx0" "the default profile"

SBX_PROFILE_PATH=$shipped sbx_run --profile ci --hostname cli -- hostname
is "$OUT" "cli" "an option after --profile overrides it"
SBX_PROFILE_PATH=$shipped sbx_run --hostname cli --profile ci -- hostname
is "$OUT" "cli" "an option before --profile overrides it too"
SBX_PROFILE_PATH=$shipped sbx_run --profile ci --cap-drop ALL -- grep CapEff /proc/self/status
is "$OUT" "CapEff:	0000000000000000" "--cap-drop on the command line removes a profile's capabilities"

mkdir -p "$SCRATCH/config/sbx/profiles"
cat >"$SCRATCH/config/sbx/profiles/mine.profile" <<EOP
# my own
hostname mine
ro-bind $SCRATCH:/data
setenv GREETING=hello world
EOP
echo payload >"$SCRATCH/payload"
XDG_CONFIG_HOME=$SCRATCH/config sbx_run --profile mine -- sh -c 'hostname; cat /data/payload; echo $GREETING'
is "$OUT" "mine
payload
hello world" "a user's profile in \$XDG_CONFIG_HOME/sbx/profiles is found by name"
sbx_run --profile "$SCRATCH/config/sbx/profiles/mine.profile" -- hostname
is "$OUT" "mine" "a profile given by path"

printf 'hostname x\nbnid /a\n' >"$SCRATCH/bad.profile"
fails_cleanly "unknown directive" 125 "^sbx: profile bad.profile:2: unknown directive 'bnid'" --profile "$SCRATCH/bad.profile" -- true
printf 'bind relative/path\n' >"$SCRATCH/rel.profile"
fails_cleanly "relative path in a profile" 125 "^sbx: profile rel.profile:1: bind: \`relative/path\`: use an absolute path or ~/ here" --profile "$SCRATCH/rel.profile" -- true
printf 'include self\n' >"$SCRATCH/self.profile"
SBX_PROFILE_PATH=$SCRATCH fails_cleanly "an include cycle" 125 "^sbx: profile self.profile:1: include cycle: $SCRATCH/self.profile -> $SCRATCH/self.profile; remove one of these includes" --profile self -- true
SBX_PROFILE_PATH=$SCRATCH fails_cleanly "a missing profile" 125 "^sbx: profile \`nosuch\` not found \(searched $SCRATCH\)" --profile nosuch -- true
fails_cleanly "an unreadable profile path" 125 "^sbx: profile \`/nonexistent/x.profile\`: No such file" --profile /nonexistent/x.profile -- true
fails_cleanly "a profile that is not a regular file" 125 "^sbx: profile \`/dev/null\` is not a regular file" --profile /dev/null -- true
mkfifo "$SCRATCH/fifo.profile"
fails_cleanly "a fifo as a profile (no hang)" 125 "is not a regular file" --profile "$SCRATCH/fifo.profile" -- true
no_leftovers "nothing left behind"

# --- the language ------------------------------------------------------------
printf 'hostname x\nbnid /a\n' >"$SCRATCH/typo.profile"
fails_cleanly "a misspelt directive gets the nearest one" 125 \
  "^sbx: profile typo.profile:2: unknown directive 'bnid'; did you mean 'bind'\?" --profile "$SCRATCH/typo.profile" -- true
printf 'setenv A=${NOSUCH}\n' >"$SCRATCH/unknown-var.profile"
fails_cleanly "an unknown variable" 125 \
  "^sbx: profile unknown-var.profile:1: setenv: unknown variable \`\\\$\{NOSUCH\}\`; \`sbx profile vars\` lists them" --profile "$SCRATCH/unknown-var.profile" -- true
printf '# Wayland\nbind ${WAYLAND_SOCKET}\n' >"$SCRATCH/unset.profile"
WAYLAND_DISPLAY= fails_cleanly "a variable not set here" 125 \
  "^sbx: profile unset.profile:2: bind: \\\$\{WAYLAND_SOCKET\} is not set here \(.*\); \`bind-try\` skips the line where it is not" --profile "$SCRATCH/unset.profile" -- true
printf 'ro-bind-try ${WAYLAND_SOCKET}\nsetenv-try WAYLAND_DISPLAY=${WAYLAND_SOCKET}\nbind-try %s/nosuch\nro-bind-try %s/payload:/p\nsetenv V=${UID}:${PROFILE}:$$HOME:${CWD}\n' "$SCRATCH" "$SCRATCH" >"$SCRATCH/try.profile"
start_dir=$PWD
cd "$SCRATCH" && WAYLAND_DISPLAY= sbx_run --profile "$SCRATCH/try.profile" -- sh -c 'echo "$V"; cat /p; echo "${WAYLAND_DISPLAY-unset}"'
cd "$start_dir"
is "$OUT" "$(id -u):try:\$HOME:$SCRATCH
payload
unset" "variables expand (\$\$ is a dollar sign); -try lines whose variable is unset are skipped, a present source is bound"
  like "$ERR" "^sbx: note: profile try.profile:1: \\\$\{WAYLAND_SOCKET\} is not set here: the lines that use it are skipped
sbx: note: not on this host, not mounted: $SCRATCH/nosuch$" "... one note per unset variable, one for the missing sources"
sbx_run -q --profile "$SCRATCH/try.profile" -- true
is "$RC:$ERR" "0:" "-q silences those notes"

# --- sbx profile ---------------------------------------------------------------
SBX_PROFILE_PATH=$shipped sbx_run profile list
like "$OUT" "^browser +$shipped/browser.profile
chromium +$shipped/chromium.profile
ci +$shipped/ci.profile
default +$shipped/default.profile
dev .*
firefox .*
firefox-esr .*
offline .*
x11 +$shipped/x11.profile$" "sbx profile list: every shipped profile and its file"
SBX_PROFILE_PATH=$shipped sbx_run profile check browser
like "$RC:$OUT" "^0:browser: ok, [0-9]+ directives" "sbx profile check browser"
fails_cleanly "sbx profile check names the file and line of an error" 125 "^sbx: profile bad.profile:2: unknown directive" profile check "$SCRATCH/bad.profile"
fails_cleanly "sbx profile without a subcommand" 125 "^sbx: usage: sbx profile list" profile
printf 'include default\nhostname one\nsetenv A=1\nhostname two\nsetenv P=$$1\n' >"$SCRATCH/show.profile"
SBX_PROFILE_PATH=$shipped sbx_run profile show "$SCRATCH/show.profile"
is "$OUT" "# sbx profile show $SCRATCH/show.profile: the effective profile, includes read in place and
# variables expanded for this user and host; replaced settings left out
# from show.profile
setenv A=1
hostname two
setenv P=\$\$1" "sbx profile show: includes in place, a replaced hostname left out, \$ written as \$\$"
for p in ci browser dev offline; do
  SBX_PROFILE_PATH=$shipped "$SBX" profile show "$p" 2>/dev/null >"$SCRATCH/shown.profile"
  SBX_PROFILE_PATH=$shipped "$SBX" profile show "$SCRATCH/shown.profile" 2>/dev/null >"$SCRATCH/again.profile"
  is "$(grep -v '^#' "$SCRATCH/again.profile")" "$(grep -v '^#' "$SCRATCH/shown.profile")" \
    "sbx profile show $p parses back to the same directives"
done
SBX_PROFILE_PATH=$shipped sbx_run --profile "$SCRATCH/shown.profile" -- sh -c 'ls /sys/class/net; touch ~/x 2>&1 | sed "s/.*: //"'
is "$OUT" "lo
Read-only file system" "the shown offline profile runs: loopback only, the home read-only"
like "$("$SBX" profile vars)" "^HOME +$HOME " "sbx profile vars prints the variables and their values"

# --- a profile named like the program -------------------------------------------
# (hostname.profile, for the program hostname: what it prints shows it.)
mkdir -p "$SCRATCH/auto"
echo "hostname picked" >"$SCRATCH/auto/hostname.profile"
SBX_PROFILE_PATH=$SCRATCH/auto sbx_run /bin/hostname
is "$OUT" "picked" "sbx PROGRAM applies the profile named like the program"
like "$ERR" "^sbx: note: using the profile \`hostname\` \($SCRATCH/auto/hostname.profile\), named like the program; --no-auto-profile runs without it$" "... and says so"
SBX_PROFILE_PATH=$SCRATCH/auto sbx_run --no-auto-profile hostname
is "$OUT:$ERR" "sbx:" "--no-auto-profile turns it off"
SBX_PROFILE_PATH=$SCRATCH/auto:$shipped sbx_run --profile default hostname
is "$OUT:$ERR" "sbx:" "a --profile given takes its place"

# --- ci: the job runs where it is ---------------------------------------------------
job=$(mktemp -d /tmp/sbx-ci-job.XXXXXX)
at_exit "rm -rf '$job'"
cat >"$job/hello.c" <<'EOF'
#include <stdio.h>
int main (void) { puts ("hello from ci"); return 0; }
EOF
printf 'hello: hello.c\n\tcc -o $@ hello.c\ncheck: hello\n\t./hello | grep -q "hello from ci" && echo PASS $(CURDIR)\n' >"$job/Makefile"
cd "$job" && SBX_PROFILE_PATH=$shipped sbx_run --profile ci -- make -s check
cd "$start_dir"
is "$RC:$OUT" "0:PASS $job" "ci: a job in /tmp builds and tests a small C project in its own directory${ERR:+ ($ERR)}"
[ -x "$job/hello" ] && pass "ci: the build lands in the job's directory on the host" || fail "ci: the build lands in the job's directory on the host" "$(ls -la "$job")"
mkdir -p "$job/other"
cd "$job" && SBX_PROFILE_PATH=$shipped sbx_run --profile ci --workspace "$job/other" -- sh -c 'pwd; touch made'
cd "$start_dir"
is "$OUT" "$job/other" "ci: --workspace DIR overrides the profile's"
[ -e "$job/other/made" ] && [ ! -e "$job/made" ] && pass "... and only that directory is the job's" || fail "... and only that directory is the job's" "$(ls -R "$job")"
if command -v apt-get >/dev/null; then
  cd "$job" && SBX_PROFILE_PATH=$shipped sbx_run --profile ci -- sh -c 'apt-get update'
  cd "$start_dir"
  is "$(printf '%s\n' "$ERR" | grep -c -- '--image oci:DIR')" 1 "ci: apt-get update over the host's root gets one line naming --image"
  like "$RC:$ERR" "^[1-9][0-9]*:.*lock" "... and apt-get fails on its lock, as the line says"
else
  skip "ci: apt-get update over the host's root gets one line naming --image" "apt-get is not installed"
fi
cd / && SBX_PROFILE_PATH=$shipped fails_cleanly "ci started in /" 125 "^sbx: --workspace \`/\`: the whole host would be writable" --profile ci -- true
cd "$start_dir"

# --- the other new settings -----------------------------------------------------------
export XDG_DATA_HOME=$SCRATCH/data
sbx_run --persist-home t1 -- sh -c 'echo kept >~/f'
sbx_run --persist-home t1 -- sh -c 'cat ~/f'
is "$OUT:$(cat "$SCRATCH/data/sbx/homes/t1/f")" "kept:kept" "--persist-home: the home is kept in \$XDG_DATA_HOME/sbx/homes/NAME"
unset XDG_DATA_HOME
if [ -c /dev/fuse ] && [ -w /dev/fuse ]; then
  sbx_run --bind /dev/fuse:/dev/fusex -- sh -c ': <>/dev/fusex && echo opened'
  is "$OUT" "" "--bind of a device node: not usable (nodev)"
  sbx_run --dev-bind /dev/fuse:/dev/fusex -- sh -c ': <>/dev/fusex && echo opened'
  is "$OUT" "opened" "--dev-bind of a device node: usable"
else
  skip "--dev-bind of a device node: usable" "/dev/fuse is not usable here"
fi
no_leftovers "nothing left behind (the language, sbx profile, ci)"
