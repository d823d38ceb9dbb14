import type { BlockDef, Fields, FrameSpec, PatternDef } from '../pattern.ts';

export const NODE_FRAMES: FrameSpec = {
  // `at fn (file:line:col)`, `at file:line:col`, `at async file:///x.mjs:1:13`
  regex: /^\s+at (?:async )?(?:[^()]*? \()?(?<file>[^()\s]+?):(?<line>\d+):\d+\)?(?:,| \{)?$/,
  library: /^(?:node:|internal\/|<anonymous>)|\/node_modules\//,
  runtime: /^(?:node:|internal\/|<anonymous>)/,
  pick: 'first',
};

/**
 * An error line, then its `at` frames and the properties Node prints after
 * them (`code: 'X'`, `[cause]: Error: ...`, `}`). Nothing marks the end: a
 * non-matching line closes it (the blank line before "Node.js v20" for an
 * uncaught error), otherwise ErrorDetector.flush() does.
 */
export const NODE_STACK: BlockDef = {
  id: 'node.stack',
  start:
    /^(?:\(node:\d+\) \w*Warning: )?(?:Uncaught )?(?<name>(?:[A-Z][\w$]*)?(?:Error|Exception)|UnhandledPromiseRejection)(?: \[(?<code>[A-Z0-9_]+)\])?: (?<detail>.*)$/,
  continue:
    /^\s+(?:at\s|\.\.\. \d+ (?:more|lines)|[\w$'"[\]-]+: |'[^']*',?$|\S.*,$|[A-Z]\w*(?:Error|Exception)\b)|^Require stack:$|^- \S|^Emitted '\w+' event on .+ at:$|^\s*[}\]],?$/,
  lead: { confirm: /^\s+at\s/, max: 12 },
  maxLines: 200,
  frames: NODE_FRAMES,
  // The `file:line` header is only the user's when it is a path (not node:internal/...).
  preamble: { regex: /^(?<file>(?:\/|\.{1,2}\/|[A-Za-z]:\\|file:\/\/)[^:]*):(?<line>\d+)$/, lookback: 5 },
};

/** `@scope/pkg/sub/path` and `pkg/sub` are installed as `@scope/pkg` and `pkg`. */
export function npmPackageFor(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const withPackage = (f: Fields): Fields => (f.module ? { package: npmPackageFor(f.module) } : {});

function node(p: Omit<PatternDef, 'language' | 'block'> & { block?: BlockDef }): PatternDef {
  return { language: 'node', block: NODE_STACK, ...p };
}

export const NODE_PATTERNS: readonly PatternDef[] = [
  node({
    id: 'node.module_not_found.local',
    type: 'node.LocalModuleNotFound',
    severity: 'error',
    match: /Cannot find module '(?<module>[./][^']*|[A-Za-z]:\\[^']*)'(?: imported from (?<file>\S+))?/,
    message: "Cannot find module '{module}'",
    suggestion: ["'{module}' does not exist (imported from {file}): check the path and the file extension", "'{module}' does not exist: check the path and the file extension"],
    examples: ["Error: Cannot find module './lib/util'", "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/workspace/helpers.js' imported from /workspace/main.mjs"],
  }),
  node({
    id: 'node.module_not_found',
    type: 'node.ModuleNotFound',
    severity: 'error',
    match: /Cannot find (?:module|package) '(?<module>[^']+)'(?: imported from (?<file>\S+))?/,
    derive: withPackage,
    message: "Cannot find module '{module}'",
    suggestion: 'Install it: npm install {package}',
    examples: ["Error: Cannot find module 'express'", "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'lodash' imported from /workspace/index.mjs"],
  }),
  node({
    id: 'node.eaddrinuse',
    type: 'node.EADDRINUSE',
    severity: 'error',
    match: /EADDRINUSE: address already in use (?<address>\S*?):?(?<port>\d+)$/,
    message: 'Port {port} is already in use (EADDRINUSE)',
    suggestion: 'Another process holds port {port}: stop it (or the previous run of this server) or listen on another port',
    examples: ['Error: listen EADDRINUSE: address already in use :::3000'],
  }),
  node({
    id: 'node.econnrefused',
    type: 'node.ECONNREFUSED',
    severity: 'error',
    on: 'any',
    match: /(?:^|\s)(?:\[cause\]: )?(?:Error: )?connect ECONNREFUSED (?<address>\S+?):(?<port>\d+)$/,
    message: 'Connection refused: nothing listens on {address}:{port} (ECONNREFUSED)',
    suggestion: 'Start the service on {address}:{port} first, or fix the host/port; inside the container, localhost is the container itself',
    examples: ['Error: connect ECONNREFUSED 127.0.0.1:5432', '  [cause]: Error: connect ECONNREFUSED 127.0.0.1:8080'],
  }),
  node({
    id: 'node.enoent',
    type: 'node.ENOENT',
    severity: 'error',
    match: /ENOENT: no such file or directory, (?<syscall>\w+) '(?<path>[^']+)'/,
    message: "No such file or directory: '{path}' ({syscall})",
    suggestion: "'{path}' does not exist in the container: check the path (relative to the process's working directory)",
    examples: ["Error: ENOENT: no such file or directory, open 'config.json'"],
  }),
  node({
    id: 'node.unhandled_rejection',
    type: 'node.UnhandledRejection',
    severity: 'error',
    match: /^(?:UnhandledPromiseRejection: .*?(?:reason "(?<reason>.*)"\.)?|\(node:\d+\) UnhandledPromiseRejectionWarning: (?<detail>.*))$/,
    message: ['Unhandled promise rejection: {reason}', 'Unhandled promise rejection: {detail}', 'Unhandled promise rejection'],
    suggestion: 'A promise was rejected and nothing caught it: add .catch() or try/await around it',
    examples: ['UnhandledPromiseRejection: This error originated either by ... The promise rejected with the reason "database unavailable".', '(node:1) UnhandledPromiseRejectionWarning: Error: user 42 not found'],
  }),
  node({
    // Any other error with a stack: the constructor name becomes the type (node.TypeError).
    id: 'node.error',
    type: 'node.{name}',
    severity: 'error',
    match: NODE_STACK.start,
    needsConfirm: true,
    message: '{name}: {detail}',
    suggestion: ['{name} thrown at {file}:{line}: {detail}', '{name}: {detail}'],
    examples: ["TypeError: Cannot read properties of undefined (reading 'name')"],
  }),
  {
    id: 'node.heap_oom',
    type: 'node.HeapOutOfMemory',
    language: 'node',
    severity: 'error',
    match: /^FATAL ERROR: (?<detail>.*JavaScript heap out of memory)$/,
    hint: 'FATAL ERROR',
    message: 'JavaScript heap out of memory',
    suggestion: 'The V8 heap limit was reached: fix the leak or raise it (node --max-old-space-size=MB, within the container memory_mb)',
    explainsExit: [134, 137, 139],
    examples: ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
  },
];
