# What the ecosystem expects, checked against the code: the manuals
# (sbx(1), sbx-profile(5)) and `sbx --help` name every option, verb and
# profile directive the code has and nothing else; the shell completions
# offer them; the AppArmor profile parses; --json says what the text says.
# The code's own lists come from the hidden `sbx help --list-*`, made from
# the tables sbx runs on, so an option added without documentation fails
# here.
. "$SBX_TESTS/lib/tap.sh"
scratch
docs=${SBX_DOCS:?the runner exports SBX_DOCS}
shipped=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}
man1=$docs/sbx.1
man5=$docs/sbx-profile.5

# same_set DESC WANT-FILE WANT-NAME GOT-FILE GOT-NAME: both ways.
same_set() {
  local desc=$1 a=$2 an=$3 b=$4 bn=$5 missing extra
  missing=$(LC_ALL=C comm -23 <(LC_ALL=C sort -u "$a") <(LC_ALL=C sort -u "$b") | tr '\n' ' ')
  extra=$(LC_ALL=C comm -13 <(LC_ALL=C sort -u "$a") <(LC_ALL=C sort -u "$b") | tr '\n' ' ')
  if [ ! -s "$a" ] || [ ! -s "$b" ]; then
    fail "$desc" "an empty list: $an $(wc -l <"$a") lines, $bn $(wc -l <"$b") lines"
  elif [ -z "$missing$extra" ]; then
    pass "$desc"
  else
    fail "$desc" "in $an, not in $bn: ${missing:-none}" "in $bn, not in $an: ${extra:-none}"
  fi
}

# --- the code's lists --------------------------------------------------
"$SBX" help --list-verbs >"$SCRATCH/verbs.code"
: >"$SCRATCH/options.all"
while read -r v; do
  "$SBX" help --list-options "$v" >>"$SCRATCH/options.all" ||
    fail "sbx help --list-options $v" "exit $?"
done <"$SCRATCH/verbs.code"
cut -d' ' -f1 "$SCRATCH/options.all" | grep -E '^--' >"$SCRATCH/long.code"
cut -d' ' -f1 "$SCRATCH/options.all" | grep -E '^-[a-zA-Z]$' >"$SCRATCH/short.code"
"$SBX" help --list-directives >"$SCRATCH/directives.code"
grep -qx -- --bind "$SCRATCH/long.code" && grep -qx -- --json "$SCRATCH/long.code" &&
  grep -qx diff "$SCRATCH/verbs.code" && grep -qx include "$SCRATCH/directives.code" &&
  pass "the code lists its verbs, options (run's and --json) and directives" ||
  fail "the code lists its verbs, options (run's and --json) and directives" \
    "verbs: $(tr '\n' ' ' <"$SCRATCH/verbs.code")" "options: $(tr '\n' ' ' <"$SCRATCH/long.code")"
# Every directive is a setting, and so an option (one table, core/settings.c).
grep -vx include "$SCRATCH/directives.code" | sed 's/^/--/' >"$SCRATCH/directives.as-options"
is "$(LC_ALL=C comm -23 <(LC_ALL=C sort -u "$SCRATCH/directives.as-options") <(LC_ALL=C sort -u "$SCRATCH/long.code") | tr '\n' ' ')" "" \
  "every profile directive is also an option"

# --- sbx --help and sbx help VERB ---------------------------------------
{
  "$SBX" --help
  while read -r v; do "$SBX" help "$v" || echo "NO HELP FOR $v"; done <"$SCRATCH/verbs.code"
} >"$SCRATCH/help.txt" 2>&1
unlike "$(cat "$SCRATCH/help.txt")" "NO HELP FOR" "sbx help VERB works for every verb"
grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' "$SCRATCH/help.txt" | sed 's/^[^-]*//' >"$SCRATCH/long.help"
grep -oE -- '^ +-[a-zA-Z],' "$SCRATCH/help.txt" | tr -d ' ,' >"$SCRATCH/short.help"
same_set "sbx --help and sbx help VERB name every long option, and only those" \
  "$SCRATCH/long.code" code "$SCRATCH/long.help" "the help text"
same_set "sbx --help names every short option, and only those" \
  "$SCRATCH/short.code" code "$SCRATCH/short.help" "the help text"
"$SBX" --help | sed -n '/^Verbs:/,/^Reserved/p' | grep -oE '^  [a-z]+' | tr -d ' ' >"$SCRATCH/verbs.help"
same_set "sbx --help lists every verb, and only those" \
  "$SCRATCH/verbs.code" code "$SCRATCH/verbs.help" "sbx --help's Verbs"

