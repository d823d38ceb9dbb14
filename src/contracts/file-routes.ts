// No zod here: the web client imports this value, and its bundle should not carry the schemas.

/** First path segments that name routes under /files, not files: a root file of that name is sent as `.%2F<name>`. */
export const FILES_RESERVED = ['tree', 'search', 'upload', 'download', 'move', 'copy', 'sync'] as const;
