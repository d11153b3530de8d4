// Checks the compose files without a Docker engine: each against the Compose Specification's JSON
// schema (the copy dclint ships), plus the house rules a schema cannot say (ports on 127.0.0.1, health
// checks on the long-running services, images that are the compiled build).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';

export interface ComposeReport {
  file: string;
  problems: string[];
  /** The file after YAML anchors and merge keys, as Compose reads it. */
  document: ComposeFile;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  ports?: (string | { host_ip?: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  command?: string[] | string;
  volumes?: unknown[];
  environment?: Record<string, string>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

function composeSchema(): object {
  // dclint's package exports no path to its schema; resolve its package.json and read beside it.
  const dclint = path.dirname(createRequire(__filename).resolve('dclint/package.json'));
  return JSON.parse(fs.readFileSync(path.join(dclint, 'schemas/compose.schema.json'), 'utf8')) as object;
}

/** Services that run until stopped and need a health check (one-shot jobs and tools are exempt). */
const longRunning = (name: string, service: ComposeService) =>
  !service.healthcheck?.disable && !/schema|namespace|^init$/.test(name);

export function checkComposeFile(file: string): ComposeReport {
  const parsed = parseDocument(fs.readFileSync(file, 'utf8'), { merge: true });
  const problems = parsed.errors.map((e) => `YAML: ${e.message}`);
  const document = parsed.toJS({ maxAliasCount: 100 }) as ComposeFile;
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, validateFormats: false });
  const validate = ajv.compile(composeSchema());
  if (!validate(document)) {
    for (const error of validate.errors ?? []) {
      problems.push(`schema: ${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
    }
  }
  for (const [name, service] of Object.entries(document.services ?? {})) {
    for (const port of service.ports ?? []) {
      const hostIp = typeof port === 'string' ? port.split(':').length === 3 && port.split(':')[0] : port.host_ip;
      if (hostIp !== '127.0.0.1') problems.push(`${name}: port ${JSON.stringify(port)} is not bound to 127.0.0.1`);
    }
    if (longRunning(name, service) && !service.healthcheck?.test && !service.profiles) {
      problems.push(`${name}: no health check`);
    }
  }
  return { file, problems, document };
}
