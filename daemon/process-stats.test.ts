import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStats } from './process-stats.ts';

test('process stats: memory, descriptors, WAL size, and an event-loop stall since the previous read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zbl-stats-'));
  const db = join(dir, 'zeblit.db');
  writeFileSync(`${db}-wal`, Buffer.alloc(4096));
  const stats = processStats(db);
  try {
    await sleep(30);
    const t0 = Date.now();
    while (Date.now() - t0 < 120) {
      // Hold the event loop, as a slow synchronous handler would.
    }
    await sleep(30);
    const first = stats.read();
    assert.ok(first.rss_bytes > 0 && first.heap_used_bytes > 0);
    assert.ok(first.open_fds === null || first.open_fds > 2);
    assert.equal(first.wal_bytes, 4096);
    assert.ok(first.event_loop_delay_ms.max >= 100, `a 120 ms stall shows (max ${first.event_loop_delay_ms.max} ms)`);
    await sleep(50);
    // Reset by the read: the stall is not reported twice.
    assert.ok(stats.read().event_loop_delay_ms.max < 100);
  } finally {
    stats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
