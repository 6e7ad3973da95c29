/* global process, console */
// Usage: node scripts/set-metallb-range.mjs STACK_FILE RANGE
// Sets research-platform:metallb.addresses[0] in a stack file, keeping its comments and layout
// (used by kind-up.sh when the Pulumi CLI is not installed).
import * as fs from "node:fs";
import YAML from "yaml";

const [file, range] = process.argv.slice(2);
if (!file || !range) {
    console.error("usage: node scripts/set-metallb-range.mjs STACK_FILE RANGE");
    process.exit(2);
}
if (!/^\d{1,3}(\.\d{1,3}){3}-\d{1,3}(\.\d{1,3}){3}$|^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(range)) {
    console.error(`error: "${range}" is not an address range (a.b.c.d-e.f.g.h or a CIDR)`);
    process.exit(2);
}
const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
if (doc.errors.length > 0) {
    console.error(`error: ${file} is not valid YAML: ${doc.errors[0].message}`);
    process.exit(1);
}
const key = ["config", "research-platform:metallb", "addresses"];
const current = doc.getIn(key);
if (YAML.isSeq(current) && current.items.length > 0) doc.setIn([...key, 0], range);
else doc.setIn(key, doc.createNode([range]));
fs.writeFileSync(file, doc.toString());
console.log(`${file}: research-platform:metallb.addresses[0] = ${range}`);
