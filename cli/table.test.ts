import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDetails, formatTable } from './table.ts';

describe('formatTable', () => {
  it('aligns columns two spaces apart, upper-cases headers, trims line ends', () => {
    const out = formatTable(['name', 'id', 'note'], [
      ['demo', 'prj_1', 'short'],
      ['a-longer-name', 'prj_22', null],
    ]);
    assert.equal(out, ['NAME           ID      NOTE', 'demo           prj_1   short', 'a-longer-name  prj_22  -', ''].join('\n'));
  });

  it('keeps a row on one line and counts code points, not bytes', () => {
    const out = formatTable(['a', 'b'], [['é', 'x\ny'], ['', 1]]);
    assert.deepEqual(out.split('\n'), ['A  B', 'é  x y', '-  1', '']);
  });

  it('fits a terminal by cutting the free-text columns, never ids or names; off a terminal it cuts nothing', () => {
    const rows = [['my-project', 'prj_01abcdefghijklmnopqrstuvwx', 'A rather long description that goes on and on about the project']];
    const whole = formatTable(['name', 'id', 'description'], rows);
    assert.ok(whole.includes('goes on and on about the project'));
    const fitted = formatTable(['name', 'id', 'description'], rows, 60);
    for (const line of fitted.trimEnd().split('\n')) assert.ok([...line].length <= 60, `${line} (${[...line].length})`);
    assert.ok(fitted.includes('prj_01abcdefghijklmnopqrstuvwx'), 'the id is whole');
    assert.match(fitted, /A rather long d…$/m);
    // Too narrow even with the description cut to its floor: ids are still whole; the line is as short as it can be.
    const narrow = formatTable(['name', 'id', 'description'], rows, 20);
    assert.ok(narrow.includes('prj_01abcdefghijklmnopqrstuvwx'));
    assert.match(narrow, /A rather lo…$/m);
  });

  it('prints only headers for no rows', () => {
    assert.equal(formatTable(['id', 'name'], []), 'ID  NAME\n');
  });
});

describe('formatDetails', () => {
  it('aligns labels and shows missing values as -', () => {
    assert.equal(formatDetails([['Name', 'demo'], ['Description', ''], ['CPUs', 2]]), 'Name         demo\nDescription  -\nCPUs         2\n');
  });
});
