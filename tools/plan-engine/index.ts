/**
 * The offline plan engine: runs the real program under Pulumi's mocks, records every registration
 * (`runPlan`), renders the artifacts (resources.json, manifests/, helm/, graph.mmd, summary.md)
 * and writes them. It knows nothing of the guardrails, which read its plans.
 *
 * The command-line tools use it through this module. Three modules are loaded on their own, by
 * path: `deferSdk` (a side effect that must come before anything loads the SDK), `reportRss` (the
 * benchmark preloads it into the processes it measures) and `planDiff` (the plan diff command's,
 * with libraries the plan itself does not need).
 */
export type { ChartObject, ChartRendering, Finding, HelmRecord, Manifest, Plan, PlanCheck, PlanResource, Registration, ReleaseRendering } from "./types";
export { chartObjects, renderCharts } from "./helmRender";
export type { PlanOptions } from "./runPlan";
export { runPlan, stackConfigFor, stackTracesWanted, withPlaceholderSecrets } from "./runPlan";
export { UsageError } from "./stackConfig";
export type { PlanCommandLine } from "./messages";
export { forOfflinePlan } from "./messages";
export { buildGraph } from "./graph";
export { manifestDocs, provideManifestYaml, renderPlan } from "./render";
export { componentTree } from "./summary";
export { startPlanWorker } from "./planWorker";
export type { PlanWorker } from "./planWorker";
export { writeArtifacts } from "./artifacts";
export { EVERY_COMPONENT_ON } from "./everything";
