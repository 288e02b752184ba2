// `ekyc codec-server`: configuration from the environment, then the server until SIGINT/SIGTERM.
import { createJwtVerifier } from '../auth/jwt.js';
import { loadCodecConfig, loadCodecServerConfig, type Env } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { printJson } from '../client/output.js';
import { AesGcmPayloadCodec } from './payload-codec.js';
import { buildCodecServer } from './server.js';

export async function runCodecServerCommand(env: Env = process.env): Promise<void> {
  // Both loaders throw ConfigError (one line naming the variable) before anything listens.
  const config = loadCodecServerConfig(env);
  const codec = new AesGcmPayloadCodec(loadCodecConfig(env));
  const logger = createLogger('codec-server', env);
  const app = await buildCodecServer({
    codec,
    auth: createJwtVerifier(config.jwt),
    corsOrigins: config.corsOrigins,
    logger,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    publicUrl: config.publicUrl,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, corsOrigins: config.corsOrigins, keyId: codec.keyId }, 'codec server listening');
  printJson({ codecServer: { address, corsOrigins: config.corsOrigins, keyId: codec.keyId } });

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  logger.info('codec server stopped');
  logger.flush();
}
