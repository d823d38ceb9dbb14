import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { AGENT_NAMES, AgentDefinition, TOOL_NAMES } from '../contracts/index.ts';
import { AGENTS, agentDefinition, systemPrompt, withModel } from './definitions.ts';
import { TOOLS, toolSpecs } from './tools/index.ts';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;

describe('agent definitions', () => {
  test('seven agents, valid, the Dev Manager the only default', () => {
    assert.deepEqual(AGENTS.map((a) => a.name).sort(), [...AGENT_NAMES].sort());
    for (const a of AGENTS) AgentDefinition.parse(a);
    assert.deepEqual(AGENTS.filter((a) => a.default).map((a) => a.name), ['dev_manager']);
    for (const a of AGENTS) {
      assert.ok(a.tools.includes('finish'), `${a.name} can finish`);
      assert.equal(new Set(a.tools).size, a.tools.length, `${a.name}: no tool twice`);
    }
  });

  test('tools follow the roles', () => {
    const tools = (n: (typeof AGENT_NAMES)[number]) => new Set(agentDefinition(n).tools);
    assert.deepEqual([...tools('dev_manager')].sort(), ['delegate', 'finish', 'list_files', 'read_console', 'read_file', 'search']);
    assert.ok(AGENTS.filter((a) => a.name !== 'dev_manager').every((a) => !a.tools.includes('delegate')), 'only the Dev Manager delegates');
    for (const t of ['write_file', 'edit_file', 'delete_file', 'run_command', 'read_console']) assert.ok(tools('engineer').has(t as never), `engineer has ${t}`);
    for (const t of ['write_file', 'edit_file', 'delete_file']) assert.ok(!tools('security_engineer').has(t as never), 'the security engineer only reads');
    assert.ok(tools('security_engineer').has('run_command'));
    for (const n of ['product_manager', 'architect'] as const) {
      assert.ok(tools(n).has('write_file') && !tools(n).has('run_command') && !tools(n).has('delete_file'));
    }
    assert.ok(tools('data_analyst').has('run_command') && tools('platform_engineer').has('read_console'));
  });

  test('unknown agents are NOT_FOUND; the configured model overrides the default', () => {
    assert.throws(() => agentDefinition('ceo' as never), /Agent ceo not found/);
    const eng = agentDefinition('engineer');
    assert.equal(withModel(eng, null), eng);
    assert.equal(withModel(eng, 'claude-x').model, 'claude-x');
    assert.equal(eng.model, null);
  });

  test('every prompt loads, says where it works and how it finishes, and is cached', () => {
    for (const name of AGENT_NAMES) {
      const p = systemPrompt(name);
      assert.ok(p.length > 800 && p.length < 8000, `${name}: ${p.length} characters`);
      assert.match(p, /\/workspace/, `${name} knows the workspace`);
      assert.match(p, /finish/, `${name} knows how to finish`);
      for (const tool of TOOL_NAMES) {
        // A prompt that names a tool the agent does not have would mislead it.
        if (!agentDefinition(name).tools.includes(tool) && tool !== 'finish') assert.doesNotMatch(p, new RegExp(`\\b${tool}\\b`), `${name} mentions ${tool}`);
      }
      assert.equal(systemPrompt(name), p);
    }
    assert.match(systemPrompt('dev_manager'), /delegate/);
    assert.match(systemPrompt('security_engineer'), /Secrets/);
  });

  test('tool specs: one per name, clean object schemas the models accept', () => {
    const specs = toolSpecs(TOOL_NAMES);
    assert.deepEqual(specs.map((s) => s.name), [...TOOL_NAMES]);
    for (const s of specs) {
      assert.equal(s.input_schema.type, 'object', s.name);
      assert.equal(s.input_schema.additionalProperties, false, s.name);
      assert.equal(s.input_schema.$schema, undefined, s.name);
      assert.ok(s.description.length > 40, s.name);
      assert.equal(TOOLS[s.name as (typeof TOOL_NAMES)[number]].name, s.name);
    }
    assert.deepEqual(toolSpecs(['finish', 'read_file']).map((s) => s.name), ['finish', 'read_file']);
    assert.deepEqual((specs.find((s) => s.name === 'run_command')?.input_schema as { required: string[] }).required, ['command']);
  });
});

describe('prompts in the bundle', () => {
  test('build.mjs copies them beside the bundle, where the bundled module finds them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zbl-build-'));
    try {
      await run(process.execPath, ['build.mjs'], { cwd: repo, env: { ...process.env, ZEBLIT_BUILD_OUT: out } });
      assert.deepEqual(readdirSync(join(out, 'prompts')).sort(), AGENT_NAMES.map((n) => `${n}.txt`).sort());
      // A module bundled into that folder (as daemon/main.ts is) reads them from there, not from src/.
      const probe = join(out, 'probe.mjs');
      await build({
        stdin: { contents: `import { systemPrompt } from './src/agents/definitions.ts'; console.log(JSON.stringify(${JSON.stringify(AGENT_NAMES)}.map((n) => systemPrompt(n).length)));`, resolveDir: repo, loader: 'ts' },
        outfile: probe,
        bundle: true,
        platform: 'node',
        format: 'esm',
        logLevel: 'silent',
      });
      const { stdout } = await run(process.execPath, [probe], { cwd: out });
      assert.deepEqual(JSON.parse(stdout), AGENT_NAMES.map((n) => systemPrompt(n).length));
      rmSync(join(out, 'prompts', 'engineer.txt'));
      await assert.rejects(run(process.execPath, ['-e', `import(${JSON.stringify(probe)})`]), /system prompt of engineer is missing/);
      assert.ok(existsSync(join(out, 'zeblitd.js')));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
