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
SBX_PROFILE_PATH=$SCRATCH fails_cleanly "an include cycle" 125 "nest deeper than" --profile self -- true
SBX_PROFILE_PATH=$SCRATCH fails_cleanly "a missing profile" 125 "^sbx: profile \`nosuch\` not found \(searched $SCRATCH\)" --profile nosuch -- true
fails_cleanly "an unreadable profile path" 125 "^sbx: profile \`/nonexistent/x.profile\`: No such file" --profile /nonexistent/x.profile -- true
no_leftovers "nothing left behind"
