import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionMessage, parseCompletion, type Completion } from '../../src/messages/completion';
import { phaseDefinition } from '../../src/pipeline/definition';

const phase2Topic = 'nba-phase2-raw-complete';
const phase3Topic = 'nba-phase3-analytics-complete';
const phase4Topic = 'nba-phase4-processor-complete';
const pubsubMessageId = 'pubsub-msg-7781';

// The Phase 2 → 3 Cloud Function's documented "Input Message (from Phase 2)", verbatim.
const phase2FunctionInputMessage = `{
  "processor_name": "BdlGamesProcessor",
  "phase": "phase_2_raw",
  "execution_id": "def-456",
  "correlation_id": "abc-123",
  "game_date": "2025-11-29",
  "output_table": "bdl_games",
  "output_dataset": "nba_raw",
  "status": "success",
  "record_count": 150,
  "timestamp": "2025-11-29T12:00:00Z"
}`;

/** A minimal valid phase 2 message, with `overrides` applied (undefined removes a field). */
function phase2Message(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    processor_name: 'BdlGamesProcessor',
    game_date: '2025-11-29',
    status: 'success',
    ...overrides,
  });
}

function parsedOk(data: string, topic: string, fallbackExecutionId = pubsubMessageId): Completion {
  const result = parseCompletion(data, topic, fallbackExecutionId);
  if (!result.ok) assert.fail(`expected the message to parse, got rejection: ${result.reason}`);
  return result.value;
}

function rejectionReason(data: string, topic: string): string {
  const result = parseCompletion(data, topic, pubsubMessageId);
  if (result.ok) assert.fail(`expected a rejection, got ${JSON.stringify(result.value)}`);
  assert.equal(typeof result.reason, 'string');
  assert.ok(result.reason.length > 0, 'the reason is not empty');
  return result.reason;
}

describe("parseCompletion: the Phase 2 → 3 Cloud Function's input message", () => {
  it('parses to a phase 2 completion of BdlGamesProcessor with the message ids', () => {
    const completion = parsedOk(phase2FunctionInputMessage, phase2Topic);
    assert.deepEqual(completion, {
      phase: 'phase2',
      processor: 'BdlGamesProcessor',
      gameDate: '2025-11-29',
      status: 'success',
      executionId: 'def-456',
      correlationId: 'abc-123',
      skipDownstreamTrigger: false,
      timestamp: '2025-11-29T12:00:00Z',
      recordCount: 150,
    });
  });

  it('does not use the Pub/Sub message id when the message has its own execution_id', () => {
    const completion = parsedOk(phase2FunctionInputMessage, phase2Topic, 'some-other-id');
    assert.equal(completion.executionId, 'def-456');
  });
});

describe('parseCompletion: the unified message format', () => {
  it('accepts a full unified message, including fields the workflow does not use', () => {
    const message = JSON.stringify({
      processor_name: 'PlayerGameSummaryProcessor',
      phase: 'phase_3_analytics',
      execution_id: 'exec-3-1',
      correlation_id: 'corr-1',
      game_date: '2025-11-28',
      output_table: 'player_game_summary',
      output_dataset: 'nba_analytics',
      status: 'partial',
      record_count: 240,
      records_failed: 3,
      timestamp: '2025-11-28T14:00:00Z',
      duration_seconds: 12.5,
      parent_processor: 'BdlPlayerBoxscoresProcessor',
      trigger_source: 'pubsub',
      trigger_message_id: '123456',
      skip_downstream_trigger: false,
      backfill_mode: false,
      backfill_reason: null,
      error_message: null,
      error_type: null,
      metadata: { players: 240 },
    });
    assert.deepEqual(parsedOk(message, phase3Topic), {
      phase: 'phase3',
      processor: 'PlayerGameSummaryProcessor',
      gameDate: '2025-11-28',
      status: 'partial',
      executionId: 'exec-3-1',
      correlationId: 'corr-1',
      skipDownstreamTrigger: false,
      timestamp: '2025-11-28T14:00:00Z',
      recordCount: 240,
      metadata: { players: 240 },
    });
  });

  for (const status of ['success', 'partial', 'no_data', 'failed'] as const) {
    it(`accepts status ${status}`, () => {
      assert.equal(parsedOk(phase2Message({ status }), phase2Topic).status, status);
    });
  }

  it('carries error_message of a failed run', () => {
    const completion = parsedOk(
      phase2Message({ status: 'failed', error_message: 'BigQuery quota exceeded' }),
      phase2Topic,
    );
    assert.equal(completion.status, 'failed');
    assert.equal(completion.errorMessage, 'BigQuery quota exceeded');
  });
});

