import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfig, UsageError, applySetting, parseConfigPath, readStackConfig } from "../tools/plan-engine/stackConfig";

function stack(config: Record<string, string> = {}): StackConfig {
    return { project: "research-platform", config, secretKeys: [] };
}

describe("offline plan: stack config and --set/--secret", () => {
    it("reads paths as `pulumi config set --path` does", () => {
        assert.deepEqual(parseConfigPath("jupyterhub.host"), ["jupyterhub", "host"]);
        assert.deepEqual(parseConfigPath("nvflare.servers[1].flPort"), ["nvflare", "servers", 1, "flPort"]);
        assert.deepEqual(parseConfigPath('a["b.c"].d'), ["a", "b.c", "d"]);
        assert.throws(() => parseConfigPath("[0].x"), UsageError);
        assert.throws(() => parseConfigPath("a[x]"), UsageError);
    });

    it("sets nested values inside a top-level object, creating arrays and objects as needed", () => {
        const s = stack({ "research-platform:nvflare": JSON.stringify({ enabled: true, servers: [{ name: "a", flPort: 8002 }] }) });
        applySetting(s, "nvflare.servers[1].flPort=8102", false);
        applySetting(s, "nvflare.servers[0].name=server1", false);
        applySetting(s, "jupyterhub.profiles[0].default=true", false);
        assert.deepEqual(JSON.parse(s.config["research-platform:nvflare"]), { enabled: true, servers: [{ name: "server1", flPort: 8002 }, { flPort: 8102 }] });
        assert.deepEqual(JSON.parse(s.config["research-platform:jupyterhub"]), { profiles: [{ default: true }] });
    });

    it("takes whole JSON values and plain strings, and marks --secret keys secret", () => {
        const s = stack();
        applySetting(s, 'metallb={"enabled":true,"addresses":["10.0.0.0/28"]}', false);
        applySetting(s, "kubernetes:context=kind-x", false);
        applySetting(s, "jupyterhubOauthClientSecret=abc=def", true);
        assert.deepEqual(JSON.parse(s.config["research-platform:metallb"]), { enabled: true, addresses: ["10.0.0.0/28"] });
        assert.equal(s.config["kubernetes:context"], "kind-x");
        assert.equal(s.config["research-platform:jupyterhubOauthClientSecret"], "abc=def", "only the first '=' separates key and value");
        assert.deepEqual(s.secretKeys, ["research-platform:jupyterhubOauthClientSecret"]);
    });

    it("turns `secure:` stack values into placeholder secrets", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: research-platform\nruntime: nodejs\n");
        fs.writeFileSync(path.join(dir, "Pulumi.site.yaml"), "config:\n  research-platform:diracxPassword:\n    secure: AAABAKx\n  research-platform:metallb:\n    enabled: true\n");
        const s = readStackConfig(dir, "site");
        assert.deepEqual(s.secretKeys, ["research-platform:diracxPassword"]);
        assert.notEqual(s.config["research-platform:diracxPassword"], "AAABAKx");
        assert.equal(s.config["research-platform:metallb"], '{"enabled":true}');
        assert.throws(() => readStackConfig(dir, "missing"), /no stack file Pulumi\.missing\.yaml .*known stacks: site/);
    });

    it("reports a malformed stack file (tabs, bad indentation, duplicate keys) as file:line:column and the YAML problem, in one line", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: research-platform\nruntime: nodejs\n");
        const cases: Record<string, [string, RegExp]> = {
            tabs: ["config:\n  research-platform:metallb:\n\tenabled: true\n", /^Pulumi\.tabs\.yaml:3:1: Tabs are not allowed as indentation \(fix the YAML in .*Pulumi\.tabs\.yaml\)$/],
            indent: ["config:\n  research-platform:metallb:\n    enabled: true\n   bad: 1\n", /^Pulumi\.indent\.yaml:4:1: All mapping items must start at the same column /],
            dup: ["config:\n  research-platform:metallb:\n    enabled: true\n  research-platform:metallb:\n    enabled: false\n", /^Pulumi\.dup\.yaml:4:3: Map keys must be unique /],
        };
        for (const [name, [text, expected]] of Object.entries(cases)) {
            fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
            const error = (() => {
                try {
                    readStackConfig(dir, name);
                } catch (e) {
                    return e;
                }
                return undefined;
            })();
            assert.ok(error instanceof UsageError, `${name}: expected a UsageError, got ${String(error)}`);
            assert.match(error.message, expected, name);
            assert.ok(!error.message.includes("\n"), `${name}: one line`);
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
