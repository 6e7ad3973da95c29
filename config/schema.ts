import { z } from "zod";
import { kubernetesSchema, kubernetesCrossChecks } from "./kubernetes";
import { storageSchema, storageSecrets, storageCrossChecks } from "./storage";
import { metallbSchema, metallbSecrets, metallbCrossChecks } from "./metallb";
import { kruiseSchema, kruiseSecrets, kruiseCrossChecks } from "./kruise";
import { metricsServerSchema, metricsServerSecrets, metricsServerCrossChecks } from "./metricsServer";
import { certManagerSchema, certManagerSecrets, certManagerCrossChecks } from "./certManager";
import { ingressSchema, ingressSecrets, ingressCrossChecks } from "./ingress";
import { distributedNotebookSchema, distributedNotebookSecrets, distributedNotebookCrossChecks } from "./distributedNotebook";
import { jupyterhubSchema, jupyterhubSecrets, jupyterhubCrossChecks } from "./jupyterhub";
import { interlinkSchema, interlinkSecrets, interlinkCrossChecks } from "./interlink";
import { nvflareSchema, nvflareSecrets, nvflareCrossChecks } from "./nvflare";
import { diracxSchema, diracxSecrets, diracxCrossChecks } from "./diracx";
import { chartsSchema, chartsSecrets, chartsCrossChecks } from "./charts";
import type { CrossCheck, SecretSpec } from "./spec";

/**
 * The whole platform's configuration: one top-level config key per component. Every component
 * object is optional in the stack file (`prefault({})` runs its defaults), and every object is
 * strict, so a misspelt key is an error rather than silently ignored.
 */
export const platformSchema = z.strictObject({
    kubernetes: kubernetesSchema.prefault({}),
    storage: storageSchema.prefault({}),
    metallb: metallbSchema.prefault({}),
    kruise: kruiseSchema.prefault({}),
    metricsServer: metricsServerSchema.prefault({}),
    certManager: certManagerSchema.prefault({}),
    ingress: ingressSchema.prefault({}),
    distributedNotebook: distributedNotebookSchema.prefault({}),
    jupyterhub: jupyterhubSchema.prefault({}),
    interlink: interlinkSchema.prefault({}),
    nvflare: nvflareSchema.prefault({}),
    diracx: diracxSchema.prefault({}),
    charts: chartsSchema.prefault({}),
});

/** Validated settings, before secrets are attached. */
export type PlatformSettings = z.output<typeof platformSchema>;

/** Every user-supplied secret the platform knows, with when it is needed. */
export const secretSpecs: readonly SecretSpec<PlatformSettings>[] = [
    ...storageSecrets,
    ...metallbSecrets,
    ...kruiseSecrets,
    ...metricsServerSecrets,
    ...certManagerSecrets,
    ...ingressSecrets,
    ...distributedNotebookSecrets,
    ...jupyterhubSecrets,
    ...interlinkSecrets,
    ...nvflareSecrets,
    ...diracxSecrets,
    ...chartsSecrets,
];

/** Every check across components, each against the whole settings (which must have what it reads). */
export const crossChecks: readonly CrossCheck<PlatformSettings>[] = [
    ...kubernetesCrossChecks,
    ...storageCrossChecks,
    ...metallbCrossChecks,
    ...kruiseCrossChecks,
    ...metricsServerCrossChecks,
    ...certManagerCrossChecks,
    ...ingressCrossChecks,
    ...distributedNotebookCrossChecks,
    ...jupyterhubCrossChecks,
    ...interlinkCrossChecks,
    ...nvflareCrossChecks,
    ...diracxCrossChecks,
    ...chartsCrossChecks,
];
