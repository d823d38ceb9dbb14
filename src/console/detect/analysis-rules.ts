import { npmPackageFor, pipPackageFor } from './patterns/index.ts';
import type { AnalyzeContext, DetectedError, ErrorRecord } from './types.ts';

/**
 * Probable causes, one rule per family of error types. Rules read only what
 * a stored record keeps (type, message, file, line), so they work the same on
 * fresh detections and on rows loaded from the database.
 */

type Facts = Pick<DetectedError | ErrorRecord, 'type' | 'language' | 'message' | 'file' | 'line'>;

export interface Cause {
  cause: string;
  suggestions: string[];
}

interface Rule {
  /** Exact types, or prefixes ending with '.'. */
  types: readonly string[];
  explain: (e: Facts, ctx: AnalyzeContext, seen: ReadonlySet<string>) => Cause;
}

const pick = (re: RegExp, s: string): string | undefined => re.exec(s)?.[1];
const at = (e: Facts): string => (e.file ? ` at ${e.file}${e.line ? `:${e.line}` : ''}` : '');

/** Commands that come from a package manager rather than apt. */
const NODE_TOOLS = new Set(['tsc', 'jest', 'vite', 'next', 'eslint', 'prettier', 'nodemon', 'ts-node', 'tsx', 'vitest', 'webpack', 'mocha']);
const TOOL_PACKAGES: Record<string, string> = { tsc: 'typescript' };
const PYTHON_TOOLS = new Set(['pytest', 'flask', 'uvicorn', 'gunicorn', 'black', 'ruff', 'mypy', 'django-admin', 'celery']);

function pipInstall(pkg: string, ctx: AnalyzeContext): string[] {
  if (ctx.template === 'blank') return [`The blank template has no pip: apt-get install -y python3-pip, then pip install ${pkg}`];
  return [`pip install --user ${pkg}`, `Add ${pkg} to requirements.txt: the container's setup installs it on the next start`];
}

function npmInstall(pkg: string, dev: boolean, ctx: AnalyzeContext): string[] {
  if (ctx.template !== undefined && ctx.template !== null && ctx.template !== 'node') return [`Node packages come from npm: npm install ${dev ? '--save-dev ' : ''}${pkg} (the ${ctx.template} template may not have Node)`];
  return [`npm install ${dev ? '--save-dev ' : ''}${pkg}`, 'It is saved in package.json: the container runs npm install on start when package.json exists'];
}

function memory(ctx: AnalyzeContext): string {
  return ctx.memory_mb ? `the memory limit of ${ctx.memory_mb} MB was reached` : 'the memory limit was reached';
}

const MEMORY_FIXES = ['Raise memory_mb in the project settings', 'Or use less memory: stream or paginate data instead of loading it all, and release large objects'];

