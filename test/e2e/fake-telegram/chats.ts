/**
 * The fake Telegram's chats: what Telegram holds and does for a bot,
 * without the HTTP. The test plays the users (`say()`, `sendDocument()`,
 * `press()` queue updates as Telegram would deliver them) and observes the
 * bot (`messages`, `botMessages()`, `waitFor()`); the Bot API's methods
 * (`call()`) act on the same chats, so edits and removed keyboards can be
 * checked. The HTTP server around it is in index.ts.
 */

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
}

/** A message as the chat shows it (the bot's, after its edits). */
export interface ChatMessage {
  message_id: number;
  chat_id: number;
  from_bot: boolean;
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | null;
  document?: { file_name: string; bytes: Buffer; caption?: string };
  reply_to_message_id?: number;
  edits: number;
}

export interface StoredFile {
  file_id: string;
  file_path: string;
  bytes: Buffer;
}

const BOT_USER = { id: 999_000_001, is_bot: true, first_name: 'Zeblit', username: 'zeblit_test_bot' };

export class TelegramChats {
  /** Every message in every chat, in order; the bot's edits change them in place. */
  readonly messages: ChatMessage[] = [];
  /** Answers to callback queries the bot gave. */
  readonly callbackAnswers: Array<{ id: string; text?: string }> = [];
  private updates: Array<{ update_id: number } & Record<string, unknown>> = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private nextFileId = 1;
  private readonly files = new Map<string, StoredFile>();
  private readonly pollers = new Set<() => void>();
  private readonly watchers = new Set<() => void>();

  // ---- the test plays the users -------------------------------------------------

  /** A user writes in their private chat with the bot (chat id = user id). */
  say(user: FakeUser, text: string): ChatMessage {
    const msg = this.addMessage({ chat_id: user.id, from_bot: false, text });
    const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    this.push({ message: { message_id: msg.message_id, date: now(), chat: { id: user.id, type: 'private', first_name: user.first_name }, from: { ...user, is_bot: false }, text, ...(entities ? { entities } : {}) } });
    return msg;
  }

  /** A user sends a document (with an optional caption). */
  sendDocument(user: FakeUser, fileName: string, bytes: Buffer, caption?: string): ChatMessage {
    const file = this.storeFile(bytes, `documents/${fileName}`);
    const msg = this.addMessage({ chat_id: user.id, from_bot: false, text: caption ?? '', document: { file_name: fileName, bytes, caption } });
    this.push({
      message: {
        message_id: msg.message_id,
        date: now(),
        chat: { id: user.id, type: 'private', first_name: user.first_name },
        from: { ...user, is_bot: false },
        document: { file_id: file.file_id, file_unique_id: `u${file.file_id}`, file_name: fileName, file_size: bytes.length },
        ...(caption ? { caption } : {}),
      },
    });
    return msg;
  }

  /** A user presses an inline button of one of the bot's messages. */
  press(user: FakeUser, message: ChatMessage, buttonText: string): string {
    const button = message.reply_markup?.inline_keyboard?.flat().find((b) => b.text === buttonText);
    if (!button?.callback_data) throw new Error(`no button "${buttonText}" on message ${message.message_id}: ${JSON.stringify(message.reply_markup)}`);
    const id = `cb${this.nextUpdateId}`;
    this.push({
      callback_query: {
        id,
        from: { ...user, is_bot: false },
        chat_instance: `ci${user.id}`,
        data: button.callback_data,
        message: { message_id: message.message_id, date: now(), chat: { id: message.chat_id, type: 'private' }, from: BOT_USER, text: message.text },
      },
    });
    return id;
  }

  // ---- the test observes the bot ------------------------------------------------

  /** Messages the bot sent to a chat, oldest first. */
  botMessages(chatId: number): ChatMessage[] {
    return this.messages.filter((m) => m.chat_id === chatId && m.from_bot);
  }

