/**
 * The entry of the single executable (node build.mjs --sea): one program that
 * is zeblitd and zeblit. `zeblitd …` runs the daemon; the same file called
 * `zeblit` (a link or a copy), or `zeblitd zeblit …`, runs the CLI; `zeblitd
 * zeblitd …` is the daemon whatever the file is called (the CLI starts it so).
 */
import './assets.ts';
import { createCli } from '../../cli/app.ts';
import { main as daemonMain } from '../../daemon/program.ts';
import { programOf } from './dispatch.ts';

const chosen = programOf(process.argv0, process.argv.slice(2));
if (chosen.program === 'zeblitd') void daemonMain(chosen.args);
else void createCli().runExit(chosen.args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
