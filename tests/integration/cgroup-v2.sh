# The cgroup v2 backend, through the one controller this hybrid host's v2
# hierarchy has: hugetlb.  tests/host-setup delegates sbx-UID in the v2
# hierarchy to the test user and the run sits in sbx-UID/tests, so sbx
# must do what it does on any delegated v2 host: find the subtree, put the
# leaf where the no-internal-processes rule allows (beside its own
# cgroup, which holds processes), enable the controller in the parent's
# subtree_control, write the limits, move only init, root the sandbox's
# cgroup namespace there, and remove it all at the end.  Memory, pids and
# cpu under v2 need a host with those controllers delegated (the v1 tests
# in cgroup.sh enforce them here).
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"
scratch

mnt=$(awk '{ for (s = 7; s <= NF && $s != "-"; s++) ; if ($(s + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
self=$(sed -n 's/^0:://p' /proc/self/cgroup)
here=$mnt${self%/}
parent=$(dirname "$here")
if [ -z "$mnt" ] || [ "$self" = / ] || [ ! -w "$parent/cgroup.procs" ] ||
  ! grep -qw hugetlb "$parent/cgroup.controllers" 2>/dev/null; then
  skip_all "no cgroup v2 subtree with hugetlb delegated to $(id -un) (this run sits in v2 cgroup ${self:-none}): tests/host-setup makes one on a hybrid host whose v2 hierarchy has hugetlb and no memory controller"
fi
leaves() { ls -d "$parent"/sbx-* 2>/dev/null | tr '\n' ' '; }

# --- the leaf, beside the run's own cgroup ---------------------------------------
# sbx must enable hugetlb in the parent itself: take it away first.
echo -hugetlb >"$parent/cgroup.subtree_control" 2>/dev/null
sbx_run -v --hugetlb 2M:4M -- cat /proc/self/cgroup
is "$RC" 0 "--hugetlb 2M:4M runs${ERR:+ ($(printf '%s\n' "$ERR" | grep -v debug | head -1))}"
like "$ERR" "cgroup: cgroup v2, leaf $parent/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" \
  "the leaf goes beside the run's cgroup (which holds processes), below the delegated one"
like "$OUT" "^0::/$" "inside, the sandbox is the root of its own cgroup namespace"
is "$(cat "$parent/cgroup.subtree_control")" "hugetlb" "sbx enabled hugetlb in the delegated cgroup's subtree_control"
is "$(leaves)" "" "the leaf is removed at the end"
like "$(cat "$here/cgroup.procs")" "^$$$" "the run's own cgroup still holds this shell: sbx moved nothing but its sandbox"

# --- seen from outside: init and the limits --------------------------------------
"$SBX" --hugetlb 2M:4M -- sleep 30 </dev/null >/dev/null 2>&1 &
bg=$!
at_exit "kill $bg 2>/dev/null"
init=
for _ in $(seq 200); do
  init=$(ps -o pid= --ppid $bg 2>/dev/null | head -1 | tr -d ' ')
  [ -n "$init" ] && grep -q "^0::.*/sandbox$" "/proc/$init/cgroup" 2>/dev/null && break
  init=
  sleep 0.05
done
if [ -n "$init" ]; then
  cg=$(sed -n 's/^0:://p' "/proc/$init/cgroup")
  like "$cg" "^${parent#"$mnt"}/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "init sits in sandbox below the leaf"
  leaf=$mnt$(dirname "$cg")
  is "$(cat "$leaf/hugetlb.2MB.max")" $((4 << 20)) "the leaf's hugetlb.2MB.max is the limit"
  if [ -e "$leaf/hugetlb.2MB.rsvd.max" ]; then
    is "$(cat "$leaf/hugetlb.2MB.rsvd.max")" $((4 << 20)) "... and its hugetlb.2MB.rsvd.max"
  fi
  is "$(cat "$leaf/cgroup.procs")" "" "the leaf with the limits holds no process (the sandbox is below it)"
  # The program is sleep once init's child has exec'd it: wait for that.
  prog=
  for _ in $(seq 200); do
    prog=$(ps -o pid= --ppid "$init" -o comm= | awk '$2 == "sleep" { print $1 }')
    [ -n "$prog" ] && break
    sleep 0.05
  done
  procs=$(cat "$leaf/sandbox/cgroup.procs")
  like "$procs" "^$init$" "init is in the sandbox's cgroup"
  like "$procs" "^${prog:-none}$" "... and its program"
else
  fail "init of a sandbox with --hugetlb shows up in its v2 leaf" "no child of $bg in a v2 leaf"
fi
kill $bg 2>/dev/null
wait $bg 2>/dev/null
for _ in $(seq 100); do [ -z "$(leaves)" ] && break; sleep 0.05; done
is "$(leaves)" "" "... removed when sbx is stopped"

# --- alone in a delegated cgroup: a scope made for sbx -------------------------------
# What `systemd-run --user --scope -p Delegate=yes sbx ...` gives: sbx the
# only process of a cgroup of the user's.  sbx steps into a child of its
# own, so that the leaf goes below, inside the scope.
scope=$parent/scope-$$
mkdir "$scope"
at_exit "rmdir '$scope'/sbx-*/ '$scope' 2>/dev/null"
echo +hugetlb >"$parent/cgroup.subtree_control"
out=$(timeout -k 5 60 sh -c 'echo $$ >"$0/cgroup.procs" && exec "$SBX" -v --hugetlb 2M:4M -- cat /proc/self/cgroup' "$scope" 2>&1 </dev/null)
rc=$?
is "$rc" 0 "sbx alone in a delegated cgroup runs with --hugetlb"
like "$out" "cgroup: sbx moved itself into $scope/sbx-[0-9]+-[0-9a-f]{8}$" "sbx steps aside into a child of its own cgroup"
like "$out" "cgroup: cgroup v2, leaf $scope/sbx-[0-9]+-[0-9a-f]{8}/sandbox$" "... and the sandbox's leaf goes below its cgroup, inside the scope"
like "$out" "^0::/$" "... rooted there"
is "$(ls -d "$scope"/sbx-*/ 2>/dev/null | wc -l)" 1 "only sbx's own (empty) cgroup is left, for the scope's end or the next run's sweep"
rmdir "$scope"/sbx-*/ "$scope" 2>/dev/null

# --- enforcement ----------------------------------------------------------------
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)" != 2048 ] || [ "${free:-0}" -lt 3 ]; then
  skip "--hugetlb 2M:4M is enforced" "fewer than 3 free 2 MB huge pages here (HugePages_Free: ${free:-none}; tests/host-setup reserves 4 where there are none)"
