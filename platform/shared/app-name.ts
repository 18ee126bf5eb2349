/**
 * Heroku-style app names (CLI.md): 2 to 30 characters, lowercase letters, digits and dashes,
 * starting with a letter and ending with a letter or a digit (Heroku's rule). The platform,
 * the router, the CLI and the editor all judge a name with this.
 */
export const APP_NAME = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;

/** The same rule as the host label of `http://APP.localhost:PORT/` (no anchors). */
export const APP_NAME_SOURCE = '[a-z][a-z0-9-]{0,28}[a-z0-9]';

export const APP_NAME_RULE = '2 to 30 characters: lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit (for example "my-app")';

/** Why `name` is not an app name, or null when it is one. */
export function appNameProblem(name: string): string | null {
  return APP_NAME.test(name) ? null : `"${name}" is not a valid app name: use ${APP_NAME_RULE}`;
}
