// The BigQuery side of `pipeline init` and of the processes' start-up checks. The pipeline owns one
// dataset, nba_orchestration (its run history), created where BIGQUERY_LOCATION says. The datasets it
// reads (schedule, features, predictions …) are other teams'; a local stack gets sample ones.
import type { BigQuery } from '@google-cloud/bigquery';
import { ddlStatements, runQuery } from '../bigquery';
import { errorMessage } from '../errors';
import { orchestrationDataset } from './iam';
import { MissingResourceError } from './topology';

const isCreateSchema = (statement: string) => /^CREATE SCHEMA/i.test(statement);
const ownedStatement = (statement: string) =>
  statement.includes(`${orchestrationDataset}.`) ||
  (isCreateSchema(statement) && statement.trim().endsWith(` ${orchestrationDataset}`));

async function run(bigquery: BigQuery, statement: string): Promise<void> {
  try {
    await runQuery(bigquery, statement);
  } catch (error) {
    const head = statement.split('(')[0]?.replace(/\s+/g, ' ').trim();
    throw new Error(`"${head}" failed: ${errorMessage(error)}`);
  }
}

/**
 * Creates nba_orchestration (in `location`) and its tables when missing; with `samples`, also the
 * sample datasets and tables of sql/ddl.sql (local stacks only). Returns the datasets it ensured.
 */
export async function ensureDatasets(
  bigquery: BigQuery,
  options: { location: string; samples: boolean },
): Promise<string[]> {
  try {
    await bigquery.createDataset(orchestrationDataset, { location: options.location });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 409) throw new Error(`creating dataset ${orchestrationDataset}: ${errorMessage(error)}`);
  }
  const statements = ddlStatements();
  for (const statement of statements.filter((s) => ownedStatement(s) && !isCreateSchema(s))) {
    await run(bigquery, statement);
  }
  if (!options.samples) return [orchestrationDataset];
  const samples = statements.filter((s) => !ownedStatement(s));
  for (const statement of samples) await run(bigquery, statement);
  const sampleDatasets = samples.filter(isCreateSchema).map((s) => s.split(/\s+/).pop()!);
  return [orchestrationDataset, ...sampleDatasets];
}

/** At a process's start: the dataset it writes exists (bigquery.datasets.get). */
export async function checkDataset(bigquery: BigQuery, processName: string): Promise<void> {
  let exists: boolean;
  try {
    [exists] = await bigquery.dataset(orchestrationDataset).exists();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 403) throw error;
    throw new MissingResourceError([
      `dataset ${orchestrationDataset}: permission denied; the ${processName}'s service account needs roles/bigquery.dataEditor on it`,
    ]);
  }
  if (!exists) {
    throw new MissingResourceError([`dataset ${orchestrationDataset} does not exist (pipeline init creates it)`]);
  }
}
