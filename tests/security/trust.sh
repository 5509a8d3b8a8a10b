# Trust boundaries: nothing a sandbox can write decides what a later run
# executes.  sbx's own directories (the compiled seccomp filters in
# ~/.cache/sbx, named sandboxes and the layer store in ~/.local/share/sbx,
# profiles in ~/.config/sbx) are hidden in every sandbox, also below a
# parent the user binds, and what sbx reads back from them is checked and
# rebuilt when damaged, never loaded.  The attacks are the ones that
# worked on the code before: rewrite the cached filters through
# `--bind ~/.cache`, the layer store through `--bind ~/.local`.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/probe.sh"

command -v python3 >/dev/null || { fail "python3 is there (it builds the test image)"; exit 1; }
scratch
# A home of the test's own, so sbx's directories are this test's alone.
export HOME=$SCRATCH/home
unset XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
mkdir -p "$HOME"
cache=$HOME/.cache/sbx data=$HOME/.local/share/sbx config=$HOME/.config/sbx

# What later runs read: a cached filter, a named sandbox, an image's
# layers, a profile.
sbx_run -- true
sbx_run --name keep -- sh -c 'echo original > /etc/trust-note'
python3 "$SBX_TESTS/lib/mkoci.py" "$SCRATCH/img" >/dev/null
sbx_run --image "oci:$SCRATCH/img:v1" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "an image runs (its layers are in the store)"
mkdir -p "$config/profiles"
printf 'hostname trusted\n' >"$config/profiles/mine.profile"
n_filters=$(find "$cache/seccomp" -name '*.bpf' | wc -l)
[ "$n_filters" -ge 1 ] && pass "a compiled filter is cached ($n_filters)" ||
  fail "a compiled filter is cached" "$(ls -la "$cache/seccomp" 2>&1)"

# sums: every file under sbx's own directories that a later run reads,
# with its content (the run/ directory is this run's own and changes).
sums() {
  (cd "$HOME" && find .cache/sbx .local/share/sbx .config/sbx \
    -path .local/share/sbx/run -prune -o -type f -print 2>/dev/null | sort |
    while read -r f; do
      printf '%s %s\n' "$(cat "$f" 2>/dev/null | sha256sum | cut -c1-16)" "$f"
    done)
}
before=$(sums)

