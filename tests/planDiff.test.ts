import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { helmRecord } from "../tools/plan-engine/manifests";
import { DiffJson, LoadedPlan, MAX_COMMENT_CHARS, diffPlans, naturalCompare, nameRun } from "../tools/plan-engine/planDiff";
import type { HelmRecord, PlanResource } from "../tools/plan-engine/types";
import { main as planDiffMain } from "../tools/planDiff";
import { runProgram } from "./harness";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function res(name: string, inputs: unknown, extra: Partial<PlanResource> = {}): PlanResource {
    const type = extra.type ?? CONFIG_MAP;
    return {
        urn: `urn:pulumi:dev::research-platform::${type}::${name}`,
        type,
        name,
        parent: null,
        dependsOn: [],
        provider: null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        inputs,
        ...extra,
    };
}

function plan(resources: PlanResource[], helm: LoadedPlan["helm"] = new Map()): LoadedPlan {
    return { project: "research-platform", stack: "dev", resources, helm };
}

/** The `<details>` block of the resource named `name` (the whole comment fails the test when absent). */
function block(md: string, name: string): string {
    const found = md.split("<details>").find((b) => b.includes(`<code>${name}</code>`));
    assert.ok(found, `no details for ${name} in:\n${md}`);
    return found;
}

describe("plan diff: what changes", () => {
    it("says so when nothing changed", () => {
        const p = plan([res("a", { data: { x: "1" } })]);
        assert.match(diffPlans(p, p), /No changes: 1 resources/);
    });

    it("lists added, removed and changed resources with per-field changes", () => {
        const sa = "kubernetes:core/v1:ServiceAccount";
        const before = plan([res("keep", { metadata: { labels: { x: "1", y: "2" } } }, { type: sa }), res("gone", {})]);
        const after = plan([res("keep", { metadata: { labels: { x: "1", y: "3", z: "new" } } }, { type: sa, protect: true }), res("new", {})]);
        const md = diffPlans(before, after);
        assert.match(md, /\*\*1 added, 1 removed, 0 replaced, 1 changed in place\*\*/);
        assert.match(md, /### Added \(1\)[\s\S]*`new`/);
        assert.match(md, /### Removed \(1\)[\s\S]*`gone`/);
        assert.match(md, /\| `inputs\.metadata\.labels\.y` \| `2` \| `3` \|/);
        assert.match(md, /\| `inputs\.metadata\.labels\.z` \| _\(none\)_ \| `new` \|/);
        assert.match(md, /\| `protect` \| `false` \| `true` \|/);
    });

    it("quotes a key with dots or slashes in a field path: labels[\"app.kubernetes.io/name\"]", () => {
        const md = diffPlans(plan([res("a", { metadata: { labels: { "app.kubernetes.io/name": "x" } } })]), plan([res("a", { metadata: { labels: { "app.kubernetes.io/name": "y" } } })]));
        assert.match(md, /`inputs\.metadata\.labels\["app\.kubernetes\.io\/name"\]`/);
    });

    it("shows embedded multi-line configs as a unified diff", () => {
        const md = diffPlans(plan([res("cfg", { data: { "daemon.yml": "a: 1\nb: 2\n" } })]), plan([res("cfg", { data: { "daemon.yml": "a: 1\nb: 3\n" } })]));
        assert.match(md, /```diff[\s\S]*-b: 2\n\+b: 3/);
    });

    it("diffs Helm releases per values key and chart version", () => {
        const rel = (version: string) => ({ name: "hub", namespace: "jhub", chart: "jupyterhub", version, repository: "https://hub.jupyter.org/helm-chart/" });
        const before = plan([], new Map([["jhub/hub", { ...rel("3.1.0"), values: { singleuser: { memory: { limit: "2G" } }, hub: { existingSecret: "hub-secret" } } }]]));
        const after = plan([], new Map([["jhub/hub", { ...rel("4.4.0"), values: { singleuser: { memory: { limit: "4G" } }, hub: { existingSecret: "hub-secret" } } }]]));
        const md = diffPlans(before, after);
        assert.match(md, /release <code>jhub\/hub<\/code>/);
        assert.match(md, /\| `version` \| `3\.1\.0` \| `4\.4\.0` \|/);
        assert.match(md, /\| `singleuser\.memory\.limit` \| `2G` \| `4G` \|/);
        assert.doesNotMatch(md, /existingSecret/);
    });

    it("shows redacted secrets only as [secret]", () => {
        const md = diffPlans(plan([res("s", { stringData: "[secret]", data: { a: "1" } })]), plan([res("s", { stringData: "[secret]", data: { a: "2" } })]));
        assert.doesNotMatch(md, /stringData/);
        const added = diffPlans(plan([res("s", { data: { a: "1" } })]), plan([res("s", { data: { a: "1", token: "[secret]" } })]));
        assert.match(added, /`\[secret\]`/);
    });
});

describe("plan diff: replacements and data at risk", () => {
    const k = (type: string, name: string, before: unknown, after: unknown, extra: Partial<PlanResource> = {}) => [res(name, before, { type, ...extra }), res(name, after, { type, ...extra })];
    const deploy = (selector: string, image: string) => ({ metadata: { name: "web", namespace: "apps" }, spec: { selector: { matchLabels: { app: selector } }, template: { spec: { containers: [{ name: "web", image }] } } } });
    const cases: [string, PlanResource[], boolean][] = [
        ["a Namespace renamed", k("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "diracx" } }, { metadata: { name: "diracx-prod" } }), true],
        ["an object moved to another namespace", k("kubernetes:core/v1:ServiceAccount", "sa", { metadata: { name: "sa", namespace: "a" } }, { metadata: { name: "sa", namespace: "b" } }), true],
        ["a Deployment's selector", k("kubernetes:apps/v1:Deployment", "d1", deploy("a", "img:1"), deploy("b", "img:1")), true],
        ["a Deployment's image (rolled out in place)", k("kubernetes:apps/v1:Deployment", "d2", deploy("a", "img:1"), deploy("a", "img:2")), false],
        ["a StatefulSet's volumeClaimTemplates", k("kubernetes:apps/v1:StatefulSet", "st", { spec: { volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "1Gi" } } } }] } }, { spec: { volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "2Gi" } } } }] } }), true],
        ["a StatefulSet's replicas (in place)", k("kubernetes:apps/v1:StatefulSet", "st2", { spec: { replicas: 1 } }, { spec: { replicas: 2 } }), false],
        ["a Job's template", k("kubernetes:batch/v1:Job", "job", { spec: { template: { spec: { containers: [{ image: "a" }] } } } }, { spec: { template: { spec: { containers: [{ image: "b" }] } } } }), true],
        ["a Service's clusterIP", k("kubernetes:core/v1:Service", "svc", { spec: { clusterIP: "None" } }, { spec: { clusterIP: "10.0.0.9" } }), true],
        ["a Service's selector (mutable)", k("kubernetes:core/v1:Service", "svc2", { spec: { selector: { app: "a" } } }, { spec: { selector: { app: "b" } } }), false],
        ["a Helm release's namespace", k("kubernetes:helm.sh/v3:Release", "rel", { name: "r", namespace: "a", chart: "c" }, { name: "r", namespace: "b", chart: "c" }), true],
        ["a Helm release's values (upgraded in place)", k("kubernetes:helm.sh/v3:Release", "rel2", { name: "r", namespace: "a", chart: "c", version: "1" }, { name: "r", namespace: "a", chart: "c", version: "2" }), false],
        ["a RandomPassword's length", k("random:index/randomPassword:RandomPassword", "pw", { length: 16 }, { length: 24 }), true],
    ];
    for (const [what, [before, after], replaces] of cases) {
        it(`${replaces ? "marks as replace" : "keeps as an update in place"}: ${what}`, () => {
            const md = diffPlans(plan([before]), plan([after]));
            assert.match(md, replaces ? /\*\*0 added, 0 removed, 1 replaced, 0 changed in place\*\*/ : /\*\*0 added, 0 removed, 0 replaced, 1 changed in place\*\*/);
            if (replaces) assert.match(block(md, after.name), /<summary><b>replace<\/b> .*cannot change in place<\/summary>[\s\S]*\*\*replace\*\* \|/);
            else assert.doesNotMatch(md, /replace\b.*\|/);
        });
    }

    it("a new selector brought by a new spec forces the replacement too (the provider's JSON-path match over the patch)", () => {
        const md = diffPlans(plan([res("d", { metadata: { name: "d" } }, { type: "kubernetes:apps/v1:Deployment" })]), plan([res("d", { metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } } } }, { type: "kubernetes:apps/v1:Deployment" })]));
        assert.match(md, /1 replaced/);
    });

    it("puts protected or retained resources that are removed or replaced at the top, as data loss", () => {
        const ns = (name: string, extra: Partial<PlanResource>) => res("ns", { metadata: { name } }, { type: "kubernetes:core/v1:Namespace", ...extra });
        const keep = { protect: true, retainOnDelete: true };
        const before = plan([ns("diracx", keep), res("db", { spec: {} }, { type: "kubernetes:core/v1:PersistentVolumeClaim", retainOnDelete: true }), res("scratch", {}), res("cfg", { data: { a: "1" } })]);
        const after = plan([ns("diracx-prod", keep), res("cfg", { data: { a: "2" } })]);
        const md = diffPlans(before, after);
        const [top, rest] = md.split(/\*\*0 added, 2 removed/);
        assert.ok(rest !== undefined, md);
        assert.match(top, /\[!CAUTION\][\s\S]*Data loss: 2 protected or retained resources are removed or replaced/);
        assert.match(top, /\*\*replaced\*\*: Namespace `ns`, protected and retained/);
        assert.match(top, /\*\*removed\*\*: PersistentVolumeClaim `db`, retained/);
        assert.doesNotMatch(top, /scratch|`cfg`/, "neither an unprotected removal nor a replaced ConfigMap is data loss");
        assert.match(rest, /\| PersistentVolumeClaim \| `db` \*\*retained\*\* \|/);
        assert.doesNotMatch(diffPlans(plan([res("cfg", { data: { a: "1" } })]), plan([res("cfg", { data: { a: "2" } })])), /CAUTION/);
    });
});

describe("plan diff: large diffs stay readable", () => {
    const client = (i: number, image = "nvflare:2.4.0") => res(`clients:nvflare/site-${i}`, { metadata: { name: `site-${i}`, namespace: "nvflare" }, spec: { template: { spec: { containers: [{ image }] } } } }, { type: "kubernetes:apps/v1:Deployment" });
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    it("sorts names with their numbers as numbers: site-72 before site-719", () => {
        assert.ok(naturalCompare("site-72", "site-719") < 0);
        assert.ok(naturalCompare("site-719", "site-1000") < 0);
        assert.ok(naturalCompare("a-2-b", "a-10-a") < 0);
        // Each changes a different field, so that they stay three entries.
        const sa = (name: string, labels: Record<string, string>) => res(name, { metadata: { labels } }, { type: "kubernetes:core/v1:ServiceAccount" });
        const md = diffPlans(plan([sa("site-719", {}), sa("site-72", {}), sa("site-8", {})]), plan([sa("site-719", { a: "1" }), sa("site-72", { b: "1" }), sa("site-8", { c: "1" })]));
        assert.deepEqual([...md.matchAll(/<code>(site-\d+)<\/code>/g)].map((m) => m[1]), ["site-8", "site-72", "site-719"]);
    });

    it("writes a run of numbered names exactly: site-{11..1000}, gaps included", () => {
        assert.equal(nameRun(range(11, 1000).map((i) => `site-${i}`)), "site-{11..1000}");
        assert.equal(nameRun(["s-1", "s-2", "s-3", "s-5", "s-7", "s-8", "s-9"]), "s-{1..3,5,7..9}");
        assert.equal(nameRun(["a1-b1", "a2-b2", "a3-b9"]), "a1-b1 … a3-b9 (3 names)");
    });

    it("summarises 990 added client Deployments as one row, like site-11", () => {
        const before = plan(range(1, 10).map((i) => client(i)));
        const after = plan(range(1, 1000).map((i) => client(i)));
        const md = diffPlans(before, after);
        assert.match(md, /### Added \(990\)/);
        assert.match(md, /\| Deployment \| 990 alike: `clients:nvflare\/site-\{11\.\.1000\}` \(nvflare\) \|/);
        assert.ok(md.length < 2000, `a short comment: ${md.length} characters`);
    });

    it("summarises resources changed alike as one collapsed entry, showing the first", () => {
        const md = diffPlans(plan(range(1, 50).map((i) => client(i))), plan(range(1, 50).map((i) => client(i, "nvflare:2.5.0"))));
        assert.match(md, /<summary>Deployment <code>clients:nvflare\/site-\{1\.\.50\}<\/code>, 50 alike \(nvflare\)<\/summary>/);
        assert.match(md, /The same fields change in all 50; shown: <code>clients:nvflare\/site-1<\/code>/);
        assert.equal(md.match(/<details>/g)?.length, 1);
    });

    it("shows a long value cut in its table cell and in full below the table", () => {
        const long = `${"x".repeat(150)}-end`;
        const md = diffPlans(plan([res("a", { metadata: { annotations: { note: "short" } } }, { type: "kubernetes:core/v1:ServiceAccount" })]), plan([res("a", { metadata: { annotations: { note: long } } }, { type: "kubernetes:core/v1:ServiceAccount" })]));
        assert.match(md, /\| `short` \| `x{77}\.\.\.` \|/);
        assert.match(md, /`inputs\.metadata\.annotations\.note`, after, in full:\n\n```\nx{150}-end\n```/);
    });

    it("cuts a comment too long for GitHub only between entries, and counts what it left out", () => {
        // Names of different shapes, so that nothing summarises: 400 resources changed, each with a long value.
        const names = range(0, 399).map((i) => `cm-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
        const many = (v: string) => plan(names.map((n) => res(n, { metadata: { annotations: { a: `${v}${"y".repeat(300)}` } } }, { type: "kubernetes:core/v1:ServiceAccount" })));
        const md = diffPlans(many("a"), many("b"));
        assert.ok(md.length <= MAX_COMMENT_CHARS, `length ${md.length}`);
        assert.equal(md.match(/<details>/g)?.length, md.match(/<\/details>/g)?.length, "every entry shown is whole");
        for (const line of md.split("\n")) if (line.startsWith("|")) assert.match(line, /\|$/, "no row is cut");
        const shown = md.match(/<details>/g)?.length ?? 0;
        const m = /not shown: (\d+) of 400 changed resources\. Run `npm run plan:diff/.exec(md);
        assert.ok(m, md.slice(-500));
        assert.equal(shown + Number(m[1]), 400);
        assert.ok(shown > 50, `most entries shown: ${shown}`);
    });

    it("keeps every entry when only the long values cannot fit, cutting those at a line boundary", () => {
        // A project file that gains 2000 clients: a diff of 2000 added lines.
        const project = (n: number) => ["participants:", ...range(1, n).map((i) => `  - name: site-${i}`), "admins: []"].join("\n");
        const md = diffPlans(plan([res("cfg", { data: { "a.yml": project(10) } }), res("small", { data: { b: "1" } })]), plan([res("cfg", { data: { "a.yml": project(2010) } }), res("small", { data: { b: "2" } })]), { maxChars: 20_000 });
        assert.ok(md.length <= 20_000, `length ${md.length}`);
        assert.match(block(md, "small"), /\| `inputs\.data\.b` \*\*replace\*\* \| `1` \| `2` \|/);
        assert.match(block(md, "cfg"), /```diff\n@@ -10,3 \+10,2003 @@\n {3}- name: site-9\n {3}- name: site-10\n\+ {2}- name: site-11\n[\s\S]*\n```\n_… \d+ more lines left out to fit the comment/);
    });
});

describe("plan diff: on the real program's plans", () => {
    it("renaming DiracX's namespace in prod replaces the namespace and everything in it, the protected namespace and release at the top as data loss", async () => {
        const loaded = async (set: string[]): Promise<LoadedPlan> => {
            const run = await runProgram({ stack: "prod", placeholderSecrets: true, set });
            const helm = new Map<string, HelmRecord>();
            for (const r of run.plan.resources) {
                const h = helmRecord(r);
                if (h) helm.set(`${h.namespace}/${h.name}`, h);
            }
            return { project: run.plan.project, stack: run.plan.stack, resources: run.plan.resources, helm };
        };
        const before = await loaded([]);
        const md = diffPlans(before, await loaded(["diracx.namespace=diracx-prod"]));
        // Everything in the namespace (objects and the release) and the Namespace itself.
        const inNamespace = before.resources.filter((r) => (r.inputs as { metadata?: { namespace?: string } }).metadata?.namespace === "diracx" || helmRecord(r)?.namespace === "diracx");
        assert.ok(inNamespace.length > 10, `${inNamespace.length} resources in the namespace`);
        const [top] = md.split(/\*\*0 added/);
        assert.match(top, /\*\*replaced\*\*: Namespace `diracx`, protected and retained/);
        assert.match(top, /\*\*replaced\*\*: Release `diracx` \(diracx-prod\), protected and retained/);
        assert.match(md, new RegExp(`\\*\\*0 added, 0 removed, ${inNamespace.length + 1} replaced, 0 changed in place\\*\\*`));
        assert.match(md, /<summary><b>replace<\/b> Namespace <code>diracx<\/code> <b>protected, retained<\/b>: <code>metadata\.name<\/code> cannot change in place<\/summary>/);
    });
});

describe("plan diff: command line", () => {
    function write(dir: string, p: LoadedPlan): string {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify({ project: p.project, stack: p.stack, resources: p.resources }));
        return dir;
    }
    function run(args: string[]): { code: number; out: string; err: string } {
        let out = "";
        let err = "";
        const [w, e] = [process.stdout.write, console.error];
        process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
        console.error = (s: string) => void (err += s);
        try {
            return { code: planDiffMain(args), out, err };
        } finally {
            process.stdout.write = w;
            console.error = e;
        }
    }

    it("--max-chars bounds the text (CI gives each stack its share of one comment), and a bad value is a usage error", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        const names = Array.from({ length: 300 }, (_, i) => `cm-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
        const p = (v: string) => plan(names.map((n) => res(n, { metadata: { annotations: { a: v } } }, { type: "kubernetes:core/v1:ServiceAccount" })));
        const [before, after] = [write(path.join(tmp, "a"), p("1")), write(path.join(tmp, "b"), p("2"))];
        const r = run(["--max-chars", "5000", before, after]);
        assert.equal(r.code, 0, r.err);
        assert.ok(r.out.length <= 5000 && r.out.length > 4000, `length ${r.out.length}`);
        assert.match(r.out, /not shown: \d+ of 300 changed resources/);
        assert.equal(run(["--max-chars", "many", before, after]).code, 2);
        assert.equal(run([before]).code, 2);
    });
    it("--json lists every change for scripts (operation, resource, fields; releases by the resource that deploys them), and takes no --max-chars", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        const job = "kubernetes:batch/v1:Job";
        const rel = (version: string) => res("hub", { name: "jupyterhub", namespace: "jupyterhub", chart: "jupyterhub", version, values: { a: 1 } }, { type: "kubernetes:helm.sh/v3:Release" });
        const before = plan([res("cfg", { metadata: { labels: { x: "w" } }, data: { a: "1" } }), res("job", { spec: { template: { spec: { containers: [{ image: "a" }] } } } }, { type: job }), res("gone", {}, { retainOnDelete: true }), rel("4.0.0")]);
        const after = plan([res("cfg", { metadata: { labels: { x: "y" } }, data: { a: "1" } }), res("job", { spec: { template: { spec: { containers: [{ image: "b" }] } } } }, { type: job }), res("new", {}), rel("4.0.0")]);
        const helm = (p: LoadedPlan, a: number) => {
            const dir = write(path.join(tmp, String(a)), p);
            fs.mkdirSync(path.join(dir, "helm"));
            fs.writeFileSync(path.join(dir, "helm", "jupyterhub-jupyterhub.yaml"), JSON.stringify({ ...helmRecord(p.resources[3]), values: { a } }));
            return dir;
        };
        const r = run(["--json", helm(before, 1), helm(after, 2)]);
        assert.equal(r.code, 0, r.err);
        const d = JSON.parse(r.out) as DiffJson;
        const names = (xs: { name: string }[]) => xs.map((x) => x.name);
        assert.deepEqual([names(d.added), names(d.removed), names(d.replaced), names(d.changed)], [["new"], ["gone"], ["job"], ["cfg"]]);
        assert.deepEqual(d.removed[0].keeps, ["retained"]);
        assert.deepEqual(d.replaced[0].fields, ["inputs.spec.template.spec.containers[0].image!"]);
        assert.deepEqual(d.changed[0].fields, ["inputs.metadata.labels.x"]);
        assert.deepEqual(d.releases, [{ release: "jupyterhub/jupyterhub", urn: after.resources[3].urn, fields: ["a"] }]);
        assert.deepEqual(d.resources, { before: 4, after: 4 });
        assert.equal(run(["--json", "--max-chars", "5000", tmp, tmp]).code, 2);
    });
});
