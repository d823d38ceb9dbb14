import * as t from 'typanion';

/** An integer option within bounds; clipanion reports a bad value as a usage error. */
export const isInt = (min: number, max: number) => t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(min, max)]);
