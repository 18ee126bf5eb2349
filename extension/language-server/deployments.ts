/**
 * What the editor told the server about deployed apps (protocol.ts): the app of a Procfile's
 * folder, its formation and its dynos' states, and how to say them in a hover or a CodeLens.
 */
import { dirname, resolve } from 'node:path';
import type { Deployment, DeploymentDyno, DynoState } from './protocol';

export class Deployments {
  private byFolder = new Map<string, Deployment>();

  /** Replaces the whole list; returns whether anything changed. */
  set(list: readonly Deployment[] | undefined): boolean {
    const next = new Map<string, Deployment>();
    for (const d of list ?? []) {
      if (d && typeof d.folder === 'string' && typeof d.app === 'string') next.set(resolve(d.folder), d);
    }
    const changed = JSON.stringify([...next]) !== JSON.stringify([...this.byFolder]);
    this.byFolder = next;
    return changed;
  }

  /** The deployment of the app whose Procfile is `procfile` (an absolute path). */
  forProcfile(procfile: string): Deployment | undefined {
    return this.byFolder.get(dirname(resolve(procfile)));
  }
}

const STATE_ORDER: DynoState[] = ['up', 'starting', 'crashed', 'down'];

/** "2 up", "1 up, 1 crashed", "scaled to 0", "not in v3 (deploy to add it)". */
export function dynoSummary(d: Deployment, type: string): string {
  const dynos = d.dynos.filter((x) => x.type === type);
  if (dynos.length > 0) {
    const counts = new Map<DynoState, number>();
    for (const x of dynos) counts.set(x.state, (counts.get(x.state) ?? 0) + 1);
    return STATE_ORDER.filter((s) => counts.has(s))
      .map((s) => `${counts.get(s)} ${s}`)
      .join(', ');
  }
  if (type === 'release') return 'runs once per release';
  const count = d.formation[type];
  if (count === undefined) return d.release === null ? 'not deployed' : `not in v${d.release} (deploy to add it)`;
  if (count === 0) return 'scaled to 0';
  return `0 of ${count} running`;
}

export function dynoLine(x: DeploymentDyno): string {
  let line = `\`${x.name}\` ${x.state}`;
  if (x.since) line += ` since ${shortTime(x.since)}`;
  if (x.state === 'crashed' && x.nextRestartAt) line += `, restarts at ${shortTime(x.nextRestartAt)}`;
  return line;
}

function shortTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toTimeString().slice(0, 8);
}
