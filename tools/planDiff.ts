/**
 * Compare two offline plans and print a Markdown review for a pull-request comment.
 *
 *   npm run plan:diff -- [--max-chars N | --json] BEFORE_DIR AFTER_DIR
 *
 * `--max-chars` (default 60000) bounds the text: CI posts both stacks in one comment, so it gives
 * each its share of GitHub's 65,536 characters. `--json` prints the same changes as JSON for
 * scripts instead (every entry, no budget; see `DiffJson`). Exit codes: 0 printed (changes or not); 2 usage or
 * a folder that holds no plan.
 */
import { parseArgs } from "node:util";
import { MAX_COMMENT_CHARS, PlanDirError, diffJson, diffPlans, loadPlanDir } from "./plan-engine/planDiff";

const USAGE = "usage: npm run plan:diff -- [--max-chars N | --json] BEFORE_DIR AFTER_DIR   (folders written by `npm run plan -- --out DIR`)";

export function main(argv: string[]): number {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options: { "max-chars": { type: "string" }, json: { type: "boolean" } }, allowPositionals: true, strict: true });
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    const dirs = parsed.positionals;
    const maxChars = Number(parsed.values["max-chars"] ?? MAX_COMMENT_CHARS);
    const json = parsed.values.json === true;
    if (dirs.length !== 2 || !Number.isInteger(maxChars) || maxChars < 2000 || (json && parsed.values["max-chars"] !== undefined)) {
        console.error(dirs.length !== 2 ? USAGE : json ? `--json prints every change, so it takes no --max-chars\n${USAGE}` : `--max-chars takes a whole number of at least 2000\n${USAGE}`);
        return 2;
    }
    try {
        const [before, after] = [loadPlanDir(dirs[0]), loadPlanDir(dirs[1])];
        process.stdout.write(json ? `${JSON.stringify(diffJson(before, after), null, 2)}\n` : diffPlans(before, after, { maxChars }));
        return 0;
    } catch (e) {
        if (e instanceof PlanDirError) {
            console.error(e.message);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
