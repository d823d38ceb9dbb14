/**
 * The completion scripts: each asks `zeblit __complete` (index.ts) for the
 * candidates of the word under the cursor and hands them to the shell.
 */
import type { Shell } from './index.ts';

/**
 * Each script keeps its last answer for a few seconds, keyed by the
 * directory and the line up to the word under the cursor, with that word cut
 * to its class (an option, a folder of a path, or a plain word): the answer
 * covers every word of the class, and the shell keeps those that start with
 * what was typed. So the next <Tab> at the same place (the second <Tab> that
 * lists, or one more letter typed) is answered by the shell alone, without
 * starting zeblit (Node's own start is most of a completion's time).
 */
export const MEMO_SECONDS = 10;

const BASH = `# zeblit completion for bash (zeblit completion bash)
_zeblit_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} class out c key IFS=$'\\n'
  case $cur in
    -*) class=- ;;
    */*) class=\${cur%/*}/ ;;
    *) class= ;;
  esac
  key="$PWD|$COMP_CWORD|\${COMP_WORDS[*]:0:COMP_CWORD}|$class"
  if [[ $key == "$_zeblit_memo_key" && $((SECONDS - _zeblit_memo_at)) -lt ${MEMO_SECONDS} ]]; then
    out=$_zeblit_memo_out
  else
    out=$(zeblit __complete bash "$COMP_CWORD" "\${COMP_WORDS[@]:0:COMP_CWORD}" "$class" 2>/dev/null) || return 0
    _zeblit_memo_key=$key
    _zeblit_memo_out=$out
    _zeblit_memo_at=$SECONDS
  fi
  if [[ $out == ":file" ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  COMPREPLY=()
  while IFS= read -r c; do
    [[ -n $c && $c == "$cur"* ]] && COMPREPLY+=("$c")
  done <<< "$out"
  # A folder of the project: keep going into it, no space after.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -o default -F _zeblit_complete zeblit
`;

const ZSH = `#compdef zeblit
# zeblit completion for zsh (zeblit completion zsh)
_zeblit() {
  local -a lines described folders
  local line value out key class cur=\${words[CURRENT]}
  case $cur in
    -*) class=- ;;
    */*) class=\${cur%/*}/ ;;
    *) class= ;;
  esac
  key="$PWD|$CURRENT|\${words[1,CURRENT-1]}|$class"
  if [[ $key == "$_zeblit_memo_key" ]] && (( SECONDS - _zeblit_memo_at < ${MEMO_SECONDS} )); then
    out=$_zeblit_memo_out
  else
    out=$(zeblit __complete zsh $((CURRENT - 1)) "\${(@)words[1,CURRENT-1]}" "$class" 2>/dev/null) || return
    _zeblit_memo_key=$key
    _zeblit_memo_out=$out
    _zeblit_memo_at=$SECONDS
  fi
  lines=("\${(@f)out}")
  if [[ "\${lines[1]}" == ":file" ]]; then
    _files
    return
  fi
  for line in $lines; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    if [[ $value == */ ]]; then
      folders+=("$value")
    elif [[ $line == *$'\\t'* ]]; then
      described+=("\${value//:/\\\\:}:\${line#*$'\\t'}")
    else
      described+=("\${value//:/\\\\:}")
    fi
  done
  (( \${#folders} )) && compadd -S '' -- $folders
  (( \${#described} )) && _describe -t values 'zeblit' described
}
if (( $+functions[compdef] )); then compdef _zeblit zeblit; fi
`;

const FISH = `# zeblit completion for fish (zeblit completion fish)
function __zeblit_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l class ''
    switch $current
        case '-*'
            set class -
        case '*/*'
            set class (string replace -r '[^/]*$' '' -- $current)
    end
    set -l key "$PWD|"(count $tokens)"|$tokens|$class"
    set -l now (date +%s)
    set -l out
    if test "$key" = "$__zeblit_memo_key"; and test (math $now - $__zeblit_memo_at) -lt ${MEMO_SECONDS}
        set out $__zeblit_memo_out
    else
        set out (zeblit __complete fish (count $tokens) $tokens $class 2>/dev/null)
        or return
        set -g __zeblit_memo_key $key
        set -g __zeblit_memo_out $out
        set -g __zeblit_memo_at $now
    end
    if test "$out[1]" = ":file"
        __fish_complete_path $current
        return
    end
    printf '%s\\n' $out
end
complete -c zeblit -f -a '(__zeblit_complete)'
`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : FISH;
}