const RULES: readonly Rule[] = [
  {
    types: ['python.ModuleNotFoundError'],
    explain: (e, ctx) => {
      const mod = pick(/No module named '([^']+)'/, e.message) ?? 'the module';
      const pkg = pipPackageFor(mod);
      return { cause: `Python dependency not installed in the container: '${mod}' (package ${pkg})`, suggestions: [...pipInstall(pkg, ctx), `If '${mod}' is your own module, check its file name and run from the project root`] };
    },
  },
  {
    types: ['node.ModuleNotFound'],
    explain: (e, ctx) => {
      const pkg = npmPackageFor(pick(/module '([^']+)'/, e.message) ?? 'the package');
      return { cause: `npm dependency not installed in the container: '${pkg}' is missing from node_modules`, suggestions: npmInstall(pkg, false, ctx) };
    },
  },
  { types: ['node.LocalModuleNotFound'], explain: (e) => ({ cause: `An import points to a file that does not exist${at(e)}`, suggestions: ['Check the relative path and the extension (ES modules need the .js extension)'] }) },
  {
    types: ['node.EADDRINUSE'],
    explain: (e) => {
      const port = pick(/Port (\d+)/, e.message) ?? 'the port';
      return { cause: `Another process holds port ${port}`, suggestions: [`Stop the other process (often a previous run of the same server) or listen on another port than ${port}`] };
    },
  },
  {
    types: ['node.ECONNREFUSED', 'python.ConnectionRefusedError'],
    explain: (e) => {
      const addr = pick(/on (\S+:\d+)/, e.message) ?? 'the address the code connects to';
      return {
        cause: `Nothing listens on ${addr}`,
        suggestions: ['Start that service first (database, API) or fix the host and port', 'Inside the container, localhost is the container itself, not your machine'],
      };
    },
  },
  { types: ['system.OOMKilled', 'system.Killed'], explain: (_, ctx) => ({ cause: `Killed by the kernel: ${memory(ctx)} (or the run was stopped)`, suggestions: MEMORY_FIXES }) },
  { types: ['node.HeapOutOfMemory'], explain: (_, ctx) => ({ cause: `The JavaScript heap is full; ${memory(ctx)} for V8`, suggestions: ['Raise it with node --max-old-space-size=MB (below memory_mb)', ...MEMORY_FIXES] }) },
  { types: ['system.Segfault', 'system.Aborted', 'python.FatalError'], explain: () => ({ cause: 'Native code crashed (a C extension or native module)', suggestions: ['Reinstall native dependencies inside the container so they match its platform', 'Update the package that crashes'] }) },
  {
    types: ['shell.CommandNotFound'],
    explain: (e, ctx) => {
      const cmd = pick(/command not found: (\S+)/, e.message);
      if (!cmd) return { cause: 'A command is not installed in the container or not on PATH', suggestions: [] };
      if (NODE_TOOLS.has(cmd)) return { cause: `'${cmd}' is an npm tool that is not installed`, suggestions: [...npmInstall(TOOL_PACKAGES[cmd] ?? cmd, true, ctx), `Or run it with npx ${cmd}`] };
      if (PYTHON_TOOLS.has(cmd)) return { cause: `'${cmd}' is a Python tool that is not installed`, suggestions: pipInstall(cmd, ctx) };
      return { cause: `'${cmd}' is not installed in the container or not on PATH`, suggestions: [`apt-get install -y ${cmd} (if a Debian package has that name), or fix the spelling`] };
    },
  },
  { types: ['shell.PermissionDenied'], explain: () => ({ cause: 'A file is not executable or not readable by the user the code runs as', suggestions: ['chmod +x the script, or run it through its interpreter (sh script.sh)'] }) },
  {
    types: ['shell.NoSuchFile', 'python.FileNotFoundError', 'python.ScriptNotFound', 'node.ENOENT', 'pip.RequirementsFileNotFound', 'npm.NoPackageJson'],
    explain: (e) => ({ cause: `A path does not exist in the container${at(e)}`, suggestions: ['Relative paths start at the working directory (/workspace): check the name and where the command runs'] }),
  },
  {
    types: ['pip.NoMatchingDistribution'],
    explain: (_, __, seen) =>
      seen.has('pip.NetworkRetry')
        ? { cause: 'pip cannot reach PyPI (network errors came first), so no version could be found', suggestions: ["Check the project's network setting (bridge) and any proxy; then retry"] }
        : { cause: 'No release with that name and version exists for this Python', suggestions: ['Check the spelling on pypi.org and the version pin'] },
  },
  { types: ['pip.NetworkRetry', 'npm.NetworkError'], explain: () => ({ cause: 'The package registry cannot be reached from the container', suggestions: ["Check the project's network setting (bridge) and any proxy or TLS-inspecting certificate"] }) },
  { types: ['pip.ExternallyManagedEnvironment'], explain: () => ({ cause: "The system Python is managed by the OS (PEP 668) and pip refuses to change it", suggestions: ['python3 -m venv .venv && .venv/bin/pip install -r requirements.txt'] }) },
  { types: ['pip.BuildFailed', 'pip.ResolutionImpossible', 'pip.InstallFailed', 'pip.', 'npm.'], explain: (e) => ({ cause: `Installing dependencies failed (${e.type})`, suggestions: [] }) },
  { types: ['python.SyntaxError', 'python.IndentationError', 'node.SyntaxError', 'typescript.'], explain: (e) => ({ cause: `The code does not ${e.language === 'typescript' ? 'type-check' : 'parse'}${at(e)}`, suggestions: [] }) },
  { types: ['test.'], explain: () => ({ cause: 'Tests are failing', suggestions: ['Run the failing test alone and read its assertion'] }) },
  {
    types: ['http.ServerError'],
    explain: (_, __, seen) => ({
      cause: 'The server raised an error while handling the request',
      suggestions: [...seen].some((t) => t.startsWith('python.') || t.startsWith('node.')) ? ['A Python or Node error was detected too: it is probably the one behind this response'] : ['Look at the server log around the request'],
    }),
  },
  {
    types: ['http.ClientError'],
    explain: (e) => {
      const status = pick(/→ (\d{3})/, e.message);
      const why: Record<string, string> = { '404': 'The path has no route or file', '401': 'The request is not authenticated', '403': 'The request is not allowed', '422': 'The request body or parameters are invalid', '400': 'The request is malformed' };
      return { cause: (status && why[status]) ?? 'The server rejected the request', suggestions: ['Compare the URL and payload the client sends with what the server expects'] };
    },
  },
  { types: ['browser.CORS'], explain: () => ({ cause: 'The API server does not allow the page origin (CORS)', suggestions: ['Enable CORS for the dev origin on the API server, or proxy the API through the dev server'] }) },
];

export function causeFor(e: Facts, ctx: AnalyzeContext, seen: ReadonlySet<string>): Cause {
  const rule = RULES.find((r) => r.types.some((t) => (t.endsWith('.') ? e.type.startsWith(t) : e.type === t)));
  if (rule) return rule.explain(e, ctx, seen);
  const where = at(e);
  return { cause: where ? `A ${e.language} error${where}` : `A ${e.language} error`, suggestions: [] };
}
