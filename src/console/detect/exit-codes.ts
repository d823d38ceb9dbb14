import type { ErrorLanguage } from './types.ts';

/**
 * Exit codes that say what happened even when nothing was printed: 126/127
 * from the shell, 128 + signal for a process killed by one (a PID 1 or an
 * exec'd process prints no "Killed"). Used by ErrorDetector.exit() only when
 * no line of the run already explained the code.
 */
export interface ExitRule {
  code: number;
  /** Only when Docker reports the container was OOM-killed. */
  oom?: true;
  type: string;
  language: ErrorLanguage;
  message: string;
  suggestion: string;
}

export const EXIT_RULES: readonly ExitRule[] = [
  {
    code: 126,
    type: 'shell.PermissionDenied',
    language: 'shell',
    message: 'exit code 126: the command was found but could not be executed',
    suggestion: 'Make the script executable (chmod +x) or run it through its interpreter (sh script.sh, python3 script.py)',
  },
  {
    code: 127,
    type: 'shell.CommandNotFound',
    language: 'shell',
    message: 'exit code 127: command not found',
    suggestion: 'The command is not installed in the container or not on PATH: install it or fix its name',
  },
  {
    code: 134,
    type: 'system.Aborted',
    language: 'system',
    message: 'exit code 134: the process aborted (SIGABRT)',
    suggestion: 'The process called abort(): see its last lines (a failed assertion in native code, or a runtime out of memory)',
  },
  {
    code: 137,
    oom: true,
    type: 'system.OOMKilled',
    language: 'system',
    message: 'exit code 137: killed for exceeding the memory limit (OOM)',
    suggestion: 'The container reached its memory limit: raise memory_mb in the project settings or reduce memory use',
  },
  {
    code: 137,
    type: 'system.Killed',
    language: 'system',
    message: 'exit code 137: killed by SIGKILL',
    suggestion: 'SIGKILL in a container is usually the memory limit (raise memory_mb or use less memory); it is also sent when a run is stopped or times out',
  },
  {
    code: 139,
    type: 'system.Segfault',
    language: 'system',
    message: 'exit code 139: segmentation fault (SIGSEGV)',
    suggestion: 'The process crashed in native code: reinstall or update native modules / C extensions for this platform',
  },
];

export function exitRuleFor(code: number | null, oomKilled: boolean): ExitRule | null {
  if (code === null) return null;
  return EXIT_RULES.find((r) => r.code === code && (r.oom === true) === (oomKilled && code === 137)) ?? null;
}
