/**
 * Build output in Heroku's shape (docs PLATFORM.md "Build output"): steps start with
 * "-----> ", details are indented 7 spaces, warnings start with " !     ".
 */
export class BuildLog {
  readonly warnings: string[] = [];

  constructor(private readonly out: (line: string) => void) {}

  step(text: string): void {
    this.out(`-----> ${text}`);
  }

  detail(text: string): void {
    for (const line of text.split('\n')) this.out(`       ${line}`);
  }

  /** A line as a buildpack printed it (classic buildpacks print their own "-----> " steps). */
  raw(line: string): void {
    this.out(line);
  }

  /** A warning line (kept for the build result as well). */
  warn(text: string): void {
    this.warnings.push(text);
    for (const line of text.split('\n')) this.out(` !     ${line}`);
  }
}
