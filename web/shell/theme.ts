import { useEffect, useState } from 'preact/hooks';

/** Light, dark, or the system's choice (the default), kept in this browser. */
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'zeblit.theme';
/** Sent on document when the page's colours change, so views that paint themselves (CodeMirror) follow. */
const CHANGED = 'zeblit-theme';

const systemDark = () => matchMedia('(prefers-color-scheme: dark)');

export function storedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

function paint(t: Theme): void {
  const dark = t === 'dark' || (t === 'system' && systemDark().matches);
  if (document.documentElement.dataset.theme === (dark ? 'dark' : 'light')) return;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  document.dispatchEvent(new Event(CHANGED));
}

export function applyTheme(t: Theme): void {
  localStorage.setItem(KEY, t);
  paint(t);
}

/** While the choice is "system", the page follows the system's setting as it changes (no reload). */
export function followSystemTheme(): void {
  systemDark().addEventListener('change', () => {
    if (storedTheme() === 'system') paint('system');
  });
}

export function isDark(): boolean {
  return document.documentElement.dataset.theme === 'dark';
}

/** Whether the page is dark now, re-rendering when it changes. */
export function useDark(): boolean {
  const [dark, setDark] = useState(isDark);
  useEffect(() => {
    const on = () => setDark(isDark());
    document.addEventListener(CHANGED, on);
    return () => document.removeEventListener(CHANGED, on);
  }, []);
  return dark;
}