describe('parseCompletion: phase', () => {
  it('accepts a message without phase; the topic tells the phase', () => {
    const withoutPhase = phase2Message({ execution_id: 'e-1' });
    assert.equal(parsedOk(withoutPhase, phase2Topic).phase, 'phase2');
  });

  it('takes the phase from the topic for other phases too', () => {
    const message = JSON.stringify({
      processor_name: 'TeamOffenseGameSummaryProcessor',
      game_date: '2025-11-29',
      status: 'success',
    });
    const completion = parsedOk(message, phase3Topic);
    assert.equal(completion.phase, 'phase3');
    assert.equal(completion.processor, 'TeamOffenseGameSummaryProcessor');
  });

  it("accepts the topic's own phase name", () => {
    assert.equal(parsedOk(phase2Message({ phase: 'phase_2_raw' }), phase2Topic).phase, 'phase2');
  });

  it('rejects a message whose phase belongs to another phase, naming that phase', () => {
    const reason = rejectionReason(phase2Message({ phase: 'phase_3_analytics' }), phase2Topic);
    assert.match(reason, /phase_3_analytics/);
    assert.match(reason, /phase_2_raw/);
  });

  it("rejects the Cloud Function's phase 2 message (phase_2_raw) arriving on the phase 3 topic", () => {
    const reason = rejectionReason(phase2FunctionInputMessage, phase3Topic);
    assert.match(reason, /phase_2_raw/);
  });
});

describe('parseCompletion: execution and correlation ids', () => {
  it('correlation id falls back to execution_id', () => {
    const completion = parsedOk(phase2Message({ execution_id: 'exec-9' }), phase2Topic);
    assert.equal(completion.executionId, 'exec-9');
    assert.equal(completion.correlationId, 'exec-9');
  });

  it('execution id falls back to the Pub/Sub message id passed in', () => {
    const completion = parsedOk(phase2Message({ correlation_id: 'corr-5' }), phase2Topic, 'pubsub-42');
    assert.equal(completion.executionId, 'pubsub-42');
    assert.equal(completion.correlationId, 'corr-5');
  });

  it('with neither id, the execution id is the Pub/Sub message id and there is no correlation id', () => {
    const completion = parsedOk(phase2Message(), phase2Topic, 'pubsub-43');
    assert.equal(completion.executionId, 'pubsub-43');
    assert.equal(completion.correlationId, undefined);
    assert.ok(!('correlationId' in completion), 'no correlationId key at all');
  });

  it('treats null and empty ids as absent', () => {
    for (const empty of [null, '']) {
      const completion = parsedOk(
        phase2Message({ execution_id: empty, correlation_id: empty }),
        phase2Topic,
        'pubsub-44',
      );
      assert.equal(completion.executionId, 'pubsub-44', `execution_id ${JSON.stringify(empty)}`);
      assert.equal(completion.correlationId, undefined, `correlation_id ${JSON.stringify(empty)}`);
    }
  });
});

