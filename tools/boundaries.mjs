// The import boundaries between src/'s folders, as zones for import-x/no-restricted-paths. Computed
// from the folders that exist, so a new feature folder is inside the rules from its first file.
import fs from 'node:fs';
import path from 'node:path';

/** The pure core, lowest first: each may import only itself and the ones before it. */
export const coreLayers = ['time', 'pipeline', 'messages'];

/** Folders no other folder of the product imports: the operators' surfaces (the fault suite, like the tests, drives the bridge's handler directly). */
export const importedByNobody = ['bridge', 'cli'];

/** Process entry points: started by bin/pipeline.js or npm scripts, never imported. */
export const entryPoints = ['src/worker/main.ts', 'src/bridge/main.ts', 'src/cli/main.ts', 'dev/stack/main.ts'];

const folders = (root) =>
  fs
    .readdirSync(path.join(root, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

export function boundaryZones(root) {
  const all = folders(root);
  const core = coreLayers.map((layer, i) => ({
    target: `./src/${layer}`,
    from: './src',
    except: coreLayers.slice(0, i + 1).map((allowed) => `./${allowed}`),
    message: `the core (${coreLayers.join(', ')}) imports nothing above it`,
  }));
  const sealed = importedByNobody.map((folder) => ({
    target: [
      ...all.filter((other) => other !== folder).map((other) => `./src/${other}`),
      './dev/stack',
      './dev/sample',
      './dev/simulate',
    ],
    from: `./src/${folder}`,
    message: `nothing imports src/${folder}/: it is an operators' surface`,
  }));
  const entries = entryPoints.map((entry) => ({
    target: ['./src', './dev'],
    from: `./${entry}`,
    message: `${entry} is a process's entry point: import what it uses instead`,
  }));
  const tooling = {
    target: all.filter((folder) => folder !== 'cli').map((folder) => `./src/${folder}`),
    from: './dev',
    message: 'the product does not import development tooling (dev/)',
  };
  return [...core, ...sealed, ...entries, tooling];
}