# --- sbx(1) ----------------------------------------------------------------
grep -oE 'Fl \\-[a-z][a-z0-9-]*' "$man1" | sed 's/^Fl \\-/--/' >"$SCRATCH/long.man"
grep -oE 'Fl [a-zA-Z]( |$)' "$man1" | sed 's/^Fl /-/; s/ $//' >"$SCRATCH/short.man"
same_set "sbx(1) documents every long option (.Fl), and only those" \
  "$SCRATCH/long.code" code "$SCRATCH/long.man" "sbx.1"
same_set "sbx(1) documents every short option, and only those" \
  "$SCRATCH/short.code" code "$SCRATCH/short.man" "sbx.1"
sed -n '/^\.Sh COMMANDS/,/^\.Sh /p' "$man1" | grep -oE '^\.It Cm [a-z]+' | sed 's/^\.It Cm //' >"$SCRATCH/verbs.man"
same_set "sbx(1) documents every verb (COMMANDS), and only those" \
  "$SCRATCH/verbs.code" code "$SCRATCH/verbs.man" "sbx.1"
for want in "^\.Sh EXIT STATUS" "^\.Sh FILES" "^\.Sh ENVIRONMENT" "^\.Sh EXAMPLES" "^125$" "^126$" "^127$"; do
  sed 's/^\.It //' "$man1" | grep -qE "$want" && pass "sbx(1) has /$want/" || fail "sbx(1) has /$want/"
done

# --- sbx-profile(5) ------------------------------------------------------
grep -oE '^\.It Ic [a-z][a-z0-9-]*' "$man5" | sed 's/^\.It Ic //' >"$SCRATCH/directives.man"
same_set "sbx-profile(5) documents every directive (.It Ic), and only those" \
  "$SCRATCH/directives.code" code "$SCRATCH/directives.man" "sbx-profile.5"
for want in "^\.Sh SEARCH PATH" "SBX_PROFILE_PATH" "XDG_CONFIG_HOME" "^\.Sh EXAMPLES"; do
  grep -qE "$want" "$man5" && pass "sbx-profile(5) has /$want/" || fail "sbx-profile(5) has /$want/"
done

# --- the manuals render ---------------------------------------------------
for page in "$man1" "$man5"; do
  if command -v mandoc >/dev/null; then
    is "$(mandoc -T lint -W warning "$page" 2>&1)" "" "$(basename "$page"): mandoc -T lint finds no warning"
  else
    skip "$(basename "$page"): mandoc -T lint" "mandoc is not installed (apt-get install mandoc)"
  fi
  if command -v man >/dev/null && command -v groff >/dev/null; then
    out=$(MANWIDTH=80 man -l "$page" 2>"$SCRATCH/man.err")
    like "$out" "^NAME" "$(basename "$page"): man -l renders it"
    is "$(cat "$SCRATCH/man.err")" "" "... without a complaint"
  else
    skip "$(basename "$page"): man -l renders it" "man or groff is not installed (apt-get install man-db groff-base)"
  fi
done

# --- bash completion -------------------------------------------------------
# complete WORD...: what the bash completion offers for the last WORD, in
# a bash that is not interactive, as bash-completion calls it.
complete_bash() {
  bash -c '. "$1" || exit 1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _sbx sbx "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' complete "$docs/completion/sbx.bash" "$SBX" "$@" 2>&1 |
    LC_ALL=C sort | tr '\n' ' '
}
is "$(complete_bash "")" "$(LC_ALL=C sort "$SCRATCH/verbs.code" | tr '\n' ' ')" "bash: \`sbx \` offers the verbs"
is "$(complete_bash --prof)" "--profile " "bash: \`sbx --prof\` completes to --profile"
is "$(SBX_PROFILE_PATH=$shipped complete_bash --profile "")" "$(ls "$shipped" | sed -n 's/\.profile$//p' | LC_ALL=C sort | tr '\n' ' ')" "bash: \`sbx --profile \` offers the shipped profiles"
like "$(SBX_PROFILE_PATH=$shipped complete_bash --profile "")" "^browser .*ci default dev firefox firefox-esr offline x11 $" "... browser, chromium, ci, default, dev, firefox(-esr), offline and x11"
is "$(complete_bash profile "")" "check list show vars " "bash: \`sbx profile \` offers its subcommands"
is "$(SBX_PROFILE_PATH=$shipped complete_bash profile show br)" "browser " "bash: \`sbx profile show br\` completes a profile"
mkdir -p "$SCRATCH/config/sbx/profiles"
echo "hostname mine" >"$SCRATCH/config/sbx/profiles/mine.profile"
like "$(XDG_CONFIG_HOME=$SCRATCH/config complete_bash --uid 0 --profile m)" "^mine $" \
  "bash: ... and the user's own (\$XDG_CONFIG_HOME/sbx/profiles)"
