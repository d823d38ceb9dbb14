import { createCli } from './app.ts';

// The `zeblit` program. No main guard: inside the bundle every module would pass it (see STACK-NOTES).
const cli = createCli();
void cli.runExit(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
