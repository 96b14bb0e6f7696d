import { describe, expect, it } from 'vitest';
import { InvariantViolation } from '../../src/testing';
import { LeaseRecoveries } from '../../src/testing/leaseRecoveries';

// A run died at t=0 holding a lease until t=4000, after 3 runs had started.
const crashed = () => {
  const recoveries = new LeaseRecoveries();
  recoveries.expect('acme#r1', 3, 4_000);
  return recoveries;
};
const earlier = [
  { requestKey: 'acme#r1', at: 0 },
  { requestKey: 'acme#r2', at: 0 },
  { requestKey: 'acme#r1', at: 0 },
];

describe('LeaseRecoveries: a crashed run is picked up when its lease ends', () => {
  it('passes when a run of the request starts once the lease ended', () => {
    const runs = [...earlier, { requestKey: 'acme#r1', at: 4_000 }];
    expect(() => crashed().check(60_000, runs)).not.toThrow();
  });

  it('waits while the lease and its tolerance have not passed', () => {
    expect(() => crashed().check(4_500, earlier)).not.toThrow();
  });

  it('fails when only runs during the lease, of another request, or much later came', () => {
    const runs = [
      ...earlier,
      { requestKey: 'acme#r1', at: 2_000 }, // the lease still held: it can only find it so
      { requestKey: 'acme#r2', at: 4_000 },
      { requestKey: 'acme#r1', at: 6 * 15 * 60_000 }, // SQS redelivering the dead run's message
    ];
    const check = () => crashed().check(6 * 15 * 60_000, runs);
    expect(check).toThrow(InvariantViolation);
    expect(check).toThrow(/picked up when its lease ends/);
  });

  it('does not count the runs that started before the crash', () => {
    const recoveries = new LeaseRecoveries();
    recoveries.expect('acme#r1', 1, 0);
    expect(() => recoveries.check(10_000, [{ requestKey: 'acme#r1', at: 0 }])).toThrow(
      InvariantViolation,
    );
  });
});
