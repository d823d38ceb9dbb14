/** The product version, stamped into every envelope and `--version`. Kept in step with package.json by build.mjs. */
export const VERSION = '0.1.0';
/** The API version segment: /api/v1. */
export const API_VERSION = 'v1';

/** Orders two versions like 1.2.3 (a pre-release suffix sorts before its release): <0, 0 or >0. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.trim().replace(/^v/, '').split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
