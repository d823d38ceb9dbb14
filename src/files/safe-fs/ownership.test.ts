/**
 * A daemon running as root leaves nothing of root's in a workspace that
 * belongs to the container's user (here uid 1000): new folders, files and
 * copied links all belong to the workspace owner, also while a process of
 * that user races to swap each new folder for a link to the outside (the
 * swap finds no root-owned folder to keep, and nothing is written outside).
 * Runs as root only: that is the case it is about.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZeblitError, type Project } from '../../contracts/index.ts';
import { canaryFolder, filesFixture, snapshot, type FilesFixture } from '../testing.ts';
import { Resolver } from './resolver.ts';

const USER = { uid: 1000, gid: 1000 };
const otherFileSystem = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev;
const asRoot = process.getuid?.() === 0;
const rootOnly = asRoot ? {} : { skip: 'the daemon creates files as root only when it runs as root (run these tests as root)' };

/** Every entry below `dir` (links not followed) that belongs to root. */
function rootOwned(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = rel ? `${rel}/${name}` : name;
      if (st.uid === 0 || st.gid === 0) out.push(`${key} (${st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'link' : 'file'})`);
      if (st.isDirectory()) walk(p, key);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Removes `path` (a folder, or the attacker's link) as root, safely: first
 * renamed out of the attacker's reach (rename never follows a link), then
 * removed there. An rm -r in place could be turned into a link to the
 * outside half-way, and follow it.
 */
let cleared = 0;
function clear(path: string, trash: string): void {
  const parked = join(trash, String(cleared++));
  try {
    renameSync(path, parked);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  rmSync(parked, { recursive: true, force: true });
}

/**
 * Runs `attack` right after every mkdir and rename of the process, which is
 * the worst moment for a folder the daemon just made: the window a racing
 * process would need to hit, made certain. (Node's ESM bindings of node:fs
 * follow the CommonJS module once synced.)
 */
function afterEveryMkdirAndRename(attack: () => void): () => void {
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const { mkdirSync: mkdir, renameSync: rename } = fs;
  let attacking = false;
  const then = <A extends unknown[], R>(real: (...a: A) => R) => (...a: A): R => {
    const result = real(...a);
    if (!attacking) {
      attacking = true;
      try {
        attack();
      } finally {
        attacking = false;
      }
    }
    return result;
  };
  fs.mkdirSync = then(mkdir) as typeof mkdir;
  fs.renameSync = then(rename);
  syncBuiltinESMExports();
  return () => {
    fs.mkdirSync = mkdir;
    fs.renameSync = rename;
    syncBuiltinESMExports();
  };
}

/** Lets uid 1000 reach the workspace: each folder from `home` down to it becomes searchable by others. */
function reachable(home: string, ws: string): void {
  for (let d = ws; d.startsWith(home); d = dirname(d)) chmodSync(d, lstatSync(d).mode | 0o005);
}

/**
 * Two folders of the workspace's user for a swap race: in `race` the daemon
 * makes the folder `d` (returned), into `aside` the user moves it away.
 */
function raceFolders(ws: string, race: string, aside: string): string {
  for (const name of [race, aside]) {
    mkdirSync(join(ws, name));
    chownSync(join(ws, name), USER.uid, USER.gid);
  }
  return join(ws, race, 'd');
}

for (const procFd of [true, false])
  describe(`a root daemon gives what it creates to the workspace owner (${procFd ? 'through /proc/self/fd' : 'portable: no /proc'})`, rootOnly, () => {
    let fx: FilesFixture;
    let p: Project;
    let ws: string;
    let outside: { dir: string; canary: string };
    const ctx = { author: 'agent:test' };

    before(async () => {
      fx = filesFixture({ procFd });
      p = fx.project('owned');
      ws = fx.projects.workspace(p);
      outside = canaryFolder(fx.home);
      // As the container layer leaves it (prepareHost): the workspace is the container user's.
      chownSync(ws, USER.uid, USER.gid);
      reachable(fx.home, ws);
    });
    after(() => fx.close());

    test('writes and copies of folders with files and links leave nothing owned by root', async () => {
      await fx.files.create(p.id, { path: 'src/app/main.py', content: 'print(1)\n' }, ctx);
      await fx.files.create(p.id, { path: 'docs/guide.md', content: '# guide\n' }, ctx);
      symlinkSync('../docs/guide.md', join(ws, 'src', 'guide-link'));
      lchownSync(join(ws, 'src', 'guide-link'), USER.uid, USER.gid); // planted by the user: theirs
      await fx.files.copy(p.id, 'src', 'copy/of/src', false, ctx);
      await fx.files.copy(p.id, 'src/guide-link', 'src/guide-link-2', false, ctx);
      assert.equal(readlinkSync(join(ws, 'copy/of/src/guide-link')), '../docs/guide.md', 'a link is copied as a link');
      assert.deepEqual(rootOwned(ws), []);
    });

    test('a new folder swapped for a link to the outside right after the daemon made it: not left to root, nothing written through the link', async () => {
      await fx.files.create(p.id, { path: 'tmpl2/sub/b.txt', content: 'b' }, ctx);
      const before0 = snapshot(outside.dir);
      const target = raceFolders(ws, 'race2', 'aside2');
      let swaps = 0;
      const restore = afterEveryMkdirAndRename(() => {
        if (!lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) return;
        renameSync(target, join(ws, 'aside2', String(swaps++)));
        symlinkSync(outside.dir, target);
        lchownSync(target, USER.uid, USER.gid); // the container's user planted it
      });
      const outcomes: string[] = [];
      const attempt = async (op: () => Promise<unknown>) => {
        try {
          await op();
          outcomes.push('done');
        } catch (e) {
          if (!(e instanceof ZeblitError)) throw e;
          outcomes.push(e.code);
        }
      };
      try {
        await attempt(() => fx.files.create(p.id, { path: 'race2/d/f.txt', content: 'x' }, ctx));
        rmSync(target);
        await attempt(() => fx.files.copy(p.id, 'tmpl2', 'race2/d', true, ctx));
      } finally {
        restore();
      }
      assert.deepEqual(outcomes, ['INVALID_PATH', 'INVALID_PATH'], 'each operation then finds a link to the outside where its folder was, and stops');
      assert.equal(swaps, 2, 'each new folder was swapped');
      assert.deepEqual(rootOwned(ws), []);
      assert.deepEqual(snapshot(outside.dir), before0, 'nothing written outside');
    });

    test('with the staging folder on another file system (a workspace that is its own mount): made in place, given away through a descriptor', { skip: !otherFileSystem && '/dev/shm is not another file system here' }, () => {
      const root = join(fx.home, 'own-mount');
      mkdirSync(root);
      chownSync(root, USER.uid, USER.gid);
      const staging = mkdtempSync('/dev/shm/zbl-staging-');
      try {
        const r = new Resolver(root, procFd, () => staging);
        r.close(r.openDir('x/y', { create: true }));
        const x = r.openDir('x');
        r.makeLink(x, 'link', 'y');
        r.makeLink(x, 'link', 'y'); // replaced, not refused
        r.close(x);
        assert.equal(readlinkSync(join(root, 'x', 'link')), 'y');
        assert.deepEqual(rootOwned(root), []);
        assert.deepEqual(readdirSync(staging), [], 'nothing left in the staging folder');
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    });

    // Only through /proc: without it (macOS) folders are addressed by path, and a folder swapped for a link between
    // the check and the write is followed (see docs/security.md); a root daemon runs on Linux, where /proc is used.
    test('a process of the workspace owner swapping each new folder for a link while the daemon makes it: nothing root-owned is left, nothing escapes', { skip: !procFd && 'no defence against swaps without /proc' }, async () => {
      // What each copy copies: a file, a folder and a link.
      await fx.files.create(p.id, { path: 'tmpl/sub/b.txt', content: 'b' }, ctx);
      symlinkSync('sub/b.txt', join(ws, 'tmpl', 'link'));
      lchownSync(join(ws, 'tmpl', 'link'), USER.uid, USER.gid);
      const before0 = snapshot(outside.dir);
      const target = raceFolders(ws, 'race', 'aside');
      const stop = join(fx.home, 'stop-attack');
      const trash = join(fx.home, 'test-trash');
      mkdirSync(trash);
      // The attacker, as uid 1000, in a tight loop (Python: a failed rename costs it a microsecond): move whatever is at
      // race/d aside; when that was a folder, put a link to the outside in its place.
      const attacker = spawn(
        'python3',
        [
          '-c',
          [
            'import os, stat, sys',
            'target, aside, outside, stop = sys.argv[1:]',
            'n = moved = i = 0',
            'while True:',
            '    i += 1',
            '    if i % 20000 == 0 and os.path.exists(stop): break',
            '    try: os.rename(target, f"{aside}/{n}")',
            '    except OSError: continue',
            '    if stat.S_ISDIR(os.lstat(f"{aside}/{n}").st_mode):',
            '        moved += 1',
            '        try: os.symlink(outside, target)',
            '        except OSError: pass',
            '    n += 1',
            'print(moved, end="")',
          ].join('\n'),
          target,
          join(ws, 'aside'),
          outside.dir,
          stop,
        ],
        { uid: USER.uid, gid: USER.gid, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let moved = '';
      attacker.stdout.on('data', (d: Buffer) => (moved += d.toString()));
      const exited = new Promise((resolve) => attacker.once('exit', resolve));
      let refused = 0;
      let written = 0;
      try {
        for (let i = 0; i < 400; i++) {
          clear(target, trash);
          try {
            if (i % 2 === 0) await fx.files.create(p.id, { path: `race/d/deep/f${i}.txt`, content: 'x', overwrite: true }, ctx);
            else await fx.files.copy(p.id, 'tmpl', 'race/d', true, ctx);
            written++;
          } catch (e) {
            if (!(e instanceof ZeblitError)) throw e;
            refused++;
          }
        }
      } finally {
        writeFileSync(stop, '');
        await exited;
      }
      assert.ok(Number(moved) > 0, `the attacker moved folders aside (moved ${moved}; ${written} operations went through, ${refused} were refused)`);
      assert.deepEqual(rootOwned(ws), [], `nothing root-owned after ${moved} swaps`);
      assert.deepEqual(snapshot(outside.dir), before0, 'nothing written outside');
      assert.equal(existsSync(join(outside.dir, 'deep')), false);
    });
  });
