/**
 * The web suite's steps over what ran without the user: an agent turn's
 * changes reviewed and undone, and a scheduled task with its runs.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FileContent } from '../../../src/contracts/index.ts';
import { request, sock } from '../helpers.ts';
import type { WebRun } from './harness.ts';

/** Registers the steps, in order, in the calling describe. */
export function reviewAndTasks(w: WebRun): void {
  it('shows what an agent turn changed, its diff, and undoes it', async () => {
    const { daemon, fake, page, origin, project, api, shot } = w;
    await api('PUT', `/projects/${project.id}`, { settings: { approval: 'auto' } });
    fake.reset();
    fake.script([{ text: 'Writing it.', tool_calls: [{ name: 'write_file', input: { path: 'notes.md', content: '# Notes\nwritten by the agent\n' } }] }, { text: 'Notes are written.' }]);
    await page.goto(`${origin}/#/projects/${project.id}/chat`);
    await page.getByLabel('Message').fill('Write notes.md');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Notes are written.').waitFor({ timeout: 120_000 });
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/notes.md`)).content, '# Notes\nwritten by the agent\n');
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('heading', { name: 'Changes by agents' }).waitFor();
    const turn = page.locator('.card.checkpoint', { hasText: 'Write notes.md' });
    await turn.getByText('notes.md').first().waitFor();
    await turn.getByRole('button', { name: /^Diff of the turn/ }).click();
    await turn.locator('.diff-lines .add', { hasText: 'written by the agent' }).waitFor();
    await shot('14-changes');
    page.once('dialog', (d) => void d.accept());
    await turn.getByRole('button', { name: /^Undo the turn/ }).click();
    await page.getByText(/^Undone: notes\.md deleted/).waitFor();
    await turn.getByText(/^undone/).waitFor();
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${project.id}/files/notes.md` })).status, 404);
    // A file changed by hand since its turn: the undo is refused with that file named, and done only when asked again.
    fake.reset();
    fake.script([{ text: 'Writing the list.', tool_calls: [{ name: 'write_file', input: { path: 'todo.md', content: 'first\n' } }] }, { text: 'The list is written.' }]);
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByLabel('Message').fill('Write todo.md');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('The list is written.').waitFor({ timeout: 120_000 });
    await api('PUT', `/projects/${project.id}/files/todo.md`, { content: 'first\nsecond, by hand\n' });
    await page.getByRole('link', { name: 'Changes' }).click();
    const later = page.locator('.card.checkpoint', { hasText: 'Write todo.md' });
    page.once('dialog', (d) => void d.accept());
    await later.getByRole('button', { name: /^Undo the turn/ }).click();
    const refused = later.getByRole('alert');
    await refused.getByText('todo.md').waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/todo.md`)).content, 'first\nsecond, by hand\n', 'a refused undo changes nothing');
    await refused.getByRole('button', { name: 'Undo anyway' }).click();
    await page.getByText(/^Undone: todo\.md deleted/).waitFor();
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${project.id}/files/todo.md` })).status, 404);
  });

  it('schedules a task, sees its runs arrive with their output, and disables it', async () => {
    const { daemon, page, origin, project, api, shot } = w;
    await page.goto(`${origin}/#/projects/${project.id}/tasks`);
    await page.getByRole('heading', { name: 'Scheduled tasks' }).waitFor();
    await page.getByLabel('Task name').fill('ticker');
    await page.getByLabel('Task command').fill("printf 'tick%s\\n' -from-schedule");
    // The schedule is checked as it is typed: a wrong one is named, the right one shows its next runs.
    const schedule = page.getByRole('textbox', { name: 'Schedule', exact: true });
    await schedule.fill('*/2 * * *');
    await page.locator('#schedule-check').getByText(/^Not a schedule:/).waitFor();
    await schedule.fill('*/2 * * * * *');
    await page.locator('#schedule-check').getByText(/Every 2 seconds\. Next:/).waitFor();
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('button', { name: 'Runs of ticker' }).click();
    // Runs arrive by themselves (task events reload the history): the first finished one, and its output.
    const history = page.getByRole('region', { name: 'Runs of ticker' });
    await history.locator('td.run-status.success').first().waitFor({ timeout: 60_000 });
    await history.getByRole('button', { name: /^Output of the run/ }).first().click();
    await page.getByRole('region', { name: 'Run output' }).getByText('tick-from-schedule').waitFor();
    await shot('13-tasks');
    await page.getByRole('button', { name: 'Disable ticker' }).click();
    await page.getByRole('button', { name: 'Enable ticker' }).waitFor();
    const tasks = await api<{ items: { name: string; enabled: boolean; run_count: number }[] }>('GET', `/scheduled-tasks?project=${project.id}`);
    const ticker = tasks.items.find((t) => t.name === 'ticker');
    assert.ok(ticker && !ticker.enabled && ticker.run_count >= 1, JSON.stringify(tasks.items));
    // Run now works on a disabled task too: a manual run joins the history by itself.
    await page.getByRole('button', { name: 'Run ticker now' }).click();
    await history.locator('tr', { hasText: 'manual' }).locator('td.run-status.success').waitFor({ timeout: 60_000 });
    // An agent's task from the same form: a prompt for the engineer, on a nickname.
    await page.getByLabel('Task name').fill('once-off');
    await page.getByLabel('Kind').selectOption('agent');
    await page.getByLabel('Prompt').fill('Run the tests and fix what fails');
    await schedule.fill('@daily');
    await page.locator('#schedule-check').getByText(/Next:/).waitFor();
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('button', { name: 'Delete once-off' }).waitFor();
    const agentTask = await api<{ kind: string; agent: string | null; prompt: string | null; schedule: string }>('GET', `/scheduled-tasks/once-off?project=${project.id}`);
    assert.deepEqual([agentTask.kind, agentTask.agent, agentTask.prompt, agentTask.schedule], ['agent', 'engineer', 'Run the tests and fix what fails', '@daily']);
    // Delete asks first, then the task leaves the list and the daemon.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete once-off' }).click();
    await page.getByRole('button', { name: 'Delete once-off' }).waitFor({ state: 'detached' });
    assert.equal((await request(sock(daemon), { path: `/api/v1/scheduled-tasks/once-off?project=${project.id}` })).status, 404);
  });
}