# The attacker: inside the sandbox, tries to change every file under
# sbx's directories, plant new ones, and move the directories (and each
# directory between them and the bind) aside to plant a fresh tree where
# the next run looks.  One line per success.
attack=$(
  cat <<'EOF'
top=$1; shift
for d in "$@"; do
  # Only what the bind shows: the rest of the sandbox's home is its own.
  case $d in "$top" | "$top"/*) ;; *) continue ;; esac
  find "$d" -type f 2>/dev/null | while read -r f; do
    case $f in
      # A filter's first instruction becomes "return ALLOW", size kept:
      # the attack that turned every later sandbox's filter off.
      *.bpf) printf '\006\000\000\000\000\000\377\177' |
        dd of="$f" bs=8 count=1 conv=notrunc 2>/dev/null && echo "WROTE $f" ;;
      *) (printf 'x' >>"$f") 2>/dev/null && echo "WROTE $f" ;;
    esac
  done
  (echo planted >"$d/planted") 2>/dev/null && echo "PLANTED $d/planted"
  p=$d
  while [ "$p" != "$top" ] && [ "$p" != / ]; do
    mv "$p" "$p.moved" 2>/dev/null && { echo "MOVED $p"; mkdir -p "$d" && echo x >"$d/planted" && echo "PLANTED after move $d"; break; }
    p=${p%/*}
  done
  rmdir "$d" 2>/dev/null && echo "REMOVED $d"
done
echo done
EOF
)
own_dirs="$cache $data $config"
# The account's own home (the test's HOME lies below it): binding it is
# handing the account over, which sbx says.
account_home=$(getent passwd "$(id -u)" | cut -d: -f6)
for bind in "$HOME/.cache" "$HOME/.local" "$HOME/.config" "$HOME/.local/share" "$HOME" "$account_home"; do
  label="--bind ${bind/#$HOME/~}"
  sbx_run --bind "$bind" -- sh -c "$attack" attack "$bind" $own_dirs
  is "$RC:$OUT" "0:done" "$label: the program changes, plants, moves or removes nothing of sbx's"
  case $bind in
    "$account_home") is "$(printf '%s\n' "$ERR" | grep -c 'lets the sandbox write your whole home directory')" 1 \
      "$label (the account's home): sbx says once that the account is handed over" ;;
    *) is "$ERR" "" "$label: no warning for a directory that is not the account's home" ;;
  esac
  shown=
  for d in $own_dirs; do case $d in "$bind"/*) shown="$shown $d" ;; esac; done
  sbx_run --bind "$bind" -- sh -c "n=0; for d in $shown; do n=\$((n + \$(ls -A \$d | wc -l))); touch \$d/x 2>&1 | grep -q 'Read-only file system' || echo \"writable: \$d\"; done; echo \$n"
  is "$RC:$OUT" "0:0" "$label: sbx's directories ($(echo $shown | wc -w) of them) are empty and read-only inside"
done
# The same through the current directory (shown read-only) and a
# read-only bind: nothing to read either.
sbx_run --ro-bind "$HOME/.local" -- sh -c "ls -A $data | wc -l"
is "$OUT" 0 "--ro-bind ~/.local: the named sandboxes and the layer store are not readable inside"
sbx_run --chdir / --bind "$HOME/.local/share:/mnt/s" -- sh -c "ls -A /mnt/s/sbx | wc -l; mv /mnt/s /mnt/t 2>&1"
like "$OUT" "^0" "--bind ~/.local/share:/mnt/s: hidden at the bind's destination too"
is "$(sums)" "$before" "after every attack, every file under sbx's directories is as it was"

# The next runs, with no options, are what they were.
sbx_run -- "$probe" refused
probe_points "refused (a fresh default sandbox after the attacks)"
sbx_run --name keep -- cat /etc/trust-note
is "$RC:$OUT" "0:original" "the named sandbox's upper layer is unchanged"
sbx_run --image "oci:$SCRATCH/img:v1" -- cat /etc/motd
is "$RC:$OUT" "0:layer2" "an image run still runs the image's own files"
sbx_run --profile mine -- hostname
is "$RC:$OUT" "0:trusted" "the profile is unchanged"

# The check can fail: bound by name, the directory is the user's to hand
# over, and the attacker does reach the filters...
sbx_run --bind "$cache" -- sh -c "$attack" attack "$cache" "$cache"
like "$OUT" "WROTE $cache/seccomp/[0-9a-f]+\.bpf" "--bind ~/.cache/sbx (by name): the attacker does reach the filters (the check can fail)"
# ... and sbx throws the damaged filters away and compiles anew.
sbx_run -v -- "$probe" refused
probe_points "refused after the filters' first instruction became RET ALLOW"
like "$ERR" "seccomp cache entry [0-9a-f]+\.bpf is damaged \(.*\): removed, compiled anew" "-v: the damaged entry is named, removed and compiled anew"
sbx_run -v -- true
like "$ERR" "seccomp filter read from the cache" "the rebuilt entry is used by the next run"

# Each way an entry can be damaged: rewritten to allow everything (the
# attack that worked), truncated, a symlink, another owner, writable by
# others.  Each time the next sandbox still refuses.
damage() { # how: damage the entry the default policy reads; print its path
  local f
  sbx_run --overlay none -v -- true
  f=$(printf '%s\n' "$ERR" | sed -n 's/.*seccomp filter read from the cache (\(.*\)).*/\1/p')
  [ -n "$f" ] || return 1
  f=$cache/seccomp/$f
  case $1 in
    allow-all) python3 - "$f" <<'EOF'
import sys, struct
data = bytearray(open(sys.argv[1], 'rb').read())
# every instruction after the 80-byte header: BPF_RET|BPF_K SECCOMP_RET_ALLOW
for off in range(80, len(data), 8):
    data[off:off + 8] = struct.pack('<HBBI', 0x06, 0, 0, 0x7fff0000)
open(sys.argv[1], 'wb').write(data)
EOF
    ;;
    truncated) truncate -s 100 "$f" ;;
    symlink) rm -f "$f" && printf 'x%.0s' $(seq 4000) >"$SCRATCH/evil" && ln -s "$SCRATCH/evil" "$f" ;;
    other-owner)
      # Through a sandbox given the directory by name: root inside may
      # give the file to one of the user's subordinate ids.
      "$SBX" --overlay none --uid 0 --cap-add CHOWN --bind "$cache/seccomp" -- chown 4242:4242 "$f" ;;
    group-writable) chmod 0660 "$f" ;;
  esac
  printf '%s' "$f"
}
for how in allow-all truncated symlink other-owner group-writable; do
  f=$(damage $how) || { fail "$how: the default policy's filter is in the cache (set-up)"; continue; }
  sbx_run --overlay none -v -- "$probe" refused keyctl bpf userfaultfd unshare
  probe_points "refused after a cached filter was damaged ($how)"
  like "$ERR" "seccomp cache entry [0-9a-f]+\.bpf is damaged" "$how: the damaged entry is noticed"
  if [ -f "$f" ] && [ ! -L "$f" ] && [ "$(stat -c %u:%a "$f")" = "$(id -u):600" ]; then
    pass "$how: the entry was replaced by a sound one"
  else
    fail "$how: the entry was replaced by a sound one" "$(ls -la "$f" 2>&1)"
  fi
