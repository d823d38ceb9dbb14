// Bundles zeblitd into one ESM file under dist/, with the database
// migrations copied beside it (resolved at run time next to the bundle), and
// the zeblit CLI into dist/zeblit.cjs plus a bundle per command under dist/cli/
// (scripts/build-cli.mjs says how and why).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { buildCli } from './scripts/build-cli.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const version = readFileSync(new URL('./src/contracts/version.ts', import.meta.url), 'utf8').match(/VERSION = '([^']+)'/)?.[1];
if (version !== pkg.version) {
  console.error(`version mismatch: package.json ${pkg.version}, src/contracts/version.ts ${version}`);
  process.exit(1);
}

const banner = [
  "import { createRequire as __zCreateRequire } from 'node:module';",
  "import { fileURLToPath as __zFileURLToPath } from 'node:url';",
  "import { dirname as __zDirname } from 'node:path';",
  'const require = __zCreateRequire(import.meta.url);',
  'const __filename = __zFileURLToPath(import.meta.url);',
  'const __dirname = __zDirname(__filename);',
].join('\n');

// ZEBLIT_BUILD_OUT builds elsewhere (benchmarks and tests that must not disturb a running dist/).
const out = process.env.ZEBLIT_BUILD_OUT || 'dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'cpu-features', 'ssh2'],
  loader: { '.node': 'empty', '.txt': 'text' },
  banner: { js: banner },
  logLevel: 'warning',
  legalComments: 'none',
};

const [, commands] = await Promise.all([build({ ...common, entryPoints: { zeblitd: 'daemon/main.ts' }, outdir: out }), buildCli(out)]);
cpSync('src/db/migrations', `${out}/migrations`, { recursive: true });
// The containers' in-container runner is read at run time from beside the bundle.
cpSync('src/containers/runner/runner.pl', `${out}/runner.pl`);
// The agents' system prompts, read at run time from <out>/prompts/ (src/agents/definitions.ts).
cpSync('src/agents/prompts', `${out}/prompts`, { recursive: true });
console.log(`built ${out}/zeblitd.js and ${out}/zeblit.cjs (${commands} commands) in ${Date.now() - started} ms`);
