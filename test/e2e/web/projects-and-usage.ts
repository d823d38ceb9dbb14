/**
 * The web suite's steps on the project list (archive, unarchive, delete; a
 * project on a folder of the machine) and on usage and cost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Project } from '../../../src/contracts/index.ts';
import { request, sock } from '../helpers.ts';
import type { WebRun } from './harness.ts';

/** Registers the steps, in order, in the calling describe. */
export function projectsAndUsage(w: WebRun): void {
  it('archives, unarchives and deletes a project from the list', async () => {
    const { daemon, page, projects, api } = w;
    const scratch = await api<Project>('POST', '/projects', { name: 'scratch', template: 'blank' });
    projects.push(scratch.id);
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Archive scratch' }).click();
    await page.getByRole('button', { name: 'Archive scratch' }).waitFor({ state: 'detached' });
    assert.equal((await api<Project>('GET', `/projects/${scratch.id}`)).status, 'archived');
    await page.getByRole('button', { name: 'Archived' }).click();
    await page.getByRole('button', { name: 'Unarchive scratch' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    await page.getByRole('button', { name: 'Delete scratch' }).waitFor({ state: 'detached' });
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${scratch.id}` })).status, 404);
    await page.getByRole('button', { name: 'Active' }).click();
    await page.getByRole('link', { name: 'webdemo' }).waitFor();
  });

  it('creates a project on a folder of the machine: its files are the workspace', async () => {
    const { page, origin, projects, api } = w;
    const folder = mkdtempSync(join(tmpdir(), 'zeblit-web-folder-'));
    writeFileSync(join(folder, 'existing.py'), 'print("already here")\n');
    await page.goto(`${origin}/#/`);
    await page.getByLabel('Name').fill('webfolder');
    await page.getByLabel('Template').selectOption('python');
    await page.getByLabel('Folder (optional)').fill(folder);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'webfolder' }).waitFor();
    const p = await api<Project & { path: string | null }>('GET', '/projects/webfolder');
    projects.push(p.id);
    assert.equal(p.path, realpathSync(folder));
    await page.getByRole('button', { name: 'existing.py' }).waitFor();
    await api('DELETE', `/projects/${p.id}`);
    assert.equal(readFileSync(join(folder, 'existing.py'), 'utf8'), 'print("already here")\n', 'deleting the project leaves the folder');
  });

  it('shows usage and cost by day, agent and model', async () => {
    const { page, shot } = w;
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage and cost' }).waitFor();
    await page.locator('.totals').getByText(/\$[\d.]+/).waitFor();
    for (const title of ['By day', 'By agent', 'By model']) await page.getByRole('figure', { name: title }).waitFor();
    await page.getByRole('figure', { name: 'By agent' }).getByText('engineer').first().waitFor();
    await shot('08-usage');
  });
}
