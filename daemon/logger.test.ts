import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stderrLevel } from './logger.ts';

describe('what the daemon writes to stderr', () => {
  it('the whole log on a terminal or into the journal', () => {
    assert.equal(stderrLevel('info', true, false), 'info');
    assert.equal(stderrLevel('debug', false, true), 'debug');
  });

  it('redirected anywhere else (the CLI’s zeblitd.out, launchd’s file): warnings and errors only, never more than asked', () => {
    assert.equal(stderrLevel('info', false, false), 'warn');
    assert.equal(stderrLevel('trace', false, false), 'warn');
    assert.equal(stderrLevel('error', false, false), 'error');
    assert.equal(stderrLevel('silent', false, false), 'silent');
  });
});
