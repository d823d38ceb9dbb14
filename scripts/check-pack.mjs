// The npm package as a user gets it: `npm pack` (which builds through
// prepack), `npm install -g` of the tarball into a temporary prefix, then the
// installed `zeblit` and `zeblitd`: versions, a daemon started by the CLI in
// a temporary home, a project created, the daemon stopped. Prints what it
// did and how long each step took; exits 1 at the first failure.
//
//   node scripts/check-pack.mjs [--keep] [--offline]
//
// The install fetches the package's dependencies from the npm registry (or
// npm's cache; --offline: the cache only) and compiles better-sqlite3 where
// no prebuilt addon can be fetched (python3, make, g++: about 2 minutes).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const offline = process.argv.includes('--offline');
const work = mkdtempSync(join(tmpdir(), 'zbl-pack-'));
const prefix = join(work, 'prefix');
const home = join(work, 'home');
const step = (what, fn) => {
  const t0 = Date.now();
  process.stdout.write(`${what}… `);
  const out = fn();
  process.stdout.write(`ok (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return out;
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stdout.write(`FAILED\n$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`);
    process.exit(1);
  }
  return r.stdout;
};

try {
  step('npm pack', () => run('npm', ['pack', '--pack-destination', work], { cwd: root }));
  const tgz = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
  const listing = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const stray = listing.filter((f) => /^package\/(src|test|cli|daemon|scripts)\/|\.test\.ts$|\.map$/.test(f));
  if (stray.length > 0) {
    console.log(`the package holds sources or tests: ${stray.slice(0, 5).join(', ')}`);
    process.exit(1);
  }
  console.log(`  ${tgz}: ${listing.length} files`);
  step('npm install -g (temporary prefix)', () => run('npm', ['install', '-g', tgz, '--prefix', prefix, '--no-audit', '--no-fund', ...(offline ? ['--offline'] : ['--prefer-offline'])], { cwd: work }));
  const bin = join(prefix, 'bin');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ZEBLIT_HOME: home, ZEBLIT_PORT: '0' };
  for (const name of ['ZEBLIT_HOST', 'ZEBLIT_API_KEY', 'ZEBLIT_SOCKET']) delete env[name];
  console.log(`  zeblit --version: ${step('zeblit --version', () => run(join(bin, 'zeblit'), ['--version'], { env })).trim()}`);
  console.log(`  zeblitd --version: ${step('zeblitd --version', () => run(join(bin, 'zeblitd'), ['--version'], { env })).trim()}`);
  step('zeblit create (starts the installed zeblitd in a temporary home)', () => run(join(bin, 'zeblit'), ['create', 'from-npm', '--template', 'blank'], { env }));
  console.log(`  ${step('zeblit daemon status', () => run(join(bin, 'zeblit'), ['daemon', 'status'], { env })).split('\n').filter((l) => /^(Version|Home|PID)/.test(l)).join(' · ')}`);
  step('zeblit daemon stop', () => run(join(bin, 'zeblit'), ['daemon', 'stop'], { env }));
  console.log('the package installs and runs');
} finally {
  spawnSync(join(prefix, 'bin', 'zeblit'), ['daemon', 'stop'], { env: { ...process.env, ZEBLIT_HOME: home } });
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
