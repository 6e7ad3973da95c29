/**
 * The e2e's comparison of what a config change changes: the real engine's `pulumi preview --diff
 * --json` against the offline `npm run plan:diff` of the same change. Both become a sorted list
 * of `Kind name` entries (the resource's type's last segment and its Pulumi name).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type Runner = (cmd: string, args: string[]) => Promise<{ code: number; out: string }>;

const kindOf = (type: string) => type.split(":").pop() ?? type;

/** `Kind name` of a URN (urn:pulumi:stack::project::parent$type::name). */
export function urnEntry(urn: string): string {
    const parts = urn.split("::");
    const name = parts.slice(3).join("::");
    const type = parts[2].split("$").pop()!;
    return `${kindOf(type)} ${name}`;
}

/**
 * Resources that `pulumi preview --json` shows with an operation other than same/read. An update
 * of a component (its inputs changed) is left out, as plan:diff leaves it out: a component's
 * inputs are not deployed, and what changes inside it shows on its children.
 */
export function previewChangeList(jsonText: string): string[] {
    const doc = JSON.parse(jsonText.slice(jsonText.indexOf("{"))) as { steps?: { op: string; urn: string; newState?: { custom?: boolean }; oldState?: { custom?: boolean } }[] };
    const out = new Set<string>();
    for (const s of doc.steps ?? []) {
        if (["same", "read", "refresh", "discard"].includes(s.op)) continue;
        if (s.urn.includes("::pulumi:pulumi:Stack::")) continue;
        if (s.op === "update" && !(s.newState?.custom ?? s.oldState?.custom ?? false)) continue;
        out.add(urnEntry(s.urn));
    }
    return [...out].sort();
}

/** Resources that `plan:diff`'s Markdown lists as added, removed or changed, and the releases whose values change. */
export function planDiffEntries(markdown: string, afterDir: string): string[] {
    const out = new Set<string>();
    for (const m of markdown.matchAll(/^\| [^|]+ \| `([^`]+)` \| `([^`]+)` \|$/gm)) out.add(`${kindOf(m[2])} ${m[1]}`);
    for (const m of markdown.matchAll(/^<summary>(\S+) `([^`]+)`[^<]*<\/summary>$/gm)) out.add(`${m[1]} ${m[2]}`);
    const releases = [...markdown.matchAll(/^<summary>release <code>([^<]+)<\/code><\/summary>$/gm)].map((m) => m[1]);
    if (releases.length) {
        const doc = JSON.parse(fs.readFileSync(path.join(afterDir, "resources.json"), "utf8")) as { resources: { type: string; name: string; inputs: Record<string, unknown> }[] };
        for (const key of releases) {
            const [ns, name] = key.split("/");
            const r = doc.resources.find((x) => {
                const i = (x.type === "kubernetes-cert-manager:index:CertManager" ? x.inputs.helmOptions : x.inputs) as { name?: string; namespace?: string } | undefined;
                return (x.type === "kubernetes:helm.sh/v3:Release" || x.type === "kubernetes-cert-manager:index:CertManager") && i?.name === name && i?.namespace === ns;
            });
            // The cert-manager component's release is its child of the same name.
            out.add(r ? `Release ${r.name}` : `Release ${key}`);
        }
    }
    return [...out].sort();
}

/** Plans the stack before and after the change offline and lists what `npm run plan:diff` reports. */
export async function planDiffList(root: string, stack: string, before: string[], after: string[], dir: string, run: Runner): Promise<string[]> {
    const b = path.join(dir, "before");
    const a = path.join(dir, "after");
    const plan = (out: string, sets: string[]) => run("npm", ["run", "--silent", "--prefix", root, "plan", "--", "--stack", stack, "--out", out, ...sets.flatMap((s) => ["--set", s])]);
    await plan(b, before);
    await plan(a, after);
    const md = (await run("npm", ["run", "--silent", "--prefix", root, "plan:diff", "--", b, a])).out;
    return planDiffEntries(md, a);
}

export function diffLists(preview: string[], plan: string[]): { onlyInPreview: string[]; onlyInPlanDiff: string[] } {
    const p = new Set(plan);
    const v = new Set(preview);
    return { onlyInPreview: preview.filter((x) => !p.has(x)), onlyInPlanDiff: plan.filter((x) => !v.has(x)) };
}
