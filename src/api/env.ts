import type { IncomingMessage } from 'node:http';
import type { Transport } from '../contracts/index.ts';
import type { Principal } from '../auth/index.ts';

/** What each listener passes to the app: the transport decides the auth rules. */
export interface AppBindings {
  transport?: Transport;
  incoming?: IncomingMessage;
}

export interface AppVariables {
  requestId: string;
  principal: Principal | undefined;
  /** Set by a handler to name the resource it created or touched, for the audit log. */
  resource: string | undefined;
}

export interface AppEnv {
  Bindings: AppBindings;
  Variables: AppVariables;
}

export function transportOf(env: AppBindings | undefined): Transport {
  // Anything not told otherwise is treated as TCP: the stricter rules apply.
  return env?.transport === 'unix' ? 'unix' : 'tcp';
}
