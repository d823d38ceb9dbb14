/**
 * Sync with a REAL container: a command run changes the bind-mounted
 * workspace, the scan after the run records versions (author container, the
 * run id) and publishes file.changed; and the archive-copy mode used when the
 * engine cannot bind-mount, against a container that has no bind mount.
 * Without Docker these skip with a reason; with ZEBLIT_REQUIRE_DOCKER=1 they fail.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ZeblitError, type Project, type SyncResult, type ZeblitEvent } from '../contracts/index.ts';
import { DockerEngine, discoverEndpoint } from '../containers/index.ts';
import { NO_PERL_IMAGE, containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from '../containers/testing.ts';
import { EventBus } from '../events/index.ts';
import { FileService, type ArchiveChannel } from './index.ts';

const run = promisify(execFile);
const reason = await dockerUnavailableReason();
const ctx = { author: 'user:test' };

describe('sync after a command run in a real container (bind mount)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let files: FileService;
  let p: Project;
  const events: ZeblitEvent[] = [];
  let lastSync: Promise<SyncResult> = Promise.reject(new Error('no run yet'));
  lastSync.catch(() => {});

  before(async () => {
    requireDocker(reason);
    env = containerTestEnv();
    const bus = new EventBus(env.database.db);
    bus.subscribe((e) => events.push(e));
    files = new FileService(env.database.db, bus, env.paths);
    // The wiring of daemon/boot.ts: every finished run is followed by a scan.
    env.containers.events.on('run.finished', (f) => {
      lastSync = files.syncAfterRun(f.project_id, { author: 'container', runId: f.run_id });
    });
    p = env.project('sync');
    await files.create(p.id, { path: 'keep.txt', content: 'keep\n' }, ctx);
    await files.create(p.id, { path: 'old.txt', content: 'old\n' }, ctx);
    await files.create(p.id, { path: 'src/app.py', content: 'print(1)\n' }, ctx);
  });
  after(() => env?.close());

  test('a write through the API is visible inside the container at once', async () => {
    await files.write(p.id, 'src/app.py', Buffer.from('print(2)\n'), ctx);
    const r = await env.exec(p, 'cat /workspace/src/app.py');
    assert.equal(r.stdout, 'print(2)\n');
  });

  test('files the API created stay writable by the container user', async () => {
    const r = await env.exec(p, 'echo appended >> /workspace/src/app.py && id -u');
    assert.equal(r.exit_code, 0, r.stderr);
    await lastSync;
    assert.equal(readFileSync(join(env.projects.workspace(p), 'src/app.py'), 'utf8'), 'print(2)\nappended\n');
  });

  test('created, modified and deleted files become versions and file.changed events with the run id', async () => {
    const seen = events.length;
    const r = await env.exec(p, 'echo new > new.txt && echo more >> keep.txt && rm old.txt && mkdir -p data && head -c 3000 /dev/urandom > data/blob.bin && mkdir -p node_modules/x && echo ignored > node_modules/x/i.js');
    assert.equal(r.exit_code, 0, r.stderr);
    const s = await lastSync;
    assert.deepEqual(s.changes.map((c) => `${c.action} ${c.path}`).sort(), ['created data/blob.bin', 'created new.txt', 'deleted old.txt', 'modified keep.txt']);
    const changed = events.slice(seen).filter((e) => e.type === 'file.changed').map((e) => e.data as { path: string; action: string; version: number | null; author: string });
    assert.deepEqual(changed.map((d) => `${d.action} ${d.path}`).sort(), ['created data/blob.bin', 'created new.txt', 'deleted old.txt', 'modified keep.txt']);
    assert.ok(changed.every((d) => d.author === 'container' && typeof d.version === 'number'));
    const keep = await files.versions(p.id, 'keep.txt');
    assert.equal(keep.items[0]?.author, 'container');
    assert.match(keep.items[0]?.run_id ?? '', /^run_/);
    assert.equal((await files.version(p.id, 'keep.txt', 2)).data?.toString(), 'keep\nmore\n');
    const old = await files.versions(p.id, 'old.txt');
    assert.equal(old.items[0]?.action, 'deleted');
    await files.restore(p.id, 'old.txt', 1, ctx);
    assert.equal((await env.exec(p, 'cat old.txt')).stdout, 'old\n');
  });

  test('a run that changes nothing records nothing; the scan reads only files whose stat moved', async () => {
    await env.exec(p, 'true');
    const s = await lastSync;
    assert.deepEqual([s.changes.length, s.hashed], [0, 0]);
  });

  test('links the container plants to /etc, / or the host are never followed', async () => {
    const r = await env.exec(p, `ln -s /etc/passwd pw && ln -s / root && ln -s ${env.home} host`);
    assert.equal(r.exit_code, 0, r.stderr);
    await lastSync;
    for (const path of ['pw', 'root/etc/passwd', 'host/zeblit.db']) {
      await assert.rejects(files.read(p.id, path), (e: unknown) => e instanceof ZeblitError && e.code === 'INVALID_PATH', path);
      await assert.rejects(files.write(p.id, path, Buffer.from('x'), ctx), (e: unknown) => e instanceof ZeblitError && e.code === 'INVALID_PATH', path);
    }
  });
});

describe('archive-copy sync with a container that has no bind mount', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let files: FileService;
  let p: Project;
  let containerId = '';
  const engine = new DockerEngine(discoverEndpoint());
  const sh = async (cmd: string) => {
    const r = await run('docker', ['exec', containerId, 'sh', '-c', cmd]);
    return r.stdout;
  };

  before(async () => {
    requireDocker(reason);
    env = containerTestEnv();
    p = env.project('remote');
    const { stdout } = await run('docker', ['run', '-d', '--rm', '--label', `zeblit.test=${p.id}`, NO_PERL_IMAGE, 'sh', '-c', 'mkdir -p /workspace && sleep 600']);
    containerId = stdout.trim();
    await sh('until [ -d /workspace ]; do sleep 0.05; done');
    const channel: ArchiveChannel = {
      pull: () => engine.getArchive(containerId, '/workspace'),
      push: (_id, archive: Readable) => engine.putArchive(containerId, '/workspace', archive),
      async remove(_id, paths) {
        const exec = await engine.exec(containerId, { cmd: ['rm', '-rf', '--', ...paths.map((x) => `/workspace/${x}`)], stdin: false });
        await exec.finished;
      },
    };
    files = new FileService(env.database.db, new EventBus(env.database.db), env.paths, {}, { remote: { channel, isRemote: () => true } });
  });
  after(async () => {
    if (containerId) await run('docker', ['rm', '-f', containerId]).catch(() => undefined);
    await env?.close();
  });

  test('changes made in the container arrive by archive and become versions', async () => {
    await sh('cd /workspace && mkdir -p src && echo "made remotely" > src/r.txt && printf "\\000\\001\\002" > bin.dat');
    const s = await files.sync(p.id, { author: 'container' });
    assert.equal(s.mode, 'archive');
    assert.deepEqual(s.changes.map((c) => `${c.action} ${c.path}`).sort(), ['created bin.dat', 'created src/r.txt']);
    assert.equal((await files.read(p.id, 'src/r.txt')).content, 'made remotely\n');
    assert.deepEqual([...((await files.version(p.id, 'bin.dat', 1)).data ?? [])], [0, 1, 2]);
    await sh('cd /workspace && echo changed > src/r.txt && rm bin.dat');
    const s2 = await files.sync(p.id, { author: 'container' });
    assert.deepEqual(s2.changes.map((c) => `${c.action} ${c.path}`).sort(), ['deleted bin.dat', 'modified src/r.txt']);
  });

  test('API writes and deletes are copied into the container', async () => {
    await files.write(p.id, 'from-api/hello.txt', Buffer.from('hello remote\n'), ctx);
    await files.flushPushes();
    assert.equal(await sh('cat /workspace/from-api/hello.txt'), 'hello remote\n');
    await files.delete(p.id, 'from-api', ctx);
    await files.flushPushes();
    assert.equal(await sh('[ -e /workspace/from-api ] && echo present || echo gone'), 'gone\n');
    const s = await files.sync(p.id, { author: 'container' });
    assert.equal(s.changes.length, 0, 'the mirror and the container agree');
  });

  test('a link planted in the container is not mirrored, and the mirror stays inside', async () => {
    await sh(`cd /workspace && ln -s /etc evil && mkdir -p d && ln -s /etc/passwd d/pw`);
    writeFileSync(join(env.home, 'outside-canary.txt'), 'x');
    await files.sync(p.id, { author: 'container' });
    const tree = files.tree(p.id, {});
    assert.equal(tree.root.children?.some((c) => c.name === 'evil'), false);
    await assert.rejects(files.read(p.id, 'd/pw'), (e: unknown) => e instanceof ZeblitError && e.code === 'NOT_FOUND');
  });
});
