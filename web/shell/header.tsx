import { useState } from 'preact/hooks';
import { href, type Route } from './router.ts';
import { applyTheme, storedTheme, type Theme } from './theme.ts';

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

export function Header({ user, route, onSignOut }: { user: string; route: Route; onSignOut: () => void }) {
  const [theme, setTheme] = useState<Theme>(storedTheme());
  const cycle = () => {
    const t = NEXT[theme];
    applyTheme(t);
    setTheme(t);
  };
  return (
    <header class="top">
      <a class="brand" href="#/">
        Zeblit
      </a>
      <nav aria-label="Main">
        <a href={href({ view: 'projects' })} aria-current={route.view !== 'usage' ? 'page' : undefined}>
          Projects
        </a>
        <a href={href({ view: 'usage' })} aria-current={route.view === 'usage' ? 'page' : undefined}>
          Usage
        </a>
      </nav>
      <div class="spacer" />
      <button type="button" class="ghost" onClick={cycle} aria-label={`Theme: ${theme}. Change theme`}>
        {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} <span class="theme-name">{theme}</span>
      </button>
      <span class="who">
        <span class="sr-only">Signed in as </span>
        {user}
      </span>
      <button type="button" class="ghost" onClick={onSignOut} title={`Signed in as ${user}`}>
        Sign out
      </button>
    </header>
  );
}
