#!/usr/bin/env node
// Only a stub: everything, libraries included, is bundled into dist/ so `npx` installs one package.
import '../dist/cli.js';
