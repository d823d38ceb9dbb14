/**
 * The completion scripts: each asks `zeblit __complete` (index.ts) for the
 * candidates of the word under the cursor and hands them to the shell.
 */
import type { Shell } from './index.ts';

const BASH = `# zeblit completion for bash (zeblit completion bash)
_zeblit_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out IFS=$'\\n'
  out=$(zeblit __complete bash "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null) || return 0
  if [[ $out == ":file" ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  COMPREPLY=($out)
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
  local line value
  lines=("\${(@f)$(zeblit __complete zsh $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
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
    set -l out (zeblit __complete fish (count $tokens) $tokens $current 2>/dev/null)
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
