import * as fs from "node:fs";
import * as path from "node:path";

/** The project root (the folder with Pulumi.yaml), from source or from compiled `bin/`. */
export function findProjectDir(from: string = __dirname): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
    }
}
