import { Command, Option, UsageError } from 'clipanion';
import { DEFAULT_SETTINGS, type Project, type ProjectSettings, type ProjectSettingsPatch } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { formatDetails } from '../table.ts';

type Key = keyof ProjectSettings;
const KEYS = Object.keys(DEFAULT_SETTINGS) as Key[];
const KEY_HELP = `${KEYS.filter((k) => k !== 'env').join(', ')}, env.<NAME>`;

function unknownKey(key: string): UsageError {
  return new UsageError(`Unknown project setting "${key}". Settings: ${KEY_HELP}`);
}

/** A value typed in a shell, read the way the setting needs it; the daemon validates ranges and says what is wrong. */
export function parseSettingValue(key: Key, raw: string): ProjectSettingsPatch[Key] {
  const v = raw.trim();
  const def = DEFAULT_SETTINGS[key];
  if (key === 'ports') {
    if (/^(none|)$/i.test(v)) return [];
    return v.split(',').map((p) => {
      const n = Number(p.trim());
      if (!Number.isInteger(n)) throw new UsageError(`ports is a comma-separated list of port numbers, got "${raw}"`);
      return n;
    });
  }
  if (key === 'monthly_budget_usd') {
    if (/^(none|null|off)$/i.test(v)) return null;
    const n = Number(v.replace(/^\$/, ''));
    if (v === '' || !Number.isFinite(n)) throw new UsageError(`monthly_budget_usd is an amount in USD or "none", got "${raw}"`);
    return n;
  }
  if (typeof def === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(v)) return true;
    if (/^(false|no|off|0)$/i.test(v)) return false;
    throw new UsageError(`${key} is on or off, got "${raw}"`);
  }
  if (typeof def === 'number') {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new UsageError(`${key} is a number, got "${raw}"`);
    return n;
  }
  return v as ProjectSettingsPatch[Key];
}

function settingsText(p: Project): string {
  const s = p.settings;
  const rows: Array<[string, string | number]> = KEYS.filter((k) => k !== 'env').map((k) => {
    const v = s[k];
    const shown = Array.isArray(v) ? v.join(', ') || 'none' : v === null ? 'none' : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
    return [k, JSON.stringify(v) === JSON.stringify(DEFAULT_SETTINGS[k]) ? shown : `${shown} *`];
  });
  for (const [name, value] of Object.entries(s.env)) rows.push([`env.${name}`, `${value} *`]);
  return `Settings of ${p.name} (* = changed from the default)\n${formatDetails(rows)}`;
}

export class SettingsCommand extends ZeblitCommand {
  static override paths = [['settings']];
  static override json = 'ProjectSettings';
  static override usage = Command.Usage({
    category: 'Projects',
    description: "Show a project's settings (resources, network, approvals, auto-fix, budget)",
    details: `Settings: ${KEY_HELP}. Change one with \`zeblit settings set <key> <value>\`.`,
    examples: [
      ['The current project', '$0 settings'],
      ['As JSON', '$0 settings --json'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the current project)' });

  async run(): Promise<number> {
    const p = await (await this.client()).projects.get(this.projectRef(this.project));
    this.emit(p.settings, () => settingsText(p));
    return 0;
  }
}

export class SettingsSetCommand extends ZeblitCommand {
  static override paths = [['settings', 'set']];
  static override json = 'ProjectSettings after the change';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Change a project setting',
    details: `Settings: ${KEY_HELP}. Resource and network changes apply when the container is next (re)started (\`zeblit restart\`; \`zeblit status\` says it is stale until then); the workspace is kept.`,
    examples: [
      ['Ask before agents run commands or delete files', '$0 settings set approval ask'],
      ['Let the Engineer fix failed runs, at most 2 tries', '$0 settings set auto_fix on && $0 settings set auto_fix_attempts 2'],
      ['Cap LLM spending of this project', '$0 settings set monthly_budget_usd 5'],
      ['More memory for another project', '$0 settings set memory_mb 4096 -p my-api'],
      ['An environment variable for its commands', '$0 settings set env.DEBUG 1'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the current project)' });
  key = Option.String({ name: 'key' });
  value = Option.String({ name: 'value' });

  async run(): Promise<number> {
    const client = await this.client();
    const ref = this.projectRef(this.project);
    let patch: ProjectSettingsPatch;
    if (this.key.startsWith('env.')) {
      const name = this.key.slice(4);
      const current = await client.projects.get(ref);
      patch = { env: { ...current.settings.env, [name]: this.value } };
    } else {
      if (!(KEYS as string[]).includes(this.key) || this.key === 'env') throw unknownKey(this.key);
      patch = { [this.key]: parseSettingValue(this.key as Key, this.value) };
    }
    const p = await client.projects.update(ref, { settings: patch });
    this.emit(p.settings, () => settingsText(p));
    return 0;
  }
}

export class SettingsResetCommand extends ZeblitCommand {
  static override paths = [['settings', 'reset']];
  static override json = 'ProjectSettings after the change';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Put a project setting back to its default (env.<NAME> removes the variable)',
    examples: [
      ['Back to approval: auto', '$0 settings reset approval'],
      ['Remove a variable', '$0 settings reset env.DEBUG'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the current project)' });
  key = Option.String({ name: 'key' });

  async run(): Promise<number> {
    const client = await this.client();
    const ref = this.projectRef(this.project);
    let patch: ProjectSettingsPatch;
    if (this.key.startsWith('env.')) {
      const current = await client.projects.get(ref);
      const env = { ...current.settings.env };
      delete env[this.key.slice(4)];
      patch = { env };
    } else {
      if (!(KEYS as string[]).includes(this.key)) throw unknownKey(this.key);
      patch = { [this.key]: DEFAULT_SETTINGS[this.key as Key] };
    }
    const p = await client.projects.update(ref, { settings: patch });
    this.emit(p.settings, () => settingsText(p));
    return 0;
  }
}
