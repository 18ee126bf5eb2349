/**
 * Loopback ports for dynos: picking a free one, and telling when a dyno accepts connections
 * on its own (what makes a web dyno `up`).
 */
import { connect, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';
const POLL_MS = 50;

/** `port` if nothing listens on it now, else node's EADDRINUSE error; 0: the kernel's choice. */
export function probePort(port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      const address = server.address();
      const p = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(p));
    });
  });
}

/** A port that nothing listens on now (the kernel's choice), not among `taken`. */
export async function freePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await probePort(0);
    if (!taken.has(port) || attempt >= 20) return port;
  }
}

/** One connection attempt: true when something accepts on the port. */
export function accepts(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true once the port accepts a connection (tried every 50 ms), false when `signal`
 * aborts first.
 */
export async function waitUntilAccepting(port: number, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    if (await accepts(port)) return !signal.aborted;
    if (signal.aborted) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
  return false;
}

/** Hands out free ports and remembers the ones in use by live dynos. */
export class PortPool {
  private readonly inUse = new Set<number>();

  async take(): Promise<number> {
    const port = await freePort(this.inUse);
    this.inUse.add(port);
    return port;
  }

  give(port: number): void {
    this.inUse.delete(port);
  }
}
