/**
 * The web suite's steps in one project's workspace: a file written in the
 * editor and run, its output and detected error in the console, a chat with
 * an approval, the file's versions, uploads and downloads, the container.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { FileContent, Project } from '../../../src/contracts/index.ts';
import type { WebRun } from './harness.ts';

/** Registers the steps, in order, in the calling describe. */
export function workspace(w: WebRun): void {
  it('creates a project, writes a file in the editor and saves it', async () => {
    const { page, projects, api, shot } = w;
    await page.getByLabel('Name').fill('webdemo');
    await page.getByLabel('Template').selectOption('python');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'webdemo' }).waitFor();
    const project = await api<Project>('GET', '/projects/webdemo');
    w.project = project;
    projects.push(project.id);
    // Nothing here needs the network in the container; without one the project also takes none of the engine's
    // ~30 address pools, which the suites running beside this one on a shared machine can use up.
    await api('PUT', `/projects/${project.id}`, { settings: { network: 'none' } });
    await page.getByLabel('New file').fill('hello.py');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'hello.py' }).waitFor();
    const editor = page.locator('.editor .cm-content');
    await editor.waitFor();
    await editor.fill('print("hello from the web")\nprint(missing_name)\n');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved \(version \d+\)/).waitFor();
    const file = await api<FileContent>('GET', `/projects/${project.id}/files/hello.py`);
    assert.equal(file.content, 'print("hello from the web")\nprint(missing_name)\n');
    await shot('02-editor');
  });

  it('runs the file and shows its output live in the console, with the detected error and its suggestion', async () => {
    const { page, shot } = w;
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('heading', { name: 'Console' }).waitFor();
    const log = page.getByRole('log', { name: 'Console output' });
    await log.getByText('hello from the web').waitFor({ timeout: 120_000 });
    const detected = page.locator('.line.detected', { hasText: 'NameError' });
    await detected.waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
      await shot('03-console-FAILED');
      throw e;
    });
    const panel = page.getByRole('complementary', { name: 'Detected errors' });
    await panel.getByText('NameError').first().waitFor();
    await panel.getByText(/Suggestion:/).first().waitFor();
    await shot('03-console');
  });

  it('chats with an agent: streamed steps, an approval answered in the page, the turn’s cost', async () => {
    const { fake, page, project, api, shot } = w;
    await api('PUT', `/projects/${project.id}`, { settings: { approval: 'ask' } });
    fake.reset();
    fake.script([{ text: 'I will run it.', tool_calls: [{ name: 'run_command', input: { command: 'python3 -c "print(6*7)"' } }] }, { text: 'It printed 42.' }]);
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByLabel('Message').fill('Run a quick check');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    const approval = page.getByRole('group', { name: 'Approval needed' });
    await approval.waitFor({ timeout: 60_000 });
    await shot('04-chat-approval');
    await approval.getByRole('button', { name: 'Approve' }).click();
    const footer = page.locator('.turn-footer');
    await footer.waitFor({ timeout: 120_000 });
    assert.match(await footer.innerText(), /completed · .* tokens · \$[\d.]+ · 2 calls/);
    await page.getByText('It printed 42.').waitFor();
    await page.locator('.run-output', { hasText: '42' }).waitFor();
    await shot('05-chat');
  });

  it('shows a file’s versions and the diff of one against the editor, uploads by the file picker and by drag and drop, downloads', async () => {
    const { page, origin, project, api, shot } = w;
    await page.goto(`${origin}/#/projects/${project.id}/files/hello.py`);
    await page.locator('.editor .cm-content').waitFor();
    await page.getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('region', { name: 'Versions of hello.py' });
    await history.getByRole('button', { name: /^Diff v1$/ }).click();
    await page.locator('.diff .cm-editor').waitFor();
    await page.locator('.diff .cm-changedLine, .diff .cm-insertedLine').first().waitFor();
    await shot('06-history-diff');

    const upload = join(mkdtempSync(join(tmpdir(), 'zeblit-upload-')), 'data.txt');
    writeFileSync(upload, 'uploaded from the browser\n');
    await page.locator('input[type=file]').setInputFiles(upload);
    await page.getByText('Uploaded 1 file.').waitFor();
    await page.getByRole('button', { name: 'data.txt' }).waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/data.txt`)).content, 'uploaded from the browser\n');
    // Drag and drop: a file dropped on the tree is uploaded the same way.
    const dropped = await page.evaluateHandle(`(() => { const dt = new DataTransfer(); dt.items.add(new File(['dropped on the tree\\n'], 'dropped.txt', { type: 'text/plain' })); return dt; })()`);
    await page.locator('.drop').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.locator('.drop').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByRole('button', { name: 'dropped.txt' }).waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/dropped.txt`)).content, 'dropped on the tree\n');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download', exact: true }).click()]);
    assert.equal(download.suggestedFilename(), 'hello.py');
    const saved = await download.path();
    assert.match(readFileSync(saved, 'utf8'), /hello from the web/);
  });

  it('shows the container with its state, and saves resource limits', async () => {
    const { page, project, api, shot } = w;
    await page.getByRole('link', { name: 'Container' }).click();
    await page.getByText('running', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Memory (MiB)').fill('1024');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Saved. Restart the container to apply them.').waitFor();
    const { settings } = await api<Project>('GET', `/projects/${project.id}`);
    assert.equal(settings.memory_mb, 1024);
    // The page loaded before the network was set to none (by the API, above): saving its form kept that change.
    assert.equal(settings.network, 'none', 'a setting the form did not change keeps the value given elsewhere');
    await page.getByText('Settings changed since the container was created').waitFor();
    await page.getByRole('cell', { name: 'python3 hello.py' }).waitFor();
    await shot('07-container');
  });
}
