import { type Pool, withTransaction } from '../db/pool';
import { countMembers, type FlightTotalMismatch, findFlightTotalMismatches, resetFlightTotalToLogbookSum } from './flight-totals.model';

export interface FlightTotalsReport {
  membersChecked: number;
  mismatches: FlightTotalMismatch[];
  /** Members whose total was set to their logbook's sum (only when asked to repair). */
  repaired: number[];
}

/**
 * Compares every member's running total of flight minutes (what get-member answers) with the sum of
 * their logbook entries. Every write to logbook_entries in this code keeps the two equal in one
 * transaction; a mismatch means something else wrote the logbook (a hand-made SQL change, an import,
 * code that ran before migration 050 during a rolling upgrade). With repair, each such member's total
 * is set to the sum, one member per transaction.
 */
export async function checkFlightTotals(pool: Pool, options: { repair: boolean }): Promise<FlightTotalsReport> {
  const membersChecked = await countMembers(pool);
  const mismatches = await findFlightTotalMismatches(pool);
  const repaired: number[] = [];
  if (options.repair) {
    for (const mismatch of mismatches) {
      await withTransaction(pool, (connection) => resetFlightTotalToLogbookSum(connection, mismatch.memberId));
      repaired.push(mismatch.memberId);
    }
  }
  return { membersChecked, mismatches, repaired };
}
