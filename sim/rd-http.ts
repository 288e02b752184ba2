// A deliberately small HTTP/1.1 server over raw TCP. The UIDAI RD-service protocol uses the methods RDSERVICE,
// DEVICEINFO and CAPTURE, which Node's llhttp parser rejects (it knows only registered methods), so node:http
// cannot serve it. One request per connection (`Connection: close`), as simple RD services do.
import { createServer, type Server, type Socket } from 'node:net';

export interface RdRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface RdResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type RdHandler = (req: RdRequest) => RdResponse | Promise<RdResponse>;

const MAX_HEAD_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
const IDLE_TIMEOUT_MS = 30_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

class HttpError extends Error {
  constructor(readonly status: number) {
    super(REASONS[status] ?? 'Error');
  }
}

function writeResponse(socket: Socket, res: RdResponse): void {
  const body = Buffer.from(res.body ?? '', 'utf8');
  const lines = [`HTTP/1.1 ${res.status} ${REASONS[res.status] ?? 'Status'}`];
  const headers: Record<string, string> = {
    ...res.headers,
    'Content-Length': String(body.length),
    Connection: 'close',
  };
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
}

/** Parse the head (request line and headers). Throws HttpError(400) on anything malformed. */
function parseHead(head: string): Omit<RdRequest, 'body'> {
  const [requestLine, ...headerLines] = head.split('\r\n');
  const parts = requestLine.split(' ');
  if (parts.length !== 3 || !TOKEN.test(parts[0]) || !/^HTTP\/1\.[01]$/.test(parts[2])) throw new HttpError(400);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw new HttpError(400);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const target = parts[1];
  const path = target.startsWith('/') ? target.split('?')[0] : new URL(target).pathname;
  return { method: parts[0], path, headers };
}

/** Decode a complete chunked body, or return null when more bytes are needed. */
function decodeChunked(buf: Buffer): Buffer | null {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new HttpError(400);
    // The last chunk is followed by optional trailers and an empty line; the request is complete once it is in.
    if (size === 0) return buf.length >= eol + 4 ? Buffer.concat(out) : null;
    if (buf.length < eol + 2 + size + 2) return null;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
    if (pos > MAX_BODY_BYTES * 2) throw new HttpError(413);
  }
}

function serve(socket: Socket, handler: RdHandler): void {
  let buf = Buffer.alloc(0);
  let head: Omit<RdRequest, 'body'> | null = null;
  let bodyStart = 0;
  let done = false;
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());

  const finish = (res: RdResponse) => {
    done = true;
    socket.removeAllListeners('data');
    writeResponse(socket, res);
  };

  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    buf = Buffer.concat([buf, chunk]);
    try {
      if (!head) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEAD_BYTES) throw new HttpError(431);
          return;
        }
        head = parseHead(buf.subarray(0, end).toString('latin1'));
        bodyStart = end + 4;
      }
      const rest = buf.subarray(bodyStart);
      let body: Buffer | null;
      if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) {
        body = decodeChunked(rest);
      } else {
        const length = Number(head.headers['content-length'] ?? '0');
        if (!Number.isInteger(length) || length < 0) throw new HttpError(400);
        if (length > MAX_BODY_BYTES) throw new HttpError(413);
        body = rest.length >= length ? rest.subarray(0, length) : null;
      }
      if (body === null) return;
      if (body.length > MAX_BODY_BYTES) throw new HttpError(413);
      const request: RdRequest = { ...head, body: body.toString('utf8') };
      done = true;
      Promise.resolve()
        .then(() => handler(request))
        .then(finish, () => finish({ status: 500 }));
    } catch (err) {
      finish({ status: err instanceof HttpError ? err.status : 400 });
    }
  });
}

/** Listen on `host:port`; resolves once bound, rejects with the listen error (EADDRINUSE, …). */
export function listenRd(host: string, port: number, handler: RdHandler): Promise<Server> {
  const server = createServer((socket) => serve(socket, handler));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
