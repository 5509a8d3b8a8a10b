# OCI image layouts as the lower layers (--image oci:DIR[:TAG]): layers
# stacked in order with their whiteouts, the config's defaults, digests
# checked, a bad layer refused with nothing left in the layer store.
. "$SBX_TESTS/lib/tap.sh"
scratch
command -v python3 >/dev/null || skip_all "python3 is needed to build the test image"
export XDG_DATA_HOME=$SCRATCH/data
store=$XDG_DATA_HOME/sbx/layers/sha256

python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/img" >/dev/null
sbx_run --image "oci:$SCRATCH/img:v1"
is "$RC:$OUT" "0:default-cmd" "with no program the image's Cmd runs"
sbx_run --image "oci:$SCRATCH/img:v1" -- sh -c 'pwd; cat /etc/motd; ls /etc; ls /opt; echo $FROM_IMAGE; while read -r k v rest; do [ "$k" = Uid: ] && echo $v; done < /proc/self/status'
is "$OUT" "/etc
layer2
group
hostname
hosts
motd
passwd
new
yes
0" "layers stacked in order: the upper file wins, a whiteout hides, an opaque dir hides what lies below; Env and WorkingDir applied; root inside"
sbx_run --image "oci:$SCRATCH/img:v1" --chdir / --setenv FROM_IMAGE=cli -- sh -c 'pwd; echo $FROM_IMAGE'
is "$OUT" "/
cli" "the command line overrides the image's defaults"
n=$(ls "$store" | wc -l)
is "$n" 2 "two layers in the content-addressed store"
sbx_run --image "oci:$SCRATCH/img:v1" -- true
is "$(ls "$store" | wc -l)" 2 "a second run unpacks nothing again"
sbx_run --image "oci:$SCRATCH/img:v1" -- sh -c 'echo w > /etc/motd; cat /etc/motd'
sbx_run --image "oci:$SCRATCH/img:v1" -- cat /etc/motd
is "$OUT" "layer2" "writes land in a throwaway upper; the layers never change"
sbx_run --image "oci:$SCRATCH/img:v1" --name img1 -- sh -c 'echo kept > /etc/note'
sbx_run --image "oci:$SCRATCH/img:v1" --name img1 -- cat /etc/note
is "$OUT" "kept" "a named sandbox of an image keeps its writes"
sbx_run --name img1 -- true
is "$RC" 125 "a named sandbox refuses to run over another lower"
like "$ERR" "was made over oci:" "... saying what it was made over"
"$SBX" rm img1 2>/dev/null

uid_gid='while read -r k a b c d; do case $k in Uid:|Gid:) echo $a;; esac; done < /proc/self/status'
# The image's User, as a name from its /etc/passwd and /etc/group or as
# numbers: the program's uid and gid.
for case in "app|1000 1000" "1000:50|1000 50" "app:staff|1000 50" "0:0|0 0"; do
  user=${case%|*} want=$(printf '%s\n' ${case#*|})
  rm -rf "$SCRATCH/u$$"
  python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/u$$" --user "$user" >/dev/null
  sbx_run --image "oci:$SCRATCH/u$$:v1" -- sh -c "$uid_gid"
  is "$OUT" "$want" "the image's User $user gives the program's uid and gid"
done
rm -rf "$SCRATCH/u$$"
python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/u$$" --user nobody-here >/dev/null
fails_cleanly "an image User that the image does not know" 125 "no user \`nobody-here\` in the image's /etc/passwd" --image "oci:$SCRATCH/u$$:v1" -- true

fails_cleanly "an unknown tag" 125 "no manifest with that tag \`nope\`.*the image holds \`v1\`" --image "oci:$SCRATCH/img:nope" -- true
# The reference names podman save and skopeo write hold '/' and ':': the
# directory ends at the first colon, as containers/image reads it.
python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/pod" --tag localhost/debian-min:12 >/dev/null
sbx_run --image "oci:$SCRATCH/pod:localhost/debian-min:12" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "--image oci:DIR:localhost/debian-min:12 (a reference with '/' and ':')"
sbx_run --image "oci:$SCRATCH/pod" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "--image oci:DIR: an index with one manifest needs no reference"
fails_cleanly "a reference the image does not hold lists those it does" 125 \
  "no manifest with that tag \`debian-min:12\`.*the image holds \`localhost/debian-min:12\`" \
  --image "oci:$SCRATCH/pod:debian-min:12" -- true
fails_cleanly "not an OCI layout" 125 "index.json.*No such file" --image "oci:$SCRATCH/nothing" -- true
fails_cleanly "not oci:" 125 "only OCI image layouts are supported" --image "docker://alpine" -- true

rm -rf "$XDG_DATA_HOME"
python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/bad" --bad-digest >/dev/null
fails_cleanly "a truncated layer" 125 "does not match its digest.*corrupt or truncated" --image "oci:$SCRATCH/bad:v1" -- true
is "$(ls -A "$store" 2>/dev/null | grep -v '^\.' | wc -l)" 1 "... only the good layer is in the store"
is "$(ls -A "$store" 2>/dev/null | grep -c '^\.tmp')" 0 "... and nothing half-unpacked"

python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/esc" --escape >/dev/null
sbx_run --image "oci:$SCRATCH/esc:v1" -- true
is "$RC" 125 "a layer with a ../ entry is refused"
like "$ERR" "^sbx: image .*: layer sha256:[0-9a-f]+ could not be unpacked \(nothing of it was kept\): entry .*would land outside the layer$" "... naming the layer and the entry"
is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "... in exactly one line (the unpacking runs in a process of its own)"
[ ! -e "$XDG_DATA_HOME/sbx/layers/escaped" ] && [ ! -e "$XDG_DATA_HOME/sbx/escaped" ] \
  && pass "... and nothing landed outside" || fail "... and nothing landed outside"
is "$(ls -A "$store" 2>/dev/null | grep -c '^\.tmp')" 0 "... and nothing half-unpacked stays"
no_leftovers "nothing left behind"
