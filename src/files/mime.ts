/** Content types by extension, and text-or-binary by content. */

const TYPES: Record<string, string> = {
  txt: 'text/plain', md: 'text/markdown', markdown: 'text/markdown', csv: 'text/csv', tsv: 'text/tab-separated-values', log: 'text/plain',
  html: 'text/html', htm: 'text/html', css: 'text/css', xml: 'application/xml', svg: 'image/svg+xml',
  js: 'text/javascript', mjs: 'text/javascript', cjs: 'text/javascript', jsx: 'text/javascript', ts: 'text/x-typescript', tsx: 'text/x-typescript', mts: 'text/x-typescript', cts: 'text/x-typescript',
  json: 'application/json', jsonl: 'application/jsonl', yaml: 'application/yaml', yml: 'application/yaml', toml: 'application/toml', ini: 'text/plain', env: 'text/plain',
  py: 'text/x-python', pyi: 'text/x-python', ipynb: 'application/x-ipynb+json', rb: 'text/x-ruby', go: 'text/x-go', rs: 'text/x-rust', java: 'text/x-java', kt: 'text/x-kotlin',
  c: 'text/x-c', h: 'text/x-c', cc: 'text/x-c++', cpp: 'text/x-c++', hpp: 'text/x-c++', cs: 'text/x-csharp', swift: 'text/x-swift', php: 'text/x-php',
  sh: 'text/x-shellscript', bash: 'text/x-shellscript', zsh: 'text/x-shellscript', sql: 'application/sql', r: 'text/x-r', lua: 'text/x-lua',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', ico: 'image/x-icon', bmp: 'image/bmp', avif: 'image/avif',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', bz2: 'application/x-bzip2', xz: 'application/x-xz', '7z': 'application/x-7z-compressed',
  wasm: 'application/wasm', mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', mp4: 'video/mp4', webm: 'video/webm',
  woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
  sqlite: 'application/vnd.sqlite3', db: 'application/octet-stream', bin: 'application/octet-stream', exe: 'application/octet-stream', so: 'application/octet-stream',
  pyc: 'application/x-python-code', parquet: 'application/vnd.apache.parquet', npy: 'application/octet-stream',
};

const NAMES: Record<string, string> = { Dockerfile: 'text/x-dockerfile', Makefile: 'text/x-makefile', '.gitignore': 'text/plain', '.dockerignore': 'text/plain', '.env': 'text/plain' };

/** The content type of `name` by its extension; falls back on the content's nature. */
export function mimeOf(name: string, isBinary: boolean): string {
  const byName = NAMES[name];
  if (byName) return byName;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return TYPES[ext] ?? (isBinary ? 'application/octet-stream' : 'text/plain');
}

/** A charset for text types, so browsers and curl show UTF-8 right. */
export function contentTypeHeader(mime: string): string {
  return mime.startsWith('text/') || mime === 'application/json' || mime === 'application/xml' || mime === 'image/svg+xml' ? `${mime}; charset=utf-8` : mime;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Binary when a NUL byte appears, or the bytes are not UTF-8. `partial`: the
 * sample is a prefix of the file, so a character cut at its end is allowed.
 */
export function isBinaryContent(sample: Uint8Array, partial = false): boolean {
  if (sample.includes(0)) return true;
  let end = sample.byteLength;
  if (partial) {
    // Back off over an incomplete UTF-8 sequence at the cut (at most 3 bytes).
    let k = end - 1;
    while (k >= 0 && end - k <= 3 && ((sample[k] as number) & 0xc0) === 0x80) k--;
    if (k >= 0 && (sample[k] as number) >= 0xc0) end = k;
  }
  try {
    decoder.decode(sample.subarray(0, end));
    return false;
  } catch {
    return true;
  }
}
