import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { validationText } from '../../schedule-view.ts';
import { isInt } from '../../validators.ts';

export class ScheduleValidateCommand extends ZeblitCommand {
  static override paths = [['schedule', 'validate']];
  static override json = 'ScheduleValidation `{is_valid, error?, description?, next_runs, …}` (exit code 1 when invalid)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Check a schedule: what it means in English and when it runs next (exit 1 when invalid)',
    examples: [
      ['Weekdays at nine', '$0 schedule validate "0 9 * * 1-5"'],
      ['Every 30 seconds, in Tokyo time, next 10', '$0 schedule validate "*/30 * * * * *" --tz Asia/Tokyo --count 10'],
    ],
  });

  tz = Option.String('--tz', { description: 'IANA time zone (default: the daemon’s)' });
  count = Option.String('-n,--count', { description: 'How many next runs (default 5)', validator: isInt(1, 50) });
  expression = Option.String({ name: 'expression' });

  async run(): Promise<number> {
    const v = await (await this.client()).scheduler.validate({ schedule: this.expression, ...(this.tz ? { timezone: this.tz } : {}), ...(this.count ? { count: this.count } : {}) });
    this.emit(v, validationText);
    return v.is_valid ? 0 : 1;
  }
}
