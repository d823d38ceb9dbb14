import { Command, Option, UsageError } from 'clipanion';
import { AGENT_NAMES, CatchUpPolicy, ConcurrencyPolicy, NotifyOn, QUICK_PRESETS, QuickPreset, WEEKDAYS, type CreateTaskRequest } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { isInt } from '../../validators.ts';

const ENV = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

export class ScheduleCreateCommand extends ZeblitCommand {
  static override paths = [['schedule', 'create']];
  static override json = 'ScheduledTask (the task as created, with `next_run_at` and `schedule_description`)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Schedule a command, or an agent task, in a project',
    details: `
      The schedule is a cron expression (\`--schedule\`, 5 fields or 6 with seconds first, or @hourly/@daily/@weekly/@monthly/@yearly), a preset (\`--preset\`), or one time (\`--at\`, ISO 8601). Times are in \`--tz\` (default: the daemon's time zone). One command argument is a shell command line; several are the program and its arguments. An agent task names the agent and its prompt instead of a command. Check an expression first with \`zeblit schedule validate\`.
    `,
    examples: [
      ['Every weekday at 09:00', '$0 schedule create backup "tar czf /tmp/backup.tgz ." --schedule "0 9 * * 1-5"'],
      ['Hourly, in Berlin time, with two retries', '$0 schedule create report --schedule @hourly --tz Europe/Berlin --retries 2 -- python report.py'],
      ['From a preset', '$0 schedule create tests --preset weekdays --time 08:00 "npm test"'],
      ['Once', '$0 schedule create migrate --at 2030-01-31T22:00 "make migrate"'],
      ['An agent task', '$0 schedule create deps --agent engineer --prompt "Update the dependencies and run the tests" --schedule "0 8 * * 1-5"'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  schedule = Option.String('-s,--schedule', { description: 'Cron expression or nickname' });
  preset = Option.String('--preset', { description: `One of ${QUICK_PRESETS.join(', ')}` });
  time = Option.String('--time', { description: 'With --preset daily, weekdays, weekly, monthly: HH:MM (default 09:00)' });
  weekday = Option.String('--weekday', { description: 'With --preset weekly: the day (default monday)' });
  day = Option.String('--day', { description: 'With --preset monthly: the day of the month, 1-28 (default 1)', validator: isInt(1, 28) });
  at = Option.String('--at', { description: 'Run once at this time (ISO 8601, e.g. 2030-01-31T09:00)' });
  tz = Option.String('--tz', { description: 'IANA time zone, e.g. Europe/Berlin (default: the daemon’s)' });
  agent = Option.String('--agent', { description: `An agent task: ${AGENT_NAMES.join(', ')}` });
  prompt = Option.String('--prompt', { description: 'What the agent is asked, each time' });
  description = Option.String('--description', { description: 'A note for people' });
  cwd = Option.String('--cwd', { description: 'Folder inside /workspace (default /workspace)' });
  vars = Option.Array('-e,--env', { description: 'KEY=VALUE, repeatable' });
  timeout = Option.String('-t,--timeout', { description: 'Seconds before a run is stopped (default 300, at most 86400)', validator: isInt(1, 86_400) });
  retries = Option.String('--retries', { description: 'Retries of a failed run (0-10, default 0)', validator: isInt(0, 10) });
  retryDelay = Option.String('--retry-delay', { description: 'Seconds between retries (default 60)', validator: isInt(0, 86_400) });
  concurrency = Option.String('--concurrency', { description: 'When the previous run still runs: skip (default), queue, allow' });
  catchUp = Option.String('--catch-up', { description: 'Runs missed while zeblitd was down: once (default: one catch-up run) or skip' });
  deadline = Option.String('--deadline', { description: 'A missed run starts late only within this many seconds (default 3600)', validator: isInt(1, 604_800) });
  notify = Option.String('--notify', { description: 'When to notify: failure (default), always, never' });
  webhook = Option.String('--webhook', { description: 'POST each notified run to this http(s) URL' });
  disabled = Option.Boolean('--disabled', false, { description: 'Create it disabled' });
  name = Option.String({ name: 'name' });
  command = Option.Rest({ name: 'command' });

  async run(): Promise<number> {
    const given = [this.schedule, this.preset, this.at].filter((x) => x !== undefined).length;
    if (given !== 1) throw new UsageError('Give exactly one of --schedule, --preset or --at');
    if (this.agent !== undefined && this.command.length > 0) throw new UsageError('An agent task takes --prompt, not a command');
    if (this.agent === undefined && this.command.length === 0) throw new UsageError('Give the command to run (or --agent and --prompt)');
    if (this.agent !== undefined && this.prompt === undefined) throw new UsageError('An agent task needs --prompt');
    if (this.preset === undefined && (this.time ?? this.weekday ?? this.day) !== undefined) throw new UsageError('--time, --weekday and --day go with --preset');
    const env: Record<string, string> = {};
    for (const kv of this.vars ?? []) {
      const m = ENV.exec(kv);
      if (!m?.[1]) throw new UsageError(`--env wants KEY=VALUE, got "${kv}"`);
      env[m[1]] = m[2] ?? '';
    }
    const body: Omit<CreateTaskRequest, 'schedule'> = {
      project_id: this.projectRef(this.project),
      name: this.name,
      ...(this.agent !== undefined ? { agent: this.agent as CreateTaskRequest['agent'], prompt: this.prompt } : { command: this.command.length === 1 ? (this.command[0] ?? '') : this.command }),
      ...(this.description !== undefined ? { description: this.description } : {}),
      ...(this.tz !== undefined ? { timezone: this.tz } : {}),
      ...(this.cwd !== undefined ? { working_directory: this.cwd } : {}),
      ...(this.vars ? { environment: env } : {}),
      ...(this.timeout !== undefined ? { timeout_seconds: this.timeout } : {}),
      ...(this.retries !== undefined ? { max_retries: this.retries } : {}),
      ...(this.retryDelay !== undefined ? { retry_delay_seconds: this.retryDelay } : {}),
      ...(this.concurrency !== undefined ? { concurrency: choice(ConcurrencyPolicy.options, this.concurrency, '--concurrency') } : {}),
      ...(this.catchUp !== undefined ? { catch_up: choice(CatchUpPolicy.options, this.catchUp, '--catch-up') } : {}),
      ...(this.deadline !== undefined ? { starting_deadline_seconds: this.deadline } : {}),
      ...(this.notify !== undefined ? { notify_on: choice(NotifyOn.options, this.notify, '--notify') } : {}),
      ...(this.webhook !== undefined ? { webhook_url: this.webhook } : {}),
      ...(this.disabled ? { enabled: false } : {}),
    };
    const api = (await this.client()).scheduler;
    const task = this.preset
      ? await api.quick({
          ...body,
          preset: choice(QuickPreset.options, this.preset, '--preset'),
          ...(this.time !== undefined ? { time: this.time } : {}),
          ...(this.weekday !== undefined ? { weekday: choice(WEEKDAYS, this.weekday.toLowerCase(), '--weekday') } : {}),
          ...(this.day !== undefined ? { day_of_month: this.day } : {}),
        })
      : await api.create({ ...body, schedule: this.schedule ?? this.at ?? '' });
    this.emit(task, (t) => `Scheduled ${t.name} (${t.id}): ${t.schedule_description} (${t.timezone}). Next run: ${t.enabled ? formatTime(t.next_run_at) : 'none (disabled)'}.\n`);
    return 0;
  }
}

function choice<T extends string>(options: readonly T[], value: string, flag: string): T {
  if ((options as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} is one of ${options.join(', ')}; got "${value}"`);
}
