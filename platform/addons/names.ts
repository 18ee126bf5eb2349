/**
 * Add-on names (`postgresql-curly-33328`, Heroku's style) and attachment names: DATABASE and
 * REDIS for an app's first of each, POSTGRESQL_AMBER / REDIS_AMBER for the next ones.
 */
import { randomInt } from 'node:crypto';
import { invalid } from '../errors';

const ADJECTIVES = ['curly', 'shiny', 'quiet', 'rugged', 'solid', 'fluffy', 'clean', 'silent', 'tidy', 'vivid', 'cubic', 'sinuous', 'round', 'angular', 'dimensional', 'concentric', 'elliptical', 'flat', 'spherical', 'triangular'];
const NOUNS = ['acorn', 'comet', 'river', 'cloud', 'forest', 'meadow', 'canyon', 'harbor', 'ridge', 'prairie', 'glacier', 'island', 'lagoon', 'summit', 'valley'];
export const COLORS = ['AMBER', 'AQUA', 'BLACK', 'BLUE', 'BRONZE', 'BROWN', 'COBALT', 'COPPER', 'CRIMSON', 'CYAN', 'GOLD', 'GRAY', 'GREEN', 'IVORY', 'JADE', 'LIME', 'MAROON', 'NAVY', 'OLIVE', 'ONYX', 'ORANGE', 'PINK', 'PURPLE', 'RED', 'SILVER', 'TEAL', 'WHITE', 'YELLOW'];

/** `postgresql-curly-acorn-33328`-like; the caller retries on the rare clash. */
export function addonName(kind: 'postgresql' | 'redis'): string {
  const adj = ADJECTIVES[randomInt(ADJECTIVES.length)];
  const noun = NOUNS[randomInt(NOUNS.length)];
  return `${kind}-${adj}-${noun}-${String(randomInt(100000)).padStart(5, '0')}`;
}

/** The PostgreSQL database and role of an add-on: its name in SQL's identifier alphabet. */
export const sqlName = (addon: string) => addon.replace(/-/g, '_');

const ATTACHMENT = /^[A-Z][A-Z0-9_]*$/;

/** --as NAME: upper-case letters, digits and underscores; the config var is NAME_URL. */
export function checkAttachmentName(name: string): void {
  if (!ATTACHMENT.test(name) || name.length > 64) {
    throw invalid('invalid_attachment_name', `"${name}" is not a valid attachment name: use upper-case letters, digits and underscores, starting with a letter (for example --as ANALYTICS, which sets ANALYTICS_URL)`);
  }
  if (name.startsWith('SLIPWAY_')) throw invalid('invalid_attachment_name', `"${name}" is reserved: names starting with SLIPWAY_ belong to the platform; choose another --as`);
}

/** The default attachment: DATABASE / REDIS first, then KIND_COLOR not yet used by a var. */
export function defaultAttachment(kind: 'postgresql' | 'redis', taken: (attachment: string) => boolean): string {
  const first = kind === 'postgresql' ? 'DATABASE' : 'REDIS';
  if (!taken(first)) return first;
  for (const color of COLORS) {
    const candidate = `${kind.toUpperCase()}_${color}`;
    if (!taken(candidate)) return candidate;
  }
  throw invalid('too_many_addons', `the app has an add-on of every color; name the next one with --as NAME`);
}
