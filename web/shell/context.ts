import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WebClient } from '../api/client.ts';
import type { EventSocket } from '../api/events.ts';
import type { SessionState } from '../api/session.ts';

export interface AppServices {
  client: WebClient;
  events: EventSocket;
  session: SessionState;
}

export const Services = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(Services);
  if (!s) throw new Error('useServices outside the signed-in app');
  return s;
}