"$SBX" seccomp groups | sed -n 's/^\(@[^:]*\):.*/\1/p' | LC_ALL=C sort | tr '\n' ' ' >"$SCRATCH/groups"
is "$(complete_bash --seccomp-allow @)" "$(cat "$SCRATCH/groups")" "bash: \`sbx --seccomp-allow @\` offers the syscall groups"
like "$(complete_bash --seccomp-deny @net)" "^@network-io $" "bash: ... --seccomp-deny too"
is "$(complete_bash --)" "$("$SBX" help --list-options run | cut -d' ' -f1 | grep -E '^--' | LC_ALL=C sort -u | tr '\n' ' ')" \
  "bash: \`sbx --\` offers every option of run"
is "$(complete_bash --net "")" "host none slirp " "bash: \`sbx --net \` offers its values"
is "$(complete_bash seccomp "")" "groups show " "bash: \`sbx seccomp \` offers show and groups"
is "$(complete_bash seccomp show --seccomp-allow @deb)" "@debug " "bash: seccomp show takes run's options"
is "$(complete_bash ps --)" "--all --json " "bash: \`sbx ps --\` offers its options"
is "$(complete_bash stop -)" "--time -t " "bash: \`sbx stop -\` offers its options"
mkdir -p "$SCRATCH/data/sbx/sandboxes/docs-one" "$SCRATCH/data/sbx/sandboxes/docs-two"
is "$(XDG_DATA_HOME=$SCRATCH/data complete_bash diff "")" "docs-one docs-two " "bash: \`sbx diff \` offers the named sandboxes"
is "$(XDG_DATA_HOME=$SCRATCH/data complete_bash rm docs-one d)" "docs-one docs-two " "bash: ... so does \`sbx rm\`"
is "$(XDG_DATA_HOME=$SCRATCH/data complete_bash --name docs-t)" "docs-two " "bash: ... and --name"
rm -rf "$SCRATCH/data"
is "$(complete_bash --hostname x -- --pro)" "" "bash: nothing of sbx's after the program's --"

# --- zsh completion --------------------------------------------------------
if command -v zsh >/dev/null; then
  out=$(zsh -n "$docs/completion/_sbx" 2>&1)
  is "$?:$out" "0:" "zsh: _sbx parses"
  like "$(head -1 "$docs/completion/_sbx")" "^#compdef sbx$" "zsh: _sbx is a #compdef sbx file"
else
  skip "zsh: _sbx parses" "zsh is not installed (apt-get install zsh)"
fi

# --- AppArmor ----------------------------------------------------------------
aa=$docs/sbx.apparmor
if [ ! -f "$aa" ]; then
  fail "the AppArmor profile is built (profiles/apparmor/sbx)" "no $aa"
else
  like "$(cat "$aa")" "profile sbx /[^ @]*/sbx flags=\(unconfined\) \{" "AppArmor: the profile names the configured binary's path"
  like "$(cat "$aa")" "^  userns,$" "AppArmor: ... and allows user namespaces"
  parser=$(PATH=$PATH:/usr/sbin:/sbin command -v apparmor_parser)
  if [ -z "$parser" ]; then
    skip "AppArmor: the profile parses" "apparmor_parser is not installed (apt-get install apparmor)"
  elif [ ! -e /etc/apparmor.d/abi/4.0 ]; then
    # AppArmor 3 lacks the 4.0 ABI and the userns rule: check the rest.
    sed '/^abi <abi\/4.0>,$/d; /^  userns,$/d' "$aa" >"$SCRATCH/sbx.aa3"
    # Without AppArmor in the kernel (a container) the parser notes that
    # it cannot use its cache: not about the profile.
    out=$("$parser" -QK -I /etc/apparmor.d "$SCRATCH/sbx.aa3" 2>&1)
    is "$?:$(printf '%s\n' "$out" | grep -v '^Cache read/write disabled')" "0:" "AppArmor: the profile without its AppArmor 4 rules parses ($("$parser" --version | head -1))"
    skip "AppArmor: the whole profile parses" "this AppArmor has no abi/4.0 (userns rules: AppArmor 4, Ubuntu 24.04)"
  else
    out=$("$parser" -QK -I /etc/apparmor.d "$aa" 2>&1)
    is "$?:$(printf '%s\n' "$out" | grep -v '^Cache read/write disabled')" "0:" "AppArmor: the profile parses (apparmor_parser -QK)"
  fi
