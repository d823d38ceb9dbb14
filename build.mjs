// Bundles zeblitd into one ESM file under dist/, with the database
// migrations, the runner, the agents' prompts and the API reference's assets
// copied beside it (resolved at run time next to the bundle), and the zeblit
// CLI into dist/zeblit.cjs plus a bundle per command under dist/cli/
// (scripts/build-cli.mjs says how and why), and the web client (web/) into
// dist/web/ with hashed asset names.
//
//   node build.mjs          dist/zeblitd.js, dist/zeblit.cjs, dist/cli/, dist/web/ (+ assets)
//   node build.mjs --sea    also dist/sea/zeblitd: one executable (Node's single
//                           executable application) carrying everything but the engine
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli } from './scripts/build-cli.mjs';
import { buildSea } from './scripts/sea/build-sea.mjs';

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

/**
 * Native addons other than better-sqlite3's are optional speed-ups (ssh2's
 * crypto): a bundle cannot carry them, so requiring one throws, as it does
 * when it was never compiled, and the package falls back to plain JS. (An
 * empty module would look like a loaded addon without its functions.)
 */
const optionalNatives = {
  name: 'optional-natives',
  setup(b) {
    // A module named like one (grammY's './platform.node' is platform.node.js) is ordinary JavaScript: left to esbuild.
    b.onResolve({ filter: /\.node$/ }, (args) =>
      existsSync(join(args.resolveDir, `${args.path}.js`)) ? undefined : { path: args.path, namespace: 'optional-native' },
    );
    b.onLoad({ filter: /.*/, namespace: 'optional-native' }, (args) => ({ contents: `throw new Error(${JSON.stringify(`native addon not bundled: ${args.path}`)});`, loader: 'js' }));
  },
};

/** Copies the files the daemon reads at run time into `out` (the same layout the single executable extracts). */
function copyAssets(out) {
  cpSync('src/db/migrations', `${out}/migrations`, { recursive: true });
  // The containers' in-container runner is read at run time from beside the bundle.
  cpSync('src/containers/runner/runner.pl', `${out}/runner.pl`);
  // The agents' system prompts, read at run time from <out>/prompts/ (src/agents/definitions.ts).
  cpSync('src/agents/prompts', `${out}/prompts`, { recursive: true });
  // The API reference at /api/docs is served from these, never from a CDN (src/api/routes/docs.ts).
  mkdirSync(`${out}/api-docs`, { recursive: true });
  for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) cpSync(`node_modules/swagger-ui-dist/${f}`, `${out}/api-docs/${f}`);
  // The web client, built into dist/web/ by buildWeb: the single executable carries it too.
  if (out !== dist) cpSync(`${dist}/web`, `${out}/web`, { recursive: true });
}

// ZEBLIT_BUILD_OUT builds elsewhere (benchmarks and tests that must not disturb a running dist/).
const out = process.env.ZEBLIT_BUILD_OUT || 'dist';
const dist = out;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const daemon = {
  entryPoints: { zeblitd: 'daemon/main.ts' },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // better-sqlite3 is the one runtime dependency (a native addon); cpu-features is ssh2's optional one.
  // Everything else, ssh2 included, is bundled: the installed package depends on nothing else.
  external: ['better-sqlite3', 'cpu-features'],
  plugins: [optionalNatives],
  loader: { '.txt': 'text' },
  banner: { js: banner },
  logLevel: 'warning',
  legalComments: 'none',
};

// The web client (web/): one browser bundle and its stylesheet with content hashes in their names (served
// immutable under /assets/), and the page that loads them; no inline script or style (the page's CSP forbids them).
async function buildWeb(out) {
    const web = await build({
    entryPoints: { main: 'web/main.tsx' },
    outdir: `${out}/web/assets`,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const entry = Object.entries(web.metafile.outputs).find(([, o]) => o.entryPoint === 'web/main.tsx');
  if (!entry) throw new Error('the web bundle has no entry output');
  const asset = (file) => `/assets/${file.split('/').pop()}`;
  writeFileSync(
    `${out}/web/index.html`,
    [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="color-scheme" content="light dark">',
      '<title>Zeblit</title>',
      '<link rel="icon" href="data:,">',
      // Replaced per response by the daemon (src/api/routes/web-app.ts): the nonce CodeMirror's <style> element carries.
      '<meta name="zeblit-style-nonce" content="__ZEBLIT_STYLE_NONCE__">',
      entry[1].cssBundle ? `<link rel="stylesheet" href="${asset(entry[1].cssBundle)}">` : '',
      `<script type="module" src="${asset(entry[0])}"></script>`,
      '</head>',
      '<body>',
      '<div id="app"></div>',
      '<noscript>The Zeblit web client needs JavaScript.</noscript>',
      '</body>',
      '</html>',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
}

const [, commands] = await Promise.all([build(daemon), buildCli(out), buildWeb(out)]);
copyAssets(out);
console.log(`built ${out}/zeblitd.js, ${out}/zeblit.cjs (${commands} commands) and ${out}/web/ in ${Date.now() - started} ms`);

if (process.argv.includes('--sea')) await buildSea({ out, version, optionalNatives, copyAssets });
