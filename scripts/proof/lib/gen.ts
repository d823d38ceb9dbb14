/**
 * Request values from the OpenAPI document's JSON Schemas: one valid value per
 * schema, and the malformed neighbours a fuzzer sends (wrong types, missing
 * and extra fields, huge, unicode and traversal strings, out-of-range numbers).
 * Deterministic for a seed, so a failure can be replayed.
 */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
};

export interface Mutant {
  label: string;
  value: unknown;
}

/** mulberry32: small, fast, and the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const HOSTILE_STRINGS: Mutant[] = [
  { label: 'empty string', value: '' },
  { label: 'traversal', value: '../../../../etc/passwd' },
  { label: 'encoded traversal', value: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { label: 'absolute path', value: '/etc/shadow' },
  { label: 'NUL byte', value: 'a\u0000b' },
  { label: 'unicode', value: 'Ωé😀\u202e\u200b漢字' },
  { label: 'lone surrogate', value: '\ud800x' },
  { label: 'huge string', value: 'x'.repeat(200_000) },
  { label: 'shell', value: '$(id); `id` | id && id' },
  { label: 'html', value: '<script>alert(1)</script>' },
  { label: 'newlines', value: 'a\r\nSet-Cookie: x=1\r\n\r\n' },
  { label: 'sql', value: "' OR 1=1; DROP TABLE projects; --" },
];

const NUMBERS: Mutant[] = [
  { label: 'negative', value: -1 },
  { label: 'zero', value: 0 },
  { label: 'fraction', value: 0.5 },
  { label: 'huge', value: 1e308 },
  { label: 'past 2^53', value: 2 ** 53 + 2 },
  { label: 'numeric string', value: '12' },
];

export class Generator {
  constructor(
    private readonly doc: { components?: { schemas?: Record<string, Schema> } },
    private readonly random: () => number,
  ) {}

  resolve(s: Schema | undefined): Schema {
    let cur = s ?? {};
    for (let i = 0; i < 20 && cur.$ref; i++) {
      const name = cur.$ref.replace(/^#\/components\/schemas\//, '');
      cur = this.doc.components?.schemas?.[name] ?? {};
    }
    if (cur.allOf?.length) return cur.allOf.reduce<Schema>((acc, part) => {
      const r = this.resolve(part);
      return { ...acc, ...r, properties: { ...acc.properties, ...r.properties }, required: [...(acc.required ?? []), ...(r.required ?? [])] };
    }, {});
    return cur;
  }

  private typeOf(s: Schema): string | undefined {
    if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null') ?? s.type[0];
    if (s.type) return s.type;
    if (s.properties) return 'object';
    if (s.items) return 'array';
    return undefined;
  }

  /** A value the schema accepts, as far as can be told without a validator (patterns are best effort). */
  valid(schema: Schema | undefined, depth = 0, known: (name: string) => unknown = () => undefined, name = ''): unknown {
    const s = this.resolve(schema);
    const fromContext = name ? known(name) : undefined;
    if (fromContext !== undefined) return fromContext;
    if (s.const !== undefined) return s.const;
    if (s.enum?.length) return s.enum[0];
    if (s.default !== undefined) return s.default;
    const alt = s.anyOf ?? s.oneOf;
    if (alt?.length) return this.valid(alt.find((a) => this.resolve(a).type !== 'null') ?? alt[0], depth + 1, known, name);
    switch (this.typeOf(s)) {
      case 'object': {
        const out: Record<string, unknown> = {};
        if (depth > 6) return out;
        for (const key of s.required ?? []) out[key] = this.valid(s.properties?.[key], depth + 1, known, key);
        return out;
      }
      case 'array':
        return depth > 6 || !s.minItems ? [] : Array.from({ length: s.minItems }, () => this.valid(s.items, depth + 1, known, name));
      case 'integer':
        return Math.max(s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1), 1);
      case 'number':
        return s.minimum ?? 1;
      case 'boolean':
        return false;
      case 'string':
        return this.str(s, name);
      default:
        return 'x';
    }
  }

  private str(s: Schema, name: string): string {
    if (s.format === 'uri' || /url/.test(name)) return 'http://127.0.0.1:9/x';
    if (s.format === 'date-time') return new Date(0).toISOString();
    if (s.format === 'email') return 'a@b.c';
    if (/path|file|dir/.test(name)) return `fz-${Math.floor(this.random() * 1e6)}.txt`;
    const base = `fz${Math.floor(this.random() * 1e6)}`;
    const min = s.minLength ?? 0;
    const out = base.length >= min ? base : base.padEnd(min, 'x');
    return s.maxLength !== undefined ? out.slice(0, Math.max(s.maxLength, min)) : out;
  }

  /** The malformed neighbours of a valid body for `schema`. */
  mutants(schema: Schema | undefined, valid: unknown): Mutant[] {
    const s = this.resolve(schema);
    const out: Mutant[] = [
      { label: 'null body', value: null },
      { label: 'array body', value: [] },
      { label: 'string body', value: 'body' },
      { label: 'number body', value: 42 },
      { label: 'empty object', value: {} },
      { label: 'prototype pollution', value: JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') },
    ];
    if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return out;
    out.push({ label: 'extra field', value: { ...valid, zz_unexpected: 'extra' } });
    const props = s.properties ?? {};
    for (const [key, p] of Object.entries(props)) {
      const type = this.typeOf(this.resolve(p));
      const put = (label: string, value: unknown) => out.push({ label: `${key}: ${label}`, value: { ...(valid as object), [key]: value } });
      put('null', null);
      put('wrong type', type === 'string' ? 123 : type === 'array' ? { a: 1 } : type === 'object' ? ['x'] : 'not-a-number');
      if (type === 'string') for (const m of HOSTILE_STRINGS) put(m.label, m.value);
      if (type === 'integer' || type === 'number') for (const m of NUMBERS) put(m.label, m.value);
      if (type === 'array') {
        put('huge array', Array.from({ length: 10_000 }, () => 'x'));
        put('array of wrong items', [null, 1, {}, []]);
      }
      if (type === 'object') put('deep nesting', deep(200));
      if ((s.required ?? []).includes(key)) {
        const { [key]: _dropped, ...rest } = valid as Record<string, unknown>;
        out.push({ label: `${key}: missing`, value: rest });
      }
    }
    return out;
  }

  /** A random mutant of a random kind, for filling up to the requested count. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }
}

function deep(n: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

/** Values for a path or query parameter. */
export const PARAM_MUTANTS: Mutant[] = [
  { label: 'unknown id', value: 'prj_00000000000000000000000000' },
  { label: 'not an id', value: 'does-not-exist' },
  { label: 'traversal', value: '..%2F..%2F..%2Fetc%2Fpasswd' },
  { label: 'dot dot', value: '..' },
  { label: 'NUL', value: '%00' },
  { label: 'unicode', value: encodeURIComponent('Ωé😀\u202e') },
  { label: 'bad percent', value: '%E0%A4%A' },
  { label: 'long', value: 'a'.repeat(5_000) },
  { label: 'negative', value: '-1' },
  { label: 'huge number', value: '99999999999999999999999' },
];

/** Bodies no JSON encoder produces. */
export const RAW_BODIES: Array<{ label: string; contentType: string | null; body: Buffer | ((validJson: string) => Buffer) }> = [
  { label: 'truncated JSON', contentType: 'application/json', body: (v) => Buffer.from(v.slice(0, Math.max(1, Math.floor(v.length / 2)))) },
  { label: 'invalid UTF-8', contentType: 'application/json', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { label: 'empty body', contentType: 'application/json', body: Buffer.alloc(0) },
  { label: 'text/plain', contentType: 'text/plain', body: (v) => Buffer.from(v) },
  { label: 'no content type', contentType: null, body: (v) => Buffer.from(v) },
  { label: 'form encoded', contentType: 'application/x-www-form-urlencoded', body: Buffer.from('a=1&b=2') },
  { label: 'multipart without boundary', contentType: 'multipart/form-data', body: Buffer.from('--x\r\n\r\n') },
  { label: 'body over the limit', contentType: 'application/json', body: Buffer.from(`{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`) },
  { label: 'JSON with a BOM', contentType: 'application/json', body: (v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(v)]) },
  { label: 'duplicate keys', contentType: 'application/json', body: Buffer.from('{"name":"a","name":{"x":1}}') },
];
