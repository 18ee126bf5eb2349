/**
 * Facts the in-host tests measure (activation time, platform start, …), written to the result
 * file by index.ts. On globalThis, because each *.suite.js file is bundled separately.
 */
export function facts(): Record<string, unknown> {
  const g = globalThis as { __slipwaySuiteFacts?: Record<string, unknown> };
  g.__slipwaySuiteFacts ??= {};
  return g.__slipwaySuiteFacts;
}
