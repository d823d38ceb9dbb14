import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'check-layers.mjs');
const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Writes a tree of files and runs the checker on it. */
function check(files: Record<string, string>): { code: number | null; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'check-layers-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

const GOOD: Record<string, string> = {
  'src/contracts/index.ts': "import { z } from 'zod';\nexport const X = z.string();\n",
  'src/client/index.ts': "import type { X } from '../contracts/index.ts';\n",
  'src/db/index.ts': "import Database from 'better-sqlite3';\nimport { drizzle } from 'drizzle-orm/better-sqlite3';\n",
  'src/db/columns.ts': "import { text } from 'drizzle-orm/sqlite-core';\n",
  'src/auth/auth.sql.ts': "import { timestamps } from '../db/columns.ts';\n",
  'src/auth/index.ts': "import { eq } from 'drizzle-orm';\nimport type { Db } from '../db/index.ts';\nexport * as authTables from './auth.sql.ts';\n",
  'src/projects/projects.sql.ts': "import { users } from '../auth/auth.sql.ts';\nimport { timestamps } from '../db/columns.ts';\n",
  'src/projects/index.ts': "import { Auth } from '../auth/index.ts';\nimport { X } from '../contracts/index.ts';\n",
  'src/projects/projects.test.ts': "import { keys } from '../auth/keys.ts';\nimport { openDatabase } from '../db/index.ts';\n",
  'src/containers/engine.ts': "import Docker from 'dockerode';\n",
  'src/llm/anthropic.ts': "import Anthropic from '@anthropic-ai/sdk';\nimport OpenAI from 'openai';\n",
  'src/api/app.ts': "import { Hono } from 'hono';\nimport { Projects } from '../projects/index.ts';\nimport { ok } from './envelope.ts';\n",
  'src/api/testing.ts': "import { openDatabase } from '../db/index.ts';\nimport { users } from '../auth/users.ts';\n",
  'daemon/main.ts': "import { createApp } from '../src/api/index.ts';\nimport { users } from '../src/auth/users.ts';\nimport { x } from './config.ts';\nconst m = await import('../src/db/index.ts');\n",
  'cli/commands/project/list.ts': "import { Client } from '../../../src/client/index.ts';\nimport type { X } from '../../../src/contracts/index.ts';\nimport { base } from '../../base.ts';\n",
  'cli/bot/main.ts': "import { Bot } from 'grammy';\n",
  // The bot: client, contracts, its own folder, node's built-ins (either spelling) and grammY.
  'cli/telegram/bot.ts':
    "import { Bot } from 'grammy';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'path';\nimport { ZeblitClient } from '../../src/client/index.ts';\nimport type { X } from '../../src/contracts/index.ts';\nimport { escapeHtml } from './format.ts';\n",
  'cli/telegram/commands/run.ts': "import type { BotEnv } from '../bot.ts';\nimport { InputFile } from 'grammy';\n",
  'cli/telegram/format.test.ts': "import { toJson } from '../format.ts';\nimport { openDatabase } from '../../src/db/index.ts';\n",
  // The CLI runs the bot: importing it is the CLI's own layer.
  'cli/commands/telegram/run.ts': "import { createZeblitBot } from '../../telegram/bot.ts';\n",
  // The browser client: preact, codemirror, types from anywhere in contracts, values from browser-safe files.
  'src/contracts/version.ts': "export const API_VERSION = 'v1';\n",
  'src/contracts/ids.ts': "import { randomBytes } from 'node:crypto';\n",
  'src/client/requester.ts': "import type { Readable } from 'node:stream';\nimport { API_VERSION } from '../contracts/version.ts';\nimport { z } from 'zod';\n",
  'web/main.tsx': [
    "import { render } from 'preact';",
    "import { useState } from 'preact/hooks';",
    "import { EditorView } from '@codemirror/view';",
    "import { basicSetup } from 'codemirror';",
    "import { tags } from '@lezer/highlight';",
    "import type { X } from '../src/contracts/index.ts';",
    "import type { newId } from '../src/contracts/ids.ts';",
    "import { API_VERSION } from '../src/contracts/version.ts';",
    "import { seg } from '../src/client/requester.ts';",
    "import { App } from './app.tsx';",
    '',
  ].join('\n'),
  'web/app.tsx': 'export const App = () => null;\n',
  'web/app.test.ts': "import { readFileSync } from 'node:fs';\nimport { Auth } from '../src/auth/index.ts';\n",
  // Imports written in comments, strings, templates and regexes are not imports.
  'src/contracts/text.ts': [
    "// import x from '../api/index.ts';",
    "/* import y from '../db/index.ts' */",
    "const s = \"import z from '../auth/index.ts'\";",
    "const t = `import q from '../api/app.ts' ${s.replace(/'/g, '\"')} import('../db/index.ts')`;",
    "const r = /import('[^']*')/;",
    '',
  ].join('\n'),
};

describe('check-layers', () => {
  it('accepts a tree that keeps every rule', () => {
    const r = check(GOOD);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /check-layers: ok/);
  });

  // [what, files (the first one holds the bad import), line, rule]
  const cases: [string, Record<string, string>, number, string][] = [
    ['contracts importing a domain', { 'src/contracts/a.ts': "\n\nimport { Auth } from '../auth/index.ts';\n" }, 3, 'contracts-import'],
    ['client importing a domain', { 'src/client/a.ts': "import type { Db } from '../db/index.ts';\n" }, 1, 'client-import'],
    ['a domain reaching into another domain', { 'src/projects/a.ts': "import { keys } from '../auth/keys.ts';\n" }, 1, 'domain-internal-import'],
    ['a domain file importing another schema', { 'src/projects/a.ts': "import { users } from '../auth/auth.sql.ts';\n" }, 1, 'domain-schema-import'],
    ['a domain importing the api', { 'src/projects/a.ts': "import { createApp } from '../api/index.ts';\n" }, 1, 'domain-import'],
    ['the api reaching into a domain', { 'src/api/a.ts': "import { keys } from '../auth/keys.ts';\n" }, 1, 'api-domain-internal'],
    ['the api importing the client', { 'src/api/a.ts': "import { Client } from '../client/index.ts';\n" }, 1, 'api-import'],
    ['src importing the daemon, even from a test', { 'src/api/a.test.ts': "import { boot } from '../../daemon/boot.ts';\n" }, 1, 'src-imports-program'],
    ['the cli importing a domain', { 'cli/a.ts': "import { Projects } from '../src/projects/index.ts';\n" }, 1, 'cli-import'],
    ['the cli importing the api dynamically', { 'cli/a.ts': "const m = await import('../src/api/index.ts');\n" }, 1, 'cli-import'],
    ['the daemon importing the cli', { 'daemon/a.ts': "export { run } from '../cli/run.ts';\n" }, 1, 'daemon-import'],
    ['dockerode outside src/containers', { 'src/api/a.ts': "import Docker from 'dockerode';\n" }, 1, 'vendor-dockerode'],
    ['openai outside src/llm', { 'src/agents/a.ts': "import OpenAI from 'openai';\n" }, 1, 'vendor-llm-sdk'],
    ['the Anthropic SDK outside src/llm', { 'daemon/a.ts': "import type { Message } from '@anthropic-ai/sdk/resources';\n" }, 1, 'vendor-llm-sdk'],
    ['better-sqlite3 outside src/db', { 'daemon/a.ts': "import Database from 'better-sqlite3';\n" }, 1, 'vendor-sqlite'],
    ["drizzle's sqlite driver outside src/db", { 'src/auth/a.ts': "import { drizzle } from 'drizzle-orm/better-sqlite3';\n" }, 1, 'vendor-sqlite'],
    ['drizzle in the api', { 'src/api/a.ts': "import { eq } from 'drizzle-orm';\n" }, 1, 'vendor-drizzle'],
    ['the bot importing a CLI helper', { 'cli/telegram/a.ts': "import { toJson } from '../format.ts';\n" }, 1, 'bot-import'],
    ['the bot importing another package', { 'cli/telegram/a.ts': "import { z } from 'zod';\n" }, 1, 'bot-import'],
    ['the bot importing the CLI dynamically', { 'cli/telegram/commands/a.ts': "\nconst m = await import('../../base-command.ts');\n" }, 2, 'bot-import'],
    ['the bot importing a domain', { 'cli/telegram/a.ts': "import { Auth } from '../../src/auth/index.ts';\n" }, 1, 'cli-import'],
    ['grammy outside the bot', { 'cli/commands/a.ts': "const require = createRequire(import.meta.url);\nconst g = require('grammy');\n" }, 2, 'vendor-grammy'],
    ['a file directly in src/', { 'src/api/a.ts': "import { x } from '../util.ts';\n", 'src/util.ts': 'export const x = 1;\n' }, 1, 'src-root'],
    ['an import outside the layers', { 'src/api/a.ts': "import { x } from '../../test/helpers.ts';\n" }, 1, 'outside-layers'],
    ['web importing a domain', { 'web/a.ts': "import { Auth } from '../src/auth/index.ts';\n" }, 1, 'web-import'],
    ['web importing a node builtin', { 'web/a.ts': "import { readFileSync } from 'node:fs';\n" }, 1, 'web-node'],
    ['web importing a package that is not preact or codemirror', { 'web/a.ts': "import WebSocket from 'ws';\n" }, 1, 'web-package'],
    ['web importing a value from a contract that needs Node', { 'web/a.ts': "import { newId } from '../src/contracts/ids.ts';\n" }, 1, 'web-browser-safe'],
    [
      'web importing a client file whose imports reach node:http',
      { 'web/a.ts': "\nimport { streamSse } from '../src/client/stream.ts';\n", 'src/client/stream.ts': "import { x } from './http.ts';\n", 'src/client/http.ts': "import { request } from 'node:http';\n" },
      2,
      'web-browser-safe',
    ],
    ['src importing web', { 'src/api/a.ts': "import { App } from '../../web/app.tsx';\n" }, 1, 'src-imports-program'],
    ['the cli importing web', { 'cli/a.ts': "import { App } from '../web/app.tsx';\n" }, 1, 'cli-import'],
    ['a multi-line re-export', { 'src/api/a.ts': "export {\n  keys,\n  users,\n} from '../auth/keys.ts';\n" }, 1, 'api-domain-internal'],
  ];

  // One tree holds every bad file (each case under its own name), so the
  // checker runs once; each case must be reported at its file and line.
  const bad: Record<string, string> = {};
  const expected: { name: string; at: string; rule: string }[] = [];
  cases.forEach(([name, files, line, rule], n) => {
    Object.entries(files).forEach(([path, text], k) => {
      const renamed = path.replace(/\/a(\.test)?\.ts$/, `/case${n}$1.ts`);
      bad[renamed] = text;
      if (k === 0) expected.push({ name, at: `${renamed}:${line}`, rule });
    });
  });
  const result = check({ ...GOOD, ...bad });

  it('exits 1 and counts every violation', () => {
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, new RegExp(`${cases.length} violation\\(s\\)`), result.out);
  });
  for (const e of expected) {
    it(`rejects ${e.name}`, () => {
      assert.ok(result.out.includes(`  ${e.at}  ${e.rule}  `), `expected "${e.at}  ${e.rule}" in:\n${result.out}`);
    });
  }

  it('fails when there is nothing to check', () => {
    const r = check({ 'README.md': 'nothing\n' });
    assert.equal(r.code, 1);
    assert.match(r.out, /no source files/);
  });
});
