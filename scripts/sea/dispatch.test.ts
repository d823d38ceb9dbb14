import assert from 'node:assert/strict';
import { test } from 'node:test';
import { programOf } from './dispatch.ts';

test('the single executable is the daemon by its name or first argument, else the CLI', () => {
  assert.deepEqual(programOf('/usr/local/bin/zeblitd', ['--port', '0']), { program: 'zeblitd', args: ['--port', '0'] });
  assert.deepEqual(programOf('zeblit', ['list']), { program: 'zeblit', args: ['list'] });
  assert.deepEqual(programOf('/opt/zeblitd', ['zeblit', 'version']), { program: 'zeblit', args: ['version'] });
  assert.deepEqual(programOf('zeblit', ['zeblitd', 'restore', 'x.tar.gz']), { program: 'zeblitd', args: ['restore', 'x.tar.gz'] });
  assert.deepEqual(programOf('./zeblitd-linux-x64', []), { program: 'zeblitd', args: [] });
  assert.deepEqual(programOf('zb', ['daemon', 'status']), { program: 'zeblit', args: ['daemon', 'status'] });
});