else
  sbx_run --hugetlb 2M:4M -- "$probe" hugetlb 2
  probe_points "--hugetlb 2M:4M"
  # Caught: without the limit the third page maps.
  sbx_run -- "$probe" hugetlb 2
  shows_fail "without --hugetlb: a third page is caught mapping" "beyond: got success"
fi

# --- the sandbox stays in its namespace ---------------------------------------------
sbx_run --uid 0 --cap-add ALL --hugetlb 2M:4M -- "$probe" cgroup
probe_points "--uid 0 --cap-add ALL --hugetlb: cgroup"

# --- what cannot be done, said clearly, nothing left ----------------------------------
fails_cleanly "--hugetlb with --memory: one hierarchy each on this hybrid host" 125 \
  "^sbx: cannot apply the resource limits: the limits need the memory controller, a cgroup v1 hierarchy here, and hugetlb, which only cgroup v2 has here" \
  --hugetlb 2M:4M --memory 64M -- true
fails_cleanly "--hugetlb 3M:4M: no such page size" 125 "^sbx: --hugetlb: \`3M:4M\`: this kernel has no 3MB huge pages" --hugetlb 3M:4M -- true
fails_cleanly "--hugetlb 12XB is refused" 125 "^sbx: --hugetlb: \`12XB\`: expected a size" --hugetlb 12XB -- true
is "$(leaves)" "" "no leaf left behind"
no_leftovers "nothing left behind"
