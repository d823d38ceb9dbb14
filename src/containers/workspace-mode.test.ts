/** Archive mode's part of the container layer that needs no engine: the mode, the profile, the archive owner. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import tar from 'tar-stream';
import { DEFAULT_SETTINGS, type Project } from '../contracts/index.ts';
import { resolveWorkspaceMode } from './index.ts';
import { LABEL_CONFIG, LABEL_WORKSPACE, buildSpec, ownLabels } from './profile.ts';
import { ownedBy } from './workspace-channel.ts';

const project: Project = {
  id: 'prj_test',
  name: 'p',
  description: '',
  owner_id: 'usr_x',
  template: 'blank',
  status: 'active',
  settings: { ...DEFAULT_SETTINGS, ports: [8080] },
  path: null,
  created_at: 1,
  updated_at: 1,
};

describe('workspace mode', () => {
  test('auto: archive for an engine on another machine (tcp, ssh), bind for a local socket; forced modes win', () => {
    assert.equal(resolveWorkspaceMode('auto', () => ({ kind: 'unix', socketPath: '/var/run/docker.sock' })), 'bind');
    assert.equal(resolveWorkspaceMode('auto', () => ({ kind: 'tcp', host: 'build.example', port: 2376, tls: null })), 'archive');
    assert.equal(resolveWorkspaceMode('auto', () => ({ kind: 'ssh', url: 'ssh://me@box' })), 'archive');
    assert.equal(resolveWorkspaceMode('archive', () => ({ kind: 'unix', socketPath: '/x' })), 'archive');
    assert.equal(resolveWorkspaceMode('bind', () => ({ kind: 'ssh', url: 'ssh://me@box' })), 'bind');
    const broken = () => {
      throw new Error('bad DOCKER_HOST');
    };
    assert.equal(resolveWorkspaceMode('auto', broken), 'bind');
  });

  test('archive mode changes where /workspace comes from, and nothing else of the isolation profile', () => {
    const input = { project, image: 'zeblit/blank:local', workspace: '/home/u/.zeblit/projects/prj_test/workspace', user: { uid: 1000, gid: 1000 }, owner: ownLabels('/h') };
    const bind = buildSpec(input);
    const archive = buildSpec({ ...input, workspaceMode: 'archive' });
    assert.deepEqual(bind.binds, [{ source: input.workspace, target: '/workspace' }]);
    assert.deepEqual(archive.binds, []);
    assert.deepEqual(archive.volumes, [...bind.volumes, { name: 'zeblit-ws-prj_test', target: '/workspace' }]);
    assert.equal(bind.labels[LABEL_WORKSPACE], 'bind');
    assert.equal(archive.labels[LABEL_WORKSPACE], 'archive');
    assert.notEqual(archive.labels[LABEL_CONFIG], bind.labels[LABEL_CONFIG], 'switching modes recreates the container');
    const rest = (s: typeof bind) => {
      const { binds: _b, volumes: _v, labels, ...others } = s;
      const { [LABEL_WORKSPACE]: _w, [LABEL_CONFIG]: _c, ...otherLabels } = labels;
      return { ...others, otherLabels };
    };
    assert.deepEqual(rest(archive), rest(bind));
    assert.deepEqual(archive.hardening, { capDrop: ['ALL'], noNewPrivileges: true, readonlyRootfs: true, init: true });
    assert.equal(archive.user, '1000:1000');
  });

  test('pushed archives are given to the container user, contents and names unchanged', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'src/', type: 'directory', mode: 0o750, uid: 0, gid: 0 });
    pack.entry({ name: 'src/a.txt', mode: 0o640, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000) }, 'hello');
    pack.finalize();
    const out = ownedBy(Readable.from(pack), { uid: 1234, gid: 5678 });
    const seen: string[] = [];
    const extract = tar.extract();
    out.pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      seen.push(`${h.name} ${h.type} ${h.uid}:${h.gid} ${(h.mode ?? 0).toString(8)} ${Buffer.concat(chunks).toString()}`);
      if (h.name === 'src/a.txt') assert.equal(h.mtime?.getTime(), 1_700_000_000_000);
    }
    assert.deepEqual(seen, ['src/ directory 1234:5678 750 ', 'src/a.txt file 1234:5678 640 hello']);
  });
});
