import type { PatternDef } from '../pattern.ts';
import { BROWSER_PATTERNS } from './browser.ts';
import { HTTP_PATTERNS } from './http.ts';
import { NODE_PATTERNS } from './node.ts';
import { NPM_PATTERNS } from './npm.ts';
import { PIP_PATTERNS } from './pip.ts';
import { PYTHON_PATTERNS } from './python.ts';
import { SHELL_PATTERNS } from './shell.ts';
import { SYSTEM_PATTERNS } from './system.ts';
import { TEST_PATTERNS } from './test.ts';
import { TYPESCRIPT_PATTERNS } from './typescript.ts';

/**
 * The whole library, in priority order: for a line or a block, the first
 * pattern that matches wins, so specific patterns precede generic ones
 * (system's "Fatal Python error: Segmentation fault" before python's fatal error).
 * Blocks are tried in the order their first pattern appears here.
 */
export const PATTERNS: readonly PatternDef[] = [
  ...SYSTEM_PATTERNS,
  ...PYTHON_PATTERNS,
  ...NODE_PATTERNS,
  ...TYPESCRIPT_PATTERNS,
  ...NPM_PATTERNS,
  ...PIP_PATTERNS,
  ...SHELL_PATTERNS,
  ...TEST_PATTERNS,
  ...HTTP_PATTERNS,
  ...BROWSER_PATTERNS,
];

export { pipPackageFor } from './python.ts';
export { npmPackageFor } from './node.ts';
