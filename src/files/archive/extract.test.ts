import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { ZeblitError, type Project } from '../../contracts/index.ts';
import { canaryFolder, filesFixture, snapshot } from '../testing.ts';
import { zipOf } from './testing.ts';

type Member = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string };

async function tarOf(members: Member[], gzip = false): Promise<Buffer> {
  const pack = tar.pack();
  for (const m of members) {
    if (m.type === 'symlink' || m.type === 'link') pack.entry({ name: m.name, type: m.type, linkname: m.linkname ?? '' });
    else if (m.type === 'directory') pack.entry({ name: m.name, type: 'directory' });
    else pack.entry({ name: m.name }, m.body ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  const out = Buffer.concat(chunks);
  return gzip ? gzipSync(out) : out;
}

describe('archive uploads with extract=1', () => {
  const fx = filesFixture();
  const ctx = { author: 'user:test' };
  let p: Project;
  let ws: string;
  let outside: { dir: string; canary: string };
  let snap: ReturnType<typeof snapshot>;
  const upload = (data: Buffer, path = '', overwrite = true) => fx.files.upload(p.id, path, Readable.from([data]), { ...ctx, limit: 10 << 20, overwrite, extract: true });
  const refusedWith = async (data: Buffer, code: string, path = '') => {
    const before = readdirSync(ws).sort();
    await assert.rejects(upload(data, path), (e: unknown) => e instanceof ZeblitError && e.code === code);
    assert.deepEqual(readdirSync(ws).sort(), before, 'nothing was extracted');
  };

  before(() => {
    p = fx.project();
    ws = fx.projects.workspace(p);
    outside = canaryFolder(fx.home);
    snap = snapshot(outside.dir);
  });
  after(() => fx.close());

  test('tar, tar.gz and zip unpack into the target folder, each file a version', async () => {
    const members = [{ name: 'app/', type: 'directory' as const }, { name: 'app/main.py', body: 'print(1)\n' }, { name: './README.md', body: '# hi\n' }];
    const r1 = await upload(await tarOf(members), 'from-tar');
    assert.equal(r1.extracted, true);
    assert.deepEqual(r1.files.map((f) => [f.path, f.version]).sort(), [['from-tar/README.md', 1], ['from-tar/app/main.py', 1]]);
    await upload(await tarOf(members, true), 'from-tgz');
    assert.equal(readFileSync(join(ws, 'from-tgz/app/main.py'), 'utf8'), 'print(1)\n');
    const r3 = await upload(zipOf([{ name: 'z/a.txt', body: 'zip a' }, { name: 'z/', mode: 0o040755 }, { name: 'empty.txt' }]), 'from-zip');
    assert.deepEqual(r3.files.map((f) => f.path).sort(), ['from-zip/empty.txt', 'from-zip/z/a.txt']);
    assert.equal(readFileSync(join(ws, 'from-zip/z/a.txt'), 'utf8'), 'zip a');
  });

  test('zip-slip and absolute names refuse the whole archive', async () => {
    await refusedWith(await tarOf([{ name: 'ok.txt', body: 'fine' }, { name: '../../outside/canary.txt', body: 'pwned' }]), 'INVALID_PATH');
    await refusedWith(await tarOf([{ name: 'a/../../escape.txt', body: 'pwned' }]), 'INVALID_PATH');
    await refusedWith(await tarOf([{ name: `${outside.dir}/abs.txt`, body: 'pwned' }], true), 'INVALID_PATH');
    await refusedWith(zipOf([{ name: 'ok.txt', body: 'fine' }, { name: '../../../outside/zipslip.txt', body: 'pwned' }]), 'INVALID_PATH');
    await refusedWith(zipOf([{ name: '/tmp/abs-zip.txt', body: 'pwned' }]), 'INVALID_PATH');
    await refusedWith(zipOf([{ name: '..\\..\\win.txt', body: 'pwned' }]), 'INVALID_PATH');
    assert.equal(existsSync(join(ws, 'ok.txt')), false);
  });

  test('symlink-then-file: links are skipped, so the file lands inside', async () => {
    const r = await upload(await tarOf([{ name: 'link', type: 'symlink', linkname: outside.dir }, { name: 'link/canary.txt', body: 'pwned' }, { name: 'hard', type: 'link', linkname: outside.canary }]), 'trick');
    assert.deepEqual(r.skipped.map((s) => s.name).sort(), ['hard', 'link']);
    assert.equal(readFileSync(join(ws, 'trick/link/canary.txt'), 'utf8'), 'pwned', 'a plain folder inside the workspace');
    const z = await upload(zipOf([{ name: 'zl', body: outside.dir, mode: 0o120777 }, { name: 'zl/x.txt', body: 'pwned' }]), 'ztrick');
    assert.deepEqual(z.skipped.map((s) => s.name), ['zl']);
    assert.equal(readFileSync(join(ws, 'ztrick/zl/x.txt'), 'utf8'), 'pwned');
  });

  test('a link already in the workspace cannot be extracted through', async () => {
    symlinkSync(outside.dir, join(ws, 'planted'));
    await refusedWith(await tarOf([{ name: 'canary.txt', body: 'pwned' }]), 'INVALID_PATH', 'planted');
    await refusedWith(await tarOf([{ name: 'planted/canary.txt', body: 'pwned' }]), 'INVALID_PATH');
  });

  test('lying or broken archives are refused; not an archive is 415; existing files need overwrite', async () => {
    const bomb = zipOf([{ name: 'b.txt', body: 'x'.repeat(100) }]);
    bomb.writeUInt32LE(10, bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24); // declares 10 bytes, holds 100
    await refusedWith(bomb, 'VALIDATION_FAILED');
    await refusedWith(Buffer.from('just some text, no archive'), 'UNSUPPORTED_MEDIA_TYPE');
    await assert.rejects(upload(await tarOf([{ name: 'main.py', body: 'x' }]), 'from-tar/app', false), (e: unknown) => e instanceof ZeblitError && e.code === 'CONFLICT');
  });

  test('zip: deflated members unpack; bombs that lie about their size, bad CRCs, encryption, unknown methods and cut archives are refused', async () => {
    const big = Buffer.alloc(256 * 1024, 'a');
    const ok = await upload(zipOf([{ name: 'deflated/a.txt', body: big, deflate: true }, { name: 'deflated/b.txt', body: 'small', deflate: true }]), '');
    assert.deepEqual(ok.files.map((f) => f.path).sort(), ['deflated/a.txt', 'deflated/b.txt']);
    assert.ok(readFileSync(join(ws, 'deflated/a.txt')).equals(big));
    // 8 MiB of zeros deflate to a few KiB; the member declares 100 bytes.
    await refusedWith(zipOf([{ name: 'bomb.bin', body: Buffer.alloc(8 << 20), deflate: true, declaredSize: 100 }]), 'VALIDATION_FAILED');
    // Found only while the bytes are read (members before it are already written, as with tar): the member itself never lands.
    await refusedWith(zipOf([{ name: 'crc.txt', body: 'tampered', crc: 12345 }, { name: 'after.txt', body: 'fine' }]), 'VALIDATION_FAILED');
    await refusedWith(zipOf([{ name: 'secret.txt', body: 'xxxxxxxxxxxxyyyy', flags: 1 }]), 'VALIDATION_FAILED');
    const lzma = zipOf([{ name: 'm.txt', body: 'x' }]);
    lzma.writeUInt16LE(14, lzma.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);
    await refusedWith(lzma, 'VALIDATION_FAILED');
    const whole = zipOf([{ name: 'a.txt', body: 'aaaa' }, { name: 'b.txt', body: 'bbbb' }]);
    await refusedWith(whole.subarray(0, whole.length - 30), 'VALIDATION_FAILED');
    await refusedWith(Buffer.concat([whole.subarray(0, 4), Buffer.alloc(200)]), 'VALIDATION_FAILED');
  });

  test('nothing outside changed or was read', () => {
    assert.deepEqual(snapshot(outside.dir), snap);
  });
});
