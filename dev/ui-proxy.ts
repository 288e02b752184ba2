// The Temporal UI of `ekyc dev`, as operators open it: a loopback proxy in front of the Temporal CLI's UI that
// changes one thing, the UI's cluster-level codec setting. The CLI's dev server can set the UI's codec endpoint
// (--ui-codec-endpoint) but not "include cross-origin credentials", so on the UI's default setting the browser
// never sent the codec server's session cookie and every /decode answered 401. The proxy answers the UI's
// settings request with IncludeCredentials on, so signing in at the codec server's /session is all it takes (README
// "Privacy and the codec server"). Everything else passes through unchanged.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** The UI server's settings route (Temporal UI 2.x), read by the page at start. */
export const UI_SETTINGS_PATH = '/api/v1/settings';
const SETTINGS_MAX_BYTES = 1_048_576;

export interface UiProxy {
  /** e.g. `http://127.0.0.1:8233`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface UiProxyOptions {
  host: '127.0.0.1';
  /** 0: any free port (reported in `url`). */
  port: number;
  /** Where the Temporal CLI's UI listens. */
  upstream: { host: string; port: number };
}

/** The settings the UI gets: the cluster-level codec sends credentials (the codec server's session cookie). */
export function withCodecCredentials(settings: unknown): unknown {
  if (!settings || typeof settings !== 'object') return settings;
  const s = settings as { Codec?: Record<string, unknown> };
  if (!s.Codec || typeof s.Codec !== 'object' || !s.Codec.Endpoint) return settings;
  return { ...s, Codec: { ...s.Codec, IncludeCredentials: true, PassAccessToken: false } };
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: UiProxyOptions['upstream']): void {
  const isSettings = req.method === 'GET' && (req.url ?? '').split('?')[0] === UI_SETTINGS_PATH;
  const headers = { ...req.headers };
  // The settings body is rewritten here: ask for it uncompressed.
  if (isSettings) delete headers['accept-encoding'];
  const out = httpRequest(
    { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers },
    (upstreamRes) => {
      if (!isSettings || upstreamRes.statusCode !== 200) {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      upstreamRes.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= SETTINGS_MAX_BYTES) chunks.push(c);
      });
      upstreamRes.on('end', () => {
        let body: string;
        try {
          body = JSON.stringify(withCodecCredentials(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        const resHeaders = { ...upstreamRes.headers };
        delete resHeaders['content-length'];
        delete resHeaders['transfer-encoding'];
        res.writeHead(200, { ...resHeaders, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      upstreamRes.on('error', () => res.destroy());
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('the Temporal UI is not answering');
  });
  req.pipe(out);
}

export async function startUiProxy(options: UiProxyOptions): Promise<UiProxy> {
  const server: Server = createServer((req, res) => forward(req, res, options.upstream));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
