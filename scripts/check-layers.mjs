#!/usr/bin/env node
/**
 * Enforces the layer table of DESIGN.md ("Layers") by reading every import in
 * src/, daemon/ and cli/: static imports and re-exports (type-only ones too),
 * side-effect imports, dynamic `import('…')` and `require('…')`.
 *
 *   src/contracts   nothing of ours
 *   src/client      contracts
 *   src/<domain>    contracts; other domains only through their index.ts.
 *                   Schema files (*.sql.ts) may also import other domains'
 *                   schema files and src/db's files (foreign keys, shared columns).
 *   src/api         contracts; domains through their index.ts
 *   daemon/         anything in src/
 *   cli/            contracts and client
 *   the bot         (cli/telegram/) only src/client, src/contracts, its own
 *                   folder, node's built-in modules and grammY: it is a client
 *                   program that must stay movable on its own (no CLI helpers,
 *                   no other packages)
 *   web/            the browser client: preact, codemirror (@codemirror/*,
 *                   @lezer/*), and from src/contracts and src/client only what
 *                   runs in a browser: type-only imports of anything there, and
 *                   value imports of files whose own value imports (followed
 *                   to the end) reach no node: builtin and no package but zod.
 *                   No node: builtin, no other package.
 *   Every layer may import its own files; no file of src/ imports daemon/, cli/ or web/.
 *   Test files (*.test.ts) and src/**\/testing.ts may import anything in src/.
 *
 * Vendor SDKs stay in one folder each: dockerode in src/containers, the
 * Anthropic and OpenAI SDKs in src/llm, better-sqlite3 (and drizzle's
 * better-sqlite3 driver) in src/db, grammY in the bot (cli/bot, cli/telegram),
 * drizzle-orm's query builder in domains only.
 *
 * Usage: node scripts/check-layers.mjs [--root DIR] [--quiet] [--list]
 *   --list  print every import found and its verdict
 * Exits 1 and lists `file:line  rule  message` when anything breaks a rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCANNED = ['src', 'daemon', 'cli', 'web'];
const SOURCE_EXT = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const BOT_DIRS = ['cli/bot/', 'cli/telegram/'];
const BUILTINS = new Set(builtinModules);
const isGrammy = (pkg) => pkg === 'grammy' || pkg.startsWith('@grammyjs/');

/** Vendor packages confined to one place. `allowed(from)` gets the importing file's info. */
const VENDOR_RULES = [
  {
    rule: 'vendor-dockerode',
    match: (pkg) => pkg === 'dockerode' || pkg === 'docker-modem',
    allowed: (f) => f.layer === 'domain' && f.domain === 'containers',
    where: 'src/containers/',
  },
  {
    rule: 'vendor-llm-sdk',
    match: (pkg) => pkg === '@anthropic-ai/sdk' || pkg === 'openai',
    allowed: (f) => f.layer === 'domain' && f.domain === 'llm',
    where: 'src/llm/',
  },
  {
    rule: 'vendor-sqlite',
    match: (pkg, spec) => pkg === 'better-sqlite3' || spec.startsWith('drizzle-orm/better-sqlite3'),
    allowed: (f) => f.layer === 'domain' && f.domain === 'db',
    where: 'src/db/',
  },
  {
    rule: 'vendor-drizzle',
    match: (pkg) => pkg === 'drizzle-orm',
    allowed: (f) => f.layer === 'domain',
    where: 'the domains (src/<domain>/)',
  },
  {
    rule: 'vendor-grammy',
    match: isGrammy,
    allowed: (f) => BOT_DIRS.some((d) => f.path.startsWith(d)),
    where: `the bot (${BOT_DIRS.join(', ')})`,
  },
];

// ---------------------------------------------------------------------------
// A small tokenizer: enough of JavaScript/TypeScript to tell code from
// comments, strings, template literals and regular expressions, so that an
// import written inside a string or a comment is not taken for a real one.

const PUNCT_BEFORE_REGEX = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^', '=>', '...']);
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

