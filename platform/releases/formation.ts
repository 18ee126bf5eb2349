import type { Formation } from '../api/schemas';

/**
 * The formation after a release with `types` goes live (Heroku's rule): the first release sets
 * web=1 when there is a web type; every other type, and any type that appears later, starts at
 * 0; types that disappear are dropped. `release` is the release phase and never scaled.
 */
export function nextFormation(current: Formation, types: Iterable<string>, firstRelease: boolean): Formation {
  // No prototype, and own keys only: a type named `toString` or `__proto__` is just a name.
  const next: Formation = Object.create(null) as Formation;
  for (const type of types) {
    if (type === 'release') continue;
    next[type] = Object.hasOwn(current, type) ? current[type] : firstRelease && type === 'web' ? 1 : 0;
  }
  return next;
}
