/**
 * The Data Storage API process: `node dist/datastorage-api/main.js` (image) or
 * `npm run datastorage -- serve` (development). Configuration from the environment (config.ts, README).
 */
import { ConfigurationError, loadDataStorageApiConfig } from './config';
import { runDataStorageApi } from './process';

runDataStorageApi(loadDataStorageApiConfig()).catch((err: unknown) => {
  process.stderr.write(
    `datastorage-api: ${err instanceof ConfigurationError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
