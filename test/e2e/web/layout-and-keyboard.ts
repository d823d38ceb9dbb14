/**
 * The web suite's steps on how the page adapts: a phone's width, light and
 * dark, and use from the keyboard alone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import type { WebRun } from './harness.ts';

/** Registers the steps, in order, in the calling describe. */
export function layoutAndKeyboard(w: WebRun): void {
  it('works at a phone’s width: no view scrolls sideways', async () => {
    const { page, origin, project, shot } = w;
    await page.setViewportSize({ width: 390, height: 844 });
    const views: [string, string, () => Promise<void>][] = [
      ['projects', '#/', () => page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()],
      ['files', `#/projects/${project.id}/files/hello.py`, () => page.locator('.editor .cm-content').waitFor()],
      ['console', `#/projects/${project.id}/console`, () => page.getByRole('log', { name: 'Console output' }).getByText('hello from the web').first().waitFor()],
      ['chat', `#/projects/${project.id}/chat`, () => page.getByRole('heading', { name: 'Chat' }).waitFor()],
      ['changes', `#/projects/${project.id}/changes`, () => page.locator('.card.checkpoint', { hasText: 'Write notes.md' }).waitFor()],
      ['tasks', `#/projects/${project.id}/tasks`, () => page.getByRole('button', { name: 'Runs of ticker' }).waitFor()],
      ['container', `#/projects/${project.id}/container`, () => page.getByRole('heading', { name: 'Container' }).waitFor()],
      ['usage', '#/usage', () => page.getByRole('heading', { name: 'Usage and cost' }).waitFor()],
    ];
    for (const [name, hash, ready] of views) {
      await page.goto(`${origin}/${hash}`);
      await ready();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      const wide = overflow > 1 ? await page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)`) : [];
      assert.ok(overflow <= 1, `${name} scrolls sideways by ${overflow}px at 390px: ${wide.join(', ')}`);
      // Nor is a project's tab hidden behind a scroll of its own.
      const hiddenTabs = await page.evaluate<string[]>(`[...document.querySelectorAll('.tabs a')].filter((a) => a.getBoundingClientRect().right > a.parentElement.getBoundingClientRect().right + 1).map((a) => a.textContent)`);
      assert.deepEqual(hiddenTabs, [], `${name}: tabs out of sight at 390px`);
      await shot(`09-phone-${name}`);
    }
  });

  it('is light or dark: the choice, or the system’s (followed live), and the editor follows without reopening', async () => {
    const { page, origin, project, shot, until } = w;
    const oneDarkBackground = 'rgb(40, 44, 52)';
    const bodyColour = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const editorColour = () => page.evaluate<string>("getComputedStyle(document.querySelector('.editor .cm-editor')).backgroundColor");
    /** The open editor's colours change with the page's (a re-render later, not at once). */
    const editorTurns = (dark: boolean) =>
      until(`(getComputedStyle(document.querySelector('.editor .cm-editor')).backgroundColor === '${oneDarkBackground}') === ${dark}`);
    const themeOf = () => page.evaluate<string>('document.documentElement.dataset.theme');
    const theme = page.getByRole('button', { name: /Change theme/ });
    await page.goto(`${origin}/#/projects/${project.id}/files/hello.py`);
    await page.locator('.editor .cm-content').waitFor();
    // "system": the page follows the system's setting as it changes, without a reload.
    while (!(await theme.getAttribute('aria-label'))?.startsWith('Theme: system')) await theme.click();
    await page.emulateMedia({ colorScheme: 'light' });
    await until("document.documentElement.dataset.theme === 'light'");
    assert.equal(await bodyColour(), 'rgb(255, 255, 255)');
    await editorTurns(false);
    await page.emulateMedia({ colorScheme: 'dark' });
    await until("document.documentElement.dataset.theme === 'dark'");
    assert.equal(await bodyColour(), 'rgb(15, 17, 21)');
    await editorTurns(true);
    await shot('10-phone-dark-editor');
    // A choice overrides the system, and stays across a reload.
    await theme.click(); // system -> light
    assert.equal(await themeOf(), 'light');
    await editorTurns(false);
    await theme.click(); // light -> dark
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await page.locator('.editor .cm-content').waitFor();
    assert.equal(await themeOf(), 'dark');
    assert.equal(await editorColour(), oneDarkBackground);
    await page.setViewportSize({ width: 1280, height: 860 });
    await shot('11-dark-editor');
  });

  it('works from the keyboard: a skip link, and the focus lands on each new view’s heading with the tab’s title naming it', async () => {
    const { page, shots, origin, project, until } = w;
    const focused = () => page.evaluate<string>("(document.activeElement?.tagName ?? '') + ' ' + (document.activeElement?.textContent ?? '').trim()");
    await page.goto(`${origin}/#/`);
    await page.reload();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    // From the top of a fresh page the first Tab reaches the skip link, and Enter moves past the header.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'A Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate<string>("document.activeElement?.id ?? ''"), 'main');
    // Following links with Enter: each new view's heading takes the focus, and is the tab's title.
    await page.getByRole('link', { name: 'Usage' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Usage and cost'");
    await until(`document.title === ${JSON.stringify('Usage and cost — Zeblit')}`);
    await page.getByRole('link', { name: 'Projects' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Projects'");
    await page.getByRole('link', { name: 'webdemo' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.id === 'tree-title'");
    await until(`document.title === ${JSON.stringify('Files — webdemo — Zeblit')}`);
    // A file opened from the tree with the keyboard: the focus stays in the tree, the title names the file.
    await page.getByRole('button', { name: 'hello.py' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.editor .cm-content').waitFor();
    assert.equal(await focused(), 'BUTTON hello.py');
    await until(`document.title === ${JSON.stringify('hello.py — Files — webdemo — Zeblit')}`);
    await page.getByRole('link', { name: 'Console' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H2' && document.activeElement.textContent === 'Console'");
    await until(`document.title === ${JSON.stringify('Console — webdemo — Zeblit')}`);
    // The run form from the keyboard: type a command, Enter runs it, its output arrives on the console.
    await page.getByLabel('Command').focus();
    await page.keyboard.type("printf 'key%s\\n' board");
    await page.keyboard.press('Enter');
    await page
      .getByRole('log', { name: 'Console output' })
      .getByText('keyboard', { exact: true })
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (e: unknown) => {
        await page.screenshot({ path: join(shots, 'failed-keyboard-run.png'), fullPage: true });
        const seen = await page.evaluate<string>("[...document.querySelectorAll('.console .run input, .console [role=alert], .console .lines')].map((el) => el.outerHTML.slice(0, 600)).join('\\n')");
        throw new Error(`the command's output never reached the console; the page showed:\n${seen}`, { cause: e });
      });
    // Whoever moves the focus while a view is still loading keeps it: the heading, once it renders, does not take it back.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`${origin}/api/v1/projects/${project.id}`, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('link', { name: 'Usage' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Usage and cost'");
    await page.evaluate(`location.hash = ${JSON.stringify(`#/projects/${project.id}/chat`)}`);
    await page.getByRole('status').getByText('Loading…').waitFor();
    await page.getByRole('link', { name: 'Skip to content' }).focus();
    release();
    await page.getByRole('heading', { name: 'Chat', level: 2 }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(await focused(), 'A Skip to content');
    await page.unroute(`${origin}/api/v1/projects/${project.id}`);
  });
}
