import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { exceptionAnnotation } from "../policy/rules";
import { isDefaultDeny, selectorMatches, spreadsOverNodes } from "../policy/rules/availability";
import { assertHasViolation, assertNoViolations, createResourceValidationArgs as args, deployment, goodPodSpec, namespace, violations } from "./policyUtil";

const Namespace = k8s.core.v1.Namespace;
const NetworkPolicy = k8s.networking.v1.NetworkPolicy;
const Deployment = k8s.apps.v1.Deployment;
const StatefulSet = k8s.apps.v1.StatefulSet;
const PDB = k8s.policy.v1.PodDisruptionBudget;
const prodPlatform = args("research-platform:index:Platform", { config: { kubernetes: { environment: "prod" } } }, { name: "platform" });
const devPlatform = args("research-platform:index:Platform", { config: { kubernetes: { environment: "dev" } } }, { name: "platform" });

const denyAll = (ns: string, spec: Record<string, unknown> = {}) => args(NetworkPolicy, { metadata: { name: "default-deny", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [], ...spec } });
const antiAffinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } } }] } };
const replicated = (replicas: number, spec = goodPodSpec({ affinity: antiAffinity })) => {
    const d = deployment("web", "apps", spec);
    d.spec.replicas = replicas;
    return d;
};
const pdb = (spec: Record<string, unknown>) => args(PDB, { metadata: { name: "web", namespace: "apps" }, spec: { selector: { matchLabels: { app: "web" } }, unhealthyPodEvictionPolicy: "AlwaysAllow", ...spec } });

describe("policy namespace-default-deny", () => {
    it("accepts a Namespace with a default-deny policy (all pods, both directions, no rule)", () => {
        assertNoViolations(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted")), denyAll("apps")]));
    });

    it("rejects a Namespace without one, or with a policy that is not a full deny", () => {
        assertHasViolation(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted"))]), /Namespace "apps" has no default-deny/);
        assertHasViolation(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted")), denyAll("apps", { policyTypes: ["Ingress"] })]), /no default-deny/);
        assertHasViolation(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted")), denyAll("apps", { egress: [{}] })]), /no default-deny/);
        assertHasViolation(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted")), denyAll("apps", { podSelector: { matchLabels: { app: "web" } } })]), /no default-deny/);
        assertHasViolation(violations("namespace-default-deny", [args(Namespace, namespace("apps", "restricted")), denyAll("other")]), /no default-deny/);
    });

    it("honours an exception with a reason", () => {
        const ns = namespace("hub", "baseline", "z2jh");
        ns.metadata.annotations[exceptionAnnotation("namespace-default-deny")] = "the chart's own policies";
        assertNoViolations(violations("namespace-default-deny", [args(Namespace, ns)]));
    });

    it("recognises what isolateNamespace writes", () => {
        assert.ok(isDefaultDeny({ urn: "u", type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: "d", props: { kind: "NetworkPolicy", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] } } }));
    });
});

describe("policy replicated-pdb-spread", () => {
    it("accepts a replicated workload with a PDB and anti-affinity on the hostname", () => {
        assertNoViolations(violations("replicated-pdb-spread", [args(Deployment, replicated(3)), pdb({ maxUnavailable: 1 })]));
    });

    it("rejects a replicated workload without a PDB or without spreading", () => {
        assertHasViolation(violations("replicated-pdb-spread", [args(Deployment, replicated(2))]), /"web" \(replicas 2\) has no PodDisruptionBudget/);
        assertHasViolation(violations("replicated-pdb-spread", [args(Deployment, replicated(2, goodPodSpec())), pdb({ maxUnavailable: 1 })]), /does not spread over nodes/);
        const zone = goodPodSpec({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }] });
        assertHasViolation(violations("replicated-pdb-spread", [args(StatefulSet, replicated(2, zone)), pdb({ maxUnavailable: 1 })]), /does not spread over nodes/);
    });

    it("ignores single replicas, and a PDB in another namespace does not count", () => {
        assertNoViolations(violations("replicated-pdb-spread", [args(Deployment, replicated(1, goodPodSpec()))]));
        const elsewhere = args(PDB, { metadata: { name: "web", namespace: "other" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } });
        assertHasViolation(violations("replicated-pdb-spread", [args(Deployment, replicated(2)), elsewhere]), /no PodDisruptionBudget/);
    });

    it("knows topology spread on the hostname and label selectors with expressions", () => {
        assert.ok(spreadsOverNodes({ topologySpreadConstraints: [{ topologyKey: "kubernetes.io/hostname" }] }));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] }, { app: "web" }));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }, { app: "web" }));
    });
});

describe("policy pdb-allows-disruption", () => {
    const web = (n: number) => args(Deployment, replicated(n));

    it("accepts maxUnavailable 1 and minAvailable below the replicas, with AlwaysAllow", () => {
        assertNoViolations(violations("pdb-allows-disruption", [web(3), pdb({ maxUnavailable: 1 })]));
        assertNoViolations(violations("pdb-allows-disruption", [web(3), pdb({ minAvailable: 2 })]));
        assertNoViolations(violations("pdb-allows-disruption", [web(4), pdb({ minAvailable: "50%" })]));
    });

    it("rejects budgets that allow no disruption", () => {
        assertHasViolation(violations("pdb-allows-disruption", [web(3), pdb({ maxUnavailable: 0 })]), /maxUnavailable 0: it blocks every drain/);
        assertHasViolation(violations("pdb-allows-disruption", [web(3), pdb({ maxUnavailable: "0%" })]), /blocks every drain/);
        assertHasViolation(violations("pdb-allows-disruption", [web(3), pdb({ minAvailable: 3 })]), /minAvailable 3 for 3 replica\(s\)/);
        assertHasViolation(violations("pdb-allows-disruption", [web(2), pdb({ minAvailable: "100%" })]), /"100%"/);
    });

    it("rejects a budget on a single replica and a missing unhealthyPodEvictionPolicy", () => {
        assertHasViolation(violations("pdb-allows-disruption", [web(1), pdb({ maxUnavailable: 1 })]), /selects a single replica/);
        assertHasViolation(violations("pdb-allows-disruption", [web(3), pdb({ maxUnavailable: 1, unhealthyPodEvictionPolicy: undefined })]), /unhealthyPodEvictionPolicy: AlwaysAllow/);
    });
});

describe("policy prod-replicas", () => {
    it("asks for 2 replicas in prod only", () => {
        assertHasViolation(violations("prod-replicas", [prodPlatform, args(Deployment, replicated(1))]), /runs 1 replica in prod/);
        assertNoViolations(violations("prod-replicas", [devPlatform, args(Deployment, replicated(1))]));
        assertNoViolations(violations("prod-replicas", [prodPlatform, args(Deployment, replicated(2))]));
    });

    it("accepts a single replica that says why the software cannot run twice", () => {
        const d = deployment("gateway", "apps", goodPodSpec(), { [exceptionAnnotation("prod-replicas")]: "owns the scheduler lease" });
        assertNoViolations(violations("prod-replicas", [prodPlatform, args(Deployment, d)]));
    });
});
