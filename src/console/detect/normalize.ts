/** Text clean-up shared by matching and fingerprinting. Pure functions. */

// CSI sequences (colours, cursor moves), OSC sequences (titles, links), and two-byte escapes.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * What a terminal would show: colours removed, and for a line redrawn with
 * carriage returns (progress bars) only its last state.
 */
export function cleanLine(text: string): string {
  let t = text.includes('\x1b') ? text.replace(ANSI, '') : text;
  if (t.includes('\r')) {
    t = t.replace(/\r+$/, '');
    const cr = t.lastIndexOf('\r');
    if (cr >= 0) t = t.slice(cr + 1);
  }
  return t;
}

const TEMP_PATH = /(?:\/private)?\/(?:var\/)?(?:tmp|folders)\/[^\s'"():]*/g;

/**
 * The parts of a message that change between two occurrences of the same
 * error are replaced: addresses, ids, temp paths, numbers (ports, line
 * numbers, counts). What remains identifies the error.
 */
export function normalizeForFingerprint(s: string): string {
  return s
    .replace(/\b0x[0-9a-fA-F]+\b/g, '0x')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(TEMP_PATH, '<tmp>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** FNV-1a, 64 bits, over UTF-16 code units: stable across processes and versions, 16 hex digits. */
export function fnv1a64(s: string): string {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(16).padStart(16, '0');
}

/** A file keeps its digits (app2.py is not app3.py); only temp folders, which change per run, are masked. */
export function normalizeFile(file: string): string {
  return file.replace(TEMP_PATH, '<tmp>');
}

export function fingerprint(type: string, message: string, file: string | null): string {
  // \u0000 cannot occur in the parts, so ("a", "bc") and ("ab", "c") differ.
  return fnv1a64(`${type}\u0000${normalizeForFingerprint(message)}\u0000${file === null ? '' : normalizeFile(file)}`);
}
