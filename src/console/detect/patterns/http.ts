import type { PatternDef } from '../pattern.ts';

const METHOD = '(?<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)';

/**
 * Access logs of dev servers. Common log format (python http.server, flask,
 * morgan combined) and uvicorn quote the request line; morgan `dev` and
 * next-style logs print `GET /path 404`. 4xx is a warning, 5xx an error.
 */
function access(status: '4' | '5'): PatternDef[] {
  const severity = status === '5' ? 'error' : 'warning';
  const type = status === '5' ? 'http.ServerError' : 'http.ClientError';
  const suggestion =
    status === '5'
      ? ['The server failed on {method} {path} ({status}): see the traceback or stack logged with it']
      : ['{method} {path} answered {status}: check the URL, the route and the request the client sends'];
  return [
    {
      id: `http.${status}xx.quoted`,
      type,
      language: 'http',
      severity,
      match: new RegExp(`"${METHOD} (?<path>\\S+) HTTP\\/[\\d.]+" (?<status>${status}\\d\\d)\\b`),
      hint: ' HTTP/',
      message: '{method} {path} → {status}',
      suggestion,
      examples: [`127.0.0.1 - - [27/Nov/2026 12:04:09] "GET /orders/17 HTTP/1.1" ${status}00 -`],
    },
    {
      id: `http.${status}xx.dev`,
      type,
      language: 'http',
      severity,
      match: new RegExp(`^\\s*${METHOD} (?<path>\\/\\S*) (?<status>${status}\\d\\d)(?: |$)`),
      message: '{method} {path} → {status}',
      suggestion,
      examples: [`GET /api/users/7 ${status}00 2.146 ms - 1048`],
    },
  ];
}

export const HTTP_PATTERNS: readonly PatternDef[] = [
  {
    // Browsers ask for it on their own: not worth a warning.
    id: 'http.favicon',
    type: 'http.ClientError',
    language: 'http',
    severity: 'info',
    match: /"GET (?<path>\/favicon\.ico) HTTP\/[\d.]+" (?<status>404)\b|^\s*GET (?<path2>\/favicon\.ico) 404\b/,
    hint: 'favicon.ico',
    message: 'GET /favicon.ico → 404',
    suggestion: 'Add a favicon (or ignore: browsers request it by themselves)',
    examples: ['127.0.0.1 - - [27/Nov/2026 12:04:01] "GET /favicon.ico HTTP/1.1" 404 -'],
  },
  ...access('5'),
  ...access('4'),
];
