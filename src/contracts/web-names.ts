// No zod here: the web client imports these values, and its bundle should not carry the schemas.

/** The header (and, on a WebSocket, the `csrf.<token>` subprotocol) that must go with the session cookie. */
export const CSRF_HEADER = 'X-Zeblit-CSRF';
export const CSRF_PROTOCOL_PREFIX = 'csrf.';
/** The session cookie's name; the daemon's port is appended (`zeblit_session_7823`): cookies do not tell ports apart. */
export const SESSION_COOKIE_PREFIX = 'zeblit_session_';
