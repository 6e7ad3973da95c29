/** Where things are: inside the participants' pods, and on the provisioning claim (`workspace.type: provision`). */

/** Each participant's workspace root is `/workspace/<name>` (the `-m` of server_train/client_train). */
export const WORKSPACE = "/workspace";
/** The servers' job store and snapshots: the provisioned `local/resources.json.default` hard-codes `/tmp/nvflare/...`. */
export const PERSIST = "/tmp/nvflare";

/** Where the provisioning Job mounts the claim. */
export const STATE = "/state";
/** `<claim>/kits/<participant>`: each participant's workspace root (its kit, its logs and job folders). */
export const KITS_DIR = "kits";
/** `<claim>/persist`: the servers' `/tmp/nvflare` with `persist: {type: workspace}`. */
export const PERSIST_DIR = "persist";
/** `<claim>/provisioning`: `nvflare provision`'s own workspace (`-w`): the CA state and the last prod_00. */
export const PROVISIONING_DIR = "provisioning";
/** Written last into every participant's folder: the sha256 of the project file its kit was made from. */
export const KIT_MARKER = ".project-sha256";
