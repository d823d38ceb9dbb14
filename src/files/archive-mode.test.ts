/**
 * Archive mode end to end on the REAL engine, forced as ZEBLIT_WORKSPACE_MODE=archive
 * would (the engine here is local, but the container gets no bind mount): the
 * container layer makes the container with a workspace volume of its own, and
 * the files domain, wired as daemon/boot.ts wires it, keeps both sides in step.
 * Without Docker these skip with a reason; with ZEBLIT_REQUIRE_DOCKER=1 they fail.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project, SyncResult, ZeblitEvent } from '../contracts/index.ts';
import { containerTestEnv, dockerCli, dockerInspect, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from '../containers/testing.ts';
import { EventBus } from '../events/index.ts';
import { FileService } from './index.ts';

const reason = await dockerUnavailableReason();
const ctx = { author: 'user:test' };
type Changed = { path: string; action: string; version: number | null; author: string };

describe('archive mode: a container without the workspace bind mount (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let files: FileService;
  let p: Project;
  const events: ZeblitEvent[] = [];
  let lastSync: Promise<SyncResult> = Promise.reject(new Error('no run yet'));
  lastSync.catch(() => {});
  let lastPushAll: Promise<number> = Promise.resolve(0);
  const changed = (since: number) => events.slice(since).filter((e) => e.type === 'file.changed').map((e) => e.data as Changed);

  before(async () => {
    requireDocker(reason);
    env = containerTestEnv({ workspaceMode: 'archive' });
    const bus = new EventBus(env.database.db);
    bus.subscribe((e) => events.push(e));
    const { containers } = env;
    // The wiring of daemon/boot.ts.
    files = new FileService(env.database.db, bus, env.paths, {}, { remote: { channel: containers.workspaceChannel, isRemote: (id) => containers.workspaceMode(id) === 'archive' } });
    containers.events.on('run.finished', (f) => {
      lastSync = files.syncAfterRun(f.project_id, { author: 'container', runId: f.run_id });
    });
    containers.events.on('container.status', (e) => {
      if (e.state === 'running' && containers.workspaceMode(e.project_id) === 'archive') lastPushAll = files.pushAll(e.project_id);
    });
    containers.beforeRun((id) => files.workspaceReady(id));
    p = env.project('archive');
    // Written before the container exists: it arrives with the first start.
    await files.create(p.id, { path: 'src/main.py', content: 'print("hi")\n' }, ctx);
  });
  after(() => env?.close());

  test('the container has a workspace volume instead of the bind mount; the rest of the profile is unchanged', async () => {
    const s = await env.containers.start(p);
    assert.equal(env.containers.workspaceMode(p), 'archive');
    const i = await dockerInspect(s.container_id ?? '');
    const ws = i.Mounts.find((m) => m.Destination === '/workspace');
    assert.equal(ws?.Type, 'volume');
    assert.equal(ws?.Name, `zeblit-ws-${p.id}`);
    assert.equal(i.Mounts.some((m) => m.Type === 'bind'), false, 'no host folder is mounted');
    assert.equal(i.Config.Labels['zeblit.workspace'], 'archive');
    assert.deepEqual(i.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(i.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(i.HostConfig.ReadonlyRootfs, true);
    assert.equal(i.HostConfig.Init, true);
    assert.notEqual(i.Config.User.split(':')[0], '0');
    assert.equal(await lastPushAll, 1, 'the start pushed the workspace');
    const r = await env.exec(p, 'cat /workspace/src/main.py');
    assert.equal(r.stdout, 'print("hi")\n');
  });

  test('an API write is visible in the container, owned by the container user, who can change it', async () => {
    await files.write(p.id, 'notes/todo.txt', Buffer.from('one\n'), ctx);
    await files.flushPushes();
    const r = await env.exec(p, 'cat /workspace/notes/todo.txt && echo two >> /workspace/notes/todo.txt && touch /workspace/notes/new.txt && stat -c %u /workspace/notes/todo.txt /workspace/notes && id -u');
    assert.equal(r.exit_code, 0, r.stderr);
    const [content, uidFile, uidDir, me] = r.stdout.trim().split('\n');
    assert.equal(content, 'one');
    assert.equal(uidFile, me);
    assert.equal(uidDir, me, 'folders the push made belong to the container user too');
    await lastSync;
  });

  test('a change made in the container comes back by the sync after the run: versions and file.changed', async () => {
    const seen = events.length;
    const r = await env.exec(p, 'echo made > /workspace/made.txt && printf "\\000\\377" > /workspace/bin.dat');
    assert.equal(r.exit_code, 0, r.stderr);
    const s = await lastSync;
    assert.equal(s.mode, 'archive');
    assert.deepEqual(s.changes.map((c) => `${c.action} ${c.path}`).sort(), ['created bin.dat', 'created made.txt']);
    assert.deepEqual(changed(seen).map((d) => `${d.action} ${d.path} ${d.author}`).sort(), ['created bin.dat container', 'created made.txt container']);
    assert.equal(readFileSync(join(files.root(p.id), 'made.txt'), 'utf8'), 'made\n', 'the host folder mirrors the container');
    assert.deepEqual([...((await files.version(p.id, 'bin.dat', 1)).data ?? [])], [0, 255]);
    // The earlier run's edits came back too.
    assert.equal((await files.read(p.id, 'notes/todo.txt')).content, 'one\ntwo\n');
    // POST /files/sync finds nothing more.
    assert.equal((await files.sync(p.id, { author: 'external' })).changes.length, 0);
  });

  test('deletes go both ways', async () => {
    await files.delete(p.id, 'notes', ctx);
    await files.flushPushes();
    let r = await env.exec(p, '[ -e /workspace/notes ] && echo present || echo gone');
    assert.equal(r.stdout, 'gone\n');
    await lastSync;
    const seen = events.length;
    r = await env.exec(p, 'rm /workspace/made.txt');
    assert.equal(r.exit_code, 0, r.stderr);
    const s = await lastSync;
    assert.deepEqual(s.changes.map((c) => `${c.action} ${c.path}`), ['deleted made.txt']);
    assert.deepEqual(changed(seen).map((d) => `${d.action} ${d.path}`), ['deleted made.txt']);
    assert.equal(existsSync(join(files.root(p.id), 'made.txt')), false);
    assert.equal((await files.versions(p.id, 'made.txt')).items[0]?.action, 'deleted');
  });

  test('a command may start in a folder only the container has so far', async () => {
    const s = await env.containers.status(p);
    await dockerCli('exec', s.container_id ?? '', 'sh', '-c', 'mkdir /workspace/only-here && echo x > /workspace/only-here/f');
    const r = await env.exec(p, 'pwd', { cwd: '/workspace/only-here' });
    assert.equal(r.stdout, '/workspace/only-here\n');
    await lastSync;
    assert.equal(files.tree(p.id, {}).root.children?.some((c) => c.name === 'only-here'), true, 'the sync after it mirrored the folder');
  });

  test('a new container with an empty volume gets the workspace back when it starts', async () => {
    const before = await env.containers.status(p);
    // Container and volume gone behind Zeblit's back (a remote host was wiped, say).
    await dockerCli('rm', '-f', before.container_id ?? '');
    await dockerCli('volume', 'rm', `zeblit-ws-${p.id}`);
    const after = await env.containers.start(p);
    assert.notEqual(after.container_id, before.container_id);
    assert.ok((await lastPushAll) >= 2);
    const r = await env.exec(p, 'cat /workspace/src/main.py /workspace/bin.dat | wc -c; ls /workspace');
    assert.equal(r.stdout, `${'print("hi")\n'.length + 2}\nbin.dat\nonly-here\nsrc\n`);
    const s = await lastSync;
    assert.equal(s.changes.length, 0, 'nothing lost, nothing resurrected');
  });

  test('a restart keeps the volume and the mirror in step', async () => {
    await env.containers.restart(p);
    await lastPushAll;
    await files.write(p.id, 'after-restart.txt', Buffer.from('x'), ctx);
    await files.flushPushes();
    const r = await env.exec(p, 'cat /workspace/after-restart.txt');
    assert.equal(r.stdout, 'x');
    assert.equal((await lastSync).changes.length, 0);
  });
});
