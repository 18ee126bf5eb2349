import { invalid } from '../errors';

/** Heroku-style app names (CLI.md): a lowercase letter, then 1–29 lowercase letters, digits or dashes. */
export const APP_NAME = /^[a-z][a-z0-9-]{1,29}$/;

export function checkAppName(name: string): void {
  if (!APP_NAME.test(name)) {
    throw invalid(
      'invalid_app_name',
      `"${name}" is not a valid app name: use 2 to 30 characters, lowercase letters, digits and dashes, starting with a letter (for example "my-app")`,
    );
  }
}
