// Where the project's files are, whether this module runs from src/ (tsx) or dist/src/ (compiled).
import fs from 'node:fs';
import path from 'node:path';

/** The directory holding package.json: the repository, or /app in the image. */
export const projectRoot = ((): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..');
  }
})();

/** The workflow bundle `npm run build` writes; the compiled worker loads it instead of bundling at start. */
export const workflowBundleFile = path.join(projectRoot, 'dist', 'workflow-bundle.js');