  /** Resolves with the first value `check` returns that is not undefined/false; rejects after `timeoutMs`, naming what the chat shows. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const tryNow = (): boolean => {
        const v = check();
        if (v === undefined || v === false) return false;
        cleanup();
        resolve(v);
        return true;
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
      };
      const watcher = () => void tryNow();
      const timer = setTimeout(() => {
        cleanup();
        const shown = this.messages.slice(-6).map((m) => `${m.from_bot ? 'bot' : 'user'}@${m.chat_id}: ${m.text.slice(0, 200)}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last messages:\n${shown.join('\n')}`));
      }, timeoutMs);
      this.watchers.add(watcher);
      tryNow();
    });
  }

  // ---- the Bot API ------------------------------------------------------------------

  /**
   * One Bot API method: its result, or the ApiError Telegram would answer.
   * `onGone` registers what to do when the caller goes away (a long poll
   * then ends at once).
   */
  async call(method: string, p: Record<string, unknown>, onGone: (fn: () => void) => void): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { ...BOT_USER, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'deleteWebhook':
      case 'setMyCommands':
        return true;
      case 'getUpdates':
        return this.getUpdates(p, onGone);
      case 'sendMessage': {
        const text = String(p.text ?? '');
        const error = checkText(text, p.parse_mode);
        if (error) return error;
        const msg = this.addMessage({ chat_id: Number(p.chat_id), from_bot: true, text, parse_mode: p.parse_mode as string | undefined, reply_markup: (p.reply_markup as ChatMessage['reply_markup']) ?? null, reply_to_message_id: replyTo(p) });
        return this.asTelegram(msg);
      }
      case 'editMessageText': {
        const msg = this.find(p);
        if (!msg) return new ApiError(400, 'Bad Request: message to edit not found');
        const text = String(p.text ?? '');
        const error = checkText(text, p.parse_mode);
        if (error) return error;
        if (text === msg.text && JSON.stringify(p.reply_markup ?? null) === JSON.stringify(msg.reply_markup ?? null))
          return new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        msg.text = text;
        msg.parse_mode = p.parse_mode as string | undefined;
        msg.reply_markup = (p.reply_markup as ChatMessage['reply_markup']) ?? null;
        msg.edits++;
        this.changed();
        return this.asTelegram(msg);
      }
      case 'editMessageReplyMarkup': {
        const msg = this.find(p);
        if (!msg) return new ApiError(400, 'Bad Request: message to edit not found');
        msg.reply_markup = (p.reply_markup as ChatMessage['reply_markup']) ?? null;
        msg.edits++;
        this.changed();
        return this.asTelegram(msg);
      }
      case 'answerCallbackQuery':
        this.callbackAnswers.push({ id: String(p.callback_query_id), text: p.text as string | undefined });
        this.changed();
        return true;
      case 'sendChatAction':
        return true;
      case 'sendDocument': {
        const doc = p.document as { name: string; bytes: Buffer } | string | undefined;
        if (!doc || typeof doc === 'string') return new ApiError(400, 'Bad Request: there is no document in the request');
        if (doc.bytes.length > 50 * 2 ** 20) return new ApiError(413, 'Request Entity Too Large');
        const caption = p.caption === undefined ? undefined : String(p.caption);
        const msg = this.addMessage({ chat_id: Number(p.chat_id), from_bot: true, text: caption ?? '', parse_mode: p.parse_mode as string | undefined, document: { file_name: doc.name, bytes: doc.bytes, caption }, reply_to_message_id: replyTo(p) });
        return this.asTelegram(msg);
      }
      case 'getFile': {
        const file = this.files.get(String(p.file_id));
        if (!file) return new ApiError(400, 'Bad Request: invalid file_id');
        if (file.bytes.length > 20 * 2 ** 20) return new ApiError(400, 'Bad Request: file is too big');
        return { file_id: file.file_id, file_unique_id: `u${file.file_id}`, file_size: file.bytes.length, file_path: file.file_path };
      }
      default:
        return new ApiError(404, `Not Found: method ${method} is not implemented by the fake`);
    }
  }

  /** A file a user sent, by the path getFile gave the bot. */
  fileAt(path: string): StoredFile | undefined {
    return [...this.files.values()].find((f) => f.file_path === path);
  }

  /** Ends every long poll now (the server is closing). */
  protected wakePollers(): void {
    for (const wake of this.pollers) wake();
  }

  private push(update: Record<string, unknown>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    for (const wake of [...this.pollers]) wake();
  }

  private addMessage(m: Omit<ChatMessage, 'message_id' | 'edits'>): ChatMessage {
    const msg: ChatMessage = { message_id: this.nextMessageId++, edits: 0, ...m };
    this.messages.push(msg);
    this.changed();
    return msg;
  }

  private changed(): void {
    for (const w of [...this.watchers]) w();
  }

  private storeFile(bytes: Buffer, path: string): StoredFile {
    const file: StoredFile = { file_id: `file${this.nextFileId++}`, file_path: path, bytes };
    this.files.set(file.file_id, file);
    return file;
  }

  private async getUpdates(p: Record<string, unknown>, onGone: (fn: () => void) => void): Promise<unknown> {
    const offset = Number(p.offset ?? 0);
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const ready = () => this.updates.filter((u) => u.update_id >= offset).slice(0, Number(p.limit ?? 100));
    const timeout = Math.min(Number(p.timeout ?? 0), 30);
    if (ready().length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, timeout * 1000);
        this.pollers.add(wake);
        onGone(wake);
      });
    }
    return ready();
  }

  private find(p: Record<string, unknown>): ChatMessage | undefined {
    return this.messages.find((m) => m.chat_id === Number(p.chat_id) && m.message_id === Number(p.message_id) && m.from_bot);
  }

  private asTelegram(m: ChatMessage): Record<string, unknown> {
    return {
      message_id: m.message_id,
      date: now(),
      chat: { id: m.chat_id, type: 'private' },
      from: BOT_USER,
      ...(m.document ? { document: { file_id: `sent${m.message_id}`, file_unique_id: `su${m.message_id}`, file_name: m.document.file_name, file_size: m.document.bytes.length }, caption: m.document.caption } : { text: m.text }),
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    };
  }
}

