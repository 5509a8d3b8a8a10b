# The browser profile with the real browsers of Debian's packages
# (firefox-esr, chromium), as the unprivileged test user: each renders a
# page this test serves on the host's 127.0.0.1 (the only place it
# connects to, through --allow-host-loopback and one egress rule) into a
# PNG in the download directory, with its own sandbox on (content and
# renderer processes under seccomp, in user and PID namespaces of their
# own); the browser data survives in $XDG_DATA_HOME/sbx/homes/browser;
# nothing else of the real home is visible; and Firefox opens a real X11
# window on an Xvfb through the x11 profile.
. "$SBX_TESTS/lib/tap.sh"
. "$SBX_TESTS/lib/dbus.sh"
scratch
export SBX_PROFILE_PATH=${SBX_SHIPPED_PROFILES:?the runner exports SBX_SHIPPED_PROFILES}
export SBX_RUN_TIMEOUT=120
command -v python3 >/dev/null || skip_all "python3 is not installed (it serves the page and reads the PNG)"
firefox=$(command -v firefox-esr)
chromium=$(command -v chromium)
[ -n "$firefox$chromium" ] || skip_all "neither firefox-esr nor chromium is installed (apt-get install firefox-esr chromium)"

# The page: red, with a title the X11 window shows.
mkdir -p "$SCRATCH/www" "$SCRATCH/config" "$SCRATCH/data" "$SCRATCH/dl"
echo '<html><head><title>sbx test page</title></head><body style="background:#ff0000"><h1>sbx</h1></body></html>' >"$SCRATCH/www/index.html"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$SCRATCH/www" >"$SCRATCH/http.log" 2>&1 &
server=$!
at_exit "kill $server"
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$SCRATCH/http.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || skip_all "the page server did not start: $(cat "$SCRATCH/http.log")"
url=http://10.0.2.2:$port/
reach=(--allow-host-loopback --egress "allow:10.0.2.2:$port/tcp")

# The download directory as xdg-user-dirs records it; browser data below
# a scratch XDG_DATA_HOME; a file of the real home that must stay unseen.
echo "XDG_DOWNLOAD_DIR=\"$SCRATCH/dl\"" >"$SCRATCH/config/user-dirs.dirs"
export XDG_CONFIG_HOME=$SCRATCH/config XDG_DATA_HOME=$SCRATCH/data
echo secret >"$SCRATCH/secret"
kept=$SCRATCH/data/sbx/homes/browser

