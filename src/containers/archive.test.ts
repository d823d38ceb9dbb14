/** Files in and out of the container by tar archive (for engines without a bind mount), on the real engine. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Project } from '../contracts/index.ts';
import { containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();

function pack(files: Record<string, string>): Promise<Buffer> {
  const p = tar.pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name, mode: 0o644 }, content);
  p.finalize();
  return collect(p);
}

async function collect(s: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function unpack(archive: Readable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const x = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, stream, next) => {
      void collect(stream).then((b) => {
        if (h.type === 'file') out[h.name] = b.toString('utf8');
        next();
      }, reject);
    });
    x.on('finish', resolve);
    x.on('error', reject);
  });
  archive.pipe(x);
  await done;
  return out;
}

describe('archives in and out of the container (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let p: Project;
  before(() => {
    requireDocker(reason);
    env = containerTestEnv();
    p = env.project('archive');
  });
  after(() => env?.close());

  test('putArchive into a folder that does not exist yet, then getArchive back', async () => {
    await env.containers.putArchive(p, '/workspace/a/b', await pack({ 'hello.txt': 'hi\n', 'sub/x.txt': 'x' }));
    const r = await env.exec(p, 'cat /workspace/a/b/hello.txt /workspace/a/b/sub/x.txt; echo; stat -c %u /workspace/a /workspace/a/b/hello.txt');
    const [a, b, ownerA, ownerFile] = r.stdout.split('\n');
    assert.equal(`${a}\n${b}`, 'hi\nx');
    assert.equal(ownerA, (await env.exec(p, 'id -u')).stdout.trim(), 'created folders belong to the container user');
    assert.ok(ownerFile);
    const archive = await env.containers.getArchive(p, '/workspace/a/b/hello.txt');
    assert.ok(archive);
    assert.deepEqual(await unpack(archive), { 'hello.txt': 'hi\n' });
    assert.equal(await env.containers.getArchive(p, '/workspace/nope'), null);
  });

  test('the read-only root refuses archives outside the writable mounts', async () => {
    await assert.rejects(env.containers.putArchive(p, '/usr/local', await pack({ 'x.txt': 'x' })));
  });
});
