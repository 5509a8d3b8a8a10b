# Terminals: with a terminal on stdin and stdout the program gets a pty of
# the sandbox's own devpts as its controlling terminal, job control and
# Ctrl-C/Ctrl-Z work inside, window size changes reach it, and the user's
# terminal is as it was once sbx is gone.  CI has no terminal: tmux (a
# private server) and script(1) make them.
. "$SBX_TESTS/lib/tap.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"

scratch
# Every wait below is bounded: at most this many seconds each.
wait_s=${SBX_TTY_WAIT:-10}
q_sbx=$(printf '%q' "$SBX")

# --- script(1): the simplest terminal ---------------------------------------
if command -v script >/dev/null 2>&1; then
  # script's stdin stays open and empty: at EOF script would type ^D on
  # its terminal, which sbx's raw mode turns into a NUL the pty echoes.
  exec 8< <(exec sleep 60)
  at_exit "kill $! 2>/dev/null"
  out=$(timeout -k 5 30 script -qec "$q_sbx -- tty" /dev/null <&8 8<&- 2>&1 | tr -d '\r')
  exec 8<&-
  is "$out" "/dev/pts/0" "on a terminal the program's tty is the sandbox's own /dev/pts/0"
else
  skip "on a terminal the program's tty is the sandbox's own /dev/pts/0" "script(1) is not installed"
fi

# --- tmux ---------------------------------------------------------------------
tsock=sbxtest-$$
T() { tmux -L "$tsock" -f /dev/null "$@"; }
at_exit "tmux -L '$tsock' -f /dev/null kill-server 2>/dev/null"
# A tmux server's own environment would otherwise leak into the panes.
unset TMUX TMUX_PANE

# screen TARGET: what the pane shows, history included, wrapped lines joined.
screen() { T capture-pane -p -J -S -300 -t "$1" 2>/dev/null; }

# The pane's command prints this once sbx has exited: nothing to wait for.
ended_re='^sbx-exit='

# wait_for_screen TARGET ERE [TIMEOUT]: true once the pane shows a line
# matching ERE; SCREEN holds the last capture either way.  Gives up at once
# when sbx has exited.
wait_for_screen() {
  local target=$1 re=$2 t=${3:-$wait_s} i
  for ((i = 0; i < t * 10; i++)); do
    SCREEN=$(screen "$target") || return 1 # no pane, no tmux: nothing to wait for
    if printf '%s\n' "$SCREEN" | grep -Eq -- "$re"; then return 0; fi
    if printf '%s\n' "$SCREEN" | grep -Eq -- "$ended_re"; then return 1; fi
    sleep 0.1
  done
  return 1
}

# screen_is TARGET ERE DESC: a TAP point for wait_for_screen.
screen_is() {
  if wait_for_screen "$1" "$2"; then
    pass "$3"
  else
    fail "$3" "want a line matching /$2/ (waited up to ${wait_s}s, less once sbx exited); the pane shows:" \
      "$(printf '%s\n' "$SCREEN" | grep -v '^$' | tail -n 15)"
  fi
}

# typed TARGET TEXT: type TEXT and Enter, as the user would.
typed() { T send-keys -t "$1" -l -- "$2" && T send-keys -t "$1" Enter; }

# descendants PID: PID and every process under it.
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        q = p
        for (n = 0; n < 64 && q != "" && q != 0; n++) {
          if (q == root) { print p; break }
          q = parent[q]
        }
      }
    }'
}

# wait_for_proc TARGET ARGS STAT-ERE [TIMEOUT]: a process under the pane
# whose command line is exactly ARGS is in a ps state matching STAT-ERE
# (S+: sleeping in the terminal's foreground process group; T: stopped).
wait_for_proc() {
  local target=$1 args=$2 re=$3 t=${4:-$wait_s} i root pids
  root=$(T display-message -p -t "$target" '#{pane_pid}') && [ -n "$root" ] || return 1
  for ((i = 0; i < t * 10; i++)); do
    pids=$(descendants "$root" | tr '\n' ',')
    if [ -n "$pids" ] && ps -o stat=,args= -p "${pids%,}" \
      | awk -v a="$args" '{ s = $1; $1 = ""; sub(/^ /, ""); if ($0 == a) print s }' \
      | grep -Eq -- "$re"; then
      return 0
    fi
    screen "$target" | grep -Eq -- "$ended_re" && return 1
    sleep 0.1
  done
  return 1
}

