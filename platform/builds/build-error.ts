/**
 * A build that cannot produce a slug. `code` is stable (the service layer maps it), the
 * message is for people and says what to do:
 * `source_missing`, `procfile_invalid`, `package_json_invalid`, `node_missing`, `npm_failed`,
 * `slug_too_large`, `build_aborted`, `build_failed`.
 */
export class BuildError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}
