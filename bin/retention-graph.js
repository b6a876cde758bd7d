#!/usr/bin/env node
// CLI launcher: runs the bundled CLI (npm run build creates dist/cli.js).
require('../dist/cli.js');
