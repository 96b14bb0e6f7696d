#!/usr/bin/env node
// The `streamer` command: see src/cli/main.ts (built to dist/cli.js by npm run build).
import '../dist/cli.js';
