/**
 * secretlint over the committed stack files and the offline plan's artifacts, with the rules of
 * `.secretlintrc.json` plus the project's rule for Pulumi stack files (a secret-looking key must be
 * `secure:`), which the secretlint CLI cannot load from a TypeScript file.
 *
 *   npm run lint:secrets [-- FILE_OR_DIR...]     (default: Pulumi.*.yaml and plan/)
 *
 * Exit codes: 0 clean; 1 findings (printed masked).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findProjectDir } from "../program/projectDir";
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { SecretLintCoreConfig } from "@secretlint/types";
import { RULE_ID, creator as pulumiStackRule } from "./guardrails/pulumiStackRule";

const PROJECT_DIR = findProjectDir(__dirname);

export const secretlintConfig: SecretLintCoreConfig = {
    rules: [
        { id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended },
        { id: RULE_ID, rule: pulumiStackRule },
    ],
};

function files(target: string): string[] {
    if (!fs.existsSync(target)) return [];
    if (!fs.statSync(target).isDirectory()) return [target];
    return fs.readdirSync(target).flatMap((f) => files(path.join(target, f)));
}

async function main(args: string[]): Promise<number> {
    const targets = args.length > 0 ? args.map((a) => path.resolve(a)) : [...fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f)), "plan"].map((f) => path.join(PROJECT_DIR, f));
    let problems = 0;
    let scanned = 0;
    for (const file of targets.flatMap(files)) {
        scanned++;
        const result = await lintSource({ source: { filePath: file, content: fs.readFileSync(file, "utf8"), contentType: "text" }, options: { config: secretlintConfig, maskSecrets: true } });
        for (const m of result.messages) {
            problems++;
            console.error(`${path.relative(process.cwd(), file)}:${m.loc.start.line}:${m.loc.start.column} ${m.ruleId}: ${m.message}`);
        }
    }
    console.log(`secretlint: ${scanned} files, ${problems} problem${problems === 1 ? "" : "s"}`);
    return problems > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(2);
        },
    );
}
