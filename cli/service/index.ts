/**
 * Installing zeblitd as a per-user service: a systemd user unit on Linux, a
 * launchd agent on macOS. The service runs the daemon program that came with
 * this CLI, for this ZEBLIT_HOME. Commands run through `run` (systemctl,
 * loginctl, launchctl), so tests drive the logic with a recording runner.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from '../cli-error.ts';
import type { Env } from '../connection.ts';
import { LAUNCHD_LABEL, SYSTEMD_UNIT, launchdPlist, systemdUnit, type ServiceSpec } from './unit.ts';

export { serviceEnv, systemdUnit, launchdPlist, SYSTEMD_UNIT, LAUNCHD_LABEL, type ServiceSpec } from './unit.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type Runner = (cmd: string, args: string[]) => RunResult;

export const runCommand: Runner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { code: 127, stdout: '', stderr: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd}: not found` : r.error.message };
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

export interface ServiceContext {
  platform: NodeJS.Platform;
  env: Env;
  /** The user's home folder (not ZEBLIT_HOME). */
  userHome: string;
  user: string;
  uid: number;
  run: Runner;
}

export type ServiceKind = 'systemd' | 'launchd';

export interface ServiceLocation {
  kind: ServiceKind;
  file: string;
}

export function serviceLocation(ctx: ServiceContext): ServiceLocation {
  if (ctx.platform === 'linux') return { kind: 'systemd', file: join(ctx.env.XDG_CONFIG_HOME || join(ctx.userHome, '.config'), 'systemd', 'user', SYSTEMD_UNIT) };
  if (ctx.platform === 'darwin') return { kind: 'launchd', file: join(ctx.userHome, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`) };
  throw new CliError('UNSUPPORTED_PLATFORM', `Installing a service is done for Linux (systemd) and macOS (launchd), not ${ctx.platform}`, {
    suggestion: 'Run `zeblitd` under your platform’s service manager yourself (see docs/operations.md).',
  });
}

/** The ZEBLIT_HOME a written service file runs, or null. */
export function serviceHome(text: string): string | null {
  const unit = /^Environment="ZEBLIT_HOME=((?:[^"\\]|\\.)*)"$/m.exec(text)?.[1];
  if (unit !== undefined) return unit.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$');
  const plist = /<key>ZEBLIT_HOME<\/key>\s*<string>([^<]*)<\/string>/.exec(text)?.[1];
  return plist === undefined ? null : plist.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

export interface InstallResult {
  kind: ServiceKind;
  file: string;
  /** Enabled and started through the service manager. */
  enabled: boolean;
  /** What the user should know or do next. */
  notes: string[];
}

const fold = (r: RunResult) => (r.stderr || r.stdout).trim().split('\n')[0] ?? '';

/**
 * Writes the service file and (with `enable`) enables and starts it.
 * `beforeStart` runs once the service manager has answered and before it
 * starts the daemon: a daemon the CLI started for this home must stop, or
 * the service's daemon would find the home locked.
 */
export async function installService(ctx: ServiceContext, spec: ServiceSpec, opts: { enable: boolean; force: boolean; beforeStart?: () => Promise<void> }): Promise<InstallResult> {
  const loc = serviceLocation(ctx);
  const text = loc.kind === 'systemd' ? systemdUnit(spec) : launchdPlist(spec);
  if (existsSync(loc.file) && !opts.force) {
    const old = readFileSync(loc.file, 'utf8');
    const oldHome = serviceHome(old);
    if (old !== text)
      throw new CliError('SERVICE_EXISTS', `A zeblitd service is already installed at ${loc.file}${oldHome ? ` (for ${oldHome})` : ''}`, {
        suggestion: oldHome && oldHome !== spec.home ? 'One service per user: uninstall it first (zeblit daemon uninstall), or pass --force to point it at this home.' : 'Pass --force to rewrite it (after an upgrade or a move of node).',
      });
  }
  mkdirSync(dirname(loc.file), { recursive: true });
  writeFileSync(loc.file, text, { mode: 0o644 });
  const notes: string[] = [];
  if (!opts.enable) {
    notes.push(loc.kind === 'systemd' ? 'Enable it with: systemctl --user daemon-reload && systemctl --user enable --now zeblitd' : `Load it with: launchctl bootstrap gui/${ctx.uid} ${loc.file}`);
    return { ...loc, enabled: false, notes };
  }
  if (loc.kind === 'systemd') {
    const reload = ctx.run('systemctl', ['--user', 'daemon-reload']);
    if (reload.code !== 0) {
      notes.push(`systemctl --user does not answer here (${fold(reload)}): this session has no systemd user instance. The unit is written; in a login session run: systemctl --user daemon-reload && systemctl --user enable --now zeblitd`);
      return { ...loc, enabled: false, notes };
    }
    await opts.beforeStart?.();
    const enable = ctx.run('systemctl', ['--user', 'enable', '--now', SYSTEMD_UNIT]);
    if (enable.code !== 0) throw new CliError('SERVICE_FAILED', `systemctl --user enable --now ${SYSTEMD_UNIT} failed: ${fold(enable)}`, { suggestion: `See: systemctl --user status zeblitd; journalctl --user -u zeblitd` });
    const linger = ctx.run('loginctl', ['show-user', ctx.user, '--property=Linger']);
    if (linger.code === 0 && /Linger=no/.test(linger.stdout))
      notes.push(`zeblitd stops when you log out and starts only when you log in. To keep it running and start it at boot: sudo loginctl enable-linger ${ctx.user}`);
    return { ...loc, enabled: true, notes };
  }
  // A loaded agent of an earlier install is unloaded first: bootstrap refuses a label that is loaded.
  ctx.run('launchctl', ['bootout', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]);
  await opts.beforeStart?.();
  const boot = ctx.run('launchctl', ['bootstrap', `gui/${ctx.uid}`, loc.file]);
  if (boot.code !== 0) throw new CliError('SERVICE_FAILED', `launchctl bootstrap failed: ${fold(boot)}`, { suggestion: `See: launchctl print gui/${ctx.uid}/${LAUNCHD_LABEL}` });
  return { ...loc, enabled: true, notes };
}

export interface UninstallResult {
  kind: ServiceKind;
  file: string;
  removed: boolean;
  notes: string[];
}

export function uninstallService(ctx: ServiceContext): UninstallResult {
  const loc = serviceLocation(ctx);
  if (!existsSync(loc.file)) return { ...loc, removed: false, notes: ['No zeblitd service is installed.'] };
  const notes: string[] = [];
  if (loc.kind === 'systemd') {
    const disable = ctx.run('systemctl', ['--user', 'disable', '--now', SYSTEMD_UNIT]);
    if (disable.code !== 0) notes.push(`systemctl --user disable --now failed (${fold(disable)}); the unit file is removed anyway`);
    rmSync(loc.file, { force: true });
    ctx.run('systemctl', ['--user', 'daemon-reload']);
  } else {
    ctx.run('launchctl', ['bootout', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]);
    rmSync(loc.file, { force: true });
  }
  notes.push('The home and its data are untouched.');
  return { ...loc, removed: true, notes };
}

export interface ServiceStatus {
  kind: ServiceKind;
  file: string;
  installed: boolean;
  /** The home the service runs. */
  home: string | null;
  /** As the service manager says (systemd: is-enabled / is-active; launchd: loaded or not), or null when it does not answer. */
  enabled: string | null;
  active: string | null;
}

export function serviceStatus(ctx: ServiceContext): ServiceStatus | null {
  if (ctx.platform !== 'linux' && ctx.platform !== 'darwin') return null;
  const loc = serviceLocation(ctx);
  if (!existsSync(loc.file)) return { ...loc, installed: false, home: null, enabled: null, active: null };
  const home = serviceHome(readFileSync(loc.file, 'utf8'));
  if (loc.kind === 'systemd') {
    const ask = (verb: string) => {
      const r = ctx.run('systemctl', ['--user', verb, SYSTEMD_UNIT]);
      const word = r.stdout.trim().split('\n')[0] ?? '';
      return word && r.code !== 127 && !/Failed to connect/.test(r.stderr) ? word : null;
    };
    return { ...loc, installed: true, home, enabled: ask('is-enabled'), active: ask('is-active') };
  }
  const r = ctx.run('launchctl', ['print', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]);
  const state = /state = (\w+)/.exec(r.stdout)?.[1] ?? null;
  return { ...loc, installed: true, home, enabled: r.code === 0 ? 'loaded' : 'not loaded', active: state };
}
