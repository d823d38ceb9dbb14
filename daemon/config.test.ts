import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseConfig, type DaemonConfig } from './config.ts';

describe('daemon config: workspace mode', () => {
  const home = mkdtempSync(join(tmpdir(), 'zbl-cfg-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  const config = (env: NodeJS.ProcessEnv): DaemonConfig => {
    const r = parseConfig([], { ZEBLIT_HOME: home, ...env });
    if (!('config' in r)) throw new Error('no config');
    return r.config;
  };

  test('auto by default; ZEBLIT_WORKSPACE_MODE wins over config.json; a wrong value is a clear error', () => {
    assert.equal(config({}).workspaceMode, 'auto');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ workspace_mode: 'bind' }));
    assert.equal(config({}).workspaceMode, 'bind');
    assert.equal(config({ ZEBLIT_WORKSPACE_MODE: 'archive' }).workspaceMode, 'archive');
    assert.throws(() => config({ ZEBLIT_WORKSPACE_MODE: 'rsync' }), /ZEBLIT_WORKSPACE_MODE must be auto, bind or archive, got "rsync"/);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ workspace_mode: 'nfs' }));
    assert.throws(() => config({}), /workspace_mode/);
  });
});

describe('daemon config: agents', () => {
  const home = mkdtempSync(join(tmpdir(), 'zbl-cfg-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  const config = (): DaemonConfig => {
    const r = parseConfig([], { ZEBLIT_HOME: home });
    if (!('config' in r)) throw new Error('no config');
    return r.config;
  };

  test('limits from config.json; absent ones left to the service defaults; a wrong value is a clear error', () => {
    assert.deepEqual(config().agents, { stepLimit: undefined, turnCostLimitUsd: undefined, contextBudgetTokens: undefined, approvalTimeoutMs: undefined });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ agents: { step_limit: 60, turn_cost_limit_usd: 0.5 } }));
    assert.deepEqual(config().agents, { stepLimit: 60, turnCostLimitUsd: 0.5, contextBudgetTokens: undefined, approvalTimeoutMs: undefined });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ agents: { step_limit: 0 } }));
    assert.throws(() => config(), /agents\.step_limit/);
  });
});

describe('daemon config: failed authentication limit', () => {
  const home = mkdtempSync(join(tmpdir(), 'zbl-cfg-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  const config = (): DaemonConfig => {
    const r = parseConfig([], { ZEBLIT_HOME: home });
    if (!('config' in r)) throw new Error('no config');
    return r.config;
  };

  test('30 a minute in bursts of 20 by default; auth_failure_limit in config.json; a wrong value is a clear error', () => {
    assert.deepEqual(config().authFailureLimit, { perSecond: 0.5, burst: 20 });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ auth_failure_limit: { per_minute: 6, burst: 3 } }));
    assert.deepEqual(config().authFailureLimit, { perSecond: 0.1, burst: 3 });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ auth_failure_limit: { burst: 0 } }));
    assert.throws(() => config(), /auth_failure_limit\.burst/);
  });
});
