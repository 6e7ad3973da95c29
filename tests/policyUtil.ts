/**
 * Helpers in the style of pulumi/compliance-policies: build `ResourceValidationArgs` /
 * `StackValidationArgs` from a resource class and its props, run a policy, collect violations.
 */
import * as assert from "node:assert/strict";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../policy/policies";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/k8s/securityContext";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A resource class (`k8s.apps.v1.Deployment`) or a type token (`kubernetes:apps.kruise.io/v1alpha1:CloneSet`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type TypeOf = Function | string;

function typeToken(t: TypeOf): string {
    const token = typeof t === "string" ? t : (t as unknown as { __pulumiType?: string }).__pulumiType;
    assert.ok(token, "pass a Pulumi resource class or a type token");
    return token;
}

/** apiVersion and kind from a Kubernetes type token, as the SDK adds them to the inputs. */
function withTypeMeta(type: string, props: Record<string, any>): Record<string, any> {
    const m = /^kubernetes:([^:]+):(\w+)$/.exec(type);
    if (!m || type.startsWith("kubernetes:helm.sh/")) return props;
    const apiVersion = m[1].startsWith("core/") ? m[1].slice(5) : m[1];
    return { apiVersion, kind: m[2], ...props };
}

export interface ResourceOpts {
    name?: string;
    protect?: boolean;
    config?: Record<string, unknown>;
}

export function createResourceValidationArgs(t: TypeOf, props: Record<string, any>, opts: ResourceOpts = {}): ResourceValidationArgs {
    const type = typeToken(t);
    const name = opts.name ?? props?.metadata?.name ?? "test";
    return {
        type,
        name,
        urn: `urn:pulumi:test::research-platform::${type}::${name}`,
        props: withTypeMeta(type, props),
        opts: { protect: opts.protect ?? false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map(),
        isType: (cls: any) => cls.__pulumiType === type,
        asType: (cls: any) => (cls.__pulumiType === type ? props : undefined),
        getConfig: <T extends object>() => (opts.config ?? {}) as T,
    } as unknown as ResourceValidationArgs;
}

export function createStackValidationArgs(resources: ResourceValidationArgs[], config: Record<string, unknown> = {}): StackValidationArgs {
    const rs: PolicyResource[] = resources.map((r) => ({ ...r, dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource);
    return {
        resources: rs,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: () => {
            throw new Error("not applicable");
        },
    } as unknown as StackValidationArgs;
}

export function policyNamed(name: string): ResourceValidationPolicy | StackValidationPolicy {
    const p = policies.find((x) => x.name === name);
    assert.ok(p, `no policy ${name}`);
    return p;
}

/** Violations a resource policy reports for one resource. */
export function resourceViolations(name: string, args: ResourceValidationArgs): string[] {
    const p = policyNamed(name) as ResourceValidationPolicy;
    assert.ok(p.validateResource, `${name} is not a resource policy`);
    const out: string[] = [];
    const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
    for (const v of validations) void v(args, (m: string) => out.push(m));
    return out;
}

/** Violations a stack policy reports, as `{ urn, message }`. */
export function stackViolations(name: string, args: StackValidationArgs): { urn?: string; message: string }[] {
    const p = policyNamed(name) as StackValidationPolicy;
    assert.ok(p.validateStack, `${name} is not a stack policy`);
    const out: { urn?: string; message: string }[] = [];
    void p.validateStack(args, (message: string, urn?: string) => out.push({ urn, message }));
    return out;
}

/** Any violation of a policy for resources (resource or stack policy alike). */
export function violations(name: string, resources: ResourceValidationArgs[], config: Record<string, unknown> = {}): string[] {
    const p = policyNamed(name);
    if ("validateResource" in p && p.validateResource) {
        return resources.flatMap((r) => resourceViolations(name, { ...r, getConfig: <T extends object>() => config as T }));
    }
    return stackViolations(name, createStackValidationArgs(resources, config)).map((v) => v.message);
}

export function assertHasViolation(list: string[], pattern: RegExp): void {
    assert.ok(list.some((m) => pattern.test(m)), `expected a violation matching ${pattern}, got: ${JSON.stringify(list)}`);
}

export function assertNoViolations(list: string[]): void {
    assert.deepEqual(list, []);
}

/** A container that meets every rule. */
export function goodContainer(overrides: Record<string, any> = {}): Record<string, any> {
    return {
        name: "app",
        image: "ghcr.io/example/app:1.2.3",
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
        securityContext: restrictedContainerSecurityContext(),
        ...overrides,
    };
}

/** A pod spec that meets every rule, built with the project's securityContext helpers. */
export function goodPodSpec(overrides: Record<string, any> = {}): Record<string, any> {
    return {
        automountServiceAccountToken: false,
        securityContext: restrictedPodSecurityContext(),
        containers: [goodContainer()],
        ...overrides,
    };
}

export function deployment(name: string, namespace: string, spec: Record<string, any> = goodPodSpec(), annotations?: Record<string, string>): Record<string, any> {
    return {
        metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
    };
}

export function namespace(name: string, level: "restricted" | "baseline" | "privileged", reason?: string): Record<string, any> {
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "warn", "audit"]) labels[`pod-security.kubernetes.io/${mode}`] = level;
    return { metadata: { name, labels, ...(reason ? { annotations: { "research-platform.io/pod-security-reason": reason } } : {}) } };
}
