/** Whether a name (env variable, ConfigMap key, config key) says it holds a secret. */

const SECRET_WORDS = new Set(["password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "tokens", "credential", "credentials", "apikey"]);
/** Last words that make the name about a secret rather than the secret itself. */
const REFERENCE_WORDS = new Set([
    "name", "names", "url", "uri", "path", "file", "dir", "ref", "endpoint", "issuer", "ttl", "expiry", "expire", "lifetime", "seconds", "length", "algorithm", "type", "header", "enabled", "mode", "id", "image", "refresher",
]);

/** `OAuthClientSecret` -> oauth, client, secret; `DB_PASSWORD` -> db, password. */
export function nameWords(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w.toLowerCase());
}

export function secretLookingName(name: string): boolean {
    const words = nameWords(name);
    if (words.length === 0 || REFERENCE_WORDS.has(words[words.length - 1]) || words[0] === "existing") return false;
    return words.some((w) => SECRET_WORDS.has(w)) || words[words.length - 1] === "key";
}
