/**
 * Upstream YAML read as Helm and Kubernetes read it (go-yaml, through sigs.k8s.io/yaml): js-yaml
 * with the YAML core schema, where a plain `2024-12-23` stays a string (js-yaml's default schema
 * makes it a Date), plus merge keys (`<<`), which go-yaml applies. Helm's rendered output and the
 * reference data (charts' values and schemas, CRDs) are both read this way. Where Helm and the
 * Kubernetes clients read YAML with go-yaml: components/k8s/yaml.ts, with the upstream files.
 */
import { CORE_SCHEMA, Type, load, loadAll } from "js-yaml";

const GO_YAML_SCHEMA = CORE_SCHEMA.extend({ implicit: [new Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (key: unknown) => key === "<<" })] });

/** What reads the YAML, for the keys of caches holding what was read: js-yaml's version and the schema. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const GO_YAML_READER = `js-yaml ${(require("js-yaml/package.json") as { version: string }).version} core+merge`;

/** One YAML document, read as go-yaml reads it. */
export function loadAsGoYaml(text: string): unknown {
    return load(text, { schema: GO_YAML_SCHEMA });
}

/** Every document of a YAML text, read as go-yaml reads it. */
export function loadAllAsGoYaml(text: string): unknown[] {
    return loadAll(text, null, { schema: GO_YAML_SCHEMA });
}
