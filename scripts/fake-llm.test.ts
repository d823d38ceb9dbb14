/** scripts/fake-llm.ts as a process: prints its URLs, serves a JSON script, then the demo responder; stops on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SCRIPT = join(ROOT, 'scripts', 'fake-llm.ts');
const dir = mkdtempSync(join(tmpdir(), 'fake-llm-script-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`fake-llm exited with ${code} before listening: ${out}`)));
  });
}

async function ask(url: string, text: string, tools: string[] = []): Promise<{ status: number; body: { content?: Array<{ type: string; text?: string; name?: string }>; error?: { type: string } } }> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'any' },
    body: JSON.stringify({ model: 'm', max_tokens: 100, tools: tools.map((name) => ({ name, input_schema: { type: 'object' } })), messages: [{ role: 'user', content: text }] }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

describe('scripts/fake-llm.ts', () => {
  it('serves the script, then the demo responder, and exits 0 on SIGTERM', async () => {
    const file = join(dir, 'replies.json');
    writeFileSync(file, JSON.stringify({ anthropic: [{ text: 'scripted' }, { error: { status: 529 } }] }));
    const { child, url } = await start(['--script', file, '--quiet']);
    assert.deepEqual((await ask(url, 'hi')).body.content, [{ type: 'text', text: 'scripted' }]);
    const overloaded = await ask(url, 'hi');
    assert.equal(overloaded.status, 529);
    assert.equal(overloaded.body.error?.type, 'overloaded_error');
    const demo = await ask(url, 'write hello.py', ['write_file', 'run_command', 'finish']);
    assert.equal(demo.body.content?.find((b) => b.type === 'tool_use')?.name, 'write_file');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('refuses bad arguments and bad scripts with exit 2 and a message', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ vendor: [] }));
    for (const [args, said] of [
      [['--port', 'abc'], /--port must be a port number/],
      [['--script', bad], /unknown key\(s\) vendor/],
      [['--script', join(dir, 'missing.json')], /cannot read/],
      [['--nope'], /Unknown option/],
    ] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, said);
    }
  });
});
