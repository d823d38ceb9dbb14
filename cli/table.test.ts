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

  it('prints only headers for no rows', () => {
    assert.equal(formatTable(['id', 'name'], []), 'ID  NAME\n');
  });
});

describe('formatDetails', () => {
  it('aligns labels and shows missing values as -', () => {
    assert.equal(formatDetails([['Name', 'demo'], ['Description', ''], ['CPUs', 2]]), 'Name         demo\nDescription  -\nCPUs         2\n');
  });
});