describe('parseCompletion: processor names', () => {
  it('maps the phase 4 alias MLFeatureStoreProcessor to ml_feature_store_v2', () => {
    const message = JSON.stringify({
      processor_name: 'MLFeatureStoreProcessor',
      phase: 'phase_4_precompute',
      game_date: '2025-11-29',
      status: 'success',
    });
    const completion = parsedOk(message, phase4Topic);
    assert.equal(completion.phase, 'phase4');
    assert.equal(completion.processor, 'ml_feature_store_v2');
  });

  it('maps every phase 4 alias to its canonical name', () => {
    const aliases: Record<string, string> = {
      TeamDefenseZoneAnalysisProcessor: 'team_defense_zone',
      PlayerShotZoneAnalysisProcessor: 'player_shot_zone',
      PlayerDailyCacheProcessor: 'player_daily_cache',
      PlayerCompositeFactorsProcessor: 'player_composite_factors',
      ml_feature_store: 'ml_feature_store_v2',
      ml_feature_store_v2: 'ml_feature_store_v2',
    };
    for (const [published, canonical] of Object.entries(aliases)) {
      const completion = parsedOk(phase2Message({ processor_name: published }), phase4Topic);
      assert.equal(completion.processor, canonical, `${published} is ${canonical}`);
    }
  });

  it('does not accept a phase 4 alias on the phase 2 topic', () => {
    const reason = rejectionReason(phase2Message({ processor_name: 'MLFeatureStoreProcessor' }), phase2Topic);
    assert.match(reason, /MLFeatureStoreProcessor/);
  });

  it('rejects a processor unknown to the phase, naming the processor and the phase', () => {
    const reason = rejectionReason(phase2Message({ processor_name: 'PlayerGameSummaryProcessor' }), phase2Topic);
    assert.match(reason, /unknown processor/);
    assert.match(reason, /PlayerGameSummaryProcessor/);
    assert.match(reason, /phase2/);
  });
});

describe("parseCompletion: ml_feature_store_v2's own announcement on nba-phase4-precompute-complete", () => {
  const announcementTopic = 'nba-phase4-precompute-complete';

  it("is ml_feature_store_v2's phase 4 completion, with its player counts, named or not", () => {
    const named = parsedOk(
      phase2Message({
        processor_name: 'MLFeatureStoreProcessor',
        phase: 'phase_4_precompute',
        players_ready: 114,
        players_total: 120,
      }),
      announcementTopic,
    );
    assert.equal(named.phase, 'phase4');
    assert.equal(named.processor, 'ml_feature_store_v2');
    assert.deepEqual(named.metadata, { players_ready: 114, players_total: 120 });
    const unnamed = parsedOk(phase2Message({ processor_name: undefined }), announcementTopic);
    assert.equal(unnamed.processor, 'ml_feature_store_v2');
  });

  it('carries no other processor', () => {
    const reason = rejectionReason(phase2Message({ processor_name: 'PlayerDailyCacheProcessor' }), announcementTopic);
    assert.equal(
      reason,
      "nba-phase4-precompute-complete carries ml_feature_store_v2's completions only, not player_daily_cache's",
    );
  });
});

describe('parseCompletion: backfill and metadata', () => {
  it('skip_downstream_trigger: true sets skipDownstreamTrigger', () => {
    const completion = parsedOk(phase2Message({ skip_downstream_trigger: true, backfill_mode: true }), phase2Topic);
    assert.equal(completion.skipDownstreamTrigger, true);
  });

  it('skipDownstreamTrigger is false when the flag is false or absent', () => {
    assert.equal(parsedOk(phase2Message({ skip_downstream_trigger: false }), phase2Topic).skipDownstreamTrigger, false);
    assert.equal(parsedOk(phase2Message(), phase2Topic).skipDownstreamTrigger, false);
  });

  it('passes metadata through unchanged', () => {
    const metadata = { games: 12, source: 'bdl', nested: { teams: ['LAL', 'BOS'], partial: false } };
    assert.deepEqual(parsedOk(phase2Message({ metadata }), phase2Topic).metadata, metadata);
  });

  it('has no metadata when the message has none', () => {
    assert.ok(!('metadata' in parsedOk(phase2Message(), phase2Topic)));
  });
});

