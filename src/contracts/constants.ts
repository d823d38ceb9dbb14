/**
 * Plain constants that clients need at run time, in a file without zod: the
 * CLI imports this file directly (not index.ts) so that a command that only
 * needs a constant builds no schema at start-up (see docs/cli.md, "Speed").
 */

/** First path segments that name routes under /files, not files: a root file of that name is sent as `.%2F<name>`. */
export const FILES_RESERVED = ['tree', 'search', 'upload', 'download', 'move', 'copy', 'sync'] as const;

/**
 * Where an error also travels as headers: a refused WebSocket upgrade reaches
 * the client without a body. Message and suggestion are URI-encoded.
 */
export const ERROR_HEADERS = { code: 'x-zeblit-error', message: 'x-zeblit-error-message', suggestion: 'x-zeblit-error-suggestion' } as const;
