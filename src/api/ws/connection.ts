import type { Topic, WsServerMessage } from '../../contracts/index.ts';

/** The slice of a `ws` WebSocket the hub uses; tests hand in small fakes of this. */
export interface SocketLike {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  ping?(): void;
}

export interface Subscription {
  projectId: string;
  topics: Set<Topic>;
  /** Highest seq sent to this client for this project: replay and live meet here without gap or duplicate. */
  lastSent: number;
  /** True while the client is fed from storage (replaying, or catching up after falling behind): live events skip it. */
  catching: boolean;
}

export const OPEN = 1;

/** One client: its subscriptions and a bounded outbound buffer. */
export class Connection {
  readonly subs = new Map<string, Subscription>();
  alive = true;
  closed = false;
  sent = 0;

  constructor(
    readonly id: string,
    readonly clientType: string,
    readonly userId: string,
    private readonly socket: SocketLike,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: (c: Connection) => void,
  ) {}

  /** Sends unless the socket is closed. Whether the client keeps up is the hub's business (see Hub.catchUp). */
  send(msg: WsServerMessage): boolean {
    if (this.closed || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    this.sent++;
    return true;
  }

  /** More unsent bytes than this client may have: its live events now come from storage instead. */
  get behind(): boolean {
    return this.socket.bufferedAmount > this.maxBufferedBytes;
  }

  /** Called when the client is closed for being too slow. */
  slow(): void {
    this.close(1013, 'slow consumer: reconnect and resume with since_seq');
    this.onSlow(this);
  }

  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  ping(): void {
    this.socket.ping?.();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.closed = true;
    if (this.socket.terminate) this.socket.terminate();
    else this.socket.close(1001, 'gone');
  }
}
