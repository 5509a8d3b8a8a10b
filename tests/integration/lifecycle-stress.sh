# Reliability of the lifecycle, as the unprivileged user: 20 sandboxes
# started at once (detached and foreground mixed) all show in ps, all
# accept exec and all stop cleanly; SIGKILL of a launcher leaves nothing
# running and a record the next command cleans; two rm or two stop racing
# on one name do the right thing once.
. "$SBX_TESTS/lib/tap.sh"

private_sbx_state
tag=st$$

running_names() { "$SBX" ps | awk 'NR > 1 && $4 == "running" { print $1 }' | sort | tr '\n' ' '; }

# --- 20 at once ------------------------------------------------------------
want=
pids=()
for i in $(seq 1 20); do
  n=$tag-$i
  want="$want$n "
  if [ $((i % 2)) = 0 ]; then
    "$SBX" -d --rm --name $n -- sleep 1000 >"$SCRATCH/d$i.out" 2>&1 &
  else
    "$SBX" --rm --name $n -- sleep 1000 </dev/null >"$SCRATCH/f$i.out" 2>&1 &
  fi
  pids+=($!)
done
fg_pids=()
for i in $(seq 1 20); do
  if [ $((i % 2)) = 0 ]; then
    wait "${pids[$((i - 1))]}" || fail "sbx -d number $i" "$(cat "$SCRATCH/d$i.out")"
  else
    fg_pids+=("${pids[$((i - 1))]}")
    at_exit "kill -KILL ${pids[$((i - 1))]} 2>/dev/null"
  fi
done
want=$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')
wait_until 60 eval '[ "$(running_names)" = "$want" ]'
is "$(running_names)" "$want" "20 sandboxes started at once, 10 detached and 10 not, all run and show in ps"
ok=0
for i in $(seq 1 20); do
  o=$("$SBX" exec $tag-$i hostname 2>&1) && [ "$o" = "$tag-$i" ] && ok=$((ok + 1))
done
is "$ok" 20 "all 20 accept exec"
"$SBX" stop $(seq -f "$tag-%g" 1 20) >"$SCRATCH/stop.out" 2>&1
is "$?:$(cat "$SCRATCH/stop.out")" "0:" "sbx stop of all 20: exit 0"
is "$(running_names)" "" "... none runs any more"
fg_ok=0
for p in "${fg_pids[@]}"; do
  wait_rc "$p" 10
  [ "$RC" = 143 ] && fg_ok=$((fg_ok + 1))
done
is "$fg_ok" 10 "... the foreground ones returned the program's status (143, SIGTERM)"
is "$(ls -A "$runtime" 2>/dev/null | tr '\n' ' ')" "" "... with --rm, no record is left"
no_leftovers "... and nothing runs"

# --- SIGKILL of a launcher ---------------------------------------------
k=$tag-k
sbx_run -d --name $k -- sleep 1000
mon=$("$SBX" inspect --format '{{.MonitorPid}}' $k)
init=$("$SBX" inspect --format '{{.Pid}}' $k)
like "$mon:$init" '^[0-9]+:[0-9]+$' "a detached sandbox's monitor and init ($mon, $init)"
kill -KILL "$mon"
wait_until 5 eval 'gone $init && [ -z "$(sbx_processes)" ]'
is "$(sbx_processes)" "" "SIGKILL of the monitor leaves nothing running"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$runtime/$k/state.json")" "running" \
  "... its record still says running"
sbx_run ps --all
like "$OUT" "$k +- +default +killed" "the next command sees it killed"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["sbx"]["killed"])' "$runtime/$k/state.json")" \
  "stopped True" "... and cleaned its record (stopped, killed)"
sbx_run -d --name $k -- true
is "$RC" 0 "the name can be used again"
"$SBX" rm $k >/dev/null 2>&1

# A foreground unnamed sandbox killed: its record goes with the next command.
"$SBX" -- sleep 1000 </dev/null >/dev/null 2>&1 &
fg=$!
at_exit "kill -KILL $fg 2>/dev/null"
wait_until 10 eval '[ -n "$(running_names)" ]'
anon=$(running_names | tr -d ' ')
like "$anon" '^sbx-[0-9a-f]{6}$' "a foreground unnamed sandbox runs as $anon"
kill -KILL $fg
wait "$fg" 2>/dev/null
wait_until 5 eval '[ -z "$(sbx_processes)" ]'
test -d "$runtime/$anon" && pass "... SIGKILL of it leaves its record" || fail "... SIGKILL of it leaves its record" "already gone"
sbx_run ps --all
unlike "$OUT" "$anon" "... which the next command removes (ps --all)"
test -e "$runtime/$anon" && fail "... from the disk too" "$(ls -la "$runtime")" || pass "... from the disk too"

# --- racing rm, racing stop ------------------------------------------------
for round in 1 2 3; do
  r=$tag-r$round
  "$SBX" --name $r -- true
  "$SBX" rm $r >"$SCRATCH/rm1" 2>&1 &
  p1=$!
  "$SBX" rm $r >"$SCRATCH/rm2" 2>&1 &
  p2=$!
  wait $p1; c1=$?
  wait $p2; c2=$?
  got="$c1:$c2"
  errs=$(cat "$SCRATCH/rm1" "$SCRATCH/rm2")
  if { [ "$got" = "0:125" ] || [ "$got" = "125:0" ]; } && printf '%s' "$errs" | grep -q "^sbx: no sandbox named .$r."; then
    pass "round $round: two rm racing on one name: one removes, the other finds nothing"
  else
    fail "round $round: two rm racing on one name: one removes, the other finds nothing" "status $got" "$errs"
  fi
  test -e "$XDG_DATA_HOME/sbx/sandboxes/$r" && fail "... round $round: the layers are gone" || pass "... round $round: the layers are gone"
done
for round in 1 2 3; do
  s=$tag-s$round
  "$SBX" -d --name $s -- sleep 1000 >/dev/null
  init=$("$SBX" inspect --format '{{.Pid}}' $s)
  "$SBX" stop $s >"$SCRATCH/st1" 2>&1 &
  p1=$!
  "$SBX" stop $s >"$SCRATCH/st2" 2>&1 &
  p2=$!
  wait $p1; c1=$?
  wait $p2; c2=$?
  is "$c1:$c2:$(cat "$SCRATCH/st1" "$SCRATCH/st2")" "0:0:" "round $round: two stop racing: both return 0, no error"
  gone "$init" && pass "... round $round: the sandbox is gone when they return" || fail "... round $round: the sandbox is gone" "init $init runs"
  is "$("$SBX" ps --all | awk -v n=$s '$1 == n { print $4, $5 }')" "exited (143)" "... round $round: stopped once, by SIGTERM"
  "$SBX" rm $s >/dev/null 2>&1
done
no_leftovers "nothing left running"
