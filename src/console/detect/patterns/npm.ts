import type { BlockDef, PatternDef } from '../pattern.ts';

/**
 * npm prints one failure as a run of `npm error` (npm >= 10) or `npm ERR!`
 * (older) lines, usually closed by "A complete log of this run can be found
 * in: ...": the detection is emitted on that line, or at the first other line.
 */
export const NPM_BLOCK: BlockDef = {
  id: 'npm.block',
  start: /^npm (?:ERR!|error) (?!A complete log of this run)\S/,
  continue: /^npm (?:ERR!|error)(?: |$)/,
  end: /^npm (?:ERR!|error) A complete log of this run can be found in/,
  maxLines: 100,
};

function npm(p: Omit<PatternDef, 'language' | 'block' | 'severity'>): PatternDef {
  return { language: 'npm', block: NPM_BLOCK, on: 'any', severity: 'error', ...p };
}

export const NPM_PATTERNS: readonly PatternDef[] = [
  npm({
    id: 'npm.package_not_found',
    type: 'npm.PackageNotFound',
    match: /404 Not Found - GET \S*\/(?<package>(?:@[^/\s]+(?:\/|%2[fF]))?[^/\s]+?)(?: - .*)?$/,
    derive: (f) => (f.package ? { package: decodeURIComponent(f.package) } : {}),
    message: "Package '{package}' not found in the npm registry (E404)",
    suggestion: "Check the package name '{package}' (npmjs.com) and the registry in .npmrc",
    examples: ['npm error 404 Not Found - GET https://registry.npmjs.org/some-package-that-does-not-exist-zeblit'],
  }),
  npm({
    id: 'npm.missing_script',
    type: 'npm.MissingScript',
    match: /Missing script: "(?<script>[^"]+)"/,
    message: 'Missing script: "{script}"',
    suggestion: 'package.json has no "{script}" script: add it under "scripts" or run one that exists (npm run lists them)',
    examples: ['npm error Missing script: "missing-script"'],
  }),
  npm({
    id: 'npm.no_package_json',
    type: 'npm.NoPackageJson',
    match: /Could not read package\.json: .*?open '(?<file>[^']+)'/,
    message: 'No package.json at {file}',
    suggestion: 'Run npm in the folder that holds package.json, or create one with npm init -y',
    examples: ["npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/workspace/package.json'"],
  }),
  npm({
    id: 'npm.lifecycle_failed',
    type: 'npm.ScriptFailed',
    match: /Lifecycle script `(?<script>[^`]+)` failed/,
    scan: [/^npm (?:ERR!|error) code (?<exit>\d+)$/, /^npm (?:ERR!|error) path (?<path>\S+)$/],
    message: ['npm script "{script}" failed with exit code {exit}', 'npm script "{script}" failed'],
    suggestion: 'The "{script}" script exited with an error: see its output above',
    examples: ['npm error Lifecycle script `start` failed with error:'],
  }),
  npm({
    id: 'npm.eresolve',
    type: 'npm.ERESOLVE',
    match: /code ERESOLVE$/,
    scan: [/^npm (?:ERR!|error) ERESOLVE (?<detail>.+)$/],
    message: ['Dependency conflict: {detail}', 'Dependency conflict (ERESOLVE)'],
    suggestion: 'Align the conflicting versions in package.json, or retry with npm install --legacy-peer-deps',
    examples: ['npm error code ERESOLVE'],
  }),
  npm({
    id: 'npm.network',
    type: 'npm.NetworkError',
    match: /code (?<code>SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|ENOTFOUND|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ENETUNREACH)$/,
    scan: [/failed, reason: (?<reason>.+)$/],
    message: ['npm cannot reach the registry ({code}): {reason}', 'npm cannot reach the registry ({code})'],
    suggestion: [
      'Check the network setting of the project and any proxy; for {code} behind a TLS-inspecting proxy set cafile in .npmrc',
    ],
    examples: ['npm error code SELF_SIGNED_CERT_IN_CHAIN'],
  }),
  npm({
    id: 'npm.eacces',
    type: 'npm.EACCES',
    match: /code EACCES$/,
    scan: [/^npm (?:ERR!|error) path (?<path>\S+)$/],
    message: ['npm: permission denied on {path}', 'npm: permission denied (EACCES)'],
    suggestion: 'npm may not write there: install into the project (no -g) or fix the owner of {path}',
    examples: ['npm error code EACCES'],
  }),
  npm({
    id: 'npm.error',
    type: 'npm.Error',
    on: 'start',
    match: /^npm (?:ERR!|error) (?<detail>.+)$/,
    scan: [/^npm (?:ERR!|error) code (?<code>\S+)$/],
    message: ['npm error {code}', 'npm error: {detail}'],
    suggestion: 'npm failed: see the npm error lines',
    examples: ['npm ERR! code E500'],
  }),
];
