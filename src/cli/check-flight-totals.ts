import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { checkFlightTotals } from '../logbook/flight-totals.service';
import { CliError, runCli } from './run-cli';

const USAGE = 'Usage: npm run db:check-flight-totals [-- --repair]';
const LISTED = 20;

/**
 * npm run db:check-flight-totals: exits 0 when every member's flight-time total equals the sum of
 * their logbook, 1 (listing the first members that differ) when not; --repair sets those totals to
 * the sum.
 */
runCli(async () => {
  let repair: boolean;
  try {
    repair = parseArgs({ options: { repair: { type: 'boolean', default: false } }, strict: true }).values.repair ?? false;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const config = loadConfig();
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    const report = await checkFlightTotals(pool, { repair });
    const { mismatches } = report;
    if (mismatches.length === 0) {
      console.log(`Flight totals match the logbook for all ${report.membersChecked} members`);
      return;
    }
    const listed = mismatches
      .slice(0, LISTED)
      .map((m) => `member ${m.memberId}: total ${m.recordedMinutes} min, logbook sums to ${m.logbookMinutes} min`);
    if (mismatches.length > LISTED) listed.push(`... and ${mismatches.length - LISTED} more`);
    if (repair) {
      console.log([...listed, `Repaired ${report.repaired.length} of ${report.membersChecked} members: their totals are now their logbook's sum`].join('\n'));
      return;
    }
    throw new CliError([...listed, `${mismatches.length} of ${report.membersChecked} members' flight totals differ from their logbook; run with --repair to set them to the sum`].join('\n'));
  } finally {
    await pool.end();
  }
});
