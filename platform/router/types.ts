/**
 * The router's shared types: what a route is and what an exchange needs from its router. In a
 * file of their own so that the router, its exchanges, the WebSocket passage and the nginx
 * engine import them without importing each other (no cycle).
 */
import type { Dispatcher } from 'undici';

/** A web dyno that is `up`, listening on 127.0.0.1:port. */
export interface RouteTarget {
  dyno: string;
  port: number;
}

export interface AppRoute {
  maintenance: boolean;
  targets: RouteTarget[];
  /** Some web dyno of the app is crashed. */
  crashed: boolean;
}

/** What an exchange needs from its router. */
export interface ExchangeContext {
  dispatcher: Dispatcher;
  resolve(app: string): AppRoute | null;
  /** The next target of the app's round-robin, other than the dyno on `exceptPort` if possible. */
  pick(app: string, targets: RouteTarget[], exceptPort?: number): RouteTarget;
  /** The origin (`http://127.0.0.1:PORT`) of a dyno port. */
  origin(port: number): string;
  log(app: string, line: string): void;
  timeoutMs(): number;
  /** An exchange begins (+1) or ends (-1) on a dyno port: refresh() waits for a leaving dyno's. */
  inflight(app: string, port: number, delta: 1 | -1): void;
}
