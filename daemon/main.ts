import { main } from './program.ts';

// The zeblitd program (dist/zeblitd.js). No main guard: inside the bundle every module would pass it (see STACK-NOTES).
void main(process.argv.slice(2));
