import type { Fields, PatternDef } from '../pattern.ts';

/** `sh: 1: x: not found`: the prefix names the shell, which is not a file worth pointing at. */
const SHELLS = /^(?:\/(?:usr\/)?bin\/)?(?:ba|da|z|k|a)?sh$/;

/**
 * Shell messages read `<prog>: [line ]<n>: <subject>: <message>`. The place
 * is the script when the shell ran one (`./build.sh: line 3: ...`); when the
 * prefix is a shell (`sh -c ...`) or a tool (`cat: x: ...`) the subject is.
 */
function place(f: Fields): Fields {
  const prog = f.prog;
  if (prog && f.line && !SHELLS.test(prog)) return { file: prog };
  return { file: f.subject, line: undefined };
}

export const SHELL_PATTERNS: readonly PatternDef[] = [
  {
    id: 'shell.command_not_found',
    type: 'shell.CommandNotFound',
    language: 'shell',
    severity: 'error',
    // The shell prefix is required: `Error: not found` in an app's log is not a shell message.
    match: /^(?<prog>[^:\s]+): (?:(?:line )?(?<line>\d+): )?(?<command>[^:\s]+): (?:command )?not found$/,
    hint: 'not found',
    derive: (f) => ({ ...place({ ...f, subject: undefined }), command: f.command }),
    message: 'command not found: {command}',
    suggestion: "'{command}' is not installed in the container or not on PATH: install it (a dependency missing from package.json/requirements.txt, or an apt package) or fix the name",
    explainsExit: [127],
    examples: ['sh: 1: nosuchcmd: not found', 'bash: line 1: nosuchcmd: command not found'],
  },
  {
    id: 'shell.command_not_found.zsh',
    type: 'shell.CommandNotFound',
    language: 'shell',
    severity: 'error',
    match: /^(?<prog>zsh|fish): command not found: (?<command>\S+)$/,
    hint: 'command not found',
    message: 'command not found: {command}',
    suggestion: "'{command}' is not installed in the container or not on PATH",
    explainsExit: [127],
    examples: ['zsh: command not found: nosuchcmd'],
  },
  {
    id: 'shell.permission_denied',
    type: 'shell.PermissionDenied',
    language: 'shell',
    severity: 'error',
    match: /^(?:(?<prog>[^:\s]+): )?(?:(?:line )?(?<line>\d+): )?(?<subject>[^:]+): Permission denied$/,
    hint: 'Permission denied',
    derive: place,
    message: 'permission denied: {subject}',
    suggestion: ["'{subject}' may not be executed or opened: for a script, chmod +x {subject} (or run it with sh {subject}); otherwise check its owner and mode"],
    explainsExit: [126],
    examples: ['sh: 1: ./deploy.sh: Permission denied', 'bash: line 1: ./deploy.sh: Permission denied'],
  },
  {
    id: 'shell.no_such_file',
    type: 'shell.NoSuchFile',
    language: 'shell',
    severity: 'error',
    match: /^(?:(?<prog>[^:\s]+): )?(?:(?:line )?(?<line>\d+): )?(?:(?<builtin>cd|source|\.|exec): )?(?<subject>[^:]+): No such file or directory$/,
    hint: 'No such file or directory',
    derive: place,
    message: 'no such file or directory: {subject}',
    suggestion: "'{subject}' does not exist in the container: check the path and the working directory (/workspace by default)",
    explainsExit: [127],
    examples: ['cat: config/settings.yaml: No such file or directory', 'bash: line 1: cd: /workspace/build: No such file or directory'],
  },
];
