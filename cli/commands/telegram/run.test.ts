import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../testing.ts';

// Every check here comes before the daemon is asked anything: no daemon runs (and none may be started).
const env = { ZEBLIT_HOME: '/nonexistent/zeblit-home', ZEBLIT_NO_AUTOSTART: '1' };

describe('zeblit telegram run: what it needs before it starts', () => {
  it('without a token: a usage error saying how to get one and the two ways to configure it', async () => {
    const r = await runCli(['telegram', 'run'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /TELEGRAM_BOT_TOKEN is not set/);
    assert.match(r.stderr, /@BotFather/);
    assert.match(r.stderr, /\/newbot/);
    assert.match(r.stderr, /TELEGRAM_BOT_TOKEN=<token> zeblit telegram run/);
    assert.match(r.stderr, /zeblit config set telegram\.bot_token -/);
    assert.equal(r.stdout, '');
  });

  it('a token that is not one, ids that are not ids, an API root that is not a URL: usage errors naming them', async () => {
    const token = '7012345678:AAE-cli-test_token-abcdefgh';
    const cases: [Record<string, string>, RegExp][] = [
      [{ TELEGRAM_BOT_TOKEN: 'sk-ant-wrong-thing' }, /does not look like a bot token/],
      [{ TELEGRAM_BOT_TOKEN: token, TELEGRAM_ALLOWED_USERS: '1001, @bob' }, /TELEGRAM_ALLOWED_USERS holds entries that are not Telegram user ids: @bob/],
      [{ TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: 'api.telegram.org' }, /TELEGRAM_API_ROOT must be an http:\/\/ or https:\/\/ URL/],
    ];
    for (const [extra, expected] of cases) {
      const r = await runCli(['telegram', 'run'], { ...env, ...extra });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
    }
  });

  it('is listed in the help', async () => {
    const r = await runCli(['telegram', 'run', '--help'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Run the Telegram bot in the foreground/);
    assert.match(r.stdout, /TELEGRAM_ALLOWED_USERS/);
  });
});
