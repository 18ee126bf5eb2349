/**
 * Which pushed refs deploy (pure; the pre-receive hook applies it). Only `main` and `master`
 * deploy, like Heroku; every other ref and every delete is refused, and so the whole push is
 * (a pre-receive hook accepts or declines a push as a whole).
 */

/** One line of a pre-receive hook's stdin: `OLD NEW REF`. */
export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export const DEPLOY_REFS: readonly string[] = ['refs/heads/main', 'refs/heads/master'];

export const isZeroSha = (sha: string): boolean => /^0+$/.test(sha);

const shortRef = (ref: string): string => ref.replace(/^refs\/(heads|tags)\//, '');

export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    const [oldSha, newSha, ref] = parts;
    updates.push({ oldSha, newSha, ref });
  }
  return updates;
}

export interface PushPlan {
  /** The update to build and release, if any. */
  deploy: RefUpdate | null;
  /** Why the push is declined (one line each); empty when it may go ahead. */
  refusals: string[];
}

export function planPush(updates: readonly RefUpdate[], remote = 'slipway'): PushPlan {
  const refusals: string[] = [];
  const deploys: RefUpdate[] = [];
  for (const u of updates) {
    if (!DEPLOY_REFS.includes(u.ref)) {
      refusals.push(`${shortRef(u.ref)}: only main or master deploy; push with: git push ${remote} HEAD:main`);
    } else if (isZeroSha(u.newSha)) {
      refusals.push(`${shortRef(u.ref)}: deleting the deployed branch is refused; push a commit to it instead (git push ${remote} HEAD:${shortRef(u.ref)})`);
    } else {
      deploys.push(u);
    }
  }
  if (new Set(deploys.map((d) => d.newSha)).size > 1) {
    refusals.push(`main and master point to different commits in this push: push one of them (git push ${remote} main)`);
  }
  return { deploy: refusals.length === 0 ? (deploys[0] ?? null) : null, refusals };
}
