/**
 * docs/contracts.md's tables of flows are generated from the contracts: the committed ones must be
 * what `npm run contracts:doc` writes today.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { DOC_BEGIN, DOC_END, contractsDocTables, withContractsDocTables } from "../tools/guardrails/contractsDoc";
import { DOC, stackConfigs } from "../tools/contractsDoc";

describe("runtime contracts: docs/contracts.md", function () {
    this.timeout(120_000);

    it("lists every flow of every contract and of contracts/denied.ts as npm run contracts:doc generates them", async () => {
        const doc = fs.readFileSync(DOC, "utf8");
        const expected = withContractsDocTables(doc, contractsDocTables(await stackConfigs()));
        const part = (d: string) => d.slice(d.indexOf(DOC_BEGIN), d.indexOf(DOC_END));
        assert.equal(part(doc), part(expected), "docs/contracts.md's tables are out of date: run npm run contracts:doc");
    });

    it("replaces only what is between the markers, and refuses a document without them", () => {
        assert.equal(withContractsDocTables(`a\n${DOC_BEGIN}\nold\n${DOC_END}\nb\n`, "new\n"), `a\n${DOC_BEGIN}\n\nnew\n\n${DOC_END}\nb\n`);
        assert.throws(() => withContractsDocTables("no markers", "x"), /needs the markers/);
    });
});
