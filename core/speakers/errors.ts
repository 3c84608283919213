/**
 * The speaker store's error: what went wrong with which store, and the fix.
 * @module
 */

/** A store problem (unreachable server, missing pgvector, locked dir, model mismatch, unknown speaker...). */
export class StoreError extends Error {
  /** `where` is the store's dir or URL (without password); the message ends with the fix. */
  constructor(readonly where: string, message: string, options?: ErrorOptions) {
    super(`${where}: ${message}`, options);
    this.name = "StoreError";
  }
}

/** A URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}
