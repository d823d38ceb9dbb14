/** The web client's entry: a thin presentation layer over /api/v1 and the WebSocket hub (no logic of its own). */
import { render } from 'preact';
import { App } from './shell/app.tsx';
import { applyTheme, followSystemTheme, storedTheme } from './shell/theme.ts';
import './styles.css';

applyTheme(storedTheme());
followSystemTheme();
const root = document.getElementById('app');
if (root) render(<App />, root);
