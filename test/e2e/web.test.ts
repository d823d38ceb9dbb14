/**
 * The web client in a real browser: Debian's chromium driven by
 * playwright-core against the built daemon (dist/zeblitd.js serving
 * dist/web/), with the fake LLM as the provider and the real Docker engine
 * running the project's container. One user's path through every view, in
 * order: sign in from the one-time link, create a project, write a file in
 * the editor, run it and watch its output arrive live in the console, see
 * the detected error, chat with an agent and approve its command, see the
 * file's versions and diff, upload and download, the container and its
 * limits, review and undo an agent turn's changes, schedule a task and see
 * its runs, a project on a folder, usage, a phone's width, dark mode, and
 * signing out. Along the way:
 * the CSP header, no CSP violation in the page, the cookie's attributes, and
 * a foreign Origin refused.
 *
 * The steps are in web/ (the run they share in web/harness.ts); they are
 * registered here, in order: each one goes on from where the last left the
 * page, the daemon and the project.
 *
 * Screenshots of each view go to $TMPDIR/zeblit-web-shots/<run>/ (printed).
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the
 * suite fails with that instruction (ZEBLIT_REQUIRE_BROWSER=0 skips it).
 */
import { describe } from 'node:test';
import { webRun, webSuiteOptions } from './web/harness.ts';
import { layoutAndKeyboard } from './web/layout-and-keyboard.ts';
import { projectsAndUsage } from './web/projects-and-usage.ts';
import { reviewAndTasks } from './web/review-and-tasks.ts';
import { signIn, signOut } from './web/session.ts';
import { workspace } from './web/workspace.ts';

describe('the web client in Chromium against the built daemon', webSuiteOptions, () => {
  const w = webRun();
  signIn(w);
  workspace(w);
  reviewAndTasks(w);
  projectsAndUsage(w);
  layoutAndKeyboard(w);
  signOut(w);
});
