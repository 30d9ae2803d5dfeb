import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { SecretBox, UnreadableSecretError } from '../security/secret-box';
import { resealAllSecrets } from '../security/secret-rotation';
import { CliError, runCli } from './run-cli';

/**
 * npm run secrets:rotate-key: re-seals every encrypted column under SECRETS_KEY. Rotate by moving the
 * old key to SECRETS_OLD_KEYS, setting a new SECRETS_KEY, restarting the API, running this, and then
 * dropping the old key.
 */
runCli(async () => {
  const config = loadConfig();
  const box = SecretBox.fromConfig(config);
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    const results = await resealAllSecrets(pool, box);
    for (const result of results) {
      console.log(
        `${result.column}: ${result.resealed} re-encrypted under key ${box.currentKeyId}` +
          (result.changedMeanwhile ? `, ${result.changedMeanwhile} changed meanwhile` : '') +
          (result.remaining ? `; ${result.remaining} still not under the current key: run again` : ''),
      );
    }
    if (results.every((result) => result.remaining === 0)) {
      console.log(`Every secret is sealed with key ${box.currentKeyId}; SECRETS_OLD_KEYS can be emptied.`);
    }
  } catch (error) {
    if (error instanceof UnreadableSecretError) throw new CliError(`Not done: ${error.message}`);
    throw error;
  } finally {
    await pool.end();
  }
});
