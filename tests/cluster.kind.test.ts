/**
 * The Kubernetes version the platform is built for (`KUBERNETES_VERSION`): the kind node image, the
 * oldest kind the scripts accept, the pinned add-ons' support ranges and the manifest schemas.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { charts } from "../components/charts";
import { distributedNotebookSchema } from "../config/distributedNotebook";
import { KIND_NODE_IMAGE, KIND_VERSION, KUBERNETES_VERSION } from "../config/kubernetes";
import { PROJECT_DIR } from "./harness";

const KIND_FILE = path.join(PROJECT_DIR, "kind", "cluster.yaml");
const LIB = path.join(PROJECT_DIR, "scripts", "lib.sh");
const minor = (v: string) => Number(/^v?1\.(\d+)/.exec(v)![1]);

/**
 * The Kubernetes minors each pinned chart supports, as its project states them:
 * cert-manager 1.21: 1.33 -> 1.36 (cert-manager/website 776e5db content/docs/releases/README.md 24);
 * metrics-server 0.8.x (chart 3.13.x): 1.31+ (kubernetes-sigs/metrics-server v0.8.1 README.md 71-75).
 */
const SUPPORTED: Record<string, { chart: string; version: RegExp; minors: [number, number] }> = {
    certManager: { chart: "cert-manager", version: /^v1\.21\./, minors: [33, 36] },
    metricsServer: { chart: "metrics-server", version: /^3\.13\./, minors: [31, Infinity] },
};

describe("cluster add-ons: the Kubernetes version", () => {
    it("is what every kind node runs, named once in kind/cluster.yaml and pinned by digest", () => {
        const text = fs.readFileSync(KIND_FILE, "utf8");
        const kind = parse(text);
        assert.ok(KIND_NODE_IMAGE.startsWith(`kindest/node:v${KUBERNETES_VERSION}@sha256:`));
        for (const node of kind.nodes) assert.equal(node.image, KIND_NODE_IMAGE);
        assert.equal(text.split("kindest/node:").length - 1, 1, "the image is written once (the other nodes alias it)");
    });

    it("lies inside the supported range of every pinned add-on that states one", () => {
        for (const [key, s] of Object.entries(SUPPORTED)) {
            const pinned = charts[key as keyof typeof charts];
            assert.equal(pinned.chart, s.chart);
            assert.match(pinned.version, s.version, `${key}: a new chart version needs its support range checked here`);
            const m = minor(KUBERNETES_VERSION);
            assert.ok(m >= s.minors[0] && m <= s.minors[1], `${key} ${pinned.version} supports 1.${s.minors[0]}-1.${s.minors[1]}, not ${KUBERNETES_VERSION}`);
        }
    });

    it("is the notebook gateway's kube-scheduler's and the manifest schemas' version", () => {
        assert.equal(distributedNotebookSchema.parse({}).images.kubeScheduler, `registry.k8s.io/kube-scheduler:v${KUBERNETES_VERSION}`);
        // kubernetes-models 4.5.1 carries the 1.33 schema: Lifecycle.stopSignal is new in 1.33, PodSpec.hostnameOverride in 1.34.
        const models = path.join(PROJECT_DIR, "node_modules", "kubernetes-models", "v1");
        assert.equal(minor(KUBERNETES_VERSION), 33);
        assert.ok(fs.readFileSync(path.join(models, "Lifecycle.d.ts"), "utf8").includes("stopSignal"));
        assert.ok(!fs.readFileSync(path.join(models, "PodSpec.d.ts"), "utf8").includes("hostnameOverride"));
    });
});

describe("cluster add-ons: the kind version the scripts require", () => {
    const bash = spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
    /** Run require_kind_version with a `kind` that prints `output` for `kind version`. */
    function check(output: string) {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "kind-version-"));
        fs.writeFileSync(path.join(bin, "kind"), `#!${bash}\necho '${output}'\n`, { mode: 0o755 });
        const r = spawnSync(bash, ["-c", `source "${LIB}" && require_kind_version`], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        fs.rmSync(bin, { recursive: true, force: true });
        return r;
    }

    it("is KIND_VERSION, the release that publishes the node image, and at least v0.24.0 (NetworkPolicies enforced)", () => {
        assert.match(fs.readFileSync(LIB, "utf8"), new RegExp(`^MIN_KIND_VERSION="${KIND_VERSION.replace(/\./g, "\\.")}"$`, "m"));
        const [maj, min] = KIND_VERSION.split(".").map(Number);
        assert.ok(maj > 0 || min >= 24);
        assert.match(fs.readFileSync(KIND_FILE, "utf8"), new RegExp(`kind >= v${KIND_VERSION.replace(/\./g, "\\.")}`));
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, "scripts", "kind-up.sh"), "utf8"), /^require_kind_version \|\| exit 1$/m);
    });

    it("refuses an older kind, naming both versions, and accepts the same or a newer one", () => {
        for (const old of ["kind v0.22.0 go1.21.7 linux/amd64", "kind v0.28.9 go1.24.2 linux/amd64"]) {
            const r = check(old);
            assert.equal(r.status, 1, old);
            assert.match(r.stderr, new RegExp(`^error: kind 0\\.2[28]\\.\\d is too old: kind/cluster\\.yaml needs kind >= v${KIND_VERSION.replace(/\./g, "\\.")}`, "m"));
        }
        for (const ok of [`kind v${KIND_VERSION} go1.24.2 linux/amd64`, "kind v0.31.0-alpha.12+abcdef0123 go1.25 darwin/arm64", "kind v0.100.0 go1.30 linux/amd64", "1.0.0"]) {
            const r = check(ok);
            assert.equal(r.status, 0, `${ok}: ${r.stderr}`);
        }
    });
});
