/**
 * InterLink against what its programs really do at run time (issue 16, contracts/interlink.ts):
 * the target host's units.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { contract } from "../contracts/interlink";
import type { ContractConfig } from "../contracts/types";
import { Run, runProgram } from "./harness";

/** Interlink on in dev; placeholder secrets, so the same options also run against older code. */
const DEV = { stack: "dev", set: ["interlink.enabled=true"], placeholderSecrets: true };
const PROD = { stack: "prod", placeholderSecrets: true };

function hostFiles(run: Run): Record<string, string> {
    return run.output("interlinkHostFiles").value as Record<string, string>;
}

describe("interlink at run time", () => {
    let dev: Run;
    let prod: Run;
    before(async () => {
        // One at a time: the mocks record one program run at a time.
        dev = await runProgram(DEV);
        prod = await runProgram(PROD);
    });

    describe("target host files", () => {
        it("keeps the Docker sidecar's pod data in a directory its unit may write (not /etc under ProtectSystem=full)", () => {
            const files = hostFiles(dev);
            const unit = files["/etc/systemd/system/docker-sidecar.service"];
            const dataRoot = parse(files["/etc/interlink/InterLinkConfig.yaml"]).DataRootFolder as string;
            const cwd = /^WorkingDirectory=(.+)$/m.exec(unit)![1];
            const resolved = dataRoot.startsWith("/") ? dataRoot : `${cwd}/${dataRoot}`;
            assert.match(unit, /^ProtectSystem=full$/m);
            assert.ok(!resolved.startsWith("/etc/") && !resolved.startsWith("/usr/") && !resolved.startsWith("/boot/"), `${resolved} is read-only under ProtectSystem=full`);
            const state = /^StateDirectory=(.+)$/m.exec(unit);
            assert.ok(state && resolved.startsWith(`/var/lib/${state[1]}/`), `${resolved} must be under the unit's StateDirectory`);
            const config = dev.one("research-platform:index:Platform", "platform").inputs.config as ContractConfig;
            const fact = contract(config)!.hostFacts.find((f) => f.id === "docker-sidecar-data-root");
            assert.ok(fact && fact.kind === "unitWritablePath");
            assert.equal(fact.path, resolved, "the contract names the path the program makes writable");
        });

        it("restricts the InterLink API (3000) and the sidecar (4000) to localhost; oauth2-proxy stays reachable", () => {
            const files = hostFiles(prod);
            for (const u of ["interlink", "docker-sidecar"]) {
                const text = files[`/etc/systemd/system/${u}.service`];
                assert.match(text, /^IPAddressDeny=any$/m, u);
                assert.match(text, /^IPAddressAllow=localhost$/m, u);
            }
            assert.doesNotMatch(files["/etc/systemd/system/oauth2-proxy.service"], /IPAddressDeny/);
        });

        it("logs only errors on the host: at info level docker-sd writes the notebook's API token to the journal", () => {
            assert.equal(parse(hostFiles(dev)["/etc/interlink/InterLinkConfig.yaml"]).ErrorsOnlyLogging, true);
        });
    });
});
