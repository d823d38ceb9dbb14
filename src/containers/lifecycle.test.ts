/** Lifecycle and the isolation profile, on the real engine (see testing.ts for when these skip). */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ContainerStatusEvent } from './emitter.ts';
import { containerTestEnv, dockerCli, dockerInspect, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();

describe('container lifecycle (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  const events: ContainerStatusEvent[] = [];
  before(() => {
    requireDocker(reason);
    env = containerTestEnv();
    env.containers.events.on('container.status', (e) => events.push(e));
    env.containers.startBackground();
  });
  after(() => env?.close());

  test('start, status, stop, restart, and auto-start on access', async () => {
    const p = env.project('life', { ports: [18_080] });
    const before = await env.containers.status(p);
    assert.equal(before.state, 'absent');
    const started = await env.containers.start(p);
    assert.equal(started.state, 'running');
    assert.equal(started.channel, 'runner');
    assert.equal(started.health, 'healthy');
    assert.match(started.image ?? '', /^zeblit\/blank:local$|^debian:bookworm-slim$/);
    assert.deepEqual(started.limits, { cpus: 2, memory_mb: 2048, pids: 512 });
    assert.deepEqual(started.ports, [{ container_port: 18_080, host_ip: '127.0.0.1', host_port: 18_080 }]);
    assert.ok(started.started_at && started.started_at > 0);

    const stopped = await env.containers.stop(p);
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.exit?.reason, 'stopped by request');
    assert.equal(stopped.channel, null);
    assert.equal((await dockerInspect(started.container_id ?? '')).State.Running, false);

    // Any exec starts it again: same container, not a new one.
    const r = await env.exec(p, 'echo back');
    assert.equal(r.stdout, 'back\n');
    const again = await env.containers.status(p);
    assert.equal(again.state, 'running');
    assert.equal(again.container_id, started.container_id);

    const restarted = await env.containers.restart(p);
    assert.equal(restarted.state, 'running');
    assert.equal(restarted.container_id, started.container_id);
    assert.ok((restarted.started_at ?? 0) > (started.started_at ?? 0));
    const states = events.filter((e) => e.project_id === p.id).map((e) => e.state);
    assert.deepEqual(states.slice(0, 4), ['starting', 'running', 'stopping', 'stopped']);
  });

  test('the isolation profile, checked with docker inspect on the real container', async () => {
    const p = env.project('isolated', { cpus: 1.5, memory_mb: 512, pids: 128, ports: [18_081] });
    const s = await env.containers.start(p);
    const i = await dockerInspect(s.container_id ?? '');
    const [uid, gid] = i.Config.User.split(':').map(Number);
    assert.ok(uid !== undefined && uid > 0 && gid !== undefined && gid > 0, `non-root user, got "${i.Config.User}"`);
    assert.deepEqual(i.HostConfig.CapDrop, ['ALL']);
    assert.equal(i.HostConfig.CapAdd, null);
    assert.equal(i.HostConfig.Privileged, false);
    assert.deepEqual(i.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(i.HostConfig.ReadonlyRootfs, true);
    assert.equal(i.HostConfig.Init, true);
    assert.equal(i.HostConfig.Memory, 512 * 1024 * 1024);
    assert.equal(i.HostConfig.MemorySwap, 512 * 1024 * 1024, 'no swap beyond the memory limit');
    assert.equal(i.HostConfig.NanoCpus, 1.5e9);
    assert.equal(i.HostConfig.PidsLimit, 128);
    assert.equal(i.HostConfig.NetworkMode, `zeblit-net-${p.id}`);
    assert.deepEqual(Object.keys(i.NetworkSettings.Networks), [`zeblit-net-${p.id}`]);
    assert.equal(i.Config.Labels['zeblit.managed'], 'true');
    assert.equal(i.Config.Labels['zeblit.project'], p.id);
    assert.match(i.Config.Labels['zeblit.home'] ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(i.HostConfig.PortBindings, { '18081/tcp': [{ HostIp: '127.0.0.1', HostPort: '18081' }] });
    assert.match(i.HostConfig.Tmpfs?.['/tmp'] ?? '', /size=128m/);
    const ws = i.Mounts.find((m) => m.Destination === '/workspace');
    assert.equal(ws?.Type, 'bind');
    assert.equal(ws?.Source, env.projects.workspace(p));
    assert.equal(ws?.RW, true);
    const home = i.Mounts.find((m) => m.Destination === '/home/zeblit');
    assert.equal(home?.Type, 'volume');
    assert.equal(home?.Name, `zeblit-home-${p.id}`);

    // And from inside: who we are, what is writable, what is not.
    const r = await env.exec(p, [
      'sh',
      '-c',
      'id -u; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status; touch /workspace/w /tmp/t $HOME/h && echo writable; touch /usr/x 2>&1 || echo ro-root',
    ]);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], String(uid));
    assert.match(lines[1] ?? '', /CapEff:\s+0+$/);
    assert.match(lines[2] ?? '', /NoNewPrivs:\s+1/);
    assert.equal(lines[3], 'writable');
    assert.equal(lines.at(-1), 'ro-root');
    // Workspace files belong to the container user on the host too.
    assert.equal(statSync(`${env.projects.workspace(p)}/w`).uid, uid);
  });

  test('network none: no network of its own, no published ports', async () => {
    const p = env.project('offline', { network: 'none', ports: [18_082] });
    const s = await env.containers.start(p);
    const i = await dockerInspect(s.container_id ?? '');
    assert.equal(i.HostConfig.NetworkMode, 'none');
    assert.deepEqual(s.ports, []);
  });

  test('a container that dies outside Zeblit is reported with its reason and restarted on the next access', async () => {
    const p = env.project('dies');
    const s = await env.containers.start(p);
    await dockerCli('kill', '--signal', 'KILL', s.container_id ?? '');
    // Docker's die event updates the state without anyone asking.
    const deadline = Date.now() + 10_000;
    let ev: ContainerStatusEvent | undefined;
    while (!ev && Date.now() < deadline) {
      ev = events.find((e) => e.project_id === p.id && e.state === 'exited');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ev, 'an exited event arrives');
    const dead = await env.containers.status(p);
    assert.equal(dead.state, 'exited');
    assert.equal(dead.exit?.exit_code, 137);
    assert.match(dead.exit?.reason ?? '', /137/);
    const r = await env.exec(p, 'echo alive');
    assert.equal(r.stdout, 'alive\n');
    assert.equal((await env.containers.status(p)).state, 'running');
  });

  test('deleting the project removes its container, network and volume', async () => {
    const p = env.project('doomed');
    const s = await env.containers.start(p);
    await env.projects.delete(env.owner.id, p.id);
    await assert.rejects(dockerInspect(s.container_id ?? ''));
    await assert.rejects(dockerCli('network', 'inspect', `zeblit-net-${p.id}`));
    await assert.rejects(dockerCli('volume', 'inspect', `zeblit-home-${p.id}`));
  });

  test('settings that need a new container: status says stale, restart applies them', async () => {
    const p = env.project('stale', { memory_mb: 256 });
    const first = await env.containers.start(p);
    const updated = env.projects.update(env.owner.id, p.id, { settings: { memory_mb: 384 } });
    assert.equal((await env.containers.status(updated)).config_stale, true);
    const after = await env.containers.restart(updated);
    assert.notEqual(after.container_id, first.container_id);
    assert.equal(after.config_stale, false);
    assert.equal((await dockerInspect(after.container_id ?? '')).HostConfig.Memory, 384 * 1024 * 1024);
  });
});
