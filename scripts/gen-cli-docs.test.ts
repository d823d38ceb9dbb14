import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS } from '../cli/app.ts';
import { BEGIN, CLI_DOC, END, renderCommandReference, withReference } from './gen-cli-docs.ts';

describe('docs/cli.md', () => {
  it('has the command reference of the commands as they are (run `node --import tsx scripts/gen-cli-docs.ts` when this fails)', async () => {
    const doc = readFileSync(CLI_DOC, 'utf8');
    assert.ok(doc.includes(BEGIN) && doc.includes(END), 'the generated block is marked');
    const fresh = withReference(doc, await renderCommandReference());
    assert.equal(doc, fresh, 'docs/cli.md is stale');
  });

  it('documents every command of cli/app.ts, with what its --json prints', async () => {
    const ref = await renderCommandReference();
    for (const c of COMMANDS) assert.ok(ref.includes(`### zeblit ${c.path}\n`), `zeblit ${c.path} is missing`);
    assert.equal(ref.split('**--json**:').length - 1, COMMANDS.length);
  });

  it('keeps the prose around the reference when it rewrites it', () => {
    const doc = `# T\n\nprose\n\n${BEGIN}\nold\n${END}\n`;
    assert.equal(withReference(doc, `${BEGIN}\nnew\n${END}\n`), `# T\n\nprose\n\n${BEGIN}\nnew\n${END}\n`);
  });
});
