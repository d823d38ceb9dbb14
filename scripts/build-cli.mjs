/**
 * Bundles the zeblit CLI for a fast start (docs/cli.md, "Speed"). CommonJS,
 * not ESM: Node 20's ESM loader costs every start 10 ms or more, and only
 * CommonJS code can go through V8's code cache (cli/bundle-loader.ts).
 * esbuild splits only ESM, so the split is made here:
 *
 *   dist/zeblit.cjs         the entry: --version, the command manifest
 *                           (recorded from the classes, embedded), and the
 *                           bundle loader. Nothing else.
 *   dist/cli/core.cjs       the code commands share (clipanion, the API
 *                           client, cli/*.ts) as a registry of modules that
 *                           are evaluated only when asked for.
 *   dist/cli/schemas.cjs    the same for the zod contracts (src/contracts/
 *                           index.ts), which only a few commands need.
 *   dist/cli/complete.cjs   shell completion (`zeblit __complete`), alone.
 *   dist/cli/<path>.cjs     one bundle per command (cli/app.ts), holding only
 *                           the command's own files: its imports of shared
 *                           modules are answered by the registries, so a class
 *                           or an error class exists once (instanceof holds).
 */
import { build } from 'esbuild';
import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = realpathSync(resolve(new URL('..', import.meta.url).pathname));

/** A module's key in a registry: its real path relative to the project (node_modules is a symlink in worktrees). */
const keyOf = (file) => relative(ROOT, realpathSync(resolve(ROOT, file)));

const cliOptions = (out) => ({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  loader: { '.node': 'empty', '.txt': 'text' },
  // `import.meta.url` of the sources is the bundle's own file URL.
  define: { 'import.meta.url': '__zImportMetaUrl' },
  banner: { js: "var __zImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  outbase: ROOT,
  absWorkingDir: ROOT,
  ...(out ? { outfile: out } : {}),
});

/** Imports a module of this tree bundled to a temporary file (build.mjs runs without tsx). */
async function importBundled(out, name, stdin) {
  const file = join(out, `.${name}-${process.pid}.mjs`);
  await build({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    loader: { '.node': 'empty', '.txt': 'text' },
    banner: { js: "import { createRequire as __zCreateRequire } from 'node:module'; const require = __zCreateRequire(import.meta.url);" },
    stdin,
    outfile: file,
  });
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
}

/** The command table (cli/app.ts), as data; the single executable's build uses it too (scripts/sea/build-sea.mjs). */
export async function commandTable(out) {
  const { COMMANDS } = await importBundled(resolve(out), 'table', { contents: "export { COMMANDS } from './app.ts';", resolveDir: join(ROOT, 'cli'), loader: 'ts' });
  return COMMANDS;
}

/**
 * The command table (cli/app.ts) and the manifest (cli/manifest.ts), recorded
 * from the classes, imported here statically in table order (the source
 * loader's computed imports are for tsx, not for a bundler).
 */
async function recordManifest(out) {
  const COMMANDS = await commandTable(out);
  const contents = [
    "export { specsOf } from './manifest-build.ts';",
    ...COMMANDS.map((e, i) => `import * as m${i} from ${JSON.stringify(e.module)};`),
    `export const modules = [${COMMANDS.map((_, i) => `m${i}`).join(', ')}];`,
  ].join('\n');
  const { specsOf, modules } = await importBundled(out, 'manifest', { contents, resolveDir: join(ROOT, 'cli'), loader: 'ts' });
  return { table: COMMANDS, manifest: specsOf(COMMANDS.map((e, i) => modules[i][e.export]), COMMANDS) };
}

/**
 * Builds a registry: one bundle whose modules (every file reachable from
 * `roots`) are each wrapped by esbuild to run on first require, and a
 * `load(key)` that returns one. Returns the set of keys it holds.
 */
async function buildRegistry(outfile, roots) {
  const registryModule = (keys) =>
    [
      'const modules = {',
      ...keys.map((k) => `  ${JSON.stringify(k)}: () => require(${JSON.stringify(join(ROOT, k))}),`),
      '};',
      'export function load(key) {',
      '  const m = modules[key];',
      "  if (!m) throw new Error('zeblit: no module ' + key + ' in this bundle (rebuild with `node build.mjs`)');",
      '  return m();',
      '}',
    ].join('\n');
  // First pass: which files the roots reach; second: a registry of all of them.
  const first = await build({ ...cliOptions(), write: false, metafile: true, stdin: { contents: registryModule(roots.map(keyOf)), resolveDir: ROOT, loader: 'js' }, outfile });
  const keys = Object.keys(first.metafile.inputs)
    .filter((f) => !f.startsWith('<'))
    .map(keyOf)
    .filter((k) => /\.(c?js|mjs|ts|json)$/.test(k));
  await build({ ...cliOptions(outfile), stdin: { contents: registryModule(keys), resolveDir: ROOT, loader: 'js' } });
  return new Set(keys);
}

/** An esbuild plugin: an import of a module held by a registry becomes a require of that registry. */
function registryPlugin(registries) {
  return {
    name: 'zeblit-registries',
    setup(b) {
      // The registry itself is a sibling file, required at run time.
      b.onResolve({ filter: /^\.\/[\w-]+\.cjs$/, namespace: 'zeblit-registry' }, (args) => ({ path: args.path, external: true }));
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'zeblit-inner' || args.kind === 'entry-point' || !['file', 'zeblit-command'].includes(args.namespace)) return undefined;
        const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'zeblit-inner' });
        if (r.errors.length > 0 || r.external || !r.path) return undefined;
        const key = keyOf(r.path);
        const owner = registries.find((reg) => reg.keys.has(key));
        if (!owner) return undefined;
        return { path: `${owner.file}:${key}`, namespace: 'zeblit-registry', pluginData: { file: owner.file, key } };
      });
      b.onLoad({ filter: /.*/, namespace: 'zeblit-registry' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${args.pluginData.file}`)}).load(${JSON.stringify(args.pluginData.key)});`,
        loader: 'js',
      }));
    },
  };
}

