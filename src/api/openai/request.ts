/**
 * Reading a /v1 request body: JSON whatever the Content-Type says (curl -d
 * sends form encoding by default, and OpenAI reads it as JSON anyway), then
 * the schema, with the failing field named as OpenAI names it
 * (`messages[2].content`).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ZeblitError } from '../../contracts/index.ts';
import type { AppEnv } from '../env.ts';

/** ['messages', 2, 'content'] → messages[2].content */
export function paramOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, k) => (typeof k === 'number' ? `${out}[${k}]` : out === '' ? String(k) : `${out}.${String(k)}`), '');
}

type Issue = z.core.$ZodIssue;

/** The most telling issue: inside a union, the one of the branch that got furthest. */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const best = issue.errors.reduce((a, b) => (b.length > 0 && (a.length === 0 || (b[0]?.path.length ?? 0) > (a[0]?.path.length ?? 0)) ? b : a), []);
  const inner = best[0];
  return inner ? deepest({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

export function schemaError(e: z.ZodError): ZeblitError {
  const issues = e.issues.map(deepest);
  const details = issues.map((i) => ({ field: paramOf(i.path) || '(body)', message: i.message, code: i.code }));
  const first = details[0];
  const summary = first ? `Invalid '${first.field}': ${first.message}` : 'Invalid request body';
  return new ZeblitError('VALIDATION_FAILED', details.length > 1 ? `${summary} (and ${details.length - 1} more)` : summary, { details });
}

export async function readBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ZeblitError('INVALID_JSON', text.trim() === '' ? 'The request body is empty: send a JSON object' : 'The request body is not valid JSON', {
      suggestion: 'Send a JSON object with Content-Type: application/json.',
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw schemaError(parsed.error);
  return parsed.data;
}
