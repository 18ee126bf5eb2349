/**
 * Waits until `check` returns a value (not undefined), asking again every `everyMs`: for state
 * that has no event of its own (what the webview drew, a status bar text, a CodeLens). Fails
 * with the last thing seen.
 */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
