/**
 * `zeblit daemon install --no-enable` with the built CLI: the unit it writes
 * runs this build's daemon for this home and passes `systemd-analyze verify`;
 * `daemon status` names it; `daemon uninstall` removes it. (Enabling goes
 * through systemctl --user, which this machine may not have: cli/service tests
 * cover that logic with a recording runner.) Linux only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DAEMON_JS, cleanup, runCli, tempHome } from './helpers.ts';

describe('zeblit daemon install / status / uninstall', { skip: process.platform !== 'linux' && 'systemd units are Linux only' }, () => {
  after(cleanup);

  it('writes a unit that runs this build for this home, which systemd-analyze accepts', async (t) => {
    const home = tempHome('svc');
    const config = join(home, 'xdg');
    const env = { XDG_CONFIG_HOME: config };
    const r = await runCli(home, ['daemon', 'install', '--no-enable'], { env });
    assert.equal(r.code, 0, r.stderr);
    const unit = join(config, 'systemd', 'user', 'zeblitd.service');
    assert.match(r.stdout, new RegExp(`^Wrote zeblitd as a systemd user service: ${unit}\\n  runs  ${process.execPath} ${DAEMON_JS}\\n  home  ${home}\\nEnable it with: systemctl --user daemon-reload`));
    const text = readFileSync(unit, 'utf8');
    assert.match(text, new RegExp(`^ExecStart="${process.execPath}" "${DAEMON_JS}"$`, 'm'));
    assert.match(text, new RegExp(`^Environment="ZEBLIT_HOME=${home}"$`, 'm'));

    const status = await runCli(home, ['daemon', 'status'], { env });
    assert.equal(status.code, 1, 'not running');
    assert.match(status.stdout, new RegExp(`Service  systemd user service ${unit}`));

    const probe = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    if (probe.error) {
      if (process.env.CI) assert.fail('systemd-analyze is missing: install the systemd package');
      t.diagnostic('systemd-analyze is not installed: the unit was not verified');
    } else {
      assert.equal(probe.status, 0, probe.stderr);
      assert.equal(probe.stderr.trim(), '');
    }

    const u = await runCli(home, ['daemon', 'uninstall'], { env });
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /^Removed .*zeblitd\.service\n/);
    assert.equal(existsSync(unit), false);
  });
});
