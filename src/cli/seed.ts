import { isDevelopmentMode, loadConfig } from '../config';
import { createPool } from '../db/pool';
import { DEMO_CONNECTOR, seedDemoData } from '../demo/demo-data';
import { CliError, runCli } from './run-cli';

runCli(async () => {
  const config = loadConfig();
  if (!isDevelopmentMode(config)) {
    throw new CliError('Refusing to seed demo data (known PINs and a known connector secret) unless NODE_ENV is development or test');
  }
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    await seedDemoData(pool, config, new Date());
  } finally {
    await pool.end();
  }
  console.log(`Demo data is in place (members 40, 60649, 70001, 70002; demo connector client id "${DEMO_CONNECTOR.clientId}")`);
});
