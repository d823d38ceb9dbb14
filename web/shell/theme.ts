/** Light, dark, or the system's choice (the default), kept in this browser. */
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'zeblit.theme';

export function storedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(t: Theme): void {
  localStorage.setItem(KEY, t);
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function isDark(): boolean {
  return document.documentElement.dataset.theme === 'dark';
}
