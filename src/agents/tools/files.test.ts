import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../../contracts/index.ts';
import { ToolError } from '../types.ts';
import { TOOLS } from './index.ts';
import { toolFixture, type ToolFixture } from './testing.ts';

let f: ToolFixture;
let project: Project;
let root: string;

before(() => {
  f = toolFixture();
  project = f.project('files');
  root = f.files.root(project.id);
});
after(() => f.close());

const put = (rel: string, content: string | Buffer) => {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
};

/** The tool must refuse with a ToolError whose message matches. */
async function refuses(p: Promise<unknown>, message: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ToolError, `expected a ToolError, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

describe('list_files', () => {
  test('a tree of the workspace, folders first, sizes, ignored folders not opened', async () => {
    put('src/app.py', 'print(1)\n');
    put('src/lib/util.py', 'x = 1\n');
    put('README.md', '# hi\n');
    put('node_modules/pkg/index.js', 'module.exports = 1;\n');
    const out = await f.text('list_files', {}, f.context(project));
    assert.match(out, /^\/workspace: \d+ file\(s\), \d+ folder\(s\) listed/);
    assert.match(out, /\nsrc\/\n {2}lib\/\n {4}util\.py \(6 B\)\n {2}app\.py \(9 B\)/);
    assert.match(out, /node_modules\/ \[ignored, not listed\]/);
    assert.doesNotMatch(out, /pkg/);
    assert.match(out, /README\.md \(5 B\)/);
  });

  test('depth limits the levels; a glob lists matching paths; a sub-folder; /workspace/ prefixes work', async () => {
    const shallow = await f.text('list_files', { depth: 1 }, f.context(project));
    assert.match(shallow, /src\/ …/);
    assert.doesNotMatch(shallow, /app\.py/);
    const py = await f.text('list_files', { glob: '*.py' }, f.context(project));
    assert.match(py, /2 path\(s\) below \/workspace matching \*\.py:\nsrc\/app\.py \(9 B\)\nsrc\/lib\/util\.py \(6 B\)/);
    const sub = await f.text('list_files', { path: '/workspace/src/lib' }, f.context(project));
    assert.match(sub, /^src\/lib: 1 file/);
    assert.match(await f.text('list_files', { glob: '*.rs' }, f.context(project)), /No path below \/workspace matches \*\.rs/);
  });

  test('a big folder is cut and says so', async () => {
    for (let i = 0; i < 450; i++) put(`many/f${String(i).padStart(3, '0')}.txt`, 'x');
    const out = await f.text('list_files', { path: 'many' }, f.context(project));
    assert.match(out, /\[cut at 400 entries/);
    assert.ok(out.split('\n').length < 420);
  });

  test('a missing folder, a file, and paths leaving the workspace are ToolErrors', async () => {
    await refuses(f.call('list_files', { path: 'nope' }, f.context(project)), /Folder nope not found.*list_files/);
    await refuses(f.call('list_files', { path: 'README.md' }, f.context(project)), /README\.md is a file, not a folder/);
    await refuses(f.call('list_files', { path: '../..' }, f.context(project)), /leaves the workspace/);
  });
});

describe('read_file', () => {
  test('numbered lines, a range, the total, and how to read on', async () => {
    put('lines.txt', Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    const all = await f.text('read_file', { path: 'lines.txt' }, f.context(project));
    assert.match(all, /^lines\.txt \(30 lines, version \d+\) lines 1-30:\n 1\| line 1\n/);
    assert.doesNotMatch(all, /more below/);
    const part = await f.text('read_file', { path: './lines.txt', start_line: 10, end_line: 12 }, f.context(project));
    assert.equal(part.split('\n').slice(1, 4).join('\n'), '10| line 10\n11| line 11\n12| line 12');
    assert.match(part, /\[more below: read on with start_line 13\]/);
    await refuses(f.call('read_file', { path: 'lines.txt', start_line: 31 }, f.context(project)), /has 30 line\(s\); start_line 31 is past the end/);
    assert.throws(() => TOOLS.read_file.input.parse({ path: 'lines.txt', start_line: 5, end_line: 2 }), /end_line must not be before start_line/);
  });

  test('a long file is cut at 2000 lines', async () => {
    put('long.txt', Array.from({ length: 2500 }, (_, i) => `l${i + 1}`).join('\n'));
    const out = await f.text('read_file', { path: 'long.txt' }, f.context(project));
    assert.match(out, /^long\.txt \(2500 lines, version \d+\) lines 1-2000:/);
    assert.match(out, /\[more below: read on with start_line 2001\]$/);
    const rest = await f.text('read_file', { path: 'long.txt', start_line: 2001 }, f.context(project));
    assert.match(rest, /lines 2001-2500:\n2001\| l2001/);
  });

  test('binary files are described, not shown; empty files and folders are said', async () => {
    put('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3, 0, 0xff]));
    const out = await f.text('read_file', { path: 'img.png' }, f.context(project));
    assert.match(out, /img\.png is a binary file \(image\/png, 13 B\); its bytes are not shown/);
    put('empty.txt', '');
    assert.match(await f.text('read_file', { path: 'empty.txt' }, f.context(project)), /empty \(0 bytes\)/);
    await refuses(f.call('read_file', { path: 'src' }, f.context(project)), /src is a folder, not a file/);
  });

  test('path traversal and missing files are ToolErrors the model can read', async () => {
    await refuses(f.call('read_file', { path: '../etc/passwd' }, f.context(project)), /Invalid path "\.\.\/etc\/passwd": leaves the workspace\. Give a path relative to \/workspace/);
    await refuses(f.call('read_file', { path: '/etc/passwd' }, f.context(project)), /absolute paths are not allowed/);
    await refuses(f.call('read_file', { path: 'src/../../x' }, f.context(project)), /leaves the workspace/);
    await refuses(f.call('read_file', { path: 'missing.py' }, f.context(project)), /not found\. Check the path with list_files/);
  });
});

describe('write_file', () => {
  test('records a version by agent:engineer, publishes file.changed, tells the turn', async () => {
    const ctx = f.context(project, 'engineer');
    const before = f.events.length;
    const out = await f.text('write_file', { path: 'pkg/new.py', content: 'a = 1\nb = 2\n' }, ctx);
    assert.equal(out, 'Created pkg/new.py: 12 B, 2 line(s) (version 1).');
    assert.equal(readFileSync(join(root, 'pkg/new.py'), 'utf8'), 'a = 1\nb = 2\n');
    const versions = await f.files.versions(project.id, 'pkg/new.py');
    assert.equal(versions.items[0]?.author, 'agent:engineer');
    const changed = f.events.slice(before).filter((e) => e.type === 'file.changed');
    assert.deepEqual(
      changed.map((e) => e.data),
      [{ path: 'pkg/new.py', action: 'created', version: 1, author: 'agent:engineer' }],
    );
    assert.deepEqual(ctx.changed, ['pkg/new.py']);
    assert.ok(ctx.taskPaths.has('pkg/new.py'));
    const again = await f.text('write_file', { path: '/workspace/pkg/new.py', content: 'a = 2\n' }, ctx);
    assert.equal(again, 'Wrote pkg/new.py: 6 B, 1 line(s) (version 2).');
  });

  test('refusals: traversal, a folder in the way, content over the limit', async () => {
    const ctx = f.context(project);
    await refuses(f.call('write_file', { path: '../outside.txt', content: 'x' }, ctx), /leaves the workspace/);
    await refuses(f.call('write_file', { path: 'src', content: 'x' }, ctx), /src is a folder/);
    assert.throws(() => TOOLS.write_file.input.parse({ path: 'big', content: 'x'.repeat(1_000_001) }));
    assert.throws(() => TOOLS.write_file.input.parse({ path: 'a', content: 'x', extra: 1 }), /Unrecognized key/);
    assert.deepEqual(ctx.changed, []);
  });

  test('approval: only writes outside the current task ask', () => {
    const ctx = f.context(project);
    ctx.taskPaths.add('src/app.py');
    assert.equal(TOOLS.write_file.needsApproval?.({ path: 'src/app.py', content: '' }, ctx), null);
    assert.equal(TOOLS.write_file.needsApproval?.({ path: '/workspace/src/app.py', content: '' }, ctx), null);
    assert.equal(TOOLS.write_file.needsApproval?.({ path: 'src/other.py', content: '' }, ctx), 'writes src/other.py, a file outside the current task');
    assert.equal(TOOLS.edit_file.needsApproval?.({ path: 'x.py', old_text: 'a', new_text: 'b' }, ctx), 'edits x.py, a file outside the current task');
    assert.equal(TOOLS.delete_file.needsApproval?.({ path: 'src/app.py' }, ctx), 'deletes src/app.py');
    assert.equal(TOOLS.run_command.needsApproval?.({ command: 'npm test', timeout_seconds: 120 }, ctx), 'runs `npm test`');
    assert.equal(TOOLS.read_file.needsApproval, undefined);
  });
});

describe('edit_file', () => {
  const source = 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\nprint(add(1, 2))\nprint(add(1, 2))\n';

  test('exactly one match: replaced, versioned, the changed lines shown', async () => {
    put('calc.py', source);
    const ctx = f.context(project);
    const out = await f.text('edit_file', { path: 'calc.py', old_text: 'def sub(a, b):\n    return a - b', new_text: 'def sub(a, b):\n    """a minus b"""\n    return a - b' }, ctx);
    assert.match(out, /^Edited calc\.py: replaced 2 line\(s\) at line 5 with 3 line\(s\) \(version \d+\)\.\n/);
    assert.match(out, /\n5\| def sub\(a, b\):\n6\| {5}"""a minus b"""\n7\| {5}return a - b/);
    assert.match(readFileSync(join(root, 'calc.py'), 'utf8'), /"""a minus b"""/);
    const versions = await f.files.versions(project.id, 'calc.py');
    assert.equal(versions.items[0]?.author, 'agent:engineer');
    assert.deepEqual(ctx.changed, ['calc.py']);
  });

  test('an edit at the end of a file, and a long one, show what changed', async () => {
    put('end.txt', 'a\nb\nc\n');
    const end = await f.text('edit_file', { path: 'end.txt', old_text: 'c\n', new_text: 'c\nd\n' }, f.context(project));
    assert.match(end, /\n1\| a\n2\| b\n3\| c\n4\| d$/);
    const long = await f.text('edit_file', { path: 'end.txt', old_text: 'b\n', new_text: 'x\n'.repeat(50) }, f.context(project));
    assert.match(long, /replaced 1 line\(s\) at line 2 with 50 line\(s\)/);
    assert.match(long, /\n30\| x\n\[…\]$/);
  });

  test('two matches: how many, where, and to add context', async () => {
    await refuses(
      f.call('edit_file', { path: 'calc.py', old_text: 'print(add(1, 2))', new_text: 'print(add(2, 3))' }, f.context(project)),
      /old_text occurs 2 times in calc\.py \(at lines 10, 11\)\. Add surrounding lines/,
    );
  });

  test('no match: whitespace differs, line numbers copied, or the nearest line', async () => {
    const ctx = f.context(project);
    await refuses(f.call('edit_file', { path: 'calc.py', old_text: 'def add(a, b):\n  return a + b', new_text: 'x' }, ctx), /matches near line 1 if whitespace is ignored/);
    await refuses(f.call('edit_file', { path: 'calc.py', old_text: '1| def add(a, b):\n2|     return a + b', new_text: 'x' }, ctx), /line numbers \("12\| "\).*leave them out/);
    await refuses(
      f.call('edit_file', { path: 'calc.py', old_text: 'def add(a, b, c):\n    return a + b + c', new_text: 'x' }, ctx),
      /old_text was not found in calc\.py\. The closest line to its first line is 1: "def add\(a, b\):"/,
    );
    await refuses(f.call('edit_file', { path: 'calc.py', old_text: 'same', new_text: 'same' }, ctx), /nothing to change/);
    await refuses(f.call('edit_file', { path: 'gone.py', old_text: 'a', new_text: 'b' }, ctx), /not found/);
    await refuses(f.call('edit_file', { path: 'img.png', old_text: 'a', new_text: 'b' }, ctx), /binary file/);
  });

  test('a file with Windows line ends takes an old_text written with \\n', async () => {
    put('win.txt', 'one\r\ntwo\r\nthree\r\n');
    await f.text('edit_file', { path: 'win.txt', old_text: 'one\ntwo', new_text: 'ONE\nTWO' }, f.context(project));
    assert.equal(readFileSync(join(root, 'win.txt'), 'utf8'), 'ONE\r\nTWO\r\nthree\r\n');
  });
});

describe('delete_file', () => {
  test('a file, a folder, and what is not there', async () => {
    put('trash/a.txt', 'a');
    put('trash/b/c.txt', 'c');
    put('single.txt', 's');
    const ctx = f.context(project);
    assert.equal(await f.text('delete_file', { path: 'single.txt' }, ctx), 'Deleted single.txt.');
    assert.equal(await f.text('delete_file', { path: 'trash' }, ctx), 'Deleted the folder trash and the 2 file(s) in it.');
    assert.deepEqual(ctx.changed, ['single.txt', 'trash']);
    const deleted = f.events.filter((e) => e.type === 'file.changed').map((e) => e.data as { path: string; action: string });
    assert.deepEqual(deleted.find((d) => d.path === 'single.txt' && d.action === 'deleted'), { path: 'single.txt', action: 'deleted', version: null, author: 'agent:engineer' });
    await refuses(f.call('delete_file', { path: 'single.txt' }, ctx), /not found/);
    assert.throws(() => TOOLS.delete_file.input.parse({ path: '' }));
    await refuses(f.call('delete_file', { path: '.' }, ctx), /names the workspace itself/);
    await refuses(f.call('delete_file', { path: '/workspace' }, ctx), /names the workspace itself/);
  });
});

describe('search', () => {
  test('matches grouped by file with line numbers; none; a bad regex', async () => {
    put('s/one.py', 'import os\nvalue = os.getenv("KEY")\n');
    put('s/two.py', 'from os import path\n');
    const ctx = f.context(project);
    const out = await f.text('search', { query: 'os', path: 's', glob: '*.py' }, ctx);
    assert.equal(out, '3 match(es) in 2 file(s) for "os":\ns/one.py\n  1: import os\n  2: value = os.getenv("KEY")\ns/two.py\n  1: from os import path');
    assert.match(await f.text('search', { query: 'zzz_nothing' }, ctx), /^No match for "zzz_nothing" in \d+ file\(s\) searched/);
    const capped = await f.text('search', { query: 'os', path: 's', max_results: 1 }, ctx);
    assert.match(capped, /\[stopped at 1 matches/);
    await refuses(f.call('search', { query: '(', regex: true }, ctx), /Invalid regular expression/);
  });
});

describe('read_console', () => {
  test('recent lines grouped by run with stderr marked, then the detected errors', async () => {
    const p = f.project('console');
    const cap = f.console.capture;
    cap.write({ projectId: p.id, runId: 'run_a', source: 'agent', stream: 'stdout', data: 'starting\n' });
    cap.write({ projectId: p.id, runId: 'run_a', source: 'agent', stream: 'stderr', data: 'Traceback (most recent call last):\n  File "/workspace/main.py", line 3, in <module>\n    print(1/0)\nZeroDivisionError: division by zero\n' });
    cap.write({ projectId: p.id, runId: null, source: 'container', stream: 'stdout', data: 'server up\n' });
    f.console.flush();
    const ctx = f.context(p);
    const out = await f.text('read_console', {}, ctx);
    assert.match(out, /^Console, last 6 line\(s\); "!" marks stderr:\n--- run run_a \(agent\)\n {2}starting\n! Traceback/);
    assert.match(out, /--- the container's main process\n {2}server up/);
    assert.match(out, /\n\nErrors detected, newest first:\n- \[error\] ZeroDivisionError: division by zero at \/workspace\/main\.py:3\n {4}suggestion: .+\n {4}run run_a, last seen \d+ s ago$/);
    const onlyErrors = await f.text('read_console', { errors_only: true }, ctx);
    assert.doesNotMatch(onlyErrors, /Console/);
    assert.match(onlyErrors, /division by zero/);
    const empty = await f.text('read_console', {}, f.context(f.project('quiet')));
    assert.equal(empty, 'The console is empty.\n\nNo errors detected.');
  });
});

describe('delegate and finish', () => {
  test('delegate hands the task over; not to oneself; only known agents', async () => {
    const ctx = f.context(project, 'dev_manager');
    assert.equal(await f.text('delegate', { agent: 'engineer', task: 'add a test' }, ctx), 'engineer answered:\ndone by engineer');
    assert.deepEqual(ctx.delegated, [{ agent: 'engineer', task: 'add a test' }]);
    await refuses(f.call('delegate', { agent: 'dev_manager', task: 'x' }, ctx), /cannot delegate to yourself/);
    assert.throws(() => TOOLS.delegate.input.parse({ agent: 'ceo', task: 'x' }));
    assert.throws(() => TOOLS.delegate.input.parse({ agent: 'engineer', task: '   ' }));
  });

  test('finish returns the signal with the summary', async () => {
    assert.deepEqual(await f.call('finish', { summary: ' Added tests. ' }, f.context(project)), { finish: true, summary: 'Added tests.' });
  });
});
