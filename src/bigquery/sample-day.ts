// A simulated game day's rows, for the local stack and tests: who plays (context), phase 4 features,
// phase 5 predictions for a share of the players, and the previous day's results. Deterministic:
// the same date and options give the same rows, so seeding a date again replaces it with itself.
import { BigQuery } from '@google-cloud/bigquery';
import { dateParam, runQuery, type ParamValue, type QueryOptions } from './client';
import { primarySystem } from './queries';
import { addDays } from '../messages/dates';

export interface SampleDayOptions {
  /** Players with features on the date; the roster is the same every day. Default 100, at most 390. */
  players?: number;
  /** Share (0–1) of those players that get predictions. Default 1. */
  predictionCoverage?: number;
  /** Recorded on the sample's processor runs. Default `sample-<date>`. */
  correlationId?: string;
}

export const predictionSystems = [primarySystem, 'moving_average_baseline_v1'] as const;
export const featureVersion = 'v2_25features';
const featureCount = 25;
const playersPerTeam = 13;
const teams = [
  'ATL', 'BOS', 'BKN', 'CHA', 'CHI', 'CLE', 'DAL', 'DEN', 'DET', 'GSW', 'HOU', 'IND', 'LAC', 'LAL', 'MEM',
  'MIA', 'MIL', 'MIN', 'NOP', 'NYK', 'OKC', 'ORL', 'PHI', 'PHX', 'POR', 'SAC', 'SAS', 'TOR', 'UTA', 'WAS',
];
export const maxPlayers = teams.length * playersPerTeam;
const firstNames = [
  'Marcus', 'Jalen', 'Tyrese', 'Devin', 'Anthony', 'Jaylen', 'Darius', 'Luka', 'Nikola', 'Trae', 'Zion', 'Kevin',
  'Paolo', 'Scottie', 'Evan', 'Franz', 'Cade', 'Jamal', 'Donovan', 'Desmond', 'Miles', 'Mikal', 'Bam', 'Jrue',
  'Tyler', 'Dejounte', 'Alperen', 'Victor', 'Chet', 'Shai',
];
const lastNames = [
  'Smart', 'Brunson', 'Haliburton', 'Booker', 'Edwards', 'Brown', 'Garland', 'Doncic', 'Jokic', 'Young',
  'Williamson', 'Durant', 'Banchero', 'Barnes', 'Mobley', 'Wagner', 'Cunningham', 'Murray', 'Mitchell', 'Bane',
  'Bridges', 'Adebayo', 'Holiday', 'Herro', 'Murphy', 'Sengun', 'Wembanyama', 'Holmgren', 'Gilgeous', 'Ivey',
];

export interface RosterPlayer {
  playerLookup: string;
  fullName: string;
  team: string;
  pointsAverage: number;
  minutesAverage: number;
}

export type ContextRow = {
  game_id: string;
  player_lookup: string;
  player_full_name: string;
  team_abbr: string;
  opponent_team_abbr: string;
  home_game: boolean;
  days_rest: number;
};

export type FeatureRow = {
  player_lookup: string;
  game_id: string;
  features: number[];
  feature_count: number;
  feature_version: string;
  feature_quality_score: number;
};

export type PredictionRow = {
  prediction_id: string;
  system_id: string;
  game_id: string;
  player_lookup: string;
  prop_type: string;
  line_value: number;
  predicted_value: number;
  confidence_score: number;
  recommendation: 'OVER' | 'UNDER' | 'PASS';
  is_active: boolean;
};

export type ResultRow = {
  game_id: string;
  player_lookup: string;
  player_full_name: string;
  team_abbr: string;
  opponent_team_abbr: string;
  home_game: boolean;
  minutes_played: number;
  points: number;
  rebounds: number;
  assists: number;
  points_line: number;
  over_under_result: 'OVER' | 'UNDER';
};

export type RunRow = {
  processor_name: string;
  phase: string;
  data_date: string;
  status: 'success' | 'partial';
  execution_id: string;
  correlation_id: string;
  trigger_source: string;
  started_at: string;
  completed_at: string;
  duration_seconds: number;
  record_count: number;
  records_failed: number;
  backfill_mode: boolean;
};

