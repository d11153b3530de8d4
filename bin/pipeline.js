#!/usr/bin/env node
// Operators' CLI and the two processes (`pipeline worker`, `pipeline bridge`: each its own entry
// point, which the CLI never loads). Runs the compiled
// code in dist/ (`npm run build`); in a checkout whose sources are newer than the build (or with no
// build) it runs the TypeScript sources through tsx instead, so an edit is never hidden by a stale build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** The module to run: a process's entry point, or the CLI. */
const entry = { worker: 'src/worker/main', bridge: 'src/bridge/main' }[process.argv[2]] ?? 'src/cli/main';
const compiledMain = path.join(root, 'dist', `${entry}.js`);

/** The newest modification time under `dir` (0 if it does not exist: the image ships no sources). */
function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function buildIsFresh() {
  let builtAt;
  try {
    builtAt = Date.parse(JSON.parse(fs.readFileSync(path.join(root, 'dist/build-info.json'), 'utf8')).builtAt);
  } catch {
    return false;
  }
  if (!fs.existsSync(compiledMain)) return false;
  return Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'dev'))) <= builtAt;
}

/** A process's entry exports `main`; the CLI runs on load. */
function run(module) {
  if (typeof module.main === 'function') module.main();
}

if (buildIsFresh()) {
  run(require(compiledMain));
} else {
  // tsx's CommonJS hook serves require(), its ESM hook the lazy import()s of commands.
  import('tsx/esm/api').then(({ register }) => {
    register();
    require('tsx/cjs');
    run(require(`../${entry}.ts`));
  });
}
