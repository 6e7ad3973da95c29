/**
 * Writes the generated tables of docs/contracts.md (every flow of every system's runtime contract,
 * and the flows no system needs) from the dev and prod stacks' configs.
 *
 *   npm run contracts:doc
 */
// First: defer the SDK modules the program never uses, before anything loads the SDK.
import "./plan-engine/deferSdk";
import * as fs from "node:fs";
import * as path from "node:path";
import { secretSpecs } from "../config";
import { main as program } from "../program";
import { findProjectDir } from "../program/projectDir";
import { contractsDocTables, planConfig, withContractsDocTables } from "./guardrails";
import { runPlan, withPlaceholderSecrets } from "./plan-engine";

const PROJECT_DIR = findProjectDir();
export const DOC = path.join(PROJECT_DIR, "docs", "contracts.md");

/** The validated configs of the committed stacks (prod with placeholder secrets). */
export async function stackConfigs(): Promise<Record<string, NonNullable<ReturnType<typeof planConfig>>>> {
    const out: Record<string, NonNullable<ReturnType<typeof planConfig>>> = {};
    for (const stack of ["dev", "prod"]) {
        const plan = await runPlan({ projectDir: PROJECT_DIR, stack, base: "stackFile", secrets: withPlaceholderSecrets([], secretSpecs.map((s) => s.key)), program });
        out[stack] = planConfig(plan)!;
    }
    return out;
}

export async function main(): Promise<number> {
    const doc = fs.readFileSync(DOC, "utf8");
    const next = withContractsDocTables(doc, contractsDocTables(await stackConfigs()));
    if (next !== doc) fs.writeFileSync(DOC, next);
    console.log(`${next === doc ? "Unchanged" : "Wrote"} ${path.relative(process.cwd(), DOC)}`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
