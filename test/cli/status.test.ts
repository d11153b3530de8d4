// What `pipeline status` prints comes from messages: it must never carry terminal escapes through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderStatus } from '../../src/cli/status';
import { notStartedStatus } from '../../src/date-run/status';

describe('pipeline status rendering', () => {
  it('prints control characters in a correlation id as escapes', () => {
    const status = { ...notStartedStatus('2025-11-29'), correlation_id: 'abc\u001b[2J\u001b]0;owned\u0007' };
    const text = renderStatus(status);
    assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), false, 'no raw control characters');
    assert.match(text, /correlation id {2}abc\\u001b\[2J\\u001b\]0;owned\\u0007/);
  });
});
