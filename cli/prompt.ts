/** Questions on a terminal. Prompts go to stderr so that stdout stays data only. */
import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';

export function isInteractive(stdin: Readable): boolean {
  return (stdin as Readable & { isTTY?: boolean }).isTTY === true;
}

function ask(question: string, stdin: Readable, out: Writable, echo: boolean): Promise<string> {
  // With echo off, readline writes to a sink: the answer (a key) is not shown.
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  out.write(question);
  const rl = createInterface({ input: stdin, output: echo ? out : sink, terminal: isInteractive(stdin) });
  return new Promise<string>((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!echo) out.write('\n');
      if (!answered) resolve('');
    });
  });
}

/** y/yes (any case) confirms; anything else, including end of input, declines. */
export async function confirm(question: string, stdin: Readable, out: Writable): Promise<boolean> {
  const answer = await ask(`${question} [y/N] `, stdin, out, true);
  return /^\s*y(es)?\s*$/i.test(answer);
}

export function readSecret(question: string, stdin: Readable, out: Writable): Promise<string> {
  return ask(question, stdin, out, false).then((s) => s.trim());
}

/** All of stdin (for `--api-key` piped in, as `docker login --password-stdin` does). */
export async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
