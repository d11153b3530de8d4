// Where exports land: a local directory by default (the stack and tests), the API bucket in Cloud
// Storage when one is configured. Paths are object names like `v1/tonight/all-players.json`.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';

export interface ExportStorage {
  /** Writes `json` at `objectPath`, replacing what was there; returns where it went (file path or gs:// URL). */
  write(objectPath: string, json: unknown): Promise<string>;
  /** For logs and the start-up banner. */
  readonly location: string;
}

export const defaultExportDir = '.data/exports';

/** Files at `<dir>/<objectPath>`. Each write is atomic (temp file + rename): a reader never sees half a file. */
export function localDirectoryStorage(dir: string): ExportStorage {
  const root = path.resolve(dir);
  return {
    location: root,
    async write(objectPath, json) {
      const file = path.resolve(root, objectPath);
      if (!file.startsWith(root + path.sep)) throw new Error(`export path ${objectPath} escapes ${root}`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(temp, `${JSON.stringify(json, null, 2)}\n`);
      await fs.rename(temp, file);
      return file;
    },
  };
}

/** Objects in a Cloud Storage bucket (the website's API bucket, nba-props-platform-api). Not exercised locally. */
export function cloudStorage(bucketName: string, storage = new Storage()): ExportStorage {
  const bucket = storage.bucket(bucketName);
  return {
    location: `gs://${bucketName}`,
    async write(objectPath, json) {
      await bucket.file(objectPath).save(JSON.stringify(json), {
        resumable: false, // small documents: one request, no upload session to clean up
        contentType: 'application/json',
        // The website polls these; a short cache keeps `latest` files fresh.
        metadata: { cacheControl: 'public, max-age=300' },
      });
      return `gs://${bucketName}/${objectPath}`;
    },
  };
}

/** The bucket when one is configured, else the local directory. */
export function createExportStorage(options: { bucket?: string; dir?: string }): ExportStorage {
  return options.bucket ? cloudStorage(options.bucket) : localDirectoryStorage(options.dir ?? defaultExportDir);
}
