/**
 * How the program writes the YAML it hands to programs: config files in ConfigMaps and Secrets, and
 * the Helm values file of JupyterHub's secrets. (The plan's artifacts follow the same rule, written
 * by `artifactYaml` in tools/plan-engine/manifests.ts.)
 *
 * The `yaml` library writes YAML 1.2, where `no`, `on`, `2024-12-23` or `1_000` are plain strings.
 * The readers of these files are YAML 1.1 readers, which take them for a boolean, a date or a number:
 * kubectl, Helm and the Kubernetes libraries read YAML through sigs.k8s.io/yaml (go-yaml v2 rules:
 * `no` is false, `1_000` is 1000), and Python programs such as NVIDIA FLARE's provisioner read it
 * with PyYAML (YAML 1.1: `2024-12-23` is a date, `=` and `<<` cannot even be loaded). A client
 * secret `2024_1201` written plain reaches JupyterHub as the number 20241201. So every string that
 * one of those readers would take for something else is quoted; everything else is written as
 * before, so the deployed files do not change (and roll no pod) where nothing was ambiguous. (Four
 * of the files were written with the library's defaults, which fold a line with spaces past 80
 * columns and write a repeated object as an anchor; none of their values does either: the dev and
 * prod plans, and 1000 NVIDIA FLARE participants, deploy the same bytes as before.)
 *
 * The quoting follows the library's own YAML 1.1 schema (`compat`), plus what go-yaml and PyYAML
 * read beyond it: go-yaml takes `0o17` for an octal number, and PyYAML knows `=` (the 1.1 "value"
 * type) and `<<` (merge) as plain scalars it cannot construct.
 *
 * Who reads what, at the pinned versions:
 * - Helm v3.20.2 reads values with sigs.k8s.io/yaml (`pkg/chartutil/values.go` 26, 107-113;
 *   `go.mod` 49: v1.6.0), which decodes with go.yaml.in/yaml/v2 (sigs.k8s.io/yaml v1.6.0 `yaml.go`
 *   27, 55-63). kubectl and the Kubernetes clients decode manifests the same way
 *   (k8s.io/apimachinery v0.35.1 `pkg/util/yaml/decoder.go` 32, 45-60).
 * - NVIDIA FLARE 2.4.0 (NVIDIA/NVFlare bf800ffaa43a5021ee17c0914aa75557fce15974) loads the project
 *   file with `load_yaml` (`nvflare/lighter/provision.py` 26, 115), which is PyYAML's `safe_load`
 *   (`nvflare/lighter/utils.py` 146-150).
 * - Tried on those readers (sigs.k8s.io/yaml v1.6.0, PyYAML 6.0.3): of 91 tricky strings written by the
 *   library's defaults, 24 misread by PyYAML and 20 by sigs.k8s.io/yaml; written here, none.
 */
import { Schema, stringify, type ScalarTag } from "yaml";

const beyondYaml11: ScalarTag = {
    tag: "tag:research-platform.io,2026:read-as-non-string",
    default: true,
    identify: () => false,
    test: /^(?:[-+]?0o[0-7_]+|=|<<)$/,
    resolve: (s: string) => s,
};

/** Every type a YAML 1.1 reader resolves a plain scalar to, besides strings. */
const YAML_1_1_READERS = [...new Schema({ schema: "yaml-1.1" }).tags, beyondYaml11];

/** `doc` as YAML that YAML 1.2 and YAML 1.1 readers alike read back as `doc`: no line folding, no anchors. */
export function toYaml(doc: unknown): string {
    return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, compat: YAML_1_1_READERS });
}