describe('parseCompletion: rejections with a readable reason', () => {
  it('rejects malformed JSON', () => {
    assert.match(rejectionReason('{"processor_name": "BdlGamesProcessor",', phase2Topic), /not JSON/);
    assert.match(rejectionReason('', phase2Topic), /not JSON/);
  });

  it('rejects a message without processor_name', () => {
    const reason = rejectionReason(phase2Message({ processor_name: undefined }), phase2Topic);
    assert.match(reason, /processor_name/);
    assert.match(reason, /required/);
  });

  it('rejects a blank processor_name', () => {
    const reason = rejectionReason(phase2Message({ processor_name: '   ' }), phase2Topic);
    assert.match(reason, /processor_name/);
  });

  it('rejects a message without game_date', () => {
    const reason = rejectionReason(phase2Message({ game_date: undefined }), phase2Topic);
    assert.match(reason, /game_date/);
    assert.match(reason, /required/);
  });

  for (const gameDate of ['2025-13-01', '2025-02-30', '11/29/2025']) {
    it(`rejects game_date ${gameDate}`, () => {
      const reason = rejectionReason(phase2Message({ game_date: gameDate }), phase2Topic);
      assert.match(reason, /game_date/);
      assert.match(reason, /YYYY-MM-DD/);
    });
  }

  it('accepts 29 February in a leap year (the date check is a calendar check)', () => {
    assert.equal(parsedOk(phase2Message({ game_date: '2024-02-29' }), phase2Topic).gameDate, '2024-02-29');
  });

  it('rejects an unknown status, listing the known ones', () => {
    const reason = rejectionReason(phase2Message({ status: 'done' }), phase2Topic);
    assert.match(reason, /status/);
    assert.match(reason, /success/);
    assert.match(reason, /no_data/);
  });

  it('rejects a message without status', () => {
    assert.match(rejectionReason(phase2Message({ status: undefined }), phase2Topic), /status/);
  });

  it('names every bad field when several are wrong', () => {
    const reason = rejectionReason(JSON.stringify({ status: 'success' }), phase2Topic);
    assert.match(reason, /processor_name/);
    assert.match(reason, /game_date/);
  });

  it('rejects a topic that carries no completions, naming the topic', () => {
    for (const topic of ['nba-phase6-export-complete', 'nba-phase3-trigger', 'no-such-topic']) {
      const reason = rejectionReason(phase2FunctionInputMessage, topic);
      assert.match(reason, new RegExp(topic));
      assert.match(reason, /carries no completions/);
    }
  });

  it('rejects JSON that is not an object', () => {
    for (const data of ['null', '[]', '"BdlGamesProcessor"', '42']) {
      const result = parseCompletion(data, phase2Topic, pubsubMessageId);
      assert.equal(result.ok, false, `${data} is rejected`);
    }
  });
});

describe('a completion rendered back for the dead-letter topic', () => {
  it('parses on its topic into the same completion, so a replayed late letter is not invalid', () => {
    const completions: Completion[] = [
      {
        phase: 'phase2',
        processor: 'BdlGamesProcessor',
        gameDate: '2025-11-29',
        status: 'success',
        executionId: 'exec-1',
        correlationId: 'corr-1',
        skipDownstreamTrigger: false,
      },
      {
        phase: 'phase4',
        processor: 'ml_feature_store_v2',
        gameDate: '2025-11-29',
        status: 'partial',
        executionId: 'exec-2',
        correlationId: 'corr-2',
        skipDownstreamTrigger: true,
        timestamp: '2025-11-30T06:00:00Z',
        recordCount: 12,
        errorMessage: 'some rows skipped',
        metadata: { players_ready: 400, players_total: 450, source: 'x' },
      },
    ];
    for (const completion of completions) {
      const topic = phaseDefinition(completion.phase).completionTopic!;
      const wire = JSON.stringify(completionMessage(completion));
      assert.deepEqual(parseCompletion(wire, topic, 'pubsub-id'), { ok: true, value: completion });
    }
  });
});
