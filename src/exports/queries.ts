// The exports' BigQuery reads: one parameterised query per export type, plain values back.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam, runQuery, type ParamValue, type Row } from '../platform/bigquery';

export type ExportParams = Record<string, string | number | boolean>;

/**
 * Runs an export's SQL. Parameters named `*_date` are DATE parameters (YYYY-MM-DD); the others keep
 * their JSON type (whole numbers are INT64). Parameters the SQL does not use are ignored.
 */
export async function runExportQuery(bigquery: BigQuery, sql: string, params: ExportParams): Promise<Row[]> {
  const typed: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) {
    typed[name] = name.endsWith('_date') && typeof value === 'string' ? dateParam(name, value) : value;
  }
  return runQuery(bigquery, sql, { params: typed });
}

/** Predictions the website shows come from one system; the others are graded in `performance`. */
export const primarySystem = 'ensemble_v1';
const primary = `'${primarySystem}'`;

/**
 * The SQL of each phase 6 export type. Parameters: `@target_date` (DATE) in all of them, and
 * `@min_games` (INT64) in `player-profiles`. Tonight's exports read the target date's context,
 * features and predictions; results, performance and best-bets grade the target date's games.
 */
export const exportQueries = {
  /** Everyone playing on the date, with the primary pick where there is one. */
  tonight: `
SELECT
  c.game_id, c.player_lookup, c.player_full_name, c.team_abbr, c.opponent_team_abbr, c.home_game,
  p.prediction_id IS NOT NULL AS has_prediction,
  p.line_value AS points_line, p.predicted_value AS predicted_points, p.confidence_score, p.recommendation
FROM nba_analytics.upcoming_player_game_context AS c
LEFT JOIN nba_predictions.player_prop_predictions AS p
  ON p.game_date = c.game_date AND p.player_lookup = c.player_lookup
  AND p.system_id = ${primary} AND p.prop_type = 'points' AND p.is_active
WHERE c.game_date = @target_date
ORDER BY c.game_id, c.team_abbr, c.player_lookup`,

  /** One card per predicted player: the pick plus recent form (last 10 games before the date). */
  'tonight-players': `
WITH recent AS (
  SELECT player_lookup, points, minutes_played, over_under_result,
    ROW_NUMBER() OVER (PARTITION BY player_lookup ORDER BY game_date DESC) AS recency
  FROM nba_analytics.player_game_summary
  WHERE game_date < @target_date AND game_date >= DATE_SUB(@target_date, INTERVAL 60 DAY)
),
form AS (
  SELECT player_lookup, COUNT(*) AS recent_games, ROUND(AVG(points), 1) AS recent_points_avg,
    ROUND(AVG(minutes_played), 1) AS recent_minutes_avg, COUNTIF(over_under_result = 'OVER') AS recent_overs
  FROM recent
  WHERE recency <= 10
  GROUP BY player_lookup
)
SELECT
  p.player_lookup, c.player_full_name, c.team_abbr, c.opponent_team_abbr, c.home_game, p.game_id,
  p.line_value AS points_line, p.predicted_value AS predicted_points, p.confidence_score, p.recommendation,
  COALESCE(f.recent_games, 0) AS recent_games, f.recent_points_avg, f.recent_minutes_avg,
  COALESCE(f.recent_overs, 0) AS recent_overs
FROM nba_predictions.player_prop_predictions AS p
JOIN nba_analytics.upcoming_player_game_context AS c
  ON c.game_date = p.game_date AND c.player_lookup = p.player_lookup
LEFT JOIN form AS f ON f.player_lookup = p.player_lookup
WHERE p.game_date = @target_date AND p.system_id = ${primary} AND p.prop_type = 'points' AND p.is_active
ORDER BY p.confidence_score DESC, p.player_lookup`,

  /** Every active prediction for the date, all systems. */
  predictions: `
SELECT
  prediction_id, system_id, game_id, player_lookup, prop_type,
  line_value, predicted_value, confidence_score, recommendation, created_at
FROM nba_predictions.player_prop_predictions
WHERE game_date = @target_date AND is_active
ORDER BY player_lookup, system_id, prop_type`,

  /** Players whose last 3+ graded games (within 30 days before the date) all went the same way. */
  streaks: `
WITH games AS (
  SELECT player_lookup, player_full_name, game_date, over_under_result AS result,
    ROW_NUMBER() OVER (PARTITION BY player_lookup ORDER BY game_date DESC) AS recency
  FROM nba_analytics.player_game_summary
  WHERE game_date < @target_date AND game_date >= DATE_SUB(@target_date, INTERVAL 30 DAY)
    AND over_under_result IN ('OVER', 'UNDER')
),
latest AS (
  SELECT player_lookup, player_full_name, result AS streak_type, game_date AS last_game_date
  FROM games
  WHERE recency = 1
),
streaks AS (
  SELECT l.player_lookup, l.player_full_name, l.streak_type, l.last_game_date,
    -- The streak ends just before the most recent game that went the other way.
    COALESCE(MIN(IF(g.result != l.streak_type, g.recency, NULL)) - 1, COUNT(*)) AS streak_length
  FROM latest AS l
  JOIN games AS g ON g.player_lookup = l.player_lookup
  GROUP BY l.player_lookup, l.player_full_name, l.streak_type, l.last_game_date
)
SELECT player_lookup, player_full_name, streak_type, streak_length, last_game_date
FROM streaks
WHERE streak_length >= 3
ORDER BY streak_length DESC, player_lookup`,

  /** The date's box scores, graded against the primary pick. */
  results: `
SELECT
  g.game_id, g.game_date, g.player_lookup, g.player_full_name, g.team_abbr, g.opponent_team_abbr,
  g.minutes_played, g.points, g.rebounds, g.assists, g.points_line, g.over_under_result,
  p.predicted_value AS predicted_points, p.recommendation, p.confidence_score,
  CASE
    WHEN p.recommendation = 'OVER' THEN g.points > p.line_value
    WHEN p.recommendation = 'UNDER' THEN g.points < p.line_value
  END AS pick_correct
FROM nba_analytics.player_game_summary AS g
LEFT JOIN nba_predictions.player_prop_predictions AS p
  ON p.game_date = g.game_date AND p.player_lookup = g.player_lookup
  AND p.system_id = ${primary} AND p.prop_type = 'points' AND p.is_active
WHERE g.game_date = @target_date
ORDER BY g.game_id, g.team_abbr, g.points DESC, g.player_lookup`,

  /** Each prediction system graded on the date's games. */
  performance: `
WITH graded AS (
  SELECT p.system_id, p.recommendation, p.predicted_value, p.line_value, g.points
  FROM nba_predictions.player_prop_predictions AS p
  JOIN nba_analytics.player_game_summary AS g
    ON g.game_date = p.game_date AND g.player_lookup = p.player_lookup
  WHERE p.game_date = @target_date AND p.prop_type = 'points' AND p.is_active
),
totals AS (
  SELECT system_id,
    COUNT(*) AS predictions_graded,
    COUNTIF(recommendation IN ('OVER', 'UNDER')) AS picks,
    COUNTIF((recommendation = 'OVER' AND points > line_value) OR (recommendation = 'UNDER' AND points < line_value)) AS correct_picks,
    ROUND(AVG(ABS(predicted_value - points)), 2) AS mean_absolute_error
  FROM graded
  GROUP BY system_id
)
SELECT system_id, predictions_graded, picks, correct_picks,
  ROUND(100 * SAFE_DIVIDE(correct_picks, picks), 1) AS win_rate_pct, mean_absolute_error
FROM totals
ORDER BY system_id`,

  /** The date's 15 most confident primary picks with a real edge, and how they went (null: not graded yet). */
  'best-bets': `
SELECT
  p.player_lookup, c.player_full_name, c.team_abbr, c.opponent_team_abbr, p.game_id,
  p.recommendation, p.line_value AS points_line, p.predicted_value AS predicted_points,
  ROUND(ABS(p.predicted_value - p.line_value), 1) AS edge, p.confidence_score,
  g.points AS actual_points,
  CASE
    WHEN g.points IS NULL THEN NULL
    WHEN p.recommendation = 'OVER' THEN g.points > p.line_value
    ELSE g.points < p.line_value
  END AS pick_correct
FROM nba_predictions.player_prop_predictions AS p
LEFT JOIN nba_analytics.upcoming_player_game_context AS c
  ON c.game_date = p.game_date AND c.player_lookup = p.player_lookup
LEFT JOIN nba_analytics.player_game_summary AS g
  ON g.game_date = p.game_date AND g.player_lookup = p.player_lookup
WHERE p.game_date = @target_date AND p.system_id = ${primary} AND p.prop_type = 'points' AND p.is_active
  AND p.recommendation IN ('OVER', 'UNDER') AND p.confidence_score >= 70
ORDER BY p.confidence_score DESC, edge DESC, p.player_lookup
LIMIT 15`,

  /** Season to date (from 1 October) for players with at least @min_games games by the date. */
  'player-profiles': `
WITH season AS (
  SELECT * FROM nba_analytics.player_game_summary
  WHERE game_date <= @target_date
    AND game_date >= DATE(EXTRACT(YEAR FROM DATE_SUB(@target_date, INTERVAL 9 MONTH)), 10, 1)
)
SELECT
  player_lookup,
  ANY_VALUE(player_full_name) AS player_full_name,
  ARRAY_AGG(team_abbr ORDER BY game_date DESC LIMIT 1)[OFFSET(0)] AS team_abbr,
  COUNT(*) AS games_played,
  ROUND(AVG(points), 1) AS points_avg,
  ROUND(AVG(minutes_played), 1) AS minutes_avg,
  MAX(points) AS points_high,
  COUNTIF(over_under_result = 'OVER') AS overs,
  COUNTIF(over_under_result = 'UNDER') AS unders,
  MAX(game_date) AS last_game_date
FROM season
GROUP BY player_lookup
HAVING COUNT(*) >= @min_games
ORDER BY points_avg DESC, player_lookup`,
} as const;

export type ExportQueryName = keyof typeof exportQueries;
