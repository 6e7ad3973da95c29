/**
 * OpenKruise's pod webhooks (failurePolicy Fail, every pod CREATE/UPDATE/DELETE outside namespaces
 * labelled control-plane=openkruise): the manager's own namespace must be exempt (else the install
 * deadlocks), the other add-ons' namespaces too (the cluster's plumbing never waits on kruise), and
 * the manager stays available through drains.
 */
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "../components/cluster/kruise";
import { POD_WEBHOOK_CHARTS } from "../policy/rules";
import { policyFindings } from "../tools/guardrails/policyCheck";
import { Run, configProblems, runProgram } from "./harness";
import { assertHasViolation, assertNoViolations, createResourceValidationArgs as args, namespace, violations } from "./policyUtil";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** What the kruise 1.5.2 chart's pod webhooks select: namespaceSelector control-plane NotIn [openkruise]. */
function kruisePodWebhooksSelect(namespaceLabels: Record<string, string>): boolean {
    return namespaceLabels["control-plane"] !== "openkruise";
}

function nsLabels(run: Run, name: string): Record<string, string> {
    const ns = run.all(NAMESPACE).find((n) => n.inputs.metadata.name === name);
    assert.ok(ns, `no Namespace ${name}`);
    return ns.inputs.metadata.labels;
}

describe("cluster add-ons: OpenKruise's pod webhooks", () => {
    let dev: Run;
    let prod: Run;
    before(async () => {
        dev = await runProgram({ stack: "dev" });
        prod = await runProgram({ stack: "prod", placeholderSecrets: true });
    });

    it("exempts kruise-manager's own namespace, so its pods do not wait on the webhook they serve", () => {
        assert.deepEqual(KRUISE_WEBHOOK_EXEMPT_LABELS, { "control-plane": "openkruise" });
        for (const run of [dev, prod]) assert.equal(kruisePodWebhooksSelect(nsLabels(run, "kruise-system")), false);
    });

    it("exempts it without the daemon too (baseline namespace)", async () => {
        const run = await runProgram({ stack: "dev", set: ["kruise.daemon=false"] });
        assert.equal(nsLabels(run, "kruise-system")["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(kruisePodWebhooksSelect(nsLabels(run, "kruise-system")), false);
    });

    it("exempts the other add-ons' namespaces, and leaves the namespaces where kernels and apps run selected", () => {
        for (const ns of ["metallb-system", "cert-manager", "traefik", "metrics-server"]) assert.equal(kruisePodWebhooksSelect(nsLabels(dev, ns)), false, ns);
        for (const ns of ["cert-manager", "traefik", "metrics-server", "local-path-storage"]) assert.equal(kruisePodWebhooksSelect(nsLabels(prod, ns)), false, ns);
        for (const ns of ["distributed-notebook", "distributed-notebook-daemons", "jupyterhub", "nvflare", "diracx"]) assert.equal(kruisePodWebhooksSelect(nsLabels(dev, ns)), true, ns);
    });

    it("keeps one kruise-manager serving through drains when it runs replicated (the chart has no budget)", async () => {
        for (const run of [dev, prod]) {
            const pdbs = run.all(PDB).filter((p) => p.inputs.metadata.namespace === "kruise-system");
            assert.equal(pdbs.length, 1);
            const spec = pdbs[0].inputs.spec;
            assert.deepEqual(spec.selector, { matchLabels: { "control-plane": "controller-manager" } }, "the chart's manager pod label (manager.yaml 30-51)");
            assert.equal(spec.minAvailable, 1);
            assert.equal(spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
            assert.ok(pdbs[0].dependsOn.includes(run.one(NAMESPACE, "kruise-system").urn));
        }
        const single = await runProgram({ stack: "dev", set: ["kruise.managerReplicas=1"] });
        assert.equal(single.all(PDB).filter((p) => p.inputs.metadata.namespace === "kruise-system").length, 0, "a budget on one replica only blocks drains");
    });

    it("refuses a namespace other than kruise-system, whose webhooks the chart hard-codes", async () => {
        const problems = await configProblems({ stack: "dev", set: ["kruise.namespace=openkruise"] });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^research-platform:kruise\.namespace: must be kruise-system: .*kruise-webhook-service.* Fix: remove kruise\.namespace/);
    });
});

describe("guardrail webhook-namespace-exempt", () => {
    const RULE = "webhook-namespace-exempt";
    const release = (values: Record<string, unknown>) => args("kubernetes:helm.sh/v3:Release", { name: "kruise", chart: "kruise", namespace: "kruise-system", values }, { name: "kruise" });
    const programOwned = { installation: { namespace: "kruise-system", createNamespace: false } };
    const ns = (labels: Record<string, string> = {}) => {
        const n = namespace("kruise-system", "privileged", "kruise-daemon");
        n.metadata.labels = { ...n.metadata.labels, ...labels };
        return args(k8s.core.v1.Namespace, n);
    };

    it("knows the exempting label the component writes", () => {
        assert.deepEqual(POD_WEBHOOK_CHARTS.kruise.exemptLabels, KRUISE_WEBHOOK_EXEMPT_LABELS);
    });

    it("rejects a kruise release in a namespace the program creates without the label, or does not create", () => {
        assertHasViolation(violations(RULE, [release(programOwned), ns()]), /Namespace "kruise-system" lacks the label control-plane=openkruise/);
        assertHasViolation(violations(RULE, [release(programOwned), ns({ "control-plane": "controller-manager" })]), /lacks the label/);
        assertHasViolation(violations(RULE, [release(programOwned)]), /namespace "kruise-system" is not created by the program/);
        assertHasViolation(violations(RULE, [release({ installation: { namespace: "openkruise", createNamespace: false } }), ns(KRUISE_WEBHOOK_EXEMPT_LABELS)]), /namespace "openkruise" is not created/);
    });

    it("accepts the labelled namespace, a chart that creates its own, and charts without pod webhooks", () => {
        assertNoViolations(violations(RULE, [release(programOwned), ns(KRUISE_WEBHOOK_EXEMPT_LABELS)]));
        assertNoViolations(violations(RULE, [release({})]));
        assertNoViolations(violations(RULE, [args("kubernetes:helm.sh/v3:Release", { name: "metallb", chart: "metallb", namespace: "metallb-system", values: {} }, { name: "metallb" })]));
    });

    it("finds nothing in the dev and prod plans", async () => {
        for (const run of [await runProgram({ stack: "dev" }), await runProgram({ stack: "prod", placeholderSecrets: true })]) {
            assert.deepEqual(policyFindings(run.plan).filter((f) => f.rule === RULE), []);
        }
    });
});
