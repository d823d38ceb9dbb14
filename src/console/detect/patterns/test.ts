import type { BlockDef, PatternDef } from '../pattern.ts';
import { NODE_FRAMES } from './node.ts';

/** node:test TAP: `not ok N - name`, then an indented YAML block closed by `  ...`. */
export const TAP_NOT_OK: BlockDef = {
  id: 'test.tap_not_ok',
  start: /^\s*not ok \d+ - (?<test>.+?)(?: # .*)?$/,
  continue: /^\s+\S|^\s*$/,
  end: /^\s+\.\.\.$/,
  relativeIndent: true,
  splitOnStart: true,
  maxLines: 120,
};

/** node:test spec reporter: `✖ name (1.2ms)`, then the indented error and stack. */
export const SPEC_FAILURE: BlockDef = {
  id: 'test.spec_failure',
  start: /^\s*✖ (?<test>.+?) \([\d.]+m?s\)$/,
  continue: /^\s+\S|^\s*$/,
  relativeIndent: true,
  splitOnStart: true,
  maxLines: 120,
  frames: NODE_FRAMES,
};

/** After the run the spec reporter lists the failures again: the same failures, not new ones. */
export const SPEC_RECAP: BlockDef = {
  id: 'test.spec_recap',
  start: /^✖ failing tests:$/,
  continue: /^(?:test at \S+|✖ .*|\s.*|)$/,
  maxLines: 2000,
};

/** jest: `  ● suite › name`, then the indented diff, code frame and stack. */
export const JEST_FAILURE: BlockDef = {
  id: 'test.jest_failure',
  start: /^ {2}● (?<test>.+)$/,
  continue: /^\s+\S|^\s*$/,
  splitOnStart: true,
  maxLines: 120,
  frames: NODE_FRAMES,
};

function t(p: Omit<PatternDef, 'language' | 'severity'> & { severity?: PatternDef['severity'] }): PatternDef {
  return { language: 'test', severity: 'error', ...p };
}

const SUMMARY = 'Tests failed ({failed}): see the failing tests above';

export const TEST_PATTERNS: readonly PatternDef[] = [
  t({
    id: 'test.pytest_failed',
    type: 'test.PytestFailed',
    match: /^FAILED (?<file>[^\s:]+)::(?<test>\S+)(?: - (?<detail>.*))?$/,
    hint: 'FAILED ',
    message: ['{test} failed: {detail}', '{test} failed'],
    suggestion: 'Run it alone: pytest {file}::{test} -x',
    examples: ['FAILED test_calc.py::test_add_negative - assert -2 == -3'],
  }),
  t({
    id: 'test.pytest_error',
    type: 'test.PytestError',
    match: /^ERROR (?<file>[^\s:]+\.py)(?:::(?<test>\S+))?(?: - (?<detail>.*))?$/,
    hint: 'ERROR ',
    message: ['pytest could not run {file}: {detail}', 'pytest could not run {file}'],
    suggestion: '{file} failed during collection or setup (an import error?): see the ERRORS section above',
    examples: ['ERROR test_broken.py'],
  }),
  t({
    id: 'test.pytest_summary',
    type: 'test.PytestSummary',
    match: /^(?:=+ )?(?<summary>(?:\d+ [a-z]+, )*(?<failed>[1-9]\d* (?:failed|errors?))(?:, \d+ [a-z]+)*) in [\d.]+s(?: \([^)]*\))?(?: =+)?$/,
    message: 'pytest: {summary}',
    suggestion: SUMMARY,
    examples: ['========================= 2 failed, 1 passed in 1.27s ==========================', '1 error in 0.12s'],
  }),
  t({
    id: 'test.node_not_ok',
    type: 'test.NodeTestFailed',
    block: TAP_NOT_OK,
    match: TAP_NOT_OK.start,
    scan: [/^\s*location: '(?<file>.+?):(?<line>\d+):\d+'$/],
    message: '{test} failed',
    suggestion: ['Test "{test}" failed at {file}:{line}', 'Test "{test}" failed'],
    examples: ['not ok 2 - subtracts numbers'],
  }),
  t({
    id: 'test.node_spec_failed',
    type: 'test.NodeTestFailed',
    block: SPEC_FAILURE,
    match: SPEC_FAILURE.start,
    scan: [/^\s+(?<detail>\w*Error\b.*)$/],
    message: ['{test} failed: {detail}', '{test} failed'],
    suggestion: ['Test "{test}" failed at {file}:{line}', 'Test "{test}" failed'],
    examples: ['✖ subtracts numbers (1.436674ms)'],
  }),
  t({
    id: 'test.node_spec_recap',
    type: 'test.NodeTestRecap',
    severity: 'info',
    block: SPEC_RECAP,
    match: SPEC_RECAP.start,
    silent: true,
    examples: ['✖ failing tests:'],
  }),
  t({
    id: 'test.node_summary',
    type: 'test.NodeTestSummary',
    match: /^(?:#|ℹ) fail (?<failed>[1-9]\d*)$/,
    message: 'node --test: {failed} failed',
    suggestion: SUMMARY,
    examples: ['# fail 1', 'ℹ fail 1'],
  }),
  t({
    id: 'test.jest_failed',
    type: 'test.JestFailed',
    block: JEST_FAILURE,
    match: JEST_FAILURE.start,
    message: '{test} failed',
    suggestion: ['Test "{test}" failed at {file}:{line}', 'Test "{test}" failed'],
    examples: ['  ● adds 1 + 2 to equal 3'],
  }),
  t({
    id: 'test.jest_suite_failed',
    type: 'test.JestSuiteFailed',
    match: /^FAIL (?<file>\S+)$/,
    hint: 'FAIL ',
    message: 'test suite {file} failed',
    suggestion: 'See the failures of {file} below this line',
    examples: ['FAIL ./sum.test.js'],
  }),
  t({
    id: 'test.jest_summary',
    type: 'test.JestSummary',
    match: /^Tests: +(?<summary>(?<failed>[1-9]\d*) failed.*)$/,
    message: 'jest: {summary}',
    suggestion: SUMMARY,
    examples: ['Tests:       1 failed, 1 passed, 2 total'],
  }),
];
