#!/usr/bin/env node
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/zeblit.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('zeblit is not built yet: run `npm run build` (or `npm install`) in the Zeblit folder.\n');
  process.exit(1);
}
await import(bundle.href);