/** Bundles the CLI into `out`; returns the number of commands. */
export async function buildCli(outDir) {
  const out = resolve(outDir);
  const { table, manifest } = await recordManifest(out);
  const cliDir = join(out, 'cli');
  // cli/*.ts except the entry, the build's own helpers and test support: what commands share.
  const shared = readdirSync(join(ROOT, 'cli'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['main.ts', 'testing.ts', 'bundle-loader.ts', 'source-run.ts', 'source-loader.ts', 'manifest-build.ts'].includes(f))
    .map((f) => `cli/${f}`);
  const coreKeys = await buildRegistry(join(cliDir, 'core.cjs'), [...shared, 'src/client/index.ts', 'node_modules/clipanion/lib/advanced/index.js']);
  const zod = [...coreKeys].filter((k) => k.includes('node_modules/zod/'));
  if (zod.length > 0) throw new Error(`build-cli: the shared CLI code reaches zod (${zod[0]}): import values from src/contracts' zod-free files, not index.ts`);
  const schemaKeys = await buildRegistry(join(cliDir, 'schemas.cjs'), ['src/contracts/index.ts']);
  const registries = [
    { file: 'core.cjs', keys: coreKeys },
    { file: 'schemas.cjs', keys: schemaKeys },
  ];

  await Promise.all([
    build({ ...cliOptions(join(out, 'zeblit.cjs')), entryPoints: [join(ROOT, 'cli/main.ts')], define: { ...cliOptions().define, ZEBLIT_CLI_MANIFEST: JSON.stringify(JSON.stringify(manifest)) } }),
    // Shell completion on its own: it runs on every <Tab>, without clipanion (cli/completion/index.ts).
    build({ ...cliOptions(join(cliDir, 'complete.cjs')), entryPoints: [join(ROOT, 'cli/completion/index.ts')] }),
    // Every command's bundle in one esbuild run: each entry is a one-line module naming the class.
    build({
      ...cliOptions(),
      entryPoints: table.map((e, i) => ({ in: `zeblit-command:${i}`, out: e.path.replace(/ /g, '-') })),
      outdir: cliDir,
      outExtension: { '.js': '.cjs' },
      plugins: [
        registryPlugin(registries),
        {
          name: 'zeblit-commands',
          setup(b) {
            b.onResolve({ filter: /^zeblit-command:/ }, (args) => ({ path: args.path, namespace: 'zeblit-command' }));
            b.onLoad({ filter: /.*/, namespace: 'zeblit-command' }, (args) => {
              const e = table[Number(args.path.slice('zeblit-command:'.length))];
              return { contents: `export { ${e.export} as Command } from ${JSON.stringify(e.module)};`, resolveDir: join(ROOT, 'cli'), loader: 'ts' };
            });
          },
        },
      ],
    }),
  ]);
  return manifest.length;
}
