import { useEffect, useMemo, useState } from 'preact/hooks';
import { WebClient } from '../api/client.ts';
import { EventSocket } from '../api/events.ts';
import { describeError } from '../api/http.ts';
import { BrowserSession, type SessionState } from '../api/session.ts';
import { ProjectList } from '../projects/project-list.tsx';
import { UsageView } from '../usage/usage-view.tsx';
import { ProjectView } from '../workspace/project-view.tsx';
import { Services } from './context.ts';
import { useFocusOnViewChange } from './focus.ts';
import { Header } from './header.tsx';
import { useRoute } from './router.ts';
import { SignedOut } from './signed-out.tsx';

type Phase = { kind: 'starting' } | { kind: 'in'; state: SessionState } | { kind: 'out'; reason: string | null };

/** Takes the sign-in code out of the address before anything else, so it stays in no history entry; null when there is none. */
function takeLoginCode(): string | null {
  if (location.pathname !== '/login') return null;
  const code = new URLSearchParams(location.hash.replace(/^#/, '')).get('code');
  history.replaceState(null, '', '/');
  return code;
}

export function App() {
  const session = useMemo(() => new BrowserSession(), []);
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });

  useEffect(() => {
    const off = session.onChange((state, reason) => setPhase(state ? { kind: 'in', state } : { kind: 'out', reason: reason ?? null }));
    const code = takeLoginCode();
    const start = code ? session.signIn(code) : session.resume();
    start.then(
      (state) => setPhase(state ? { kind: 'in', state } : { kind: 'out', reason: null }),
      (e: unknown) => setPhase({ kind: 'out', reason: describeError(e) }),
    );
    return off;
  }, [session]);

  if (phase.kind === 'starting') return <p class="centered" role="status">Signing in…</p>;
  if (phase.kind === 'out') return <SignedOut reason={phase.reason} />;
  return <SignedIn session={session} state={phase.state} />;
}

function SignedIn({ session, state }: { session: BrowserSession; state: SessionState }) {
  const services = useMemo(() => {
    const client = new WebClient({ csrf: () => session.csrf(), onUnauthorized: (m) => session.end(m) });
    return { client, events: new EventSocket(() => session.csrf()) };
  }, [session]);
  useEffect(() => () => services.events.close(), [services]);
  const route = useRoute();
  useFocusOnViewChange(route);
  return (
    <Services.Provider value={{ ...services, session: state }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header user={state.user.name} route={route} onSignOut={() => void session.signOut()} />
      <main id="main" tabIndex={-1}>
        {route.view === 'projects' && <ProjectList />}
        {route.view === 'usage' && <UsageView />}
        {route.view === 'project' && <ProjectView key={route.id} id={route.id} tab={route.tab} path={route.path} />}
      </main>
    </Services.Provider>
  );
}
