import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { runCli } from './run-cli';

runCli(async () => {
  const config = loadConfig();
  const { applied, version } = await migrate(config.DATABASE_URL);
  console.log(applied.length ? `Applied ${applied.join(', ')}; schema is at version ${version}` : `Schema is up to date at version ${version}`);
});
