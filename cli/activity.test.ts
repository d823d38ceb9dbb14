import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Spinner, withSpinner } from './activity.ts';
import { Progress } from './progress.ts';

class Screen extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('spinner', () => {
  it('draws nothing for a wait under 300 ms', async () => {
    const s = new Screen(true);
    assert.equal(await withSpinner(s, {}, 'Working', async () => (await sleep(30), 7)), 7);
    assert.equal(s.text, '');
  });

  it('spins on a terminal after 300 ms, then erases its line', async () => {
    const s = new Screen(true);
    await withSpinner(s, {}, 'Starting', async (sp) => {
      await sleep(450);
      sp.set('Starting (running)');
      await sleep(100);
    });
    assert.match(s.text, /^\r. Starting\x1b\[K/);
    assert.match(s.text, /Starting \(running\)/);
    assert.ok(s.text.endsWith('\r\x1b[K'), 'the line is erased');
  });

  it('draws nothing off a terminal, or with ZEBLIT_PROGRESS=0; ZEBLIT_PROGRESS=1 forces it', async () => {
    const pipe = new Screen(false);
    await withSpinner(pipe, {}, 'Working', () => sleep(400));
    assert.equal(pipe.text, '');
    const off = new Screen(true);
    await withSpinner(off, { ZEBLIT_PROGRESS: '0' }, 'Working', () => sleep(400));
    assert.equal(off.text, '');
    const forced = new Screen(false);
    await withSpinner(forced, { ZEBLIT_PROGRESS: '1' }, 'Working', () => sleep(400));
    assert.match(forced.text, /Working/);
  });

  it('gives its line to a progress bar (an image pull: percent and ETA)', () => {
    const s = new Screen(true);
    const sp = new Spinner(s, 'Starting', { live: true, delayMs: 10_000 });
    let t = 0;
    const bar = new Progress(s, 'Pulling python:3.12-slim', { live: true, unit: 'percent', now: () => t, width: 10 });
    t = 5_000;
    bar.update(25, 100);
    sp.line(bar.line());
    sp.stop();
    assert.match(s.text, /Pulling python:3\.12-slim \[###-------\]  25%  ETA 0:15/);
    assert.ok(s.text.endsWith('\r\x1b[K'));
  });
});