# wait_for_no_proc TARGET ARGS [TIMEOUT]: no process under the pane runs ARGS.
wait_for_no_proc() {
  local target=$1 args=$2 t=${3:-$wait_s} i root pids
  root=$(T display-message -p -t "$target" '#{pane_pid}')
  for ((i = 0; i < t * 10; i++)); do
    pids=$(descendants "$root" | tr '\n' ',')
    if [ -z "$pids" ] || ! ps -o args= -p "${pids%,}" | grep -qxF -- "$args"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

ps1='sbx-prompt$ '
cols=80 rows=24
T new-session -d -s sbx -x "$cols" -y "$rows" -n shell \
  "sh -c '$q_sbx --setenv PS1=\"$ps1\" -- bash --norc --noprofile -i; echo sbx-exit=\$?; sleep 30'" \; \
  set-option -w -t sbx:shell remain-on-exit on \
  || skip_all "tmux cannot start a session here"
# (remain-on-exit: should sbx fail, the keys meant for the shell reach the
# pane's sh instead, and a Ctrl-C must not take the pane and what it shows.)
# kill-server leaves the socket file behind.
at_exit "rm -f '$(T display-message -p '#{socket_path}')'"
sh=sbx:shell

prompt_re='^sbx-prompt\$'
screen_is "$sh" "$prompt_re" "an interactive bash in sbx on a tmux pane shows its prompt"

typed "$sh" 'echo hello-$((6 * 7))'
screen_is "$sh" '^hello-42$' "echo works on the sandbox's terminal"

size=$(T display-message -p -t "$sh" '#{pane_height} #{pane_width}')
typed "$sh" 'echo size1=$(stty size)'
screen_is "$sh" "^size1=$size\$" "stty size inside is the pane's size ($size)"

T resize-window -t "$sh" -x 100 -y 30 2>/dev/null || T resize-pane -t "$sh" -x 100 -y 30
size2=$(T display-message -p -t "$sh" '#{pane_height} #{pane_width}')
if [ "$size2" = "$size" ]; then
  fail "tmux resized the window" "still $size2"
else
  # tmux resizes the pane's pty: SIGWINCH to sbx, which passes the size on.
  typed "$sh" 'echo size2=$(stty size)'
  screen_is "$sh" "^size2=$size2\$" "a resize reaches the sandbox's pty ($size -> $size2)"
fi

# Job control: Ctrl-Z stops the foreground job, fg resumes it, Ctrl-C ends
# it.  Keys go only once the job is where they must find it (ps: S+ is
# sleeping in the terminal's foreground process group, T stopped).
pane_tail() { screen "$sh" | grep -v '^$' | tail -n 10; }
typed "$sh" 'sleep 100'
wait_for_proc "$sh" 'sleep 100' '^S.*\+'
T send-keys -t "$sh" C-z
screen_is "$sh" 'Stopped +sleep 100' "Ctrl-Z stops the foreground job inside: bash says Stopped"
if wait_for_proc "$sh" 'sleep 100' '^T'; then
  pass "the job is stopped"
else
  fail "the job is stopped" "$(pane_tail)"
fi
typed "$sh" "jobs | sed 's/^/JOBS:/'"
screen_is "$sh" '^JOBS:\[1\]\+ +Stopped +sleep 100' "jobs lists the stopped job"
typed "$sh" 'fg'
if wait_for_proc "$sh" 'sleep 100' '^S.*\+'; then
  pass "fg resumes the job in the foreground"
else
  fail "fg resumes the job in the foreground" "$(pane_tail)"
fi
T send-keys -t "$sh" C-c
wait_for_no_proc "$sh" 'sleep 100'
typed "$sh" 'echo rc=$?'
screen_is "$sh" '^rc=130$' "Ctrl-C ends the resumed job: its status is 130"

# Ctrl-C goes to the foreground job inside, not to sbx.
typed "$sh" 'sleep 100'
if wait_for_proc "$sh" 'sleep 100' '^S.*\+'; then
  T send-keys -t "$sh" C-c
  if wait_for_no_proc "$sh" 'sleep 100'; then
    pass "Ctrl-C ends the foreground command inside"
  else
    fail "Ctrl-C ends the foreground command inside" "sleep 100 still runs"
  fi
else
  fail "Ctrl-C ends the foreground command inside" "sleep 100 never ran in the foreground" "$(pane_tail)"
fi
typed "$sh" 'echo alive-$((40 + 2))'
screen_is "$sh" '^alive-42$' "after Ctrl-C sbx and the shell still run commands"

typed "$sh" 'echo pts=$(ls /dev/pts)'
screen_is "$sh" '^pts=0 ptmx$' "/dev/pts inside holds only the sandbox's pty and ptmx"

typed "$sh" 'exit 7'
screen_is "$sh" '^sbx-exit=7$' "exit 7 in the shell: sbx exits 7"

# --- the user's terminal afterwards -------------------------------------------
# restored NAME DESC COMMAND: stty -g before and after sbx runs COMMAND on a
# pane are the same.
restored() {
  local name=$1 desc=$2 cmd=$3 d=$SCRATCH/$1 i
  RC=
  mkdir -p "$d"
  # A session of its own: tmux 3.3a's server crashed on new-window in a
  # detached session with window-size manual; new-session is safe.
  T new-session -d -s "$name" -x "$cols" -y "$rows" \
    "sh -c 'stty -g > $d/before; $q_sbx -- $cmd; echo \$? > $d/rc; stty -g > $d/after; sleep 30'"
  for ((i = 0; i < wait_s * 10; i++)); do
    [ -s "$d/after" ] && break
    sleep 0.1
  done
  if [ ! -s "$d/after" ]; then
    fail "$desc" "sbx did not finish within ${wait_s}s; the pane shows:" \
      "$(screen "$name:" | grep -v '^$' | tail -n 10)"
    return
  fi
  RC=$(cat "$d/rc")
  is "$(cat "$d/after")" "$(cat "$d/before")" "$desc"
}
restored plain "the terminal's settings are restored after sbx exits" true
is "$RC" 0 "... and sbx exited 0"
restored killed "the terminal's settings are restored after the program is killed by a signal" \
  "sh -c \"kill -9 \\\$\\\$\""
is "$RC" 137 "... and sbx exited 137"

no_leftovers "nothing left behind"
