/**
 * The add-on releases' values, for dev and prod, checked against the upstream reference charts in
 * `CHART_REFERENCE_DIR` (default `../shared/reference/charts`): against `values.schema.json` where
 * the chart has one (defaults from `values.yaml` merged first, as Helm does), otherwise key by key
 * against `values.yaml`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { secretSpecs } from "../config";
import { charts, referenceFolder } from "../components/charts";
import { helmRecord } from "../tools/plan-engine/manifests";
import { runProgram } from "./harness";
import { chartData, mergeValues, valuesValidator } from "./chartValues";
import { chartFile, needsReference } from "./referenceData";

const ADDON_CHARTS: string[] = [charts.kruise, charts.metricsServer, charts.metallb, charts.certManager, charts.traefik].map((c) => c.chart);

type Values = Record<string, unknown>;
const isObject = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/** Helm's coalescing of user values over chart defaults: maps merge, everything else replaces. */
/** Kubernetes-typed values (a container's `resources`): their keys come from the Kubernetes API, not the chart. */
const KUBERNETES_TYPED = new Set(["resources"]);

/** Keys of `values` absent from the chart's `values.yaml` (free-form maps, empty or null by default, accept anything). */
function unknownKeys(defaults: unknown, values: unknown, at = ""): string[] {
    if (!isObject(values) || !isObject(defaults) || Object.keys(defaults).length === 0) return [];
    return Object.entries(values).flatMap(([k, v]) => {
        const p = at ? `${at}.${k}` : k;
        if (!(k in defaults)) return [p];
        if (KUBERNETES_TYPED.has(k)) return [];
        return unknownKeys(defaults[k], v, p);
    });
}

function validate(folder: string, values: Values): string[] {
    const defaults = chartData(folder, "values.yaml") as Values;
    const v = valuesValidator(folder);
    if (!v) return unknownKeys(defaults, values).map((k) => `${k}: not a key of the chart's values.yaml`);
    if (v.validate(mergeValues(defaults, values))) return [];
    return (v.validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

describe("cluster add-ons: values against the reference charts", function () {
    before(function () {
        needsReference(this);
    });

    for (const stack of ["dev", "prod"] as const) {
        for (const tcp of [false, true]) {
            it(`${stack}${tcp ? " with TCP entrypoints" : ""}: every add-on release's values validate`, async () => {
                const run = await runProgram({
                    stack,
                    set: [...(tcp ? ['ingress.tcpPorts=[{"name":"flare","port":8002},{"name":"legacy","port":563}]'] : []), ...(stack === "prod" ? ["metallb.enabled=true", 'metallb.addresses=["10.20.0.0/28"]'] : [])],
                    secrets: stack === "prod" ? secretSpecs.map((s) => `${s.key}=placeholder`) : [],
                });
                const records = run.resources.map(helmRecord).filter((h): h is NonNullable<typeof h> => h !== undefined && ADDON_CHARTS.includes(h.chart));
                assert.deepEqual(records.map((h) => h.chart).sort(), [...ADDON_CHARTS].sort(), "all five add-on charts are in the plan");
                for (const h of records) {
                    const folder = referenceFolder({ chart: h.chart, repo: h.repository, version: h.version });
                    assert.ok(fs.existsSync(chartFile(folder)), `reference folder ${folder} exists for the pinned version`);
                    assert.deepEqual(validate(folder, h.values), [], `${h.chart} ${h.version} values`);
                }
            });
        }
    }

    it("catches a key the chart does not have (the check can fail)", () => {
        assert.notDeepEqual(validate(referenceFolder(charts.traefik), { ports: { flare: { port: 8002, expose: true } } }), []);
        assert.notDeepEqual(validate(referenceFolder(charts.kruise), { manager: { replica: 2 } }), []);
    });
});
