/**
 * CodeMirror 6, bundled (works offline): the editor of a workspace file and
 * the read-only diff of a version against the file now. CodeMirror writes
 * its styles into a <style> element: it carries the nonce the daemon put in
 * the page's CSP for this response (and in the page's meta tag).
 */
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { markdown } from '@codemirror/lang-markdown';
import { python } from '@codemirror/lang-python';
import { unifiedMergeView } from '@codemirror/merge';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';

/** The nonce of this page's CSP for styles (CodeMirror puts its generated styles in one <style> element). */
const nonce = document.querySelector<HTMLMetaElement>('meta[name="zeblit-style-nonce"]')?.content ?? '';
const csp = nonce ? EditorView.cspNonce.of(nonce) : [];

/** The colours of every editor and diff, swapped in place when the page's theme changes (setEditorDark). */
const colours = new Compartment();
const coloursFor = (dark: boolean): Extension => (dark ? oneDark : []);

export function setEditorDark(view: EditorView, dark: boolean): void {
  view.dispatch({ effects: colours.reconfigure(coloursFor(dark)) });
}

export function languageFor(path: string): Extension {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'py') return python();
  if (['js', 'mjs', 'cjs', 'jsx'].includes(ext)) return javascript({ jsx: ext === 'jsx' });
  if (['ts', 'mts', 'cts', 'tsx'].includes(ext)) return javascript({ typescript: true, jsx: ext === 'tsx' });
  if (ext === 'json') return json();
  if (['md', 'markdown'].includes(ext)) return markdown();
  return [];
}

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  path: string;
  dark: boolean;
  readOnly?: boolean;
  onChange?: (doc: string) => void;
  onSave?: () => void;
}

export function createEditor(o: EditorOptions): EditorView {
  return new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        csp,
        keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (o.onSave?.(), true) }]),
        basicSetup,
        languageFor(o.path),
        colours.of(coloursFor(o.dark)),
        EditorView.contentAttributes.of({ 'aria-label': `Contents of ${o.path}` }),
        EditorState.readOnly.of(o.readOnly ?? false),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange?.(u.state.doc.toString());
        }),
      ],
    }),
  });
}

/** The file as it is now, with what a version had marked inline (deleted lines shown in place): readable on a phone too. */
export function createDiff(parent: HTMLElement, original: string, current: string, path: string, dark: boolean): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: current,
      extensions: [
        csp,
        basicSetup,
        languageFor(path),
        colours.of(coloursFor(dark)),
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        EditorView.contentAttributes.of({ 'aria-label': `Changes to ${path}` }),
        unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true }),
      ],
    }),
  });
}
