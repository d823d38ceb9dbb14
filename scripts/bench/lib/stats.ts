/** The figures the benchmarks print: percentiles of samples, and milliseconds. */

/** The p-th percentile (0–100) of `xs` by the nearest-rank method; NaN for no samples. */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Milliseconds, with two decimals below 10 ms and one above. */
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
