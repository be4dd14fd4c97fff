#!/usr/bin/env -S node --max-semi-space-size=4
// The bundled CLI (see rolldown.config.js); dist/cli/ holds the same code unbundled for the library.
import { main } from '../dist/bundle/moat.js';

process.exitCode = await main(process.argv.slice(2));
