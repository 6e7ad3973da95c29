/**
 * What a chart generates at random when Helm renders it without a cluster (`helm template`:
 * `lookup` finds nothing, so `randAlphaNum` runs), replaced by a fixed text so that the same
 * inputs give the same plan on every machine. One table, each entry with the chart's own reason;
 * a test renders every release twice and fails on any difference this table does not cover.
 *
 * Secret data needs no entry: every chart Secret's `data`/`stringData` is written as "[secret]".
 */
import type { Manifest } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface RandomPart {
    chart: string;
    /** Where and why, for the artifact's header and the docs. */
    why: string;
    /** Replace the random part in place; true when the object had it. */
    apply(obj: any): boolean;
}

/** Text that stands in for a value generated at render time. */
export const RANDOM_AT_RENDER = "[random at render]";

function podAnnotation(key: string) {
    return (obj: any): boolean => {
        const a = obj?.spec?.template?.metadata?.annotations;
        if (!a || typeof a !== "object" || !(key in a)) return false;
        a[key] = RANDOM_AT_RENDER;
        return true;
    };
}

export const RANDOM_PARTS: readonly RandomPart[] = [
    {
        chart: "jupyterhub",
        why: "pod annotation checksum/secret: the sha256 of the hub Secret, whose cookie secret, proxy token and CryptKeeper keys z2jh generates at random unless `lookup` finds the Secret in a cluster (templates/hub/_helpers-passwords.tpl)",
        apply: podAnnotation("checksum/secret"),
    },
    {
        chart: "jupyterhub",
        why: "pod annotation checksum/auth-token: the first characters of the sha256 of the generated proxy token (templates/proxy/deployment.yaml)",
        apply: podAnnotation("checksum/auth-token"),
    },
    {
        chart: "diracx",
        why: "Job name: the chart appends the release revision and 3 random characters to each job's name so that upgrades never collide with a finished job (templates/_helpers.tpl, `*.jobname`); written as `rnd`",
        apply(obj: any): boolean {
            if (obj?.kind !== "Job" || typeof obj?.metadata?.name !== "string") return false;
            const m = /^(.+-\d+)-[a-z0-9]{3}$/.exec(obj.metadata.name);
            if (!m) return false;
            obj.metadata.name = `${m[1]}-rnd`;
            return true;
        },
    },
];

/** Replace the random parts of one rendered object of `chart`; returns the reasons of those applied. */
export function normalizeRandom(chart: string, obj: Manifest): string[] {
    const applied: string[] = [];
    for (const p of RANDOM_PARTS) if (p.chart === chart && p.apply(obj)) applied.push(p.why);
    return applied;
}
