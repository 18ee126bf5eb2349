/** `--confirm APP`, Heroku's guard on what destroys data: missing or wrong is an error saying which. */
import { invalid } from '../errors';

export function checkConfirm(app: string, confirm: string | undefined, what: string): void {
  if (confirm === undefined) throw invalid('confirm_required', `${what} cannot be undone; confirm with --confirm ${app}`);
  if (confirm !== app) throw invalid('confirm_mismatch', `--confirm "${confirm}" does not match the app "${app}"; ${what} needs --confirm ${app}`);
}
