// A real webhook receiver on loopback for the delivery tests: it records every request it gets (headers and raw
// body) and answers as the test scripts it (status, delay), and can go down and come back on the same port.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered; `null` when it held the request open until the sender gave up. */
  status: number | null;
  json: { type: string; timestamp: string; data: { userCode: string; sequence: number } & Record<string, unknown> };
}

/** How to answer one request: a status, after an optional delay. */
export type Answer = { status: number; delayMs?: number };

export class Receiver {
  readonly received: Received[] = [];
  /** Called for each request in turn; the default answers 204. */
  answer: (req: Received, index: number) => Answer = () => ({ status: 204 });
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const entry: Received = { headers: req.headers, body, status: null, json: JSON.parse(body) };
        this.received.push(entry);
        const { status, delayMs = 0 } = this.answer(entry, this.received.length - 1);
        setTimeout(() => {
          if (res.destroyed || req.socket.destroyed) return;
          entry.status = status;
          res.writeHead(status).end();
        }, delayMs);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: refuses connections until start() again (same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  of(userCode: string): Received[] {
    return this.received.filter((r) => r.json.data.userCode === userCode);
  }

  /** Waits until `predicate` holds over what was received. */
  async until(predicate: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${this.summary()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  summary(): string {
    return JSON.stringify(this.received.map((r) => [r.json.type, r.json.data.sequence, r.status]));
  }
}

/** Each event once, in the order of its first arrival (a receiver's de-duplication by webhook-id). */
export function deduplicated(received: Received[]): Received[] {
  const seen = new Set<string>();
  const out: Received[] = [];
  for (const r of received) {
    const id = String(r.headers['webhook-id']);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(r);
  }
  return out;
}