export interface SampleDay {
  gameDate: string;
  /** The results in this sample are for this date's games. */
  resultsDate: string;
  context: ContextRow[];
  features: FeatureRow[];
  predictions: PredictionRow[];
  results: ResultRow[];
  runs: RunRow[];
  /** Players with features and no prediction, sorted. */
  missingPredictions: string[];
}

/** The first `count` players of the fixed roster, 13 per team. */
export function roster(count: number): RosterPlayer[] {
  if (!Number.isInteger(count) || count < 0 || count > maxPlayers) {
    throw new Error(`players must be a whole number from 0 to ${maxPlayers}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => {
    // Unique (first, last) pairs for i < 900: 31 and 30 are coprime.
    const first = firstNames[i % firstNames.length]!;
    const last = lastNames[(Math.floor(i / firstNames.length) * (firstNames.length + 1) + i) % lastNames.length]!;
    const playerLookup = `${first}${last}`.toLowerCase();
    return {
      playerLookup,
      fullName: `${first} ${last}`,
      team: teams[Math.floor(i / playersPerTeam)]!,
      pointsAverage: round1(5 + 25 * unit(playerLookup, 'ppg')),
      minutesAverage: round1(14 + 22 * unit(playerLookup, 'mpg')),
    };
  });
}

export function sampleDay(gameDate: string, options: SampleDayOptions = {}): SampleDay {
  dateParam('gameDate', gameDate);
  const count = options.players ?? 100;
  const coverage = options.predictionCoverage ?? 1;
  if (!(coverage >= 0 && coverage <= 1)) throw new Error(`predictionCoverage must be from 0 to 1, got ${coverage}`);
  const players = roster(count);
  const resultsDate = addDays(gameDate, -1);
  const correlationId = options.correlationId ?? `sample-${gameDate}`;

  const todaysGames = schedule(gameDate, players);
  const context: ContextRow[] = players.map((p) => {
    const game = todaysGames.get(p.team)!;
    return {
      game_id: game.gameId,
      player_lookup: p.playerLookup,
      player_full_name: p.fullName,
      team_abbr: p.team,
      opponent_team_abbr: game.opponent,
      home_game: game.home,
      days_rest: 1 + Math.floor(3 * unit(gameDate, p.playerLookup, 'rest')),
    };
  });

  const features: FeatureRow[] = players.map((p) => ({
    player_lookup: p.playerLookup,
    game_id: todaysGames.get(p.team)!.gameId,
    features: Array.from({ length: featureCount }, (_, k) =>
      round1((k % 2 === 0 ? p.pointsAverage : p.minutesAverage) * (0.6 + 0.8 * unit(gameDate, p.playerLookup, `f${k}`))),
    ),
    feature_count: featureCount,
    feature_version: featureVersion,
    feature_quality_score: round1(70 + 30 * unit(gameDate, p.playerLookup, 'quality')),
  }));

  const predicted = [...players]
    .sort((a, b) => unit(gameDate, a.playerLookup, 'cover') - unit(gameDate, b.playerLookup, 'cover'))
    .slice(0, Math.round(count * coverage));
  const predictions: PredictionRow[] = predicted.flatMap((p) =>
    predictionSystems.map((system) => {
      const line = pointsLine(gameDate, p);
      const spread = system === primarySystem ? 6 : 8;
      const value = round1(Math.max(0, p.pointsAverage + spread * (unit(gameDate, p.playerLookup, system) - 0.5)));
      const edge = value - line;
      return {
        prediction_id: `${system}-${gameDate}-${p.playerLookup}-points`,
        system_id: system,
        game_id: todaysGames.get(p.team)!.gameId,
        player_lookup: p.playerLookup,
        prop_type: 'points',
        line_value: line,
        predicted_value: value,
        confidence_score: round1(Math.min(95, 50 + 8 * Math.abs(edge) + 10 * unit(gameDate, p.playerLookup, system, 'conf'))),
        recommendation: edge >= 1.5 ? 'OVER' : edge <= -1.5 ? 'UNDER' : 'PASS',
        is_active: true,
      };
    }),
  );
  const predictedNames = new Set(predicted.map((p) => p.playerLookup));

  const yesterdaysGames = schedule(resultsDate, players);
  const results: ResultRow[] = players.map((p) => {
    const game = yesterdaysGames.get(p.team)!;
    const points = Math.max(0, Math.round(p.pointsAverage + 16 * (unit(resultsDate, p.playerLookup, 'pts') - 0.5)));
    const line = pointsLine(resultsDate, p);
    return {
      game_id: game.gameId,
      player_lookup: p.playerLookup,
      player_full_name: p.fullName,
      team_abbr: p.team,
      opponent_team_abbr: game.opponent,
      home_game: game.home,
      minutes_played: round1(Math.max(0, p.minutesAverage + 8 * (unit(resultsDate, p.playerLookup, 'min') - 0.5))),
      points,
      rebounds: Math.floor(12 * unit(resultsDate, p.playerLookup, 'reb')),
      assists: Math.floor(9 * unit(resultsDate, p.playerLookup, 'ast')),
      points_line: line,
      // Lines end in .5, so there is no push.
      over_under_result: points > line ? 'OVER' : 'UNDER',
    };
  });

  const run = (processor: string, phase: string, dataDate: string, hour: number, records: number, failed = 0): RunRow => ({
    processor_name: processor,
    phase,
    data_date: dataDate,
    status: failed > 0 ? 'partial' : 'success',
    execution_id: `sample-${processor}-${dataDate}`,
    correlation_id: correlationId,
    trigger_source: 'sample',
    started_at: `${gameDate}T${String(hour).padStart(2, '0')}:00:00.000Z`,
    completed_at: `${gameDate}T${String(hour).padStart(2, '0')}:04:30.000Z`,
    duration_seconds: 270,
    record_count: records,
    records_failed: failed,
    backfill_mode: false,
  });
  const runs = [
    run('PlayerGameSummaryProcessor', 'phase_3_analytics', resultsDate, 9, results.length),
    run('UpcomingPlayerGameContextProcessor', 'phase_3_analytics', gameDate, 10, context.length),
    run('ml_feature_store_v2', 'phase_4_precompute', gameDate, 12, features.length),
    run('PredictionCoordinator', 'phase_5_predictions', gameDate, 14, predictions.length, count - predicted.length),
  ];

  return {
    gameDate,
    resultsDate,
    context,
    features,
    predictions,
    results,
    runs,
    missingPredictions: players.map((p) => p.playerLookup).filter((name) => !predictedNames.has(name)).sort(),
  };
}

/**
 * Writes the sample day: each table's rows for its date are replaced in one MERGE (no duplicates,
 * and no window where the date is empty); other dates are untouched. Returns what it wrote.
 */
export async function seedSampleDay(bigquery: BigQuery, gameDate: string, options: SampleDayOptions = {}): Promise<SampleDay> {
  const day = sampleDay(gameDate, options);
  await replaceRows(bigquery, {
    table: 'nba_analytics.upcoming_player_game_context',
    dateColumn: 'game_date',
    date: day.gameDate,
    keys: ['player_lookup'],
    columns: contextColumns,
    stampColumns: ['processed_at'],
    rows: day.context,
  });
  await replaceRows(bigquery, {
    table: 'nba_precompute.ml_feature_store_v2',
    dateColumn: 'game_date',
    date: day.gameDate,
    keys: ['player_lookup'],
    columns: featureColumns,
    stampColumns: ['created_at', 'updated_at'],
    rows: day.features,
  });
  await replaceRows(bigquery, {
    table: 'nba_predictions.player_prop_predictions',
    dateColumn: 'game_date',
    date: day.gameDate,
    keys: ['player_lookup', 'system_id', 'prop_type'],
    columns: predictionColumns,
    stampColumns: ['created_at'],
    rows: day.predictions,
  });
  await replaceRows(bigquery, {
    table: 'nba_analytics.player_game_summary',
    dateColumn: 'game_date',
    date: day.resultsDate,
    keys: ['player_lookup', 'game_id'],
    columns: resultColumns,
    stampColumns: ['processed_at'],
    rows: day.results,
  });
  await upsertRuns(bigquery, day.runs);
  return day;
}

type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'DATE' | 'TIMESTAMP' | ['FLOAT64'];

const contextColumns = {
  game_id: 'STRING',
  player_lookup: 'STRING',
  player_full_name: 'STRING',
  team_abbr: 'STRING',
  opponent_team_abbr: 'STRING',
  home_game: 'BOOL',
  days_rest: 'INT64',
} satisfies Record<keyof ContextRow, ColumnType>;

const featureColumns = {
  player_lookup: 'STRING',
  game_id: 'STRING',
  features: ['FLOAT64'],
  feature_count: 'INT64',
  feature_version: 'STRING',
  feature_quality_score: 'FLOAT64',
} satisfies Record<keyof FeatureRow, ColumnType>;

const predictionColumns = {
  prediction_id: 'STRING',
  system_id: 'STRING',
  game_id: 'STRING',
  player_lookup: 'STRING',
  prop_type: 'STRING',
  line_value: 'FLOAT64',
  predicted_value: 'FLOAT64',
  confidence_score: 'FLOAT64',
  recommendation: 'STRING',
  is_active: 'BOOL',
} satisfies Record<keyof PredictionRow, ColumnType>;

const resultColumns = {
  game_id: 'STRING',
  player_lookup: 'STRING',
  player_full_name: 'STRING',
  team_abbr: 'STRING',
  opponent_team_abbr: 'STRING',
  home_game: 'BOOL',
  minutes_played: 'FLOAT64',
  points: 'INT64',
  rebounds: 'INT64',
  assists: 'INT64',
  points_line: 'FLOAT64',
  over_under_result: 'STRING',
} satisfies Record<keyof ResultRow, ColumnType>;

const runColumns = {
  processor_name: 'STRING',
  phase: 'STRING',
  data_date: 'DATE',
  status: 'STRING',
  execution_id: 'STRING',
  correlation_id: 'STRING',
  trigger_source: 'STRING',
  started_at: 'TIMESTAMP',
  completed_at: 'TIMESTAMP',
  duration_seconds: 'FLOAT64',
  record_count: 'INT64',
  records_failed: 'INT64',
  backfill_mode: 'BOOL',
} satisfies Record<keyof RunRow, ColumnType>;

interface Replacement<R> {
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
async function replaceRows<R extends Record<string, ParamValue>>(bigquery: BigQuery, r: Replacement<R>): Promise<void> {
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

/** Run history is shared with the real pipeline: the sample only upserts its own execution ids. */
async function upsertRuns(bigquery: BigQuery, runs: RunRow[]): Promise<void> {
  const names = Object.keys(runColumns);
  const sql = `
MERGE nba_orchestration.processor_run_history AS t
USING (SELECT ${names.map((c) => `item.${c}`).join(', ')} FROM UNNEST(@rows) AS item) AS s
ON t.execution_id = s.execution_id
WHEN MATCHED THEN UPDATE SET ${names.filter((c) => c !== 'execution_id').map((c) => `${c} = s.${c}`).join(', ')}
WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((c) => `s.${c}`).join(', ')})`;
  const rows = runs.map((run) => ({
    ...run,
    data_date: dateParam('data_date', run.data_date),
    started_at: BigQuery.timestamp(run.started_at),
    completed_at: BigQuery.timestamp(run.completed_at),
  }));
  await write(bigquery, 'nba_orchestration.processor_run_history', sql, { params: { rows }, types: { rows: [runColumns] } });
}

async function write(bigquery: BigQuery, table: string, sql: string, options: QueryOptions): Promise<void> {
  try {
    await runQuery(bigquery, sql, options);
  } catch (error) {
    throw new Error(`seeding ${table} failed: ${(error as Error).message}`);
  }
}

interface Game {
  gameId: string;
  opponent: string;
  home: boolean;
}

/** Pairs the roster's teams into games for the date; the pairing changes from day to day. */
function schedule(date: string, players: RosterPlayer[]): Map<string, Game> {
  const playing = [...new Set(players.map((p) => p.team))].sort((a, b) => unit(date, a) - unit(date, b));
  // An odd team out plays a team that has no sample players.
  if (playing.length % 2 === 1) playing.push(teams.find((t) => !playing.includes(t))!);
  const games = new Map<string, Game>();
  for (let i = 0; i + 1 < playing.length; i += 2) {
    const away = playing[i]!;
    const home = playing[i + 1]!;
    const gameId = `${date.replaceAll('-', '')}_${away}_${home}`;
    games.set(away, { gameId, opponent: home, home: false });
    games.set(home, { gameId, opponent: away, home: true });
  }
  return games;
}

function pointsLine(date: string, p: RosterPlayer): number {
  return Math.floor(Math.max(0, p.pointsAverage + 4 * (unit(date, p.playerLookup, 'line') - 0.5))) + 0.5;
}

/** A number in [0, 1) from the parts (FNV-1a): the sample's only source of variety. */
function unit(...parts: string[]): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
