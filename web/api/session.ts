/**
 * The browser session as the page sees it. The session token is in an
 * HttpOnly cookie the page never reads; what the page holds is the CSRF
 * token, in memory and in sessionStorage (so a reload of the tab keeps it).
 * Both are scoped to this origin, port included, unlike cookies: a page of
 * another local server on 127.0.0.1 cannot read them. A new tab asks the
 * tabs already open (a BroadcastChannel, same origin only) for the token.
 */
import type { User, WebSession } from '../../src/contracts/index.ts';
import { unwrapEnvelope } from '../../src/client/envelope.ts';
import { CSRF_HEADER } from '../../src/contracts/web-names.ts';
import { API_BASE, headersObject } from './http.ts';

const STORAGE_KEY = 'zeblit.csrf';
const CHANNEL = 'zeblit-session';

type Message = { type: 'ask' } | { type: 'token'; csrf: string } | { type: 'signed-out' };

export interface SessionState {
  user: User;
  scopes: string[];
  csrf: string;
  tokenExpiresAt: number;
  sessionExpiresAt: number;
}

export class BrowserSession {
  private csrfToken: string | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  private readonly listeners = new Set<(state: SessionState | null, reason?: string) => void>();

  constructor() {
    this.csrfToken = sessionStorage.getItem(STORAGE_KEY);
    this.channel?.addEventListener('message', (e: MessageEvent<Message>) => {
      const m = e.data;
      if (m.type === 'ask' && this.csrfToken) this.channel?.postMessage({ type: 'token', csrf: this.csrfToken } satisfies Message);
      if (m.type === 'signed-out') this.end('You signed out in another tab.');
    });
  }

  csrf(): string | null {
    return this.csrfToken;
  }

  onChange(fn: (state: SessionState | null, reason?: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The sign-in link's code, taken out of the address at once so it stays in no history, traded for a session. */
  async signIn(code: string): Promise<SessionState> {
    const res = await fetch(`${API_BASE}/web/session`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ code }), credentials: 'same-origin' });
    return this.adopt(unwrapEnvelope<WebSession>(res.status, headersObject(res.headers), await res.text()));
  }

  /** Resumes a session this tab (or another open tab) already holds; null when there is none. */
  async resume(): Promise<SessionState | null> {
    if (!this.csrfToken) this.csrfToken = await this.askOtherTabs();
    if (!this.csrfToken) return null;
    try {
      return await this.renew();
    } catch {
      this.forget();
      return null;
    }
  }

  async renew(): Promise<SessionState> {
    const res = await fetch(`${API_BASE}/web/session/renew`, { method: 'POST', headers: { accept: 'application/json', [CSRF_HEADER]: this.csrfToken ?? '' }, credentials: 'same-origin' });
    return this.adopt(unwrapEnvelope<WebSession>(res.status, headersObject(res.headers), await res.text()));
  }

  async signOut(): Promise<void> {
    try {
      await fetch(`${API_BASE}/web/session`, { method: 'DELETE', headers: { accept: 'application/json', [CSRF_HEADER]: this.csrfToken ?? '' }, credentials: 'same-origin' });
    } finally {
      this.channel?.postMessage({ type: 'signed-out' } satisfies Message);
      this.end('You signed out.');
    }
  }

  /** The daemon refused the session (expired, revoked): the page shows how to sign in again. */
  end(reason: string): void {
    this.forget();
    for (const fn of this.listeners) fn(null, reason);
  }

  private forget(): void {
    this.csrfToken = null;
    sessionStorage.removeItem(STORAGE_KEY);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  private adopt(s: WebSession): SessionState {
    this.csrfToken = s.csrf_token;
    sessionStorage.setItem(STORAGE_KEY, s.csrf_token);
    const state: SessionState = { user: s.user, scopes: s.scopes, csrf: s.csrf_token, tokenExpiresAt: s.token_expires_at, sessionExpiresAt: s.session_expires_at };
    // Renewed at a third of the token's life, while this tab is open; the session itself ends at session_expires_at.
    if (this.renewTimer) clearTimeout(this.renewTimer);
    const delay = Math.max(5_000, (s.token_expires_at - Date.now()) / 3);
    if (s.token_expires_at < s.session_expires_at)
      this.renewTimer = setTimeout(() => {
        this.renew().catch(() => this.end('Your session has ended.'));
      }, delay);
    for (const fn of this.listeners) fn(state);
    return state;
  }

  private askOtherTabs(): Promise<string | null> {
    const channel = this.channel;
    if (!channel) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        channel.removeEventListener('message', onMessage);
        resolve(null);
      }, 300);
      const onMessage = (e: MessageEvent<Message>) => {
        if (e.data.type !== 'token') return;
        clearTimeout(timer);
        channel.removeEventListener('message', onMessage);
        resolve(e.data.csrf);
      };
      channel.addEventListener('message', onMessage);
      channel.postMessage({ type: 'ask' } satisfies Message);
    });
  }
}
