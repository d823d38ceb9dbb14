import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { COMMANDS } from '../app.ts';
import { buildManifest } from '../manifest-build.ts';
import type { CommandSpec } from '../manifest.ts';
import { complete, type ValueKind, type ValueSource } from './complete.ts';

/** Values as a daemon would give them, and what was asked. */
function values(): ValueSource & { asked: Array<{ kind: ValueKind; project: string | undefined; prefix: string }> } {
  const asked: Array<{ kind: ValueKind; project: string | undefined; prefix: string }> = [];
  const data: Partial<Record<ValueKind, string[]>> = {
    projects: ['api', 'web'],
    'remote-path': ['src/', 'src/main.py', 'README.md'],
    runs: ['run_01a', 'run_01b'],
    agents: ['engineer', 'architect'],
    'setting-keys': ['cpus', 'memory_mb', 'env.'],
    tasks: ['nightly', 'backup'],
  };
  return {
    asked,
    async values(kind, ctx) {
      asked.push({ kind, ...ctx });
      return (data[kind] ?? []).map((value) => ({ value, description: `a ${kind}` }));
    },
  };
}

describe('complete (what <Tab> offers)', () => {
  let specs: CommandSpec[];
  before(async () => {
    specs = await buildManifest(COMMANDS);
  });
  const values_ = (r: { items: Array<{ value: string }> }) => r.items.map((i) => i.value);

  it('commands and groups, then the verbs of a group', async () => {
    const v = values();
    assert.deepEqual(values_(await complete([], 'fi', specs, v, undefined)), ['files']);
    assert.ok(values_(await complete([], '', specs, v, undefined)).includes('daemon'));
    assert.deepEqual(values_(await complete(['daemon'], 's', specs, v, undefined)), ['start', 'status', 'stop']);
    assert.deepEqual(values_(await complete(['settings'], '', specs, v, 'api')), ['reset', 'set'], 'a command that is also a group');
    assert.deepEqual(v.asked, [], 'no daemon asked for command names');
  });

  it('options of the command, long names, with descriptions, not those already given', async () => {
    const r = await complete(['list', '--all'], '--', specs, values(), undefined);
    assert.ok(values_(r).includes('--search') && values_(r).includes('--json') && values_(r).includes('--help'));
    assert.ok(!values_(r).includes('--all'));
    assert.match(r.items.find((i) => i.value === '--search')?.description ?? '', /name or description/);
  });

  it('live values by argument and option name: projects, paths of the project, run ids, agents, setting keys', async () => {
    const v = values();
    assert.deepEqual(values_(await complete(['use'], '', specs, v, undefined)), ['api', 'web']);
    assert.deepEqual(values_(await complete(['files', 'cat'], 'src/', specs, v, 'prj_cur')), ['src/', 'src/main.py']);
    assert.deepEqual(v.asked.at(-1), { kind: 'remote-path', project: 'prj_cur', prefix: 'src/' }, 'paths of the current project');
    await complete(['files', 'cat', '-p', 'web'], '', specs, v, 'prj_cur');
    assert.equal(v.asked.at(-1)?.project, 'web', '-p wins over the current project');
    assert.deepEqual(values_(await complete(['runs', '--show'], 'run_01', specs, v, 'api')), ['run_01a', 'run_01b']);
    assert.deepEqual(values_(await complete(['chat', '--agent'], 'e', specs, v, 'api')), ['engineer']);
    assert.deepEqual(values_(await complete(['run', '-p'], '', specs, v, undefined)), ['api', 'web']);
    assert.deepEqual(values_(await complete(['settings', 'set'], 'm', specs, v, 'api')), ['memory_mb']);
    assert.deepEqual(values_(await complete(['schedule', 'run'], 'n', specs, v, 'api')), ['nightly'], 'task names');
    assert.deepEqual(values_(await complete(['schedule', 'logs'], 'b', specs, v, 'api')), ['backup']);
  });

  it('local files where a local path goes, and after the program of `zeblit run`', async () => {
    assert.equal((await complete(['files', 'put'], '', specs, values(), 'api')).files, true);
    assert.equal((await complete(['run', 'python3'], '-', specs, values(), 'api')).files, true);
    assert.equal((await complete(['run', '--', 'ls'], '', specs, values(), 'api')).files, true);
    assert.ok(values_(await complete(['run'], '--d', specs, values(), 'api')).includes('--detach'), "before the program, run's own options");
  });
});