done
[ -f "$SCRATCH/evil" ] && [ "$(wc -c <"$SCRATCH/evil")" = 4000 ] && pass "symlink: its target was not touched" ||
  fail "symlink: its target was not touched"

# The layer store: an entry replaced by a symlink to a tree of the
# attacker's is removed and unpacked anew, never used.
layer=$(ls "$data/layers/sha256" | head -1)
mkdir -p "$SCRATCH/evil-layer/etc"
echo planted >"$SCRATCH/evil-layer/etc/motd"
"$SBX" --overlay none --uid 0 --cap-add ALL --bind "$data/layers/sha256" -- \
  sh -c "mv '$data/layers/sha256/$layer' '$data/layers/sha256/old' && ln -s '$SCRATCH/evil-layer' '$data/layers/sha256/$layer'"
[ -L "$data/layers/sha256/$layer" ] && pass "a layer of the store replaced by a symlink (set-up)" ||
  fail "a layer of the store replaced by a symlink (set-up)"
echo planted >"$SCRATCH/evil-layer/etc/planted"
sbx_run --image "oci:$SCRATCH/img:v1" -- sh -c 'cat /etc/motd; [ -e /etc/planted ] && echo PLANTED; exit 0'
is "$RC:$OUT" "0:layer2" "the symlinked layer is not used: unpacked anew from the image"
[ -d "$data/layers/sha256/$layer" ] && [ ! -L "$data/layers/sha256/$layer" ] && pass "the store entry is a directory again" ||
  fail "the store entry is a directory again" "$(ls -la "$data/layers/sha256")"

# A named sandbox whose upper is a symlink: refused with a clear error,
# and nothing of it (nor what the link names) is deleted.
mkdir -p "$SCRATCH/elsewhere"
echo mine >"$SCRATCH/elsewhere/file"
sbx_run --name linked -- true
mv "$data/sandboxes/linked/upper" "$data/sandboxes/linked/upper.real"
ln -s "$SCRATCH/elsewhere" "$data/sandboxes/linked/upper"
fails_cleanly "a named sandbox whose upper is a symlink is refused" 125 \
  "the state of sandbox \`linked\` in .* is not as sbx made it: open \`upper\` \(a directory, not a symlink\)" --name linked -- true
is "$(cat "$SCRATCH/elsewhere/file"):$(ls "$SCRATCH/elsewhere" | wc -l)" "mine:1" "... and what the link names is untouched"
[ -d "$data/sandboxes/linked/upper.real" ] && pass "... and the sandbox's real upper is kept" ||
  fail "... and the sandbox's real upper is kept"
# A state directory that is a symlink, a lock that is a symlink.
mv "$data/sandboxes/linked" "$SCRATCH/linked-real"
ln -s "$SCRATCH/linked-real" "$data/sandboxes/linked"
fails_cleanly "a named sandbox whose directory is a symlink is refused" 125 \
  "the state of sandbox \`linked\` .* is not as sbx made it: .*\`linked\` is a symlink" --name linked -- true
rm "$data/sandboxes/linked"
mkdir -m 0700 "$data/sandboxes/locked"
ln -s "$SCRATCH/elsewhere/file" "$data/sandboxes/locked/lock"
fails_cleanly "a named sandbox whose lock is a symlink is refused" 125 \
  "\`lock\` is a symlink" --name locked -- true
is "$(cat "$SCRATCH/elsewhere/file")" "mine" "... and the file the lock named is untouched"

# Profiles others may change are refused.
chmod 0666 "$config/profiles/mine.profile"
fails_cleanly "a profile writable by others is refused" 125 \
  "profile \`.*mine.profile\` may be changed by other users \(mode 0666\).*chmod go-w" --profile mine -- true
chmod 0644 "$config/profiles/mine.profile"
