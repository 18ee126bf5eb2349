/**
 * What a user types to scale: `web=2 worker+1` (spaces or commas between changes), the
 * CLI's `ps:scale` vocabulary. A bare count (`3`, `+1`, `-1`) applies to one type the caller
 * names (the Formation row a command was run from). The platform checks the types and the
 * bounds again (one contract): this only checks the shape, so the input box can say what is
 * wrong while the user types.
 */
import type { ScaleChange } from '../../platform/api/client';

const CHANGE = /^(.+)([=+-])(\d{1,3})$/;
const COUNT = /^([=+-]?)(\d{1,3})$/;

export type ScaleSpec = { changes: ScaleChange[] } | { problem: string };

export function parseScaleSpec(text: string, defaultType?: string): ScaleSpec {
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return { problem: 'write TYPE=N, TYPE+N or TYPE-N (for example web=2 worker+1)' };
  const changes: ScaleChange[] = [];
  for (const w of words) {
    const bare = defaultType !== undefined ? COUNT.exec(w) : null;
    if (bare) {
      changes.push({ type: defaultType!, op: (bare[1] || '=') as ScaleChange['op'], count: Number(bare[2]) });
      continue;
    }
    // a type may itself contain dashes: the last operator wins (as `slipway ps:scale`)
    const m = CHANGE.exec(w);
    if (!m) return { problem: `"${w}" is not a scale change; write TYPE=N, TYPE+N or TYPE-N (for example web=2)` };
    if (Number(m[3]) > 100) return { problem: `"${w}": at most 100 dynos per type` };
    changes.push({ type: m[1], op: m[2] as ScaleChange['op'], count: Number(m[3]) });
  }
  return { changes };
}

/** `web=2 worker+1`, for messages. */
export function scaleText(changes: readonly ScaleChange[]): string {
  return changes.map((c) => `${c.type}${c.op}${c.count}`).join(' ');
}

/** `web=1 worker=0`, the formation as an editable scale spec. */
export function formationSpec(formation: Readonly<Record<string, number>>): string {
  return Object.entries(formation)
    .map(([t, n]) => `${t}=${n}`)
    .join(' ');
}
