#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// Memory is part of the contract (peak RSS <= 128 MB on any image): a small young generation and
// two malloc arenas keep the garbage of streamed layers from inflating the resident set.
// The bundled CLI (see rolldown.config.js); dist/cli/ holds the same code unbundled for the library.
import { main } from '../dist/bundle/moat.js';

process.exitCode = await main(process.argv.slice(2));
