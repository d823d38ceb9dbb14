import { randomBytes } from 'node:crypto';

/**
 * Ids carry a type prefix and sort by creation time: `<prefix>_<26 chars>`,
 * 10 Crockford base32 characters of milliseconds then 16 of randomness (a ULID
 * body, lower-cased). Monotonic within one process, even inside one millisecond.
 */
export const ID_PREFIXES = {
  project: 'prj',
  key: 'key',
  user: 'usr',
  run: 'run',
  task: 'tsk',
  conversation: 'cnv',
  message: 'msg',
  event: 'evt',
  request: 'req',
  audit: 'aud',
  telegramLink: 'tgl',
  file: 'fil',
  error: 'err',
  call: 'cal',
  approval: 'apv',
  taskRun: 'trn',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function nextRandom(now: number): number[] {
  if (now === lastTime) {
    // Same millisecond: increment the previous randomness so ids stay ordered.
    const r = [...lastRandom];
    for (let i = r.length - 1; i >= 0; i--) {
      const v = (r[i] ?? 0) + 1;
      if (v < 32) {
        r[i] = v;
        break;
      }
      r[i] = 0;
    }
    return r;
  }
  return [...randomBytes(16)].map((b) => b % 32);
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  const rnd = nextRandom(now);
  lastTime = now;
  lastRandom = rnd;
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${rnd.map((v) => ALPHABET[v]).join('')}`;
}

export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-hjkmnp-tv-z]{26}$`);
}

export function isId(kind: IdKind, value: string): boolean {
  return idPattern(kind).test(value);
}
