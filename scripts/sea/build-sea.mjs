// `node build.mjs --sea`: the single executable dist/sea/zeblitd (Node's single
// executable application, https://nodejs.org/api/single-executable-applications.html):
// a CommonJS bundle of scripts/sea/main.ts (daemon and CLI), and as assets the
// files the programs read at run time plus the better-sqlite3 addon, injected
// into a copy of this node binary with postject.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { commandTable } from '../build-cli.mjs';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT = 'postject@1.0.0-alpha.6';

function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** postject from node_modules when it is a dependency, else through npx (the npm registry). */
function postject(args) {
  const require = createRequire(import.meta.url);
  try {
    const cli = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
    execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    execFileSync('npx', ['--yes', POSTJECT, ...args], { stdio: 'inherit' });
  }
}

export async function buildSea({ out, version, optionalNatives, copyAssets }) {
  const started = Date.now();
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) throw new Error(`a single executable with assets needs Node 20.12 or newer (this is ${process.version})`);
  const sea = join(out, 'sea');
  mkdirSync(sea, { recursive: true });
  const main = join(sea, 'zeblit-sea.cjs');
  // The entry: main.ts first, then every command class of the table, statically (main.ts says why).
  const table = await commandTable(sea);
  const entry = [
    "import { runSea } from './main.ts';",
    ...table.map((e, i) => `import * as m${i} from ${JSON.stringify(`../../cli/${e.module.replace(/^\.\//, '')}`)};`),
    `runSea([${table.map((e, i) => `m${i}[${JSON.stringify(e.export)}]`).join(', ')}]);`,
  ].join('\n');
  await build({
    stdin: { contents: entry, resolveDir: 'scripts/sea', sourcefile: 'sea-entry.ts', loader: 'ts' },
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Only node's built-ins can be required inside a single executable: everything else is bundled, and
    // the optional natives of ssh2 (cpu-features) and ws (bufferutil, utf-8-validate), and node-fetch's optional
    // encoding (grammY's), fail to load as they do where never installed (a require() of them would warn at start).
    plugins: [optionalNatives, { name: 'absent', setup: (b) => b.onResolve({ filter: /^(cpu-features|bufferutil|utf-8-validate|encoding)$/ }, (args) => ({ path: args.path, namespace: 'optional-native' })) }],
    loader: { '.txt': 'text' },
    // Modules find their files beside `import.meta.url`: in the executable, that is the cache folder assets.ts extracts to.
    define: { 'import.meta.url': 'globalThis.__ZEBLIT_ASSETS_URL__' },
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    legalComments: 'none',
  });

  // The assets: dist's layout, plus the addon better-sqlite3 built for this node.
  const assetsDir = join(sea, 'assets');
  copyAssets(assetsDir);
  const require = createRequire(import.meta.url);
  const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
  copyFileSync(addon, join(assetsDir, 'better_sqlite3.node'));
  const files = filesUnder(assetsDir).map((p) => relative(assetsDir, p).split('\\').join('/'));
  const hash = createHash('sha256');
  for (const rel of files) hash.update(rel).update(readFileSync(join(assetsDir, rel)));
  const list = join(sea, 'zeblit-sea-assets.json');
  writeFileSync(list, JSON.stringify({ version, hash: hash.digest('hex'), files }));
  const assets = Object.fromEntries([['zeblit-sea-assets.json', list], ...files.map((rel) => [rel, join(assetsDir, rel)])]);

  const blob = join(sea, 'sea-prep.blob');
  const config = join(sea, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

  const exe = join(sea, process.platform === 'win32' ? 'zeblitd.exe' : 'zeblitd');
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', exe]);
  postject([exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE, ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [])]);
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', exe]);
  if (!existsSync(exe)) throw new Error('postject did not produce the executable');
  const mib = (statSync(exe).size / (1 << 20)).toFixed(1);
  console.log(`built ${exe} (${mib} MiB; ${files.length} files inside) in ${Date.now() - started} ms; \`${exe} zeblit …\` (or a link named zeblit) is the CLI`);
}
