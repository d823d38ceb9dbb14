/**
 * The single executable (node build.mjs --sea), built here into a side
 * folder: copied alone into an empty folder and run with no node on PATH and
 * a fresh cache, it is zeblitd and (as a link named zeblit) the CLI, which
 * starts that same executable as the daemon, migrates a new home, creates a
 * project, takes a backup and stops it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, cleanup, readLockFile, tempHome } from './helpers.ts';

const OUT = join(ROOT, '.build-sea-e2e');

describe('the single executable', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = (name: string, args: string[]) => spawnSync(join(dir, name), args, { env, encoding: 'utf8', cwd: dir, timeout: 120_000 });

  before(() => {
    execFileSync(process.execPath, ['build.mjs', '--sea'], { cwd: ROOT, env: { ...process.env, ZEBLIT_BUILD_OUT: OUT }, stdio: 'ignore', timeout: 600_000 });
    dir = tempHome('sea');
    copyFileSync(join(OUT, 'sea', 'zeblitd'), join(dir, 'zeblitd'));
    symlinkSync('zeblitd', join(dir, 'zeblit'));
    // Nothing on PATH: no node, no docker CLI. HOME stays out of the way of the user's ~/.zeblit.
    env = { PATH: '/nonexistent', HOME: dir, ZEBLIT_HOME: join(dir, 'home'), ZEBLIT_CACHE_DIR: join(dir, 'cache'), ZEBLIT_PORT: '0', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };
  });
  after(async () => {
    if (dir) spawnSync(join(dir, 'zeblit'), ['daemon', 'stop'], { env, timeout: 30_000 });
    await cleanup();
    rmSync(OUT, { recursive: true, force: true });
  });

  it('is zeblitd by its name and the CLI as zeblit, with no node on PATH', () => {
    const d = run('zeblitd', ['--version']);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /^zeblitd \d+\.\d+\.\d+\n$/);
    assert.equal(d.stderr, '', 'no warning from the executable');
    assert.deepEqual(readdirSync(join(dir, 'cache')).filter((n) => n.startsWith('sea-')).length, 1, 'its files were written to the cache once');
    const c = run('zeblit', ['version', '--no-start']);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^zeblit   \d+\.\d+\.\d+\nzeblitd  not reachable/);
    assert.equal(run('zeblitd', ['zeblit', '--version']).stdout.trim(), d.stdout.replace('zeblitd ', '').trim());
  });

  it('the CLI starts the same executable as the daemon, which serves a new home', () => {
    const created = run('zeblit', ['create', 'from-sea', '--template', 'python']);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /Created project from-sea/);
    const lock = readLockFile(join(dir, 'home'));
    assert.ok(lock?.pid);
    const cmdline = spawnSync('cat', [`/proc/${lock.pid}/cmdline`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).stdout.split('\0');
    assert.deepEqual(cmdline.slice(0, 2), [join(dir, 'zeblitd'), 'zeblitd'], 'the daemon is the executable itself');
    const backup = run('zeblit', ['backup', join(dir, 'b.tar.gz')]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.ok(existsSync(join(dir, 'b.tar.gz')));
    const stop = run('zeblit', ['daemon', 'stop']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(readLockFile(join(dir, 'home')), null);
  });
});
