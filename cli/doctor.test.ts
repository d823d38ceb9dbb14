import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { zeblitPaths } from '../src/contracts/paths.ts';
import type { EngineInfo, ImageStatus } from '../src/contracts/index.ts';
import { checkClock, checkDisk, checkEngine, checkImages, checkNode, checkPermissions, renderChecks } from './doctor.ts';
import { HAS_ANSI, paint } from './style.ts';

const engine = (over: Partial<EngineInfo> = {}): EngineInfo => ({
  reachable: true,
  endpoint: 'unix:///var/run/docker.sock',
  version: '26.1.0',
  os: 'Debian',
  cgroup_version: '2',
  cpus: 4,
  memory_bytes: 8 * 1024 ** 3,
  containers_running: 1,
  system_time: Date.now(),
  limits: { memory: true, cpu: true, pids: true },
  warnings: [],
  ...over,
});

describe('doctor checks', () => {
  const home = mkdtempSync(join(tmpdir(), 'zbl-doc-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });

  it('Node: 20 and newer pass, older fail with the fix', () => {
    assert.equal(checkNode('20.20.2').status, 'ok');
    assert.equal(checkNode('22.1.0').status, 'ok');
    const old = checkNode('18.19.0');
    assert.equal(old.status, 'fail');
    assert.match(old.fix ?? '', /nvm install 20/);
  });

  it('permissions: a home open to others and a readable secret fail, with the chmod that fixes them', () => {
    chmodSync(home, 0o700);
    writeFileSync(paths.secret, 'x', { mode: 0o600 });
    assert.equal(checkPermissions(paths).status, 'ok');
    chmodSync(home, 0o755);
    chmodSync(paths.secret, 0o644);
    const c = checkPermissions(paths);
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /0755/);
    assert.match(c.fix ?? '', new RegExp(`chmod 700 ${home} && chmod 600 ${paths.secret}`));
    chmodSync(home, 0o700);
  });

  it('disk: under 1 GiB fails, under 5 GiB warns', () => {
    const GiB = 1024 ** 3;
    assert.equal(checkDisk(paths, () => ({ bavail: 0.5 * GiB, bsize: 1 })).status, 'fail');
    assert.equal(checkDisk(paths, () => ({ bavail: 2 * GiB, bsize: 1 })).status, 'warn');
    assert.equal(checkDisk(paths, () => ({ bavail: 50 * GiB, bsize: 1 })).status, 'ok');
  });

  it('engine: down fails with where it looked; missing limits fail; warnings warn', () => {
    const down = checkEngine(engine({ reachable: false, error: 'connect ENOENT', limits: null }));
    assert.deepEqual(down.map((c) => c.status), ['fail']);
    assert.match(down[0]?.detail ?? '', /unix:\/\/\/var\/run\/docker\.sock: connect ENOENT/);
    assert.match(down[0]?.fix ?? '', /DOCKER_HOST/);
    const noMem = checkEngine(engine({ limits: { memory: false, cpu: true, pids: false }, warnings: ['No swap limit support'] }));
    assert.deepEqual(noMem.map((c) => [c.name, c.status]), [['Engine', 'ok'], ['Limits', 'fail'], ['Engine warnings', 'warn']]);
    assert.match(noMem[1]?.detail ?? '', /memory, process limits/);
  });

  it('clock: within 5 s is fine, a minute off fails', () => {
    const now = Date.now();
    assert.equal(checkClock('the engine', now + 2_000, now)?.status, 'ok');
    assert.equal(checkClock('the engine', now + 20_000, now)?.status, 'warn');
    assert.equal(checkClock('the engine', now - 120_000, now)?.status, 'fail');
    assert.equal(checkClock('the engine', null, now), null);
  });

  it('images: a missing template fails and says how to build them', () => {
    const img = (template: ImageStatus['template'], state: ImageStatus['state']): ImageStatus => ({ template, image: `${template}:x`, local_image: `zeblit/${template}:local`, resolved: null, state, last: null });
    assert.equal(checkImages([img('python', 'present'), img('node', 'local'), img('blank', 'present')]).status, 'ok');
    const missing = checkImages([img('python', 'missing'), img('node', 'local'), img('blank', 'present')]);
    assert.equal(missing.status, 'fail');
    assert.match(missing.fix ?? '', /build-images\.sh/);
  });

  it('renders plain text without colour, and colour codes only when asked', () => {
    const checks = [checkNode('20.0.0'), checkNode('18.0.0')];
    const plain = renderChecks(checks, paint(false));
    assert.doesNotMatch(plain, HAS_ANSI);
    assert.match(plain, /\[ok\] {3}Node\.js {2}v20\.0\.0/);
    assert.match(plain, /\[FAIL\] Node\.js {2}v18\.0\.0.*\n.*Fix: Install Node 20/);
    assert.match(plain, /1 problem to fix/);
    assert.match(renderChecks(checks, paint(true)), HAS_ANSI);
  });
});
