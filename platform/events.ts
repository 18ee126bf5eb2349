/**
 * What changed on the platform (apps, releases, config, dynos, formation), for GET /events: the
 * editor's trees refresh from it instead of polling. In-process only; nothing is stored.
 */
import { EventEmitter } from 'node:events';
import type { PlatformEvent } from './api/schemas';

export type EventKind = PlatformEvent['kind'];

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(kind: EventKind, app: string | null): void {
    const event: PlatformEvent = { kind, app, time: new Date().toISOString() };
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: PlatformEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