/** @returns {{ type: 'id'|'str'|'punct'|'other', value: string, line: number }[]} */
function tokenize(src) {
  const tokens = [];
  let i = 0;
  let line = 1;
  const braceStack = []; // for each open `{`: true when it opened a template `${`
  const push = (type, value, l = line) => tokens.push({ type, value, line: l });
  const prevSignificant = () => tokens[tokens.length - 1];

  const readTemplate = () => {
    // i is just after a backtick or a `}` closing `${`. Reads to the closing
    // backtick (pushes one 'other' token) or to `${` (pushes and returns).
    const startLine = line;
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') { i += 2; continue; }
      if (c === '\n') line++;
      if (c === '`') { i++; push('other', '`template`', startLine); return; }
      if (c === '$' && src[i + 1] === '{') { i += 2; braceStack.push(true); push('punct', '${', startLine); return; }
      i++;
    }
  };

  while (i < src.length) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === '#' && src[i + 1] === '!' && i === 0) { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") {
      const startLine = line;
      let value = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') { value += src[i + 1] ?? ''; i += 2; continue; }
        value += src[i++];
      }
      i++;
      push('str', value, startLine);
      continue;
    }
    if (c === '`') { i++; readTemplate(); continue; }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w$]/.test(src[j])) j++;
      push('id', src.slice(i, j));
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w.]/.test(src[j])) j++;
      push('other', src.slice(i, j));
      i = j;
      continue;
    }
    if (c === '{') { braceStack.push(false); push('punct', '{'); i++; continue; }
    if (c === '}') {
      i++;
      if (braceStack.pop()) { readTemplate(); continue; }
      push('punct', '}');
      continue;
    }
    if (c === '/') {
      const prev = prevSignificant();
      const regexAllowed = !prev || (prev.type === 'punct' && PUNCT_BEFORE_REGEX.has(prev.value)) || (prev.type === 'id' && KEYWORDS_BEFORE_REGEX.has(prev.value));
      if (regexAllowed) {
        let j = i + 1;
        let inClass = false;
        while (j < src.length && src[j] !== '\n') {
          if (src[j] === '\\') { j += 2; continue; }
          if (src[j] === '[') inClass = true;
          else if (src[j] === ']') inClass = false;
          else if (src[j] === '/' && !inClass) break;
          j++;
        }
        j++;
        while (j < src.length && /[a-z]/i.test(src[j])) j++;
        push('other', '/regex/');
        i = j;
        continue;
      }
    }
    if (c === '=' && src[i + 1] === '>') { push('punct', '=>'); i += 2; continue; }
    if (c === '.' && src[i + 1] === '.' && src[i + 2] === '.') { push('punct', '...'); i += 3; continue; }
    push('punct', c);
    i++;
  }
  return tokens;
}

/**
 * Every import of a file.
 * @returns {{ spec: string|null, line: number, kind: string }[]} spec null = computed dynamic import
 */
