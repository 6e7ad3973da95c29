/** What tests/distributedNotebook.test.ts and tests/distributedNotebook.config.test.ts share: constants and helpers. */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { secretSpecs } from "../config";
import { Run, TestResource } from "./harness";

export const T = {
    ns: "kubernetes:core/v1:Namespace",
    cm: "kubernetes:core/v1:ConfigMap",
    svc: "kubernetes:core/v1:Service",
    sa: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    deploy: "kubernetes:apps/v1:Deployment",
    sts: "kubernetes:apps/v1:StatefulSet",
    cr: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    crb: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    rb: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
export const COMPONENT = "research-platform:apps:DistributedNotebook";
export const APP_NS = "distributed-notebook";
export const DAEMON_NS = "distributed-notebook-daemons";

/** The object of a kind with a Kubernetes name in a namespace. */
export function obj(run: Run, type: string, name: string, namespace?: string): TestResource {
    const found = run.all(type).filter((r) => r.inputs.metadata?.name === name && (namespace === undefined || r.inputs.metadata?.namespace === namespace));
    assert.equal(found.length, 1, `expected one ${type} ${namespace ?? "*"}/${name}, found ${found.length}`);
    return found[0];
}
export const container = (r: TestResource, name: string) => {
    const c = r.inputs.spec.template.spec.containers.find((x: { name: string }) => x.name === name);
    assert.ok(c, `${r.name} has no container ${name}`);
    return c;
};
export const env = (c: { env?: { name: string; value?: string; valueFrom?: unknown }[] }, name: string) => c.env?.find((e) => e.name === name);
export const portMap = (ports: { name: string; containerPort?: number; port?: number }[]) => Object.fromEntries(ports.map((p) => [p.name, p.containerPort ?? p.port]));
/** The custom resources of the DistributedNotebook component (not other components' objects). */
export const mine = (run: Run, type: string) => {
    const urns = new Set(run.descendants(run.one(COMPONENT, "distributed-notebook")).map((r) => r.urn));
    return run.all(type).filter((r) => urns.has(r.urn));
};
/** Every user-supplied secret the platform knows, as placeholders (prod's operator sets them). */
export const prodSecrets = () => secretSpecs.map((s) => `${s.key}=placeholder`);
export const daemonYml = (run: Run, ns = APP_NS) => parse(obj(run, T.cm, "daemon-configmap", ns).inputs.data["daemon.yml"]);