fi

# --- --json --------------------------------------------------------------
# json_vs_text KIND JSON-FILE TEXT-FILE: python3 parses both and says
# "same" or where they differ.
json_vs_text() {
  python3 - "$@" <<'EOF'
import json, re, sys
kind, jpath, tpath = sys.argv[1:4]
j = json.load(open(jpath))
text = open(tpath).read()

def words(lines):
    return [w for l in lines for w in l.split()]

if kind == "groups":
    t, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^(@\S+): (.*)$", line)
        if m:
            cur = {"name": m.group(1), "description": m.group(2), "members": []}
            t.append(cur)
        else:
            cur["members"] += line.split()
    got = t
elif kind == "diff":
    got = [{"kind": l[0], "path": l[2:]} for l in text.splitlines()]
elif kind == "show":
    if text.startswith("seccomp policy: unconfined"):
        got = {"policy": "unconfined"}
    else:
        sections = re.split(r"\n\n", text.rstrip("\n"))
        head = sections[0].splitlines()
        changes = []
        for l in head[1:]:
            m = re.match(r"^  (allow|deny) (\S+) \((.*)\)$", l)
            changes.append({"action": m.group(1), "name": m.group(2), "origin": m.group(3)})
        allowed = words(sections[1].splitlines()[1:])
        checked = [dict(zip(("name", "rule"), l.split(None, 1))) for l in sections[2].splitlines()[1:]]
        ref = sections[3].splitlines()
        refused_action = "log" if "reported by sbx" in ref[0] else "EPERM"
        refused = words(l for l in ref[1:] if not l.startswith("  and every"))
        got = {"policy": "default", "changes": changes, "allowed": allowed, "checked": checked,
               "refused": refused, "refused_action": refused_action,
               "other_abis": "ENOSYS" if "(ENOSYS)" in sections[4] else "?"}
if got == j:
    print("same")
else:
    print("differ:\n json: %s\n text: %s" % (json.dumps(j)[:600], json.dumps(got)[:600]))
EOF
}

if ! command -v python3 >/dev/null; then
  skip "--json" "python3 is not installed"
else
  "$SBX" seccomp groups >"$SCRATCH/g.txt"
  "$SBX" seccomp groups --json >"$SCRATCH/g.json"
  is "$(json_vs_text groups "$SCRATCH/g.json" "$SCRATCH/g.txt")" "same" "sbx seccomp groups --json says what the text says"
  for opts in "" "--seccomp-allow ptrace --seccomp-deny @network-io --cap-add SYS_ADMIN --seccomp-log" "unconfined"; do
    # shellcheck disable=SC2086
    "$SBX" seccomp show $opts >"$SCRATCH/s.txt"
    # shellcheck disable=SC2086
    "$SBX" seccomp show --json $opts >"$SCRATCH/s.json"
    is "$(json_vs_text show "$SCRATCH/s.json" "$SCRATCH/s.txt")" "same" "sbx seccomp show --json ${opts:+$opts }says what the text says"
  done
  sbx_run seccomp groups --bogus
  is "$RC" 125 "sbx seccomp groups with an unknown option: exit 125"

  export XDG_DATA_HOME=$SCRATCH/data
  at_exit "sbx_wipe '$SCRATCH/data'"
  sbx_run --name docs-json -- sh -c 'echo a > /root/added; echo changed > /etc/motd; rm -f /etc/debian_version; mkdir /usr/docs-dir; echo "x y" > "/usr/docs-dir/a b"'
  if [ "$RC" != 0 ]; then
    fail "a named sandbox for sbx diff --json" "rc $RC: $ERR"
  else
    "$SBX" diff docs-json >"$SCRATCH/d.txt" 2>&1
    "$SBX" diff docs-json --json >"$SCRATCH/d.json" 2>&1
    like "$(cat "$SCRATCH/d.txt")" "A /usr/docs-dir/a b" "sbx diff NAME lists the changes"
    is "$(json_vs_text diff "$SCRATCH/d.json" "$SCRATCH/d.txt")" "same" "sbx diff NAME --json says what the text says"
    "$SBX" diff --json docs-json >"$SCRATCH/d2.json" 2>&1
    is "$(cmp "$SCRATCH/d.json" "$SCRATCH/d2.json" && echo same)" "same" "sbx diff --json NAME: the same"
    sbx_run rm docs-json
    is "$RC" 0 "sbx rm the named sandbox${ERR:+ ($ERR)}"
  fi
  fails_cleanly "sbx diff with two names" 125 "^sbx: usage: sbx diff \[--json\] NAME" diff a b
fi
no_leftovers "nothing left behind"
