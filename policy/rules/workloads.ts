/**
 * Workload hygiene: requests and limits, readiness probes behind Services, pinned images, no
 * secret-looking literals in env or ConfigMaps, no service-account token unless needed.
 */
import { allContainers, containerLabel, isSidecar, podTemplate } from "./pods";
import { secretLookingName } from "./names";
import { GuardResource, Rule, RuleContext, exceptionReason, isKind, nameOf, namespaceOf, objectsOf } from "./types";

export { secretLookingName };

export const resourcesRule: Rule = {
    name: "resource-requests-limits",
    description: "Every container sets CPU and memory requests and limits.",
    level: "mandatory",
    scope: "resource",
    check(r: GuardResource): string[] {
        const t = podTemplate(r);
        if (!t || exceptionReason(r, "resource-requests-limits")) return [];
        const out: string[] = [];
        for (const x of allContainers(t.spec)) {
            if (x.group === "ephemeralContainers") continue;
            const missing: string[] = [];
            for (const kind of ["requests", "limits"]) for (const res of ["cpu", "memory"]) if (x.c.resources?.[kind]?.[res] === undefined) missing.push(`${kind}.${res}`);
            if (missing.length > 0) out.push(`${containerLabel(x)} lacks resources ${missing.join(", ")}`);
        }
        return out;
    },
};

function selects(selector: Record<string, unknown>, podLabels: Record<string, string>): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([k, v]) => podLabels[k] === v);
}

export const readinessRule: Rule = {
    name: "readiness-probe",
    description: "Every container of a pod behind a Service has a readiness probe.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        const t = podTemplate(r);
        if (!t || exceptionReason(r, "readiness-probe")) return [];
        const ns = namespaceOf(r);
        const services = objectsOf(ctx, "Service", ns).filter((s) => selects(s.props?.spec?.selector, t.labels));
        if (services.length === 0) return [];
        return allContainers(t.spec)
            .filter((x) => (x.group === "containers" || isSidecar(x)) && !x.c.readinessProbe)
            .map((x) => `${containerLabel(x)} has no readinessProbe but is behind Service "${nameOf(services[0])}"`);
    },
};

/** The tag of an image reference (`undefined` when untagged; digests count as pinned). */
export function imageTag(image: string): string | undefined {
    if (image.includes("@sha256:")) return "@digest";
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    return colon < 0 ? undefined : image.slice(colon + 1);
}

export const imageTagRule: Rule = {
    name: "image-tag",
    description: "Outside dev, every image is pinned: no :latest and no untagged images.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        const t = podTemplate(r);
        if (!t || ctx.environment === "dev" || exceptionReason(r, "image-tag")) return [];
        const out: string[] = [];
        for (const x of allContainers(t.spec)) {
            if (typeof x.c.image !== "string") {
                out.push(`${containerLabel(x)} has no image`);
                continue;
            }
            const tag = imageTag(x.c.image);
            if (tag === undefined) out.push(`${containerLabel(x)}: image "${x.c.image}" has no tag; pin a version`);
            else if (tag === "latest") out.push(`${containerLabel(x)}: image "${x.c.image}" uses :latest; pin a version`);
        }
        return out;
    },
};

const PEM_PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

export const secretLiteralsRule: Rule = {
    name: "no-secret-literals",
    description: "No secret-looking literal env values or ConfigMap keys (password/secret/token/key names, private-key PEM blocks): use a Secret and secretKeyRef.",
    level: "mandatory",
    scope: "resource",
    check(r: GuardResource): string[] {
        if (exceptionReason(r, "no-secret-literals")) return [];
        const out: string[] = [];
        const t = podTemplate(r);
        for (const x of t ? allContainers(t.spec) : []) {
            for (const e of Array.isArray(x.c.env) ? x.c.env : []) {
                if (e?.value === undefined || e.value === "") continue;
                if (secretLookingName(String(e.name))) out.push(`${containerLabel(x)}: env ${e.name} has a literal value; read it from a Secret with secretKeyRef`);
                else if (PEM_PRIVATE.test(String(e.value))) out.push(`${containerLabel(x)}: env ${e.name} holds a private key; read it from a Secret`);
            }
        }
        if (isKind(r, "ConfigMap")) {
            for (const field of ["data", "binaryData"]) {
                for (const [k, v] of Object.entries((r.props?.[field] ?? {}) as Record<string, unknown>)) {
                    if (secretLookingName(k)) out.push(`ConfigMap "${nameOf(r)}" key ${k} looks like a secret; put it in a Secret`);
                    else if (typeof v === "string" && PEM_PRIVATE.test(v)) out.push(`ConfigMap "${nameOf(r)}" key ${k} holds a private key; put it in a Secret`);
                }
            }
        }
        return out;
    },
};

export const automountRule: Rule = {
    name: "automount-service-account-token",
    description: "Pods set automountServiceAccountToken: false unless the workload needs the Kubernetes API (then it declares an exception).",
    level: "mandatory",
    scope: "resource",
    check(r: GuardResource): string[] {
        const t = podTemplate(r);
        if (!t || exceptionReason(r, "automount-service-account-token")) return [];
        return t.spec?.automountServiceAccountToken === false
            ? []
            : [`pod template must set automountServiceAccountToken: false, or the object must carry the annotation research-platform.io/policy-exception.automount-service-account-token saying why it needs the API`];
    },
};
