-- The BigQuery datasets and tables the orchestrator reads and the local stack seeds.
-- Idempotent: every statement is IF NOT EXISTS, so applying it again changes nothing.
-- Statements end with ';' at the end of a line (ensureSchema splits on that).
-- Tables are named without a project: they resolve in the project the query job runs in.

CREATE SCHEMA IF NOT EXISTS nba_raw;
CREATE SCHEMA IF NOT EXISTS nba_analytics;
CREATE SCHEMA IF NOT EXISTS nba_precompute;
CREATE SCHEMA IF NOT EXISTS nba_predictions;
CREATE SCHEMA IF NOT EXISTS nba_orchestration;

-- Phase 2 (NbacScheduleProcessor): the season's schedule, one row per game. Phase 5 reads it to
-- tell a day without games (quiet) from a game day.
CREATE TABLE IF NOT EXISTS nba_raw.nbac_schedule (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  home_team_abbr STRING,
  away_team_abbr STRING,
  -- scheduled | in_progress | final | postponed | cancelled
  game_status STRING,
  processed_at TIMESTAMP
)
PARTITION BY game_date;

-- Phase 3: one row per player per finished game (the results exports read it).
CREATE TABLE IF NOT EXISTS nba_analytics.player_game_summary (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  player_full_name STRING,
  team_abbr STRING,
  opponent_team_abbr STRING,
  home_game BOOL,
  minutes_played FLOAT64,
  points INT64,
  rebounds INT64,
  assists INT64,
  -- The points prop line the game was graded against, and how it went: OVER | UNDER.
  points_line FLOAT64,
  over_under_result STRING,
  processed_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY player_lookup;

-- Phase 3: who plays on a game date, before the games (the tonight exports read it).
CREATE TABLE IF NOT EXISTS nba_analytics.upcoming_player_game_context (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  player_full_name STRING,
  team_abbr STRING,
  opponent_team_abbr STRING,
  home_game BOOL,
  days_rest INT64,
  processed_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY player_lookup;

-- Phase 4 level 3: one feature vector per player and game date. Rows for a date = phase 4 is ready.
CREATE TABLE IF NOT EXISTS nba_precompute.ml_feature_store_v2 (
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  game_id STRING,
  features ARRAY<FLOAT64>,
  feature_count INT64,
  feature_version STRING,
  feature_quality_score FLOAT64,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY player_lookup;

-- Phase 5: one row per player, game date, prop and prediction system.
CREATE TABLE IF NOT EXISTS nba_predictions.player_prop_predictions (
  prediction_id STRING NOT NULL,
  system_id STRING NOT NULL,
  game_date DATE NOT NULL,
  game_id STRING,
  player_lookup STRING NOT NULL,
  prop_type STRING NOT NULL,
  line_value FLOAT64,
  predicted_value FLOAT64,
  -- 0-100
  confidence_score FLOAT64,
  -- OVER | UNDER | PASS
  recommendation STRING,
  is_active BOOL,
  created_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY player_lookup, system_id;

-- Every processor run of every phase (seed 004's completion message, as a row).
CREATE TABLE IF NOT EXISTS nba_orchestration.processor_run_history (
  processor_name STRING NOT NULL,
  phase STRING,
  data_date DATE,
  -- success | partial | no_data | failed
  status STRING NOT NULL,
  execution_id STRING NOT NULL,
  correlation_id STRING,
  trigger_source STRING,
  started_at TIMESTAMP,
  completed_at TIMESTAMP,
  duration_seconds FLOAT64,
  record_count INT64,
  records_failed INT64,
  error_message STRING,
  backfill_mode BOOL
)
PARTITION BY data_date
CLUSTER BY phase, processor_name;

-- The orchestrator's own run history, kept beyond Temporal's retention.
-- One row per game-day run that closed (a continued-as-new chain counts once: its first run id).
CREATE TABLE IF NOT EXISTS nba_orchestration.game_day_runs (
  game_date DATE NOT NULL,
  run_id STRING NOT NULL,
  workflow_id STRING NOT NULL,
  -- completed | expired | no_games; failed | terminated | timed_out (recorded by pipeline health)
  outcome STRING NOT NULL,
  correlation_id STRING,
  opened_at TIMESTAMP,
  closed_at TIMESTAMP NOT NULL,
  -- the run was driven by a backfill: its expiry pages nobody
  backfill BOOL
)
PARTITION BY game_date;

-- Everything that happened to a date: completions received, triggers, commands, alerts, the close.
CREATE TABLE IF NOT EXISTS nba_orchestration.game_day_events (
  event_id STRING NOT NULL,
  game_date DATE NOT NULL,
  correlation_id STRING,
  -- completion | trigger | command | alert | close
  kind STRING NOT NULL,
  phase STRING,
  processor STRING,
  trigger_id STRING,
  trigger_source STRING,
  `at` TIMESTAMP NOT NULL,
  detail STRING
)
PARTITION BY game_date
CLUSTER BY kind;
