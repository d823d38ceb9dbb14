import type { PatternDef } from '../pattern.ts';

/**
 * Signals. A shell reports a child killed by a signal (dash: `Killed`;
 * bash: `bash: line 1:  7 Killed  python3 hog.py`); a process that is PID 1
 * or exec'd prints nothing, so ErrorDetector.exit() covers those from the
 * exit code (128 + signal).
 */
function signal(id: string, type: string, words: string, explains: number, suggestion: string, example: string): PatternDef[] {
  const core = `${words}(?: \\(core dumped\\))?`;
  return [
    {
      id,
      type,
      language: 'system',
      severity: 'error',
      match: new RegExp(`^${core}$`),
      message: `process ${words.toLowerCase()}`,
      suggestion,
      explainsExit: [explains],
      examples: [words],
    },
    {
      id: `${id}.shell`,
      type,
      language: 'system',
      severity: 'error',
      match: new RegExp(`^(?<prog>[^:\\s]+): (?:line )?(?<line>\\d+): +\\d+ ${core} +(?<command>.+)$`),
      hint: words,
      message: `process ${words.toLowerCase()}: {command}`,
      suggestion,
      explainsExit: [explains],
      examples: [example],
    },
  ];
}

export const SYSTEM_PATTERNS: readonly PatternDef[] = [
  ...signal(
    'system.killed',
    'system.Killed',
    'Killed',
    137,
    'The process got SIGKILL: in a container that is almost always the memory limit (raise memory_mb or use less memory)',
    'bash: line 1:     7 Killed                  python3 hog.py',
  ),
  ...signal(
    'system.segfault',
    'system.Segfault',
    'Segmentation fault',
    139,
    'The process crashed with SIGSEGV: usually a native module or C extension; reinstall it for this platform or update it',
    'bash: line 1:     7 Segmentation fault      python3 -c "import ctypes; ctypes.string_at(0)"',
  ),
  ...signal('system.aborted', 'system.Aborted', 'Aborted', 134, 'The process aborted (SIGABRT): see the lines before it', 'bash: line 1:    12 Aborted (core dumped) ./server'),
  {
    id: 'system.segfault.python',
    type: 'system.Segfault',
    language: 'system',
    severity: 'error',
    match: /^Fatal Python error: Segmentation fault$/,
    hint: 'Segmentation fault',
    message: 'process segmentation fault (Python)',
    suggestion: 'The interpreter crashed with SIGSEGV: usually a C extension; reinstall or update native packages',
    explainsExit: [139],
    examples: ['Fatal Python error: Segmentation fault'],
  },
];
