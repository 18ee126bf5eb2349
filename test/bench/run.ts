/**
 * Runs the benchmarks: every test/bench/NAME.bench.ts exports `run(): Promise<void>`, which
 * measures and prints its own figures (with the reference it is compared against, measured in
 * the same run). `node --import tsx test/bench/run.ts [NAME ...]` runs the named ones only.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Bench {
  run?: () => Promise<void>;
  default?: { run?: () => Promise<void> };
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).map((a) => a.replace(/\.bench\.ts$/, ''));
  const all = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    console.error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
    process.exit(2);
  }
  for (const name of wanted.length > 0 ? wanted : all) {
    console.log(`\n== ${name}`);
    const mod = (await import(pathToFileURL(join(__dirname, `${name}.bench.ts`)).href)) as Bench;
    const run = mod.run ?? mod.default?.run;
    if (typeof run !== 'function') throw new Error(`${name}.bench.ts does not export run()`);
    await run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
