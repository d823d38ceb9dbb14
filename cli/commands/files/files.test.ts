/**
 * `zeblit files …` against the real API (the daemon's app with a real
 * database) served on the home's Unix socket, the CLI run in-process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { makeTestApp } from '../../../src/api/testing.ts';
import type { FileVersionList, Project } from '../../../src/contracts/index.ts';
import { runCli } from '../../testing.ts';

describe('zeblit files', () => {
  const t = makeTestApp();
  const local = mkdtempSync(join(tmpdir(), 'zeblit-cli-files-'));
  let server: Server;
  let p: Project;
  let ws: string;
  const env = () => ({ ZEBLIT_HOME: t.deps.paths.home, ZEBLIT_NO_AUTOSTART: '1', PATH: process.env.PATH });
  const zeblit = (args: string[], extra: Record<string, string> = {}) => runCli(['files', ...args, '-p', 'demo'], { ...env(), ...extra });

  before(async () => {
    p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'demo' });
    ws = t.deps.projects.workspace(p);
    server = createAdaptorServer({ fetch: (req: Request, e: Record<string, unknown>) => ((e.transport = 'unix'), t.app.fetch(req, e)) }) as Server;
    await new Promise<void>((r) => server.listen(t.deps.paths.socket, r));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    t.close();
    rmSync(local, { recursive: true, force: true });
  });

  test('put and cat: exact bytes both ways', async () => {
    const bytes = Buffer.concat([randomBytes(5000), Buffer.from([0, 0xff, 0xfe])]);
    writeFileSync(join(local, 'blob.bin'), bytes);
    const put = await zeblit(['put', join(local, 'blob.bin'), 'data/blob.bin']);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /data\/blob.bin: 5003 bytes, version 1/);
    assert.ok(readFileSync(join(ws, 'data/blob.bin')).equals(bytes));
    writeFileSync(join(local, 'hello.txt'), 'hello world\n');
    assert.equal((await zeblit(['put', join(local, 'hello.txt')])).code, 0);
    const cat = await zeblit(['cat', 'hello.txt']);
    assert.equal(cat.stdout, 'hello world\n');
  });

  test('list, tree, search', async () => {
    const list = await zeblit(['list']);
    assert.match(list.stdout, /^TYPE\s+SIZE\s+MODIFIED\s+PATH/);
    assert.match(list.stdout, /data\//);
    const tree = await zeblit(['tree']);
    assert.match(tree.stdout, /└── hello.txt/);
    assert.match(tree.stdout, /1 folders, 2 files/);
    const found = await zeblit(['search', 'world']);
    assert.equal(found.stdout, 'hello.txt:1:7: hello world\n');
    const none = await zeblit(['search', 'nothing-like-this']);
    assert.equal(none.code, 1);
    const json = await zeblit(['list', '--json']);
    assert.ok(Array.isArray((JSON.parse(json.stdout) as { items: unknown[] }).items));
  });

  test('upload with a progress bar, download a file and a folder', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(local, 'big.bin'), big);
    const up = await zeblit(['upload', join(local, 'big.bin'), 'big/big.bin'], { ZEBLIT_PROGRESS: '1' });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Uploading .*big.bin \[#+\] 100%/);
    assert.match(up.stderr, /MiB\/s/);
    assert.match(up.stderr, /ETA/);
    const target = join(local, 'back.bin');
    const down = await zeblit(['download', 'big/big.bin', target]);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(target).equals(big));
    const tgz = join(local, 'data.tar.gz');
    assert.equal((await zeblit(['download', 'data', tgz])).code, 0);
    assert.match(execFileSync('tar', ['-tzf', tgz]).toString(), /data\/blob.bin/);
    const missing = await zeblit(['download', 'nope.txt', join(local, 'nope.txt')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error \[NOT_FOUND\]/);
  });

  test('edit: saved when nobody else changed the file, refused when someone did', async () => {
    const ok = await zeblit(['edit', 'hello.txt'], { EDITOR: 'sed -i s/world/there/' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Saved hello.txt \(version 2\)/);
    assert.equal(readFileSync(join(ws, 'hello.txt'), 'utf8'), 'hello there\n');
    const same = await zeblit(['edit', 'hello.txt'], { EDITOR: 'true' });
    assert.match(same.stdout, /No changes/);
    // The "editor" also changes the file in the workspace, as an agent would meanwhile.
    const clash = await zeblit(['edit', 'hello.txt'], { EDITOR: `sh -c 'echo agent > ${join(ws, 'hello.txt')}; echo mine > "$1"' --` });
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /Error \[CONFLICT\]: hello.txt changed while you were editing it/);
    assert.equal(readFileSync(join(ws, 'hello.txt'), 'utf8'), 'agent\n', 'the other change was not overwritten');
    const kept = /Your version is in (\S+)/.exec(clash.stderr)?.[1] ?? '';
    assert.equal(readFileSync(kept, 'utf8'), 'mine\n');
    const created = await zeblit(['edit', 'new/note.md'], { EDITOR: `sh -c 'echo first > "$1"' --` });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(readFileSync(join(ws, 'new/note.md'), 'utf8'), 'first\n');
    const binary = await zeblit(['edit', 'data/blob.bin'], { EDITOR: 'true' });
    assert.match(binary.stderr, /BINARY_FILE/);
  });

  test('versions, diff, restore, mv, rm', async () => {
    const v = await zeblit(['versions', 'hello.txt', '--json']);
    const list = JSON.parse(v.stdout) as FileVersionList;
    assert.ok(list.items.length >= 3);
    const human = await zeblit(['versions', 'hello.txt']);
    assert.match(human.stdout, /^VERSION\s+ACTION/);
    const d = await zeblit(['diff', 'hello.txt', '--from', '1', '--to', '2']);
    assert.equal(d.stdout, '--- hello.txt@v1\n+++ hello.txt@v2\n@@ -1 +1 @@\n-hello world\n+hello there\n');
    const r = await zeblit(['restore', 'hello.txt', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(ws, 'hello.txt'), 'utf8'), 'hello world\n');
    assert.equal((await zeblit(['mv', 'hello.txt', 'greeting.txt'])).code, 0);
    const rm = await zeblit(['rm', 'greeting.txt', 'big']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /Deleted greeting.txt\nDeleted big\/ \(1 files\)/);
    const back = await zeblit(['restore', 'greeting.txt', '1']);
    assert.equal(back.code, 0, back.stderr);
    const bad = await zeblit(['diff', 'greeting.txt', '--from', 'x']);
    assert.equal(bad.code, 2);
  });
});
