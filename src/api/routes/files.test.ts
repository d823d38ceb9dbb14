import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  DeleteResult,
  FileContent,
  FileDiff,
  FileList,
  FileMeta,
  FileTree,
  FileVersionContent,
  FileVersionList,
  MoveResult,
  Project,
  SearchResult,
  SyncResult,
  UploadResult,
  ZeblitEvent,
} from '../../contracts/index.ts';
import { addUser, dataOf, errorOf, makeTestApp } from '../testing.ts';

const unix = { transport: 'unix' as const };

describe('files routes', () => {
  const t = makeTestApp({ maxBodyBytes: 64 * 1024, maxUploadBytes: 512 * 1024 });
  let p: Project;
  let ws: string;
  let base: string;
  const events: ZeblitEvent[] = [];
  before(() => {
    p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'files' });
    ws = t.deps.projects.workspace(p);
    base = `/api/v1/projects/${p.id}/files`;
    t.deps.bus.subscribe((e) => events.push(e));
  });
  after(() => t.close());

  const get = (path: string, init: RequestInit = {}) => t.request(`${base}${path}`, { ...unix, ...init });
  const send = (method: string, path: string, json?: unknown, headers: Record<string, string> = {}) => t.request(`${base}${path}`, { ...unix, method, json, headers });

  test('POST /files creates (201), then 409 for an existing path unless overwrite', async () => {
    const meta = await dataOf<FileMeta>(await send('POST', '', { path: 'src/main.py', content: 'print("hi")\n' }), 201);
    assert.equal(meta.path, 'src/main.py');
    assert.equal(meta.version, 1);
    assert.equal(meta.size, 12);
    assert.equal(meta.mime_type, 'text/x-python');
    assert.equal(meta.is_binary, false);
    assert.equal(readFileSync(join(ws, 'src/main.py'), 'utf8'), 'print("hi")\n');
    const last = events.at(-1);
    assert.equal(last?.type, 'file.changed');
    assert.deepEqual(last?.data, { path: 'src/main.py', action: 'created', version: 1, author: `user:${t.deps.auth.users.owner().id}` });
    await errorOf(await send('POST', '', { path: 'src/main.py', content: 'x' }), 409, 'CONFLICT');
    const again = await dataOf<FileMeta>(await send('POST', '', { path: 'src/main.py', content: 'print("hi")\n', overwrite: true }), 201);
    assert.equal(again.version, 1, 'same content: no new version');
  });

  test('POST /files validation: missing path, bad encoding, bad base64', async () => {
    await errorOf(await send('POST', '', { content: 'x' }), 400, 'VALIDATION_FAILED');
    await errorOf(await send('POST', '', { path: 'a', content: 'x', encoding: 'latin1' }), 400, 'VALIDATION_FAILED');
    await errorOf(await send('POST', '', { path: 'a', content: '@@@', encoding: 'base64' }), 400, 'VALIDATION_FAILED');
  });

  test('GET /files/{path}: content and metadata, ETag; ?meta=1; 404', async () => {
    const res = await get('/src/main.py');
    const f = await dataOf<FileContent>(res);
    assert.equal(f.content, 'print("hi")\n');
    assert.equal(f.encoding, 'utf-8');
    assert.equal(f.version, 1);
    assert.match(f.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(res.headers.get('etag'), `"${f.sha256}"`);
    const meta = await dataOf<FileContent>(await get('/src/main.py?meta=1'));
    assert.equal('content' in meta, false);
    assert.equal(meta.sha256, f.sha256);
    const folder = await dataOf<FileContent>(await get('/src'));
    assert.equal(folder.type, 'dir');
    await errorOf(await get('/src/nope.py'), 404, 'NOT_FOUND');
  });

  test('PUT /files/{path}: JSON write, If-Match by version and sha256, stale write is 409', async () => {
    const v1 = await dataOf<FileContent>(await get('/src/main.py'));
    const v2 = await dataOf<FileMeta>(await send('PUT', '/src/main.py', { content: 'print("v2")\n' }, { 'if-match': String(v1.version) }));
    assert.equal(v2.version, 2);
    const stale = await errorOf(await send('PUT', '/src/main.py', { content: 'lost update\n' }, { 'if-match': '1' }), 409, 'CONFLICT');
    assert.deepEqual((stale.details as { current_version: number }).current_version, 2);
    await errorOf(await send('PUT', '/src/main.py', { content: 'lost\n' }, { 'if-match': `"${v1.sha256}"` }), 409, 'CONFLICT');
    const v3 = await dataOf<FileMeta>(await send('PUT', '/src/main.py', { content: 'print("v3")\n' }, { 'if-match': `"${v2.sha256}"` }));
    assert.equal(v3.version, 3);
    assert.equal(readFileSync(join(ws, 'src/main.py'), 'utf8'), 'print("v3")\n');
    await errorOf(await send('PUT', '/src/main.py', { content: 'x' }, { 'if-match': 'banana' }), 400, 'VALIDATION_FAILED');
    await errorOf(await send('PUT', '/src/new.py', { content: 'x' }, { 'if-match': '1' }), 409, 'CONFLICT');
    await errorOf(await send('PUT', '/src', { content: 'x' }), 409, 'CONFLICT');
  });

  test('a change made on disk behind the API is recorded before a stale If-Match is refused', async () => {
    const before = await dataOf<FileContent>(await get('/src/main.py'));
    writeFileSync(join(ws, 'src/main.py'), 'edited in the container\n');
    await errorOf(await send('PUT', '/src/main.py', { content: 'mine\n' }, { 'if-match': String(before.version) }), 409, 'CONFLICT');
    const versions = await dataOf<FileVersionList>(await get('/src/main.py/versions'));
    assert.equal(versions.items[0]?.author, 'external');
    assert.equal(versions.current_version, (before.version ?? 0) + 1);
  });

  test('PUT with raw bytes; JSON over the JSON limit is 413; other content types 415', async () => {
    const bytes = randomBytes(100 * 1024);
    const meta = await dataOf<FileMeta>(await t.request(`${base}/bin/blob.dat`, { ...unix, method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } }));
    assert.equal(meta.size, bytes.length);
    assert.ok(readFileSync(join(ws, 'bin/blob.dat')).equals(bytes));
    await errorOf(await send('PUT', '/big.txt', { content: 'x'.repeat(70 * 1024) }), 413, 'PAYLOAD_TOO_LARGE');
    await errorOf(await t.request(`${base}/x.txt`, { ...unix, method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('binary round trips are exact: random, zeros, invalid UTF-8, empty (JSON base64 and raw)', async () => {
    const cases: [string, Buffer][] = [
      ['bin/random.bin', randomBytes(40_000)],
      ['bin/zeros.bin', Buffer.alloc(4096)],
      ['bin/invalid-utf8.txt', Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe, 0x0a])],
      ['bin/empty', Buffer.alloc(0)],
      ['bin/lone-surrogate.txt', Buffer.from([0xed, 0xa0, 0x80])],
    ];
    for (const [path, data] of cases) {
      const created = await dataOf<FileMeta>(await send('POST', '', { path, content: data.toString('base64'), encoding: 'base64' }), 201);
      assert.equal(created.size, data.length, path);
      assert.ok(readFileSync(join(ws, path)).equals(data), `${path} on disk`);
      const json = await dataOf<FileContent>(await get(`/${path}`));
      const back = json.encoding === 'base64' ? Buffer.from(json.content ?? '', 'base64') : Buffer.from(json.content ?? '', 'utf8');
      assert.ok(back.equals(data), `${path} via JSON`);
      assert.equal(json.is_binary, data.length > 0 && path !== 'bin/empty', `${path} is_binary`);
      const raw = await get(`/${path}?raw=1`);
      assert.equal(raw.status, 200);
      assert.ok(Buffer.from(await raw.arrayBuffer()).equals(data), `${path} raw`);
      const accept = await get(`/${path}`, { headers: { accept: 'application/octet-stream' } });
      assert.ok(Buffer.from(await accept.arrayBuffer()).equals(data), `${path} by Accept`);
      const v = await dataOf<FileVersionContent>(await get(`/${path}/versions/${json.version}`));
      const vb = v.encoding === 'base64' ? Buffer.from(v.content ?? '', 'base64') : Buffer.from(v.content ?? '', 'utf8');
      assert.ok(vb.equals(data), `${path} version content`);
      const vraw = await get(`/${path}/versions/${json.version}?raw=1`);
      assert.ok(Buffer.from(await vraw.arrayBuffer()).equals(data), `${path} version raw`);
    }
  });

  test('versions, one version, diff, restore', async () => {
    await send('POST', '', { path: 'doc.md', content: 'a\nb\nc\n' });
    await send('PUT', '/doc.md', { content: 'a\nB\nc\nd\n' });
    const list = await dataOf<FileVersionList>(await get('/doc.md/versions'));
    assert.deepEqual(list.items.map((v) => [v.version, v.action, v.current]), [[2, 'modified', true], [1, 'created', false]]);
    const v1 = await dataOf<FileVersionContent>(await get('/doc.md/versions/1'));
    assert.equal(v1.content, 'a\nb\nc\n');
    await errorOf(await get('/doc.md/versions/9'), 404, 'NOT_FOUND');
    const d = await dataOf<FileDiff>(await get('/doc.md/diff?from=1&to=2'));
    assert.equal(d.diff, '--- doc.md@v1\n+++ doc.md@v2\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n');
    assert.deepEqual([d.additions, d.deletions, d.binary], [2, 1, false]);
    const dCurrent = await dataOf<FileDiff>(await get('/doc.md/diff'));
    assert.equal(dCurrent.from, 1);
    assert.equal(dCurrent.to, null);
    await errorOf(await get('/doc.md/diff?from=x'), 400, 'VALIDATION_FAILED');
    const restored = await dataOf<FileMeta>(await send('POST', '/doc.md/restore/1'));
    assert.equal(restored.version, 3);
    assert.equal(readFileSync(join(ws, 'doc.md'), 'utf8'), 'a\nb\nc\n');
    const after3 = await dataOf<FileVersionList>(await get('/doc.md/versions'));
    assert.equal(after3.items[0]?.origin, 'restored from v1');
    await errorOf(await send('POST', '/doc.md/restore/42'), 404, 'NOT_FOUND');
    await errorOf(await send('POST', '/doc.md/frobnicate'), 404, 'NOT_FOUND');
    const bin = await dataOf<FileDiff>(await get('/bin/random.bin/diff?from=1&to=current'));
    assert.equal(bin.binary, true);
    assert.equal(bin.diff, null);
  });

  test('DELETE keeps history; the deleted file can be restored; folders delete with their files', async () => {
    await send('POST', '', { path: 'gone/a.txt', content: 'A' });
    await send('POST', '', { path: 'gone/deep/b.txt', content: 'B' });
    const del = await dataOf<DeleteResult>(await send('DELETE', '/gone'));
    assert.deepEqual(del, { path: 'gone', type: 'dir', files: 2 });
    assert.equal(existsSync(join(ws, 'gone')), false);
    const hist = await dataOf<FileVersionList>(await get('/gone/deep/b.txt/versions'));
    assert.equal(hist.exists, false);
    assert.deepEqual(hist.items.map((v) => v.action), ['deleted', 'created']);
    const back = await dataOf<FileMeta>(await send('POST', '/gone/deep/b.txt/restore/1'));
    assert.equal(back.version, 3);
    assert.equal(readFileSync(join(ws, 'gone/deep/b.txt'), 'utf8'), 'B');
    await errorOf(await send('DELETE', '/gone/nothing'), 404, 'NOT_FOUND');
    await errorOf(await send('DELETE', '/gone/deep/b.txt', undefined, { 'if-match': '1' }), 409, 'CONFLICT');
    await dataOf<DeleteResult>(await send('DELETE', '/gone/deep/b.txt', undefined, { 'if-match': '3' }));
    await errorOf(await get('/gone/never/versions'), 404, 'NOT_FOUND');
  });

  test('tree: nested with sizes, depth limit, ignored folders listed but not opened', async () => {
    mkdirSync(join(ws, 'node_modules/pkg'), { recursive: true });
    writeFileSync(join(ws, 'node_modules/pkg/index.js'), 'x');
    const tree = await dataOf<FileTree>(await get('/tree'));
    const names = tree.root.children?.map((c) => c.name);
    assert.ok(names?.includes('src') && names.includes('node_modules'));
    const nm = tree.root.children?.find((c) => c.name === 'node_modules');
    assert.equal(nm?.ignored, true);
    assert.equal(nm?.truncated, true);
    assert.equal(nm?.children, undefined);
    const src = tree.root.children?.find((c) => c.name === 'src');
    assert.equal(src?.size, src?.children?.reduce((s, c) => s + c.size, 0));
    const shallow = await dataOf<FileTree>(await get('/tree?depth=1'));
    assert.ok(shallow.root.children?.every((c) => c.children === undefined));
    const expanded = await dataOf<FileTree>(await get('/tree?expand_ignored=1'));
    assert.equal(expanded.root.children?.find((c) => c.name === 'node_modules')?.children?.[0]?.name, 'pkg');
    const sub = await dataOf<FileTree>(await get('/tree?path=src'));
    assert.equal(sub.root.path, 'src');
    await errorOf(await get('/tree?path=src/main.py'), 400, 'INVALID_PATH');
    await errorOf(await get('/tree?path=missing'), 404, 'NOT_FOUND');
    await errorOf(await get('/tree?depth=0'), 400, 'VALIDATION_FAILED');
  });

  test('list: a folder, a glob, recursive', async () => {
    const root = await dataOf<FileList>(await get('?dir='));
    assert.ok(root.items.some((i) => i.path === 'src' && i.type === 'dir'));
    assert.ok(root.items.every((i) => !i.path.includes('/')));
    const py = await dataOf<FileList>(await get('?glob=*.py'));
    assert.deepEqual(py.items.map((i) => i.path), ['src/main.py']);
    const bin = await dataOf<FileList>(await get('?dir=bin&glob=*.bin'));
    assert.deepEqual(bin.items.map((i) => i.path), ['bin/random.bin', 'bin/zeros.bin']);
    const deep = await dataOf<FileList>(await get('?glob=**/*.js'));
    assert.deepEqual(deep.items.map((i) => i.path), [], 'ignored folders are not searched');
    await errorOf(await get('?dir=nope'), 404, 'NOT_FOUND');
    await errorOf(await get('?dir=../etc'), 400, 'INVALID_PATH');
  });

  test('search: matches with line and column, cap, binary and ignored files skipped', async () => {
    await send('POST', '', { path: 'notes/todo.txt', content: 'one\nTODO: two\nthree todo\n' });
    writeFileSync(join(ws, 'node_modules/pkg/todo.js'), 'TODO in node_modules');
    await send('POST', '', { path: 'bin/todo.bin', content: Buffer.concat([Buffer.from('TODO'), Buffer.alloc(10)]).toString('base64'), encoding: 'base64' });
    const r = await dataOf<SearchResult>(await get('/search?q=todo'));
    assert.deepEqual(r.matches.map((m) => [m.path, m.line, m.column]), [['notes/todo.txt', 2, 1], ['notes/todo.txt', 3, 7]]);
    const cs = await dataOf<SearchResult>(await get('/search?q=TODO&case_sensitive=1'));
    assert.equal(cs.matches.length, 1);
    const capped = await dataOf<SearchResult>(await get('/search?q=todo&max_results=1'));
    assert.equal(capped.matches.length, 1);
    assert.equal(capped.truncated, true);
    const re = await dataOf<SearchResult>(await get(`/search?q=${encodeURIComponent('^th')}&regex=1`));
    assert.deepEqual(re.matches.map((m) => m.line), [3]);
    await errorOf(await get(`/search?q=${encodeURIComponent('(')}&regex=1`), 400, 'VALIDATION_FAILED');
    await errorOf(await get('/search'), 400, 'VALIDATION_FAILED');
  });

  test('move and copy: files and folders, history follows, conflicts', async () => {
    await send('POST', '', { path: 'mv/a.txt', content: 'alpha' });
    const moved = await dataOf<MoveResult>(await send('POST', '/move', { from: 'mv/a.txt', to: 'mv/b.txt' }));
    assert.deepEqual(moved, { from: 'mv/a.txt', to: 'mv/b.txt', type: 'file', files: 1 });
    const bh = await dataOf<FileVersionList>(await get('/mv/b.txt/versions'));
    assert.equal(bh.items[0]?.origin, 'moved from mv/a.txt');
    const ah = await dataOf<FileVersionList>(await get('/mv/a.txt/versions'));
    assert.equal(ah.items[0]?.action, 'deleted');
    const copied = await dataOf<MoveResult>(await send('POST', '/copy', { from: 'mv', to: 'mv2' }));
    assert.equal(copied.files, 1);
    assert.equal(readFileSync(join(ws, 'mv2/b.txt'), 'utf8'), 'alpha');
    await errorOf(await send('POST', '/copy', { from: 'mv', to: 'mv2' }), 409, 'CONFLICT');
    await errorOf(await send('POST', '/move', { from: 'mv', to: 'mv/inside' }), 400, 'INVALID_PATH');
    await errorOf(await send('POST', '/move', { from: 'nothing', to: 'x' }), 404, 'NOT_FOUND');
    await errorOf(await send('POST', '/move', { from: 'mv/b.txt', to: '../b.txt' }), 400, 'INVALID_PATH');
    const over = await dataOf<MoveResult>(await send('POST', '/move', { from: 'mv2/b.txt', to: 'mv/b.txt', overwrite: true }));
    assert.equal(over.to, 'mv/b.txt');
  });

  test('POST /files/sync records what changed on disk and publishes file.changed', async () => {
    const seen = events.length;
    writeFileSync(join(ws, 'made-outside.txt'), 'hello');
    writeFileSync(join(ws, 'doc.md'), 'changed outside\n');
    const r = await dataOf<SyncResult>(await send('POST', '/sync'));
    assert.equal(r.mode, 'bind');
    assert.deepEqual(r.changes.map((c) => [c.path, c.action]).sort(), [['doc.md', 'modified'], ['made-outside.txt', 'created']]);
    const published = events.slice(seen).map((e) => e.data as { path: string; author: string });
    assert.deepEqual(published.map((d) => d.path).sort(), ['doc.md', 'made-outside.txt']);
    assert.ok(published.every((d) => d.author === 'external'));
    const again = await dataOf<SyncResult>(await send('POST', '/sync'));
    assert.equal(again.changes.length, 0);
    assert.equal(again.hashed, 0);
  });

  test('path safety over HTTP: traversal, NUL, backslash, too long, absolute', async () => {
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'a%2F..%2F..%2Fx', '%2Fetc%2Fpasswd', 'a%00b', 'a%5Cb', `${'x'.repeat(256)}`, `${'abcd/'.repeat(900)}f`, '%E0%A4%A']) {
      await errorOf(await get(`/${bad}`), 400, 'INVALID_PATH');
      await errorOf(await send('PUT', `/${bad}`, { content: 'x' }), 400, 'INVALID_PATH');
    }
    await errorOf(await send('POST', '', { path: '../escape.txt', content: 'x' }), 400, 'INVALID_PATH');
    await errorOf(await send('POST', '', { path: '/etc/passwd', content: 'x' }), 400, 'INVALID_PATH');
    assert.equal(existsSync(join(ws, '..', 'escape.txt')), false);
  });

  test('a symlink leading outside is neither read nor written through', async () => {
    const outside = join(t.deps.paths.home, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'canary.txt'), 'SECRET');
    symlinkSync(outside, join(ws, 'escape'));
    symlinkSync(join(outside, 'canary.txt'), join(ws, 'canary-link'));
    await errorOf(await get('/escape/canary.txt'), 400, 'INVALID_PATH');
    await errorOf(await get('/canary-link'), 400, 'INVALID_PATH');
    await errorOf(await get('/canary-link?raw=1'), 400, 'INVALID_PATH');
    await errorOf(await send('PUT', '/escape/canary.txt', { content: 'pwned' }), 400, 'INVALID_PATH');
    await errorOf(await send('PUT', '/canary-link', { content: 'pwned' }), 400, 'INVALID_PATH');
    await errorOf(await send('POST', '', { path: 'escape/new.txt', content: 'pwned' }), 400, 'INVALID_PATH');
    await errorOf(await get('/download/escape'), 400, 'INVALID_PATH');
    await errorOf(await get('?dir=escape'), 400, 'INVALID_PATH');
    assert.equal(readFileSync(join(outside, 'canary.txt'), 'utf8'), 'SECRET');
    assert.equal(existsSync(join(outside, 'new.txt')), false);
    const tree = await dataOf<FileTree>(await get('/tree'));
    assert.equal(tree.root.children?.find((c) => c.name === 'escape')?.type, 'symlink');
    const found = await dataOf<SearchResult>(await get('/search?q=SECRET'));
    assert.equal(found.matches.length, 0);
    // Deleting the link removes the link, never its target.
    await dataOf<DeleteResult>(await send('DELETE', '/escape'));
    assert.equal(readFileSync(join(outside, 'canary.txt'), 'utf8'), 'SECRET');
  });

  test("another user's project is 404 on every files route", async () => {
    const bo = addUser(t, 'bo');
    for (const [method, path] of [['GET', ''], ['GET', '/tree'], ['GET', '/src/main.py'], ['PUT', '/src/main.py'], ['DELETE', '/src/main.py'], ['GET', '/src/main.py/versions'], ['POST', '/sync'], ['GET', '/download/src']] as const) {
      const res = await t.request(`${base}${path}`, { method, token: bo.key, json: method === 'PUT' ? { content: 'x' } : undefined });
      await errorOf(res, 404, 'NOT_FOUND');
    }
    assert.equal(readFileSync(join(ws, 'src/main.py'), 'utf8').includes('mine'), false);
  });

  test('archived projects are read-only', async () => {
    const q = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'frozen' });
    t.deps.projects.setStatus(t.deps.auth.users.owner().id, q.id, 'archived');
    await errorOf(await t.request(`/api/v1/projects/${q.id}/files`, { ...unix, method: 'POST', json: { path: 'a', content: 'x' } }), 409, 'CONFLICT');
    await dataOf<FileList>(await t.request(`/api/v1/projects/${q.id}/files`, unix));
  });

  test('a root file named like a route is reached as .%2F<name>', async () => {
    await send('POST', '', { path: 'tree', content: 'a file called tree' });
    const f = await dataOf<FileContent>(await get('/.%2Ftree'));
    assert.equal(f.content, 'a file called tree');
    const nested = await dataOf<FileContent>(await get('/src%2Fmain.py'));
    assert.equal(nested.path, 'src/main.py');
  });

  test('upload: raw body with ?path=, extract=1 of a tar.gz, 409 without overwrite, HEAD on a download', async () => {
    const raw = await dataOf<UploadResult>(await t.request(`${base}/upload?path=up/raw.bin`, { ...unix, method: 'POST', body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } }), 201);
    assert.deepEqual([raw.bytes, raw.files[0]?.path], [3, 'up/raw.bin']);
    await errorOf(await t.request(`${base}/upload?path=up/raw.bin&overwrite=0`, { ...unix, method: 'POST', body: new Uint8Array([4]), headers: { 'content-type': 'application/octet-stream' } }), 409, 'CONFLICT');
    await errorOf(await t.request(`${base}/upload`, { ...unix, method: 'POST', body: new Uint8Array([4]), headers: { 'content-type': 'application/octet-stream' } }), 400, 'VALIDATION_FAILED');
    const src = join(t.deps.paths.home, 'pack');
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'lib', 'a.js'), 'module.exports = 1;\n');
    const tgz = execFileSync('tar', ['-czf', '-', '-C', src, '.']);
    const ex = await dataOf<UploadResult>(await t.request(`${base}/upload?path=vendor&extract=1`, { ...unix, method: 'POST', body: new Uint8Array(tgz), headers: { 'content-type': 'application/octet-stream' } }), 201);
    assert.equal(ex.extracted, true);
    assert.deepEqual(ex.files.map((f) => f.path), ['vendor/lib/a.js']);
    const head = await t.request(`${base}/download/up/raw.bin`, { ...unix, method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '3');
  });

  test('the routes are in the OpenAPI document', async () => {
    const doc = (await (await t.request('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of ['/projects/{id}/files', '/projects/{id}/files/tree', '/projects/{id}/files/search', '/projects/{id}/files/{path}', '/projects/{id}/files/{path}/versions', '/projects/{id}/files/{path}/versions/{n}', '/projects/{id}/files/{path}/restore/{n}', '/projects/{id}/files/{path}/diff', '/projects/{id}/files/upload', '/projects/{id}/files/download/{path}', '/projects/{id}/files/move', '/projects/{id}/files/copy', '/projects/{id}/files/sync'])
      assert.ok(doc.paths[path], `${path} documented`);
    assert.ok(doc.paths['/projects/{id}/files/{path}']?.put);
    assert.ok(doc.paths['/projects/{id}/files/{path}']?.delete);
  });
});
