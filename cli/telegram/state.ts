/**
 * What the bot remembers per Telegram user, in one JSON file (mode 0600, in a
 * 0700 folder, written by rename so a crash never leaves half a file): the
 * user's OWN Zeblit key that linking returned (the bot acts with it, so each
 * person sees only their projects), the current project, notification
 * preference. Losing the file only means linking again.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type NotifyPreference = 'on' | 'off' | 'failures';

export interface LinkedUser {
  telegram_user_id: number;
  chat_id: number;
  /** The link's id in the daemon (for /unlink). */
  link_id: string;
  /** The user's own API key, from the link. */
  key: string;
  user_name: string;
  current_project: string | null;
  notify: NotifyPreference;
  /** The conversation each project's chat continues (as the CLI remembers it). */
  conversations?: Record<string, string>;
}

interface StateFile {
  version: 1;
  users: Record<string, LinkedUser>;
}

export class BotState {
  private data: StateFile;

  constructor(private readonly file: string) {
    this.data = existsSync(file) ? parse(readFileSync(file, 'utf8')) : { version: 1, users: {} };
  }

  get(telegramUserId: number): LinkedUser | undefined {
    return this.data.users[String(telegramUserId)];
  }

  all(): LinkedUser[] {
    return Object.values(this.data.users);
  }

  set(user: LinkedUser): void {
    this.data.users[String(user.telegram_user_id)] = user;
    this.save();
  }

  update(telegramUserId: number, patch: Partial<LinkedUser>): LinkedUser | undefined {
    const u = this.get(telegramUserId);
    if (!u) return undefined;
    const next = { ...u, ...patch };
    this.set(next);
    return next;
  }

  remove(telegramUserId: number): void {
    delete this.data.users[String(telegramUserId)];
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}

function parse(text: string): StateFile {
  try {
    const v = JSON.parse(text) as StateFile;
    if (v && v.version === 1 && typeof v.users === 'object') return v;
  } catch {
    // A damaged file: start over (users link again) rather than refuse to run.
  }
  return { version: 1, users: {} };
}
