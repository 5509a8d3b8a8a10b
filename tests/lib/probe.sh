# sbx test library for the escape probes (tests/security/sbx-probe): its
# output turned into TAP.  Source it after tap.sh.

# The probe program, in $probe: a test that cannot find it fails loudly
# (tests/run builds it and exports SBX_PROBE), never passes or skips.
probe=${SBX_PROBE:-}
if [ -z "$probe" ] || [ ! -x "$probe" ]; then
  fail "the probe program is there" "SBX_PROBE='$probe' is not an executable" \
    "tests/run builds tests/security/sbx-probe.c and exports SBX_PROBE"
  exit 1
fi

# probe_points LABEL [WANT_RC]: one TAP point per line the probe printed
# in $OUT (ok, FAIL, skip), then one for its exit status ($RC), which must
# agree with the lines (or be WANT_RC).  A probe that died, or a sandbox
# that never started, shows there with sbx's stderr.
probe_points() {
  local label=$1 want_rc=${2:-} line body n=0 nfail=0
  while IFS= read -r line; do
    line=${line%$'\r'}
    body=${line#* }
    # "x32 keyctl: ..." under the label x32 needs no second "x32: ".
    case $body in "$label "*) ;; *) body="$label: $body" ;; esac
    case $line in
      "ok "*) pass "$body"; n=$((n + 1)) ;;
      "FAIL "*) fail "$body"; n=$((n + 1)); nfail=$((nfail + 1)) ;;
      "skip "*) skip "${body%%: *}" "${body#*: }"; n=$((n + 1)) ;;
    esac
  done <<<"$OUT"
  if [ -z "$want_rc" ]; then
    if [ $nfail -gt 0 ]; then want_rc=1; else want_rc=0; fi
  fi
  if [ $n -gt 0 ] && [ "$RC" = "$want_rc" ]; then
    pass "$label: the probe's exit status $RC agrees with its $n lines"
  else
    fail "$label: the probe ran" "checks printed: $n" "exit: $RC (want $want_rc)" "stderr: $ERR"
  fi
}

# shows_fail LABEL ERE: the probe's output in $OUT has a FAIL line matching
# ERE (a check shown to fail where the protection is missing).
shows_fail() {
  if printf '%s\n' "$OUT" | grep -Eq -- "^FAIL $2"; then
    pass "$1"
  else
    fail "$1" "want a line /^FAIL $2/ in:" "$OUT" "stderr: $ERR"
  fi
}
