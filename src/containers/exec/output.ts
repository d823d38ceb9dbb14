/**
 * Keeps a bounded amount of one stream's output: the first `headBytes` and the
 * last `tailBytes`, whatever the command prints. Memory never exceeds
 * head + tail (+ one chunk while it is sliced), so gigabytes of output cost
 * nothing but the time to read them.
 */
export class CappedOutput {
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;

  constructor(
    private readonly headBytes: number,
    private readonly tailBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.headBytes) {
      const take = rest.subarray(0, this.headBytes - this.headLen);
      this.head.push(Buffer.from(take));
      this.headLen += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0 || this.tailBytes === 0) return;
    if (rest.length >= this.tailBytes) {
      this.tail = [Buffer.from(rest.subarray(rest.length - this.tailBytes))];
      this.tailLen = this.tailBytes;
      return;
    }
    this.tail.push(Buffer.from(rest));
    this.tailLen += rest.length;
    while (this.tailLen - (this.tail[0]?.length ?? 0) >= this.tailBytes) this.tailLen -= this.tail.shift()?.length ?? 0;
  }

  get truncated(): boolean {
    return this.total > this.headLen + this.tailLen;
  }

  /** Head and tail joined by a marker that says how much was left out. */
  text(): string {
    const tailBuf = this.tailBuffer();
    if (!this.truncated) return Buffer.concat([...this.head, tailBuf]).toString('utf8');
    const head = decodeHead(Buffer.concat(this.head));
    const omitted = this.total - this.headLen - tailBuf.length;
    return `${head}\n[… ${omitted} bytes omitted …]\n${decodeTail(tailBuf)}`;
  }

  /** The last `n` bytes (for the run record), decoded. */
  last(n: number): string {
    const all = Buffer.concat([...(this.tailLen > 0 && this.truncated ? [] : this.head), ...this.tail]);
    return decodeTail(all.length > n ? all.subarray(all.length - n) : all);
  }

  private tailBuffer(): Buffer {
    const t = Buffer.concat(this.tail);
    return t.length > this.tailBytes ? t.subarray(t.length - this.tailBytes) : t;
  }
}

/** A cut may fall inside a UTF-8 sequence: drop the broken start of a tail. */
function decodeTail(b: Buffer): string {
  let i = 0;
  while (i < b.length && i < 4 && ((b[i] ?? 0) & 0xc0) === 0x80) i++;
  return b.subarray(i).toString('utf8');
}

/** …and the broken end of a head. */
function decodeHead(b: Buffer): string {
  let end = b.length;
  for (let k = 1; k <= 3 && end - k >= 0; k++) {
    const c = b[end - k] ?? 0;
    if ((c & 0xc0) === 0x80) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (need > k) end -= k;
    break;
  }
  return b.subarray(0, end).toString('utf8');
}