/** A refusal of the Bot API: its status and description. */
export class ApiError {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

const now = () => Math.floor(Date.now() / 1000);

function replyTo(p: Record<string, unknown>): number | undefined {
  const rp = p.reply_parameters as { message_id?: number } | undefined;
  return rp?.message_id ?? (p.reply_to_message_id as number | undefined);
}

/** What Telegram refuses about a text: empty, over 4,096 characters, or HTML it cannot parse. */
function checkText(text: string, parseMode: unknown): ApiError | null {
  if (text.length === 0) return new ApiError(400, 'Bad Request: message text is empty');
  if (text.length > 4096) return new ApiError(400, 'Bad Request: message is too long');
  if (parseMode === 'HTML') {
    const allowed = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'blockquote', 'span']);
    const stack: string[] = [];
    for (const m of text.matchAll(/<(\/?)([a-zA-Z-]+)[^>]*>|<|&(?!(?:lt|gt|amp|quot|#\d+);)/g)) {
      if (m[0] === '<' || m[0].startsWith('&')) return new ApiError(400, `Bad Request: can't parse entities: unsupported start tag or unescaped character at byte offset ${m.index}`);
      const tag = (m[2] ?? '').toLowerCase();
      if (!allowed.has(tag)) return new ApiError(400, `Bad Request: can't parse entities: unsupported start tag "${tag}" at byte offset ${m.index}`);
      if (m[1]) {
        if (stack.pop() !== tag) return new ApiError(400, `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${tag}"`);
      } else stack.push(tag);
    }
    if (stack.length) return new ApiError(400, `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  }
  return null;
}
