// What `pipeline leases` and `pipeline status` print about leases: holders come from processors, so
// they never carry terminal escapes through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leasesJson, renderLeases } from '../../src/cli/leases';
import { renderStatus } from '../../src/cli/status';
import type { Lease } from '../../src/leases/table';
import { notStartedStatus } from '../../src/date-run/status';

const lease: Lease = {
  processor: 'PlayerGameSummaryProcessor',
  holder: 'exec\u001b[2J-1',
  acquired_at: '2026-02-04T15:00:06.000Z',
  expires_at: '2026-02-04T15:10:06.000Z',
  ttl_seconds: 600,
};
const rawControl = /[\u0000-\u0008\u000b-\u001f\u007f]/;

describe('lease rendering', () => {
  it('lists each lease with its date, holder and end, and each break with who and why', () => {
    const listings = [
      {
        game_date: '2026-02-04',
        leases: [lease],
        broken: [{ ...lease, broken_at: '2026-02-04T15:05:00.000Z', broken_by: 'ops@host', reason: 'hung' }],
      },
    ];
    const text = renderLeases(listings);
    assert.equal(rawControl.test(text), false, 'no raw control characters');
    assert.match(text, /2026-02-04 .*PlayerGameSummaryProcessor .*exec\\u001b\[2J-1 .*2026-02-04T15:10:06.000Z/);
    assert.match(text, /broken 2026-02-04T15:05:00.000Z: 2026-02-04 PlayerGameSummaryProcessor .* by ops@host: hung/);
    assert.deepEqual(leasesJson(listings).leases, [{ game_date: '2026-02-04', ...lease }]);
    assert.equal(renderLeases([{ game_date: '2026-02-04', leases: [], broken: [] }]), 'no processing leases held');
  });

  it('shows the leases held in pipeline status', () => {
    const text = renderStatus({ ...notStartedStatus('2026-02-04'), leases: [lease] });
    assert.equal(rawControl.test(text), false);
    assert.match(text, /leases {10}PlayerGameSummaryProcessor \(exec\\u001b\[2J-1 until 2026-02-04T15:10:06.000Z\)/);
  });
});
