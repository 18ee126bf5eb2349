/**
 * Typed errors thrown by the platform's services. Only the HTTP layer maps them to status
 * codes (`status`), so a service never thinks about HTTP. Messages are for people: they say
 * what is wrong and, where there is one, the fix.
 */
export class PlatformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

export const notFound = (code: string, message: string) => new PlatformError(code, message, 404);
export const invalid = (code: string, message: string) => new PlatformError(code, message, 422);
export const conflict = (code: string, message: string) => new PlatformError(code, message, 409);
