/** Release versions as people write them: `v3` or `3`. */

/** The version `text` names, or null when it names none. */
export function readVersion(text: string): number | null {
  const m = /^v?([1-9][0-9]{0,9})$/.exec(text.trim());
  return m ? Number(m[1]) : null;
}

export const versionProblem = (text: string) => `"${text}" is not a release version; write it like v3`;
