import type { PatternDef } from '../pattern.ts';

const SUGGESTION = ['Fix {code} at {file}:{line}: {detail}', 'Fix {code}: {detail}'];

/** tsc reports one error per line; the code frame that `--pretty` prints after it matches nothing else. */
export const TYPESCRIPT_PATTERNS: readonly PatternDef[] = [
  {
    id: 'typescript.plain',
    type: 'typescript.{code}',
    language: 'typescript',
    severity: 'error',
    match: /^(?<file>[^\s(][^(]*?)\((?<line>\d+),(?<col>\d+)\): error (?<code>TS\d+): (?<detail>.+)$/,
    hint: ' error TS',
    message: '{code}: {detail}',
    suggestion: SUGGESTION,
    examples: ["src/index.ts(8,22): error TS2322: Type 'string' is not assignable to type 'number'."],
  },
  {
    id: 'typescript.pretty',
    type: 'typescript.{code}',
    language: 'typescript',
    severity: 'error',
    match: /^(?<file>\S[^:]*?):(?<line>\d+):(?<col>\d+) - error (?<code>TS\d+): (?<detail>.+)$/,
    hint: ' error TS',
    message: '{code}: {detail}',
    suggestion: SUGGESTION,
    examples: ["src/format.ts:2:36 - error TS2304: Cannot find name 'missingHelper'."],
  },
  {
    // Errors about the configuration itself carry no file.
    id: 'typescript.global',
    type: 'typescript.{code}',
    language: 'typescript',
    severity: 'error',
    match: /^error (?<code>TS\d+): (?<detail>.+)$/,
    hint: 'error TS',
    message: '{code}: {detail}',
    suggestion: SUGGESTION,
    examples: ["error TS5058: The specified path does not exist: 'tsconfig.app.json'."],
  },
];
