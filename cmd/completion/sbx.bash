# bash completion for sbx(1).  Installed as `sbx` in bash-completion's
# completions directory, or sourced by hand: `. cmd/completion/sbx.bash`.
#
# The verbs, options and profile names come from sbx itself (the hidden
# `sbx help --list-verbs`, `--list-options VERB`, `--list-profiles`), made
# from the tables the code runs on, so this file never goes stale; the
# syscall groups from `sbx seccomp groups`, the named sandboxes from the
# directories in ${XDG_DATA_HOME:-~/.local/share}/sbx/sandboxes.

# _sbx_words WORD...: set COMPREPLY to the WORDs that start with $cur.
_sbx_words() {
  local w
  COMPREPLY=()
  for w in "$@"; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
  done
}

_sbx_sandboxes() {
  local d=${XDG_DATA_HOME:-$HOME/.local/share}/sbx/sandboxes n names=()
  for n in "$d"/*/; do
    [[ -d $n ]] || continue
    n=${n%/}
    names+=("${n##*/}")
  done
  _sbx_words "${names[@]}"
}

# Sandboxes with a record (running, or stopped and kept), from sbx ps.
_sbx_running() {
  local -a names
  mapfile -t names < <("$sbx" ps --all 2>/dev/null | awk 'NR > 1 { print $1 }')
  _sbx_words "${names[@]}"
}

_sbx_groups() {
  local -a groups
  mapfile -t groups < <("$sbx" seccomp groups 2>/dev/null | sed -n 's/^\(@[^:]*\):.*/\1/p')
  _sbx_words "${groups[@]}"
}

_sbx_files() { # [-d]: file names (directories only with -d)
  local IFS=$'\n'
  COMPREPLY=($(compgen -f ${1:+-d} -- "$cur"))
  type compopt &>/dev/null && compopt -o filenames 2>/dev/null
}

# _sbx_value OPTION ARGNAME: complete the value of OPTION.
_sbx_value() {
  case $1 in
    --profile | --profile-in) _sbx_words $("$sbx" help --list-profiles 2>/dev/null); return ;;
    --profile-out | --check | --host-tree | --dev) _sbx_files; return ;;
    --name) _sbx_sandboxes; return ;;
    --seccomp-allow | --seccomp-deny)
      if [[ $cur == @* ]]; then _sbx_groups; else COMPREPLY=(); fi
      return ;;
    --bind | --ro-bind | --bind-try | --ro-bind-try | --dev-bind | --dev-bind-try | --net-record) _sbx_files; return ;;
    --rootfs | --chdir | --tmpfs | --remount-ro | --workspace) _sbx_files -d; return ;;
  esac
  # A value from a fixed set: the option's ARGNAME is `a|b|c`.
  if [[ $2 =~ ^[a-z0-9-]+(\|[a-z0-9-]+)+$ ]]; then
    local IFS='|'
    _sbx_words $2
    return
  fi
  COMPREPLY=()
}

_sbx() {
  local cur=${COMP_WORDS[COMP_CWORD]} sbx=${COMP_WORDS[0]} verb=run i=1 w line
  local -a opts=()
  local -A takes=()
  [[ $sbx == */* ]] || sbx=$(type -P "$sbx" 2>/dev/null) || return 0
  [[ $sbx == "~/"* ]] && sbx=$HOME/${sbx#\~/}
  [[ -x $sbx ]] || return 0

  if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then
    _sbx_words $("$sbx" help --list-verbs 2>/dev/null)
    return 0
  fi
  case ${COMP_WORDS[1]} in
    -* | "") ;;
    *) verb=${COMP_WORDS[1]}; i=2 ;;
  esac

  case $verb in
    help)
      [[ $COMP_CWORD -eq 2 ]] && _sbx_words $("$sbx" help --list-verbs 2>/dev/null)
      return 0 ;;
    version) return 0 ;;
    runtime)
      if [[ $cur == -* ]]; then
        _sbx_words $("$sbx" help --list-options runtime 2>/dev/null | cut -d' ' -f1)
      elif [[ $COMP_CWORD -eq 2 || ${COMP_WORDS[COMP_CWORD-1]} == --* && $COMP_CWORD -eq 4 ]]; then
        _sbx_words create start state kill delete exec ps update list features
      fi
      return 0 ;;
    rm)
      _sbx_running
      return 0 ;;
    ps | stop | kill | logs | inspect | exec)
      if [[ $cur == -* ]]; then
        _sbx_words $("$sbx" help --list-options "$verb" 2>/dev/null | cut -d' ' -f1)
      elif [[ $verb != ps ]]; then
        # The name: the first word that is no option (and no -t's value).
        local k seen=0
        for ((k = 2; k < COMP_CWORD; k++)); do
          [[ ${COMP_WORDS[k]} == -t && $verb == stop ]] && { k=$((k + 1)); continue; }
          [[ ${COMP_WORDS[k]} == --format ]] && { k=$((k + 1)); continue; }
          [[ ${COMP_WORDS[k]} == -* ]] || seen=1
        done
        if [[ $seen == 0 || $verb == stop || $verb == inspect ]]; then
          _sbx_running
        elif [[ $verb == exec ]]; then
          mapfile -t COMPREPLY < <(compgen -c -- "$cur")
        fi
      fi
      return 0 ;;
    profile)
      if [[ $COMP_CWORD -eq 2 ]]; then
        _sbx_words list show check vars
      elif [[ $COMP_CWORD -eq 3 && (${COMP_WORDS[2]} == show || ${COMP_WORDS[2]} == check) ]]; then
        _sbx_words $("$sbx" help --list-profiles 2>/dev/null)
        [[ $cur == */* ]] && _sbx_files
      fi
      return 0 ;;
    seccomp)
      if [[ $COMP_CWORD -eq 2 ]]; then _sbx_words show groups; return 0; fi
      [[ ${COMP_WORDS[2]} == groups ]] && { _sbx_words --json; return 0; }
      [[ $COMP_CWORD -eq 3 && $cur != -* ]] && { _sbx_words default unconfined; return 0; }
      i=3
      [[ ${COMP_WORDS[3]} == default || ${COMP_WORDS[3]} == unconfined ]] && i=4 ;;
  esac

  # The verb's options, and which take a value: lines `--bind SRC[:DST]`.
  while IFS= read -r line; do
    w=${line%% *}
    opts+=("$w")
    [[ $line == *" "* ]] && takes[$w]=${line#* }
  done < <("$sbx" help --list-options "$verb" 2>/dev/null)

  if [[ $verb == diff ]]; then
    if [[ $cur == -* ]]; then _sbx_words "${opts[@]}"; else _sbx_sandboxes; fi
    return 0
  fi

  # Walk the words before the cursor: an option's value, or the program
  # (after which everything is the program's).
  for ((; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -- ]]; then
      i=-1
      break
    fi
    if [[ -n ${takes[$w]+x} ]]; then
      ((i++))
    elif [[ $w != -* ]]; then
      i=-1
      break
    fi
  done
  if [[ $i -lt 0 ]]; then
    # The program and its arguments: commands, then files.
    COMPREPLY=($(compgen -c -- "$cur"))
    return 0
  fi
  # The word before the cursor wants a value.
  w=${COMP_WORDS[COMP_CWORD - 1]}
  if [[ $COMP_CWORD -gt 1 && -n ${takes[$w]+x} ]]; then
    _sbx_value "$w" "${takes[$w]}"
    return 0
  fi
  if [[ $cur == -* ]]; then
    _sbx_words "${opts[@]}"
  else
    COMPREPLY=($(compgen -c -- "$cur"))
  fi
  return 0
}

complete -F _sbx sbx