function findImports(src) {
  const t = tokenize(src);
  const out = [];
  const isId = (k, v) => t[k]?.type === 'id' && (v === undefined || t[k].value === v);
  const isPunct = (k, v) => t[k]?.type === 'punct' && t[k].value === v;
  const afterDot = (k) => isPunct(k - 1, '.');

  /** From k, find `from '<spec>'` before a `;` or the next statement keyword. */
  const scanFrom = (k, limit) => {
    for (let j = k; j < Math.min(t.length, k + limit); j++) {
      if (isPunct(j, ';')) return null;
      if (isId(j, 'from') && t[j + 1]?.type === 'str') return j + 1;
      if (j > k && (isId(j, 'import') || isId(j, 'export')) && !isPunct(j - 1, '.')) return null;
    }
    return null;
  };

  for (let k = 0; k < t.length; k++) {
    if (isId(k, 'import') && !afterDot(k)) {
      if (isPunct(k + 1, '.')) continue; // import.meta
      if (isPunct(k + 1, '(')) {
        if (t[k + 2]?.type === 'str' && (isPunct(k + 3, ')') || isPunct(k + 3, ','))) out.push({ spec: t[k + 2].value, line: t[k].line, kind: 'dynamic' });
        else out.push({ spec: null, line: t[k].line, kind: 'dynamic' });
        continue;
      }
      if (t[k + 1]?.type === 'str') { out.push({ spec: t[k + 1].value, line: t[k].line, kind: 'side-effect' }); continue; }
      const s = scanFrom(k + 1, 400);
      if (s !== null) out.push({ spec: t[s].value, line: t[k].line, kind: isId(k + 1, 'type') ? 'type' : 'static' });
      continue;
    }
    if (isId(k, 'export') && !afterDot(k)) {
      let j = k + 1;
      const typeOnly = isId(j, 'type');
      if (typeOnly) j++;
      if (!isPunct(j, '*') && !isPunct(j, '{')) continue;
      const s = scanFrom(j, 400);
      if (s !== null) out.push({ spec: t[s].value, line: t[k].line, kind: typeOnly ? 'type' : 're-export' });
      continue;
    }
    if (isId(k, 'require') && !afterDot(k) && isPunct(k + 1, '(') && t[k + 2]?.type === 'str' && isPunct(k + 3, ')')) {
      out.push({ spec: t[k + 2].value, line: t[k].line, kind: 'require' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Layers

/** What a repo-relative posix path is, layer-wise. */
function classify(path) {
  const base = posix.basename(path);
  const info = {
    path,
    layer: 'outside',
    domain: null,
    isTest: /\.test\.[cm]?[jt]sx?$/.test(base),
    isTesting: false,
    isSchema: /\.sql\.[cm]?[jt]s$/.test(base),
    isIndex: /^index\.[cm]?[jt]sx?$/.test(base),
  };
  const parts = path.split('/');
  if (parts[0] === 'src') {
    info.isTesting = /^testing\.[cm]?[jt]sx?$/.test(base);
    if (parts.length === 2) info.layer = 'src-root';
    else if (parts[1] === 'contracts') info.layer = 'contracts';
    else if (parts[1] === 'client') info.layer = 'client';
    else if (parts[1] === 'api') info.layer = 'api';
    else { info.layer = 'domain'; info.domain = parts[1]; }
  } else if (parts[0] === 'daemon') info.layer = 'daemon';
  else if (parts[0] === 'cli') info.layer = 'cli';
  else if (parts[0] === 'web') info.layer = 'web';
  return info;
}

const packageName = (spec) => {
  const p = spec.split('/');
  return spec.startsWith('@') ? p.slice(0, 2).join('/') : p[0];
};

/** The bot folder a file is in (cli/telegram/, …), or null. */
const botDirOf = (path) => BOT_DIRS.find((d) => path.startsWith(d)) ?? null;

/**
 * The bot's own rule, stricter than cli/'s: src/client, src/contracts, its
 * own folder, node's built-ins and grammY. Its tests follow the test rules.
 */
function judgeBot(from, spec, exists) {
  const dir = botDirOf(from.path);
  if (!dir || from.isTest) return null;
  const message = `'${spec}': the bot (${dir}) may import only src/client, src/contracts, its own folder, node's built-in modules and grammy`;
  if (spec.startsWith('node:')) return null;
  if (!spec.startsWith('.') && !spec.startsWith('/')) {
    const pkg = packageName(spec);
    return BUILTINS.has(pkg) || isGrammy(pkg) ? null : { rule: 'bot-import', message };
  }
  if (spec.startsWith('/')) return null; // absolute-import reports it
  let target = posix.normalize(posix.join(posix.dirname(from.path), spec));
  if (exists(target) === 'dir') target = `${target}/index.ts`;
  if (target.startsWith(dir) || target.startsWith('src/client/') || target.startsWith('src/contracts/')) return null;
  return { rule: 'bot-import', message: `${message} (${target})` };
}

/** Packages the browser client may bundle (its own imports). */
const WEB_PACKAGES = (pkg) => pkg === 'preact' || pkg === 'codemirror' || pkg.startsWith('@codemirror/') || pkg.startsWith('@lezer/');
/** Packages a src/contracts or src/client file may pull into the browser bundle. */
const BROWSER_SAFE_PACKAGES = (pkg) => pkg === 'zod';

/** The violation of an import in web/ (not its tests), or null. `browserReason(target)`: why a src file cannot run in a browser, or null. */
function judgeWeb(from, spec, kind, exists, browserReason) {
  if (spec.startsWith('node:')) return { rule: 'web-node', message: `'${spec}': web/ runs in the browser, where there is no ${spec}` };
  if (!spec.startsWith('.') && !spec.startsWith('/')) {
    const pkg = packageName(spec);
    if (WEB_PACKAGES(pkg)) return null;
    return { rule: 'web-package', message: `'${spec}': web/ may import only preact and codemirror packages (and browser-safe files of src/contracts and src/client)` };
  }
  if (spec.startsWith('/')) return { rule: 'absolute-import', message: `absolute import '${spec}'` };
  const target = resolveTarget(from, spec, exists);
  const to = classify(target);
  const where = `'${spec}' (${target})`;
  if (to.layer === 'web') return null;
  if (to.layer !== 'contracts' && to.layer !== 'client') return { rule: 'web-import', message: `${where}: web/ may import only src/contracts and src/client` };
  if (kind === 'type') return null;
  const reason = browserReason(target);
  if (reason) return { rule: 'web-browser-safe', message: `${where} is not browser-safe (${reason}); import only its types, or a file that needs no Node` };
  return null;
}

function resolveTarget(from, spec, exists) {
  let target = posix.normalize(posix.join(posix.dirname(from.path), spec));
  if (target.endsWith('/')) target = target.slice(0, -1);
  if (exists(target) === 'dir') target = `${target}/index.ts`;
  return target;
}

/** The violation of one import, or null. */
function judge(from, spec, exists, kind = 'static', browserReason = () => null) {
  if (from.layer === 'web' && !from.isTest) return judgeWeb(from, spec, kind, exists, browserReason);
  return judgeLayers(from, spec, exists) ?? judgeBot(from, spec, exists);
}

function judgeLayers(from, spec, exists) {
  if (spec.startsWith('node:')) return null;
  if (!spec.startsWith('.') && !spec.startsWith('/')) {
    const pkg = packageName(spec);
    for (const v of VENDOR_RULES) {
      if (!v.match(pkg, spec)) continue;
      if (v.allowed(from)) return null;
      if (from.isTest || from.isTesting) return null; // tests may reach for the real thing
      return { rule: v.rule, message: `'${spec}' may be imported only in ${v.where}` };
    }
    return null;
  }
  if (spec.startsWith('/')) return { rule: 'absolute-import', message: `absolute import '${spec}'` };

  let target = posix.normalize(posix.join(posix.dirname(from.path), spec));
  if (target.endsWith('/')) target = target.slice(0, -1);
  // A folder import means its index.
  if (exists(target) === 'dir') target = `${target}/index.ts`;
  if (target === 'package.json') return null; // the version, read from anywhere
  const to = classify(target);
  const where = `'${spec}' (${target})`;

  if (to.layer === 'outside') return { rule: 'outside-layers', message: `${where} is outside src/, daemon/ and cli/` };
  if (to.layer === 'src-root') return { rule: 'src-root', message: `${where}: files directly in src/ belong to no layer; move it into a layer folder` };
  if (from.layer === 'src-root') return { rule: 'src-root', message: `${from.path} belongs to no layer; move it into a layer folder` };

  // Nothing in src/ reaches up into the programs.
  if (from.path.startsWith('src/') && (to.layer === 'daemon' || to.layer === 'cli' || to.layer === 'web')) {
    return { rule: 'src-imports-program', message: `${where}: src/ may not import ${to.layer}/` };
  }
  // Own files are always fine.
  const sameUnit = from.layer === to.layer && (from.layer !== 'domain' || from.domain === to.domain);
  if (sameUnit) return null;
  // Tests and testing helpers may use anything in src/ (and, in the programs, their own program).
  if ((from.isTest || from.isTesting) && to.path.startsWith('src/')) return null;
  if (from.isTest && from.layer === 'cli' && to.layer === 'daemon') return null;
  if (from.isTest && from.layer === 'web' && (to.path.startsWith('src/') || to.layer === 'web')) return null;

  switch (from.layer) {
    case 'contracts':
      return { rule: 'contracts-import', message: `${where}: src/contracts imports nothing of ours` };
    case 'client':
      if (to.layer === 'contracts') return null;
      return { rule: 'client-import', message: `${where}: src/client may import only src/contracts` };
    case 'domain':
      if (to.layer === 'contracts') return null;
      if (to.layer === 'domain') {
        if (to.isIndex) return null;
        if (from.isSchema && (to.isSchema || to.domain === 'db')) return null;
        if (to.isSchema) return { rule: 'domain-schema-import', message: `${where}: only schema files (*.sql.ts) may import another domain's schema file; use the ${to.domain} index.ts` };
        return { rule: 'domain-internal-import', message: `${where}: import the ${to.domain} domain through src/${to.domain}/index.ts` };
      }
      return { rule: 'domain-import', message: `${where}: a domain may import only src/contracts and other domains' index.ts` };
    case 'api':
      if (to.layer === 'contracts') return null;
      if (to.layer === 'domain') {
        if (to.isIndex) return null;
        return { rule: 'api-domain-internal', message: `${where}: src/api imports the ${to.domain} domain only through src/${to.domain}/index.ts` };
      }
      return { rule: 'api-import', message: `${where}: src/api may import only src/contracts and domains' index.ts` };
    case 'daemon':
      if (to.path.startsWith('src/')) return null;
      return { rule: 'daemon-import', message: `${where}: daemon/ may import only src/ and its own files` };
    case 'cli':
      if (to.layer === 'contracts' || to.layer === 'client') return null;
      return { rule: 'cli-import', message: `${where}: cli/ may import only src/contracts and src/client` };
    default:
      return { rule: 'unknown-layer', message: `${from.path}: not in a known layer` };
  }
}

// ---------------------------------------------------------------------------

function walk(root, dir, out) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOENT') return out;
    throw e;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(root, rel, out);
    else if (e.isFile() && SOURCE_EXT.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function checkTree(root) {
  const files = SCANNED.flatMap((d) => walk(root, d, [])).sort();
  const exists = (p) => {
    try {
      return statSync(join(root, ...p.split('/'))).isDirectory() ? 'dir' : 'file';
    } catch {
      return null;
    }
  };
  const violations = [];
  const warnings = [];
  const listing = [];
  let imports = 0;
  // Why a src/contracts or src/client file cannot run in a browser (its value imports followed to the end), or null.
  const reasons = new Map();
  const browserReason = (target) => {
    if (reasons.has(target)) return reasons.get(target);
    reasons.set(target, null); // a cycle adds nothing new
    let reason = null;
    const info = classify(target);
    if (info.layer !== 'contracts' && info.layer !== 'client') reason = `${target} is outside src/contracts and src/client`;
    else if (exists(target) !== 'file') reason = `${target} does not exist`;
    else {
      for (const imp of findImports(readFileSync(join(root, ...target.split('/')), 'utf8'))) {
        if (imp.kind === 'type' || imp.spec === null) continue;
        if (imp.spec.startsWith('node:')) reason = `${target} imports ${imp.spec}`;
        else if (!imp.spec.startsWith('.')) reason = BROWSER_SAFE_PACKAGES(packageName(imp.spec)) ? null : `${target} imports ${imp.spec}`;
        else {
          const inner = browserReason(resolveTarget(info, imp.spec, exists));
          if (inner) reason = inner;
        }
        if (reason) break;
      }
    }
    reasons.set(target, reason);
    return reason;
  };
  for (const path of files) {
    const from = classify(path);
    for (const imp of findImports(readFileSync(join(root, ...path.split('/')), 'utf8'))) {
      imports++;
      if (imp.spec === null) {
        warnings.push({ file: path, line: imp.line, rule: 'computed-import', message: 'dynamic import of a computed specifier cannot be checked' });
        continue;
      }
      const v = judge(from, imp.spec, exists, imp.kind, browserReason);
      listing.push(`${path}:${imp.line}  ${imp.kind}  ${imp.spec}  ${v ? `VIOLATION ${v.rule}` : 'ok'}`);
      if (v) violations.push({ file: path, line: imp.line, ...v });
    }
  }
  return { files: files.length, imports, violations, warnings, listing };
}

function main(argv) {
  let root = join(dirname(fileURLToPath(import.meta.url)), '..');
  let quiet = false;
  let list = false;
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--root') root = argv[++k] ?? root;
    else if (argv[k] === '--quiet') quiet = true;
    else if (argv[k] === '--list') list = true;
    else if (argv[k] === '-h' || argv[k] === '--help') {
      process.stdout.write('Usage: node scripts/check-layers.mjs [--root DIR] [--quiet] [--list]\nChecks the import rules of DESIGN.md "Layers" in src/, daemon/, cli/, web/.\n');
      return 0;
    } else {
      process.stderr.write(`check-layers: unknown argument ${argv[k]}\n`);
      return 2;
    }
  }
  const { files, imports, violations, warnings, listing } = checkTree(root);
  if (list) process.stdout.write(listing.map((l) => `${l}\n`).join(''));
  const show = (v) => `  ${v.file}:${v.line}  ${v.rule}  ${v.message}\n`;
  for (const w of warnings) process.stderr.write(`check-layers: warning:${show(w).trimEnd().replace(/^ +/, ' ')}\n`);
  if (files === 0) {
    process.stderr.write(`check-layers: no source files found under ${SCANNED.join(', ')} in ${relative(process.cwd(), root) || '.'}\n`);
    return 1;
  }
  if (violations.length > 0) {
    process.stderr.write(`check-layers: ${violations.length} violation(s) of the layer rules (DESIGN.md, "Layers"):\n`);
    for (const v of violations) process.stderr.write(show(v));
    return 1;
  }
  if (!quiet) process.stdout.write(`check-layers: ok (${files} files, ${imports} imports)\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
