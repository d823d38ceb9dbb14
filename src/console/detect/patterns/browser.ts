import type { PatternDef } from '../pattern.ts';

const SUGGESTION = [
  'The server at {url} must allow the origin {origin}: send Access-Control-Allow-Origin (flask-cors, the cors package for express, CORSMiddleware in FastAPI) or proxy the API through the dev server',
  'The server at {url} must allow this origin: send Access-Control-Allow-Origin (flask-cors, the cors package for express, CORSMiddleware in FastAPI) or proxy the API through the dev server',
  'The API server must allow the page origin: send Access-Control-Allow-Origin (flask-cors, the cors package for express, CORSMiddleware in FastAPI) or proxy the API through the dev server',
];

/** Browser console messages, as forwarded from a preview page. */
export const BROWSER_PATTERNS: readonly PatternDef[] = [
  {
    id: 'browser.cors.chrome',
    type: 'browser.CORS',
    language: 'browser',
    severity: 'error',
    match: /Access to (?<kind>fetch|XMLHttpRequest|\w+) at '(?<url>[^']+)' from origin '(?<origin>[^']+)' has been blocked by CORS policy: (?<reason>.+?)(?: If an opaque response.*)?$/,
    hint: 'blocked by CORS policy',
    message: 'CORS: {origin} may not read {url}: {reason}',
    suggestion: SUGGESTION,
    examples: [
      "Access to fetch at 'http://localhost:8000/api/items' from origin 'http://localhost:5173' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    ],
  },
  {
    id: 'browser.cors.firefox',
    type: 'browser.CORS',
    language: 'browser',
    severity: 'error',
    match: /Cross-Origin Request Blocked: .*? at (?<url>\S+?)\.? \(Reason: (?<reason>.+?)\)/,
    hint: 'Cross-Origin Request Blocked',
    message: 'CORS: may not read {url}: {reason}',
    suggestion: SUGGESTION,
    examples: [
      'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:8000/api/items. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.',
    ],
  },
  {
    // Chrome also logs the header problem alone when the request line is elsewhere.
    id: 'browser.cors.header',
    type: 'browser.CORS',
    language: 'browser',
    severity: 'error',
    match: /No 'Access-Control-Allow-Origin' header is present on the requested resource/,
    hint: 'Access-Control-Allow-Origin',
    message: "CORS: No 'Access-Control-Allow-Origin' header is present on the requested resource",
    suggestion: SUGGESTION,
    examples: ["No 'Access-Control-Allow-Origin' header is present on the requested resource."],
  },
];
