// The BigQuery client (bqemulator locally, real BigQuery otherwise), one way to run a query, and the schema.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';
import {
  BigQuery,
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
  Geography,
  type Job,
  type Query,
} from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { Config } from './config';
import { errorMessage } from './errors';

export const ddlFile = path.join(projectRoot, 'sql/ddl.sql');

const realEndpoint = 'https://bigquery.googleapis.com';

export function createBigQuery(config: Pick<Config, 'gcpProject' | 'bigqueryEmulatorHost'>): BigQuery {
  const host = config.bigqueryEmulatorHost;
  // Explicit endpoint either way: the client also reads BIGQUERY_EMULATOR_HOST itself, and when that
  // is the empty string (our "use real BigQuery") it would build the endpoint `https://`.
  if (!host) return new BigQuery({ projectId: config.gcpProject, apiEndpoint: realEndpoint });
  const endpoint = /^https?:\/\//.test(host) ? host.replace(/\/+$/, '') : `http://${host}`;
  const bigquery = new BigQuery({
    projectId: config.gcpProject,
    apiEndpoint: endpoint,
    authClient: bigqueryEmulatorAuth(),
  });
  // With BIGQUERY_EMULATOR_HOST in the environment the client uses it verbatim as its base URL,
  // without the `/bigquery/v2` path bqemulator serves; set the full base URL either way.
  bigquery.baseUrl = `${endpoint}/bigquery/v2`;
  return bigquery;
}

/**
 * The emulator takes any bearer token. A client with a fixed token never looks for credentials:
 * without one the REST client probes the GCE metadata server (a MetadataLookupWarning), an empty
 * OAuth2Client fails every request ("No access, refresh token, API key …"), and `apiKey` still probes.
 */
export function bigqueryEmulatorAuth(): OAuth2Client {
  return new OAuth2Client({ credentials: { access_token: 'emulator' } });
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Row = Record<string, JsonValue>;

/** A query parameter value; DATE parameters are `BigQuery.date(...)` (see `dateParam`). */
export type ParamValue =
  string | number | boolean | BigQueryDate | BigQueryTimestamp | ParamValue[] | { [key: string]: ParamValue };

export interface QueryOptions {
  params?: Record<string, ParamValue>;
  /** Needed where the client cannot infer a type: empty arrays, and FLOAT64 fields that may hold whole numbers. */
  types?: Query['types'];
}

/**
 * Runs one statement as a query job and returns its rows as plain JSON values (DATE and TIMESTAMP
 * as strings). Always a job, never the `jobs.query` fast path: bqemulator answers a failed
 * `jobs.query` with HTTP 200 and an `errors` list, which the client returns as zero rows.
 */
export async function runQuery(bigquery: BigQuery, sql: string, options: QueryOptions = {}): Promise<Row[]> {
  const job = await createJob(bigquery, sql, options);
  const [rows] = (await job.getQueryResults()) as [unknown[], ...unknown[]];
  return rows.map((row) => toPlainRow(row));
}

async function createJob(bigquery: BigQuery, sql: string, { params, types }: QueryOptions): Promise<Job> {
  const [job] = await bigquery.createQueryJob({ query: sql, params, types });
  return job;
}

/** One row for the streaming path: `insertId` lets BigQuery drop a row it was sent again. */
export interface StreamedRow {
  insertId: string;
  json: Row;
}

/**
 * Appends rows through BigQuery's streaming path (`tabledata.insertAll`): no job, so nothing queues
 * behind the table's DML limits and a retry never finds an earlier attempt's failed job. The insert
 * ids make BigQuery drop repeats it has seen lately; callers skip rows already written for the rest.
 */
export async function streamRows(bigquery: BigQuery, table: string, rows: readonly StreamedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const [dataset, name] = table.split('.');
  if (!dataset || !name) throw new Error(`streamRows: table must be dataset.table, got "${table}"`);
  try {
    await bigquery
      .dataset(dataset)
      .table(name)
      .insert(
        rows.map((row) => ({ insertId: row.insertId, json: row.json })),
        { raw: true },
      );
  } catch (error) {
    throw new Error(`insert into ${table} failed: ${insertErrorText(error)}`, { cause: error });
  }
}

/** The client's partial failure lists each row's errors; anything else has a message. */
function insertErrorText(error: unknown): string {
  const errors = (error as { errors?: { errors?: { message?: string; reason?: string }[] }[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0]?.errors?.[0];
    return `${errors.length} rows refused, the first: ${first?.reason ?? ''} ${first?.message ?? ''}`.trim();
  }
  return errorMessage(error);
}

/** A DATE parameter from YYYY-MM-DD. (`types: { d: 'DATE' }` with a string value sends an empty value.) */
export function dateParam(name: string, value: string): BigQueryDate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new Error(`${name} must be a date YYYY-MM-DD, got "${value}"`);
  }
  return BigQuery.date(value);
}

const isBig = (value: object): value is { toFixed(): string } => value.constructor?.name === 'Big';

/** A column that holds text (STRING, DATE, TIMESTAMP); anything else is a schema mismatch worth a clear error. */
export function textColumn(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`column ${column}: expected text, got ${JSON.stringify(value)}`);
  return value;
}

/** A nullable text column: null when NULL or empty. */
export function optionalTextColumn(row: Row, column: string): string | null {
  return row[column] === null || row[column] === undefined || row[column] === '' ? null : textColumn(row, column);
}

function toPlainRow(row: unknown): Row {
  const plain = toPlain(row);
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain))
    throw new Error('query row is not an object');
  return plain;
}

export function toPlain(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number(value);
  if (
    value instanceof BigQueryDate ||
    value instanceof BigQueryDatetime ||
    value instanceof BigQueryTime ||
    value instanceof BigQueryTimestamp ||
    value instanceof Geography
  ) {
    return String(value.value);
  }
  if (value instanceof BigQueryInt) return Number(value.value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    // NUMERIC comes back as a big.js `Big`: its fixed-point form is exact.
    if (isBig(value)) return Number(value.toFixed());
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  throw new Error(`unexpected value of type ${typeof value} in a query row`);
}

/** The DDL file's statements, comments removed. */
export function ddlStatements(text = fs.readFileSync(ddlFile, 'utf8')): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Creates the datasets and tables that are missing; running it again changes nothing. */
export async function ensureSchema(bigquery: BigQuery): Promise<void> {
  // One statement per job, in order (datasets first), so a failure names its statement.
  for (const statement of ddlStatements()) {
    try {
      await runQuery(bigquery, statement);
    } catch (error) {
      const head = statement.split('(')[0]?.replace(/\s+/g, ' ').trim();
      throw new Error(`ensureSchema: "${head}" failed: ${errorMessage(error)}`);
    }
  }
}
