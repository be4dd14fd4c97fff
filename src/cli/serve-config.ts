/**
 * The server configuration as the commands that open the server's stores load it: `--config
 * FILE` (else `moat.yaml` in the working directory), then the environment, then the command's
 * own flags.
 */
import { loadServeConfig, type ServeConfig } from '../server/config.js';

/** Loads the configuration from `config` (`--config FILE`) and the other flags (`--data`, …). */
export function loadConfigOfFlags<F extends { config?: string | undefined }>(
  flags: F,
): ServeConfig {
  const { config: configFile, ...rest } = flags;
  return loadServeConfig({
    flags: rest,
    env: process.env,
    cwd: process.cwd(),
    ...(configFile !== undefined ? { configFile } : {}),
  });
}
