// Writes a sample table's rows for one date as one MERGE: no duplicates, and no moment where the date is empty.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam, runQuery, type ParamValue, type QueryOptions } from '../../src/platform/bigquery';
import { errorMessage } from '../../src/platform/errors';

export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'DATE' | 'TIMESTAMP' | ['FLOAT64'];

export interface Replacement<R> {
  table: string;
  dateColumn: string;
  date: string;
  /** With the date, identify a row. */
  keys: (keyof R & string)[];
  columns: Record<keyof R & string, ColumnType>;
  /** Set to the write time on insert (and on update, except `created_at`). */
  stampColumns: string[];
  rows: R[];
}

/** The date's rows become exactly `rows`: matched ones updated, new ones inserted, the rest deleted. */
export async function replaceRows<R extends Record<string, ParamValue>>(
  bigquery: BigQuery,
  r: Replacement<R>,
): Promise<void> {
  const names = Object.keys(r.columns);
  const keys: readonly string[] = r.keys;
  const updated = names.filter((c) => !keys.includes(c));
  const sql = `
MERGE ${r.table} AS t
USING (SELECT ${names.map((c) => `item.${c}`).join(', ')} FROM UNNEST(@rows) AS item) AS s
ON t.${r.dateColumn} = @date AND ${r.keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}
WHEN MATCHED THEN UPDATE SET ${[
    ...updated.map((c) => `${c} = s.${c}`),
    ...r.stampColumns.filter((c) => c !== 'created_at').map((c) => `${c} = CURRENT_TIMESTAMP()`),
  ].join(', ')}
WHEN NOT MATCHED THEN INSERT (${[r.dateColumn, ...names, ...r.stampColumns].join(', ')})
  VALUES (${['@date', ...names.map((c) => `s.${c}`), ...r.stampColumns.map(() => 'CURRENT_TIMESTAMP()')].join(', ')})
WHEN NOT MATCHED BY SOURCE AND t.${r.dateColumn} = @date THEN DELETE`;
  await write(bigquery, r.table, sql, {
    params: { date: dateParam('date', r.date), rows: r.rows },
    types: { rows: [r.columns] },
  });
}

// Names the table, so a failed seed says which of the five it was.
export async function write(bigquery: BigQuery, table: string, sql: string, options: QueryOptions): Promise<void> {
  try {
    await runQuery(bigquery, sql, options);
  } catch (error) {
    throw new Error(`seeding ${table} failed: ${errorMessage(error)}`);
  }
}