# red PNG: the share of pure-red pixels, in percent.
red() {
  python3 - "$1" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    print("not a PNG"); sys.exit()
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
if depth != 8 or ctype not in (2, 6):
    print("depth %d colour type %d" % (depth, ctype)); sys.exit()
bpp = 3 if ctype == 2 else 4
raw, stride, prev, red = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    red += sum(1 for x in range(0, stride, bpp) if line[x] > 200 and line[x + 1] < 60 and line[x + 2] < 60)
    prev = line
print(100 * red // (w * h))
EOF
}

# The probe run inside the sandbox: start the browser, wait for a process
# whose command line matches $1 to carry more seccomp filters than this
# shell (sbx's): the browser's own, loaded on top; print that and whether
# it sits in a user namespace the browser made, stop the browser.
probe='pat=$1; shift
"$@" >/dev/null 2>&1 &
browser=$!
mine=$(awk "/^Seccomp_filters:/ { print \$2 }" /proc/$$/status)
end=$(($(date +%s) + 60))
while [ "$(date +%s)" -lt "$end" ]; do
  for d in /proc/[0-9]*; do
    [ "$d" = /proc/$$ ] && continue
    tr "\0" " " <"$d/cmdline" 2>/dev/null | grep -q -- "$pat" || continue
    n=$(awk "/^Seccomp_filters:/ { print \$2 }" "$d/status" 2>/dev/null)
    [ "${n:-0}" -gt "$mine" ] || continue
    own=no
    [ "$(readlink "$d/ns/user")" != "$(readlink /proc/$$/ns/user)" ] && own=yes
    echo "own seccomp filter; own user namespace: $own"
    kill "$browser"; wait; exit 0
  done
  sleep 0.2
done
echo "no process matching $pat with a filter of its own"; kill "$browser"; exit 1'

for b in chromium firefox; do
  bin=${!b}
  if [ -z "$bin" ]; then
    skip "$b: renders the page" "$b is not installed (apt-get install ${b/firefox/firefox-esr})"
    continue
  fi
  if [ "$b" = chromium ]; then
    shot=(--headless "--screenshot=$SCRATCH/dl/$b.png" --window-size=400,300 "$url")
    content=--type=renderer
  else
    shot=(--headless --screenshot "$SCRATCH/dl/$b.png" --window-size=400,300 "$url")
    content=-contentproc
  fi
  sbx_run --profile browser "${reach[@]}" "$bin" "${shot[@]}"
  unlike "$ERR" "No usable sandbox" "$b: no \"No usable sandbox\""
  if [ -f "$SCRATCH/dl/$b.png" ]; then
    pct=$(red "$SCRATCH/dl/$b.png")
    [ "$pct" -ge 90 ] 2>/dev/null && pass "$b: renders the page into the download directory ($pct% red)" ||
      fail "$b: renders the page into the download directory" "red: $pct%" "rc $RC: $ERR"
  else
    fail "$b: renders the page into the download directory" "no PNG; rc $RC" "$ERR"
  fi
  sbx_run --profile browser "${reach[@]}" -- sh -c "$probe" probe "$content" "$bin" --headless "$url"
  is "$OUT" "own seccomp filter; own user namespace: yes" "$b: its $content processes run under its own seccomp filter, in a user namespace of their own"
done

# With a session bus: the browser profile's filtered bus (xdg-dbus-proxy
# outside) does not stop a real browser, which runs as before.
if ! command -v dbus-daemon >/dev/null || ! command -v xdg-dbus-proxy >/dev/null; then
  skip "the browsers render with a filtered session bus" "dbus-daemon or xdg-dbus-proxy is missing (apt-get install dbus-daemon xdg-dbus-proxy)"
elif ! mkdir -p "$SCRATCH/dbus" || ! private_bus "$SCRATCH/dbus" >"$SCRATCH/dbus/why"; then
  fail "the browsers render with a filtered session bus" "$(cat "$SCRATCH/dbus/why")"
else
  for b in chromium firefox; do
    bin=${!b}
    [ -n "$bin" ] || continue
    rm -f "$SCRATCH/dl/$b-bus.png"
    if [ "$b" = chromium ]; then
      shot=(--headless "--screenshot=$SCRATCH/dl/$b-bus.png" --window-size=400,300 "$url")
    else
      shot=(--headless --screenshot "$SCRATCH/dl/$b-bus.png" --window-size=400,300 "$url")
    fi
    sbx_run -v --profile browser "${reach[@]}" "$bin" "${shot[@]}"
    pct=$(red "$SCRATCH/dl/$b-bus.png" 2>/dev/null)
    if [ "$pct" -ge 90 ] 2>/dev/null && printf '%s' "$ERR" | grep -q "xdg-dbus-proxy [0-9]*: unix:path=$SCRATCH/dbus/bus"; then
      pass "$b: renders the page with the filtered session bus ($pct% red)"
    else
      fail "$b: renders the page with the filtered session bus" "red: ${pct:-no PNG}; rc $RC" "$(printf '%s\n' "$ERR" | grep -v '^sbx: debug' | tail -5)" "$(printf '%s\n' "$ERR" | grep dbus)"
    fi
  done
  unset DBUS_SESSION_BUS_ADDRESS
fi
no_leftovers "no xdg-dbus-proxy or other helper left after the browsers"

# Persistence and the home: what the browsers kept is there on the host
# and in the next sandbox; nothing of the real home but the downloads.
for d in ${chromium:+.config/chromium} ${firefox:+.config/mozilla}; do
  [ -d "$kept/$d" ] && pass "the browser data ~/$d is kept in \$XDG_DATA_HOME/sbx/homes/browser" ||
    fail "the browser data ~/$d is kept in \$XDG_DATA_HOME/sbx/homes/browser" "$(find "$kept" -maxdepth 3 | head -20)"
done
sbx_run --profile browser -- sh -c 'echo kept >~/marker'
sbx_run --profile browser -- sh -c "cat ~/marker; test -e '$SCRATCH/secret' && echo SEEN; test -d '$SCRATCH/dl' && echo downloads"
is "$OUT" "kept
downloads" "a second sandbox finds the browser's home; the real home's files stay unseen, the downloads are there"
sbx_run --profile browser -- sh -c 'ls -A ~ | sort'
is "$OUT" "$(ls -A "$kept" | sort)" "the sandbox's home is the kept one"

# X11, asked for: a real window on an Xvfb, through the socket file.
if [ -z "$firefox" ] || ! command -v Xvfb >/dev/null || ! command -v xwininfo >/dev/null; then
  skip "firefox opens an X11 window on Xvfb" "firefox-esr, Xvfb or xwininfo is missing (apt-get install firefox-esr xvfb x11-utils)"
else
  Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$SCRATCH/display" >"$SCRATCH/xvfb.log" 2>&1 &
  xvfb=$!
  at_exit "kill $xvfb"
  # Deadlines of a minute: under load Xvfb took over ten seconds to start.
  for _ in $(seq 600); do [ -s "$SCRATCH/display" ] && break; sleep 0.1; done
  export DISPLAY=:$(cat "$SCRATCH/display")
  # Serving, not only listening: a client on the host gets the root window
  # (once the sandbox's firefox met a server not yet ready, under load).
  for _ in $(seq 600); do xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
  xwininfo -root >/dev/null 2>&1 ||
    fail "Xvfb serves its display within a minute" "$(tail -5 "$SCRATCH/xvfb.log")"
  timeout -k 5 120 "$SBX" --profile browser --profile x11 "${reach[@]}" "$firefox" "$url" </dev/null >"$SCRATCH/x11.out" 2>&1 &
  sbx_pid=$!
  window=
  for _ in $(seq 600); do
    window=$(xwininfo -root -tree 2>/dev/null | grep -o '"sbx test page[^"]*"' | head -1)
    [ -n "$window" ] && break
    kill -0 "$sbx_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$window" ] && pass "firefox opens an X11 window on Xvfb ($window)" ||
    fail "firefox opens an X11 window on Xvfb" "$(tail -5 "$SCRATCH/x11.out")"
  kill -TERM "$sbx_pid" 2>/dev/null
  wait "$sbx_pid" 2>/dev/null
  unset DISPLAY
fi
no_leftovers "nothing left behind"
