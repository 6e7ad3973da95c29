/** Exposure: no NodePort Service, hostPort or host network unless the component's config asks for it. */
import { allContainers, containerLabel, podTemplate } from "./pods";
import { GuardResource, Rule, exceptionAnnotation, exceptionReason, isKind, nameOf } from "./types";

export const exposureRule: Rule = {
    name: "exposure",
    description: "No NodePort Service, hostPort or hostNetwork unless the component's config asks for it (then the object carries the exception annotation).",
    level: "mandatory",
    scope: "resource",
    check(r: GuardResource): string[] {
        if (exceptionReason(r, "exposure")) return [];
        const how = `; if the component's config asks for it, annotate the object with ${exceptionAnnotation("exposure")}: "<reason>"`;
        const out: string[] = [];
        if (isKind(r, "Service") && r.props?.spec?.type === "NodePort") out.push(`Service "${nameOf(r)}" is of type NodePort${how}`);
        const t = podTemplate(r);
        if (t) {
            if (t.spec?.hostNetwork === true) out.push(`pod template uses hostNetwork${how}`);
            for (const x of allContainers(t.spec)) for (const p of x.c.ports ?? []) if (p?.hostPort) out.push(`${containerLabel(x)} uses hostPort ${p.hostPort}${how}`);
        }
        return out;
    },
};
