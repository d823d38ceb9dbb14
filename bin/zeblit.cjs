#!/usr/bin/env node
// CommonJS on purpose: an ES module here would start Node's ESM loader, 10 ms
// or more on every command (docs/cli.md, "Speed").
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'zeblit.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('zeblit is not built yet: run `npm run build` (or `npm install`) in the Zeblit folder.\n');
  process.exit(1);
}
require(bundle);
