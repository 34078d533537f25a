#!/usr/bin/env node
// The `kb` command. The sources are TypeScript, run through tsx's loader,
// so there is no build step between `npm ci` and `npx kb`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/program.ts');
process.exitCode = await main(process.argv.slice(2));
