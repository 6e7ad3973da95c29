/**
 * Compare two offline plans and print a Markdown review for a pull-request comment.
 *
 *   npm run plan:diff -- BEFORE_DIR AFTER_DIR
 *
 * Exit codes: 0 printed (changes or not); 2 usage or a folder that holds no plan.
 */
import { diffPlans, loadPlanDir, PlanDirError } from "./plan-engine/planDiff";

export function main(argv: string[]): number {
    if (argv.length !== 2 || argv.some((a) => a.startsWith("-"))) {
        console.error("usage: npm run plan:diff -- BEFORE_DIR AFTER_DIR   (folders written by `npm run plan -- --out DIR`)");
        return 2;
    }
    try {
        process.stdout.write(diffPlans(loadPlanDir(argv[0]), loadPlanDir(argv[1])));
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
