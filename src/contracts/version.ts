/** The product version, stamped into every envelope and `--version`. Kept in step with package.json by build.mjs. */
export const VERSION = '0.1.0';
/** The API version segment: /api/v1. */
export const API_VERSION = 'v1';
