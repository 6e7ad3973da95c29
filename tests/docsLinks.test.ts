/**
 * Issue 19, item 4: every relative link in the README and the docs leads somewhere: the file (or
 * folder) exists, and a `#fragment` into a Markdown file names one of its headings (GitHub's
 * anchors) or an explicit `<a id>` / `<a name>`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./harness";

/** The Markdown files a reader follows: README.md and everything under docs/. */
function markdownFiles(): string[] {
    const out = ["README.md"];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(PROJECT_DIR, rel), { withFileTypes: true })) {
            const p = path.join(rel, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".md")) out.push(p);
        }
    };
    walk("docs");
    return out.sort();
}

/** Markdown text without fenced code blocks. */
function withoutFences(text: string): string {
    return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** Markdown text without fenced and inline code (links there are examples, not links). */
function withoutCode(text: string): string {
    return withoutFences(text).replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchor: lower case, punctuation dropped (but - and _), spaces to -; repeats get -1, -2... */
export function anchorsOf(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
        const text = m[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/<[^>]+>/g, "");
        const base = text
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    // Heading-free anchors: <a id="x"></a> / <a name="x"></a>
    for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]);
    return out;
}

/** Every relative link target in a Markdown text: `[text](target)` and `[ref]: target`. */
export function relativeLinks(markdown: string): string[] {
    const text = withoutCode(markdown);
    const targets = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$/gm)].map((m) => m[1]);
    return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What is wrong with one link from `fromFile`, or undefined when it works. */
export function brokenLink(fromFile: string, target: string): string | undefined {
    const [rawPath, fragment] = target.split("#", 2);
    const file = rawPath === "" ? fromFile : path.normalize(path.join(path.dirname(fromFile), decodeURIComponent(rawPath)));
    if (file.startsWith("..")) return `${target}: leaves the repository`;
    const abs = path.join(PROJECT_DIR, file);
    if (!fs.existsSync(abs)) return `${target}: ${file} does not exist`;
    if (fragment && file.endsWith(".md") && fs.statSync(abs).isFile() && !anchorsOf(fs.readFileSync(abs, "utf8")).has(fragment.toLowerCase())) {
        return `${target}: ${file} has no heading for #${fragment}`;
    }
    return undefined;
}

describe("docs: links", () => {
    it("finds the links of README.md and docs/ (the check sees them)", () => {
        const links = markdownFiles().flatMap((f) => relativeLinks(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
        assert.ok(links.length > 30, `only ${links.length} relative links found`);
        assert.ok(links.includes("docs/delivery.md") && links.includes("docs/isolation.md"));
    });

    it("every relative link in README.md and docs/ leads to a file that exists (and a heading that exists)", () => {
        const broken: string[] = [];
        for (const f of markdownFiles()) {
            for (const target of relativeLinks(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"))) {
                const why = brokenLink(f, target);
                if (why) broken.push(`${f}: ${why}`);
            }
        }
        assert.deepEqual(broken, []);
    });

    it("every docs/ or README path named by the scripts, workflows, stack files and kind config exists, and says what they point to", () => {
        const files = [
            ...fs.readdirSync(path.join(PROJECT_DIR, "scripts")).map((f) => path.join("scripts", f)),
            ...fs.readdirSync(path.join(PROJECT_DIR, ".github", "workflows")).map((f) => path.join(".github", "workflows", f)),
            ...fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f) && f !== "Pulumi.local.yaml"),
            path.join("kind", "cluster.yaml"),
        ];
        const missing: string[] = [];
        for (const f of files) {
            for (const m of fs.readFileSync(path.join(PROJECT_DIR, f), "utf8").matchAll(/\b(docs\/[\w./-]+\.md|README\.md)\b/g)) {
                if (!fs.existsSync(path.join(PROJECT_DIR, m[1]))) missing.push(`${f}: ${m[1]}`);
            }
        }
        assert.deepEqual(missing, []);
        // The scripts' passphrase note sends the user to a document that has the passphrase.
        const note = /documented dev default[^"]*\(([^)"]*?(docs\/[\w.-]+\.md|README\.md))/.exec(fs.readFileSync(path.join(PROJECT_DIR, "scripts", "lib.sh"), "utf8"));
        assert.ok(note, "lib.sh names where the dev passphrase is documented");
        assert.ok(fs.readFileSync(path.join(PROJECT_DIR, note[2]), "utf8").includes("research-platform-dev"), `${note[2]} does not document the dev passphrase the scripts point to`);
    });

    it("the checker itself catches a missing file, a missing heading and a link out of the repository", () => {
        assert.match(brokenLink("README.md", "docs/nope.md") ?? "", /does not exist/);
        assert.match(brokenLink("docs/delivery.md", "delivery.md") ?? "", /^$/);
        assert.match(brokenLink("docs/cluster.md", "docs/isolation.md") ?? "", /docs\/docs\/isolation\.md does not exist/);
        assert.match(brokenLink("README.md", "README.md#no-such-heading") ?? "", /no heading for #no-such-heading/);
        assert.match(brokenLink("README.md", "../outside.md") ?? "", /leaves the repository/);
        assert.deepEqual(relativeLinks("see [a](x.md), [b](https://e.org), `[c](y.md)`, [d](#top)\n```\n[e](z.md)\n```\n[r]: w.md\n"), ["x.md", "#top", "w.md"]);
        assert.ok(anchorsOf("# Deploy\n## On a laptop: kind, one command each\n## Deploy\n").has("on-a-laptop-kind-one-command-each"));
        assert.ok(anchorsOf("# Deploy\n## Deploy\n").has("deploy-1"));
        assert.ok(anchorsOf("### `metricsServer`\n").has("metricsserver"));
    });
});
