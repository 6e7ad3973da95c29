/**
 * secretlint rule for Pulumi stack files (`Pulumi.<stack>.yaml`): a config key whose name looks
 * like a secret (password, secret, token, credentials, ...key) must hold `secure: <ciphertext>`,
 * i.e. be set with `pulumi config set --secret`, never a plaintext value. Nested config objects
 * are checked key by key.
 */
import * as path from "node:path";
import type { SecretLintRuleCreator, SecretLintSourceCode } from "@secretlint/types";
import { Document, isMap, isPair, isScalar, parseDocument } from "yaml";
import { secretLookingName } from "../../policy/rules/names";

export const RULE_ID = "@research-platform/secretlint-rule-pulumi-stack";

const messages = {
    PLAINTEXT_CONFIG_SECRET: {
        en: (props: { key: string }) => `${props.key} looks like a secret but is in plaintext: set it with \`pulumi config set --secret\` so the stack file holds \`secure: ...\``,
    },
};

export function isPulumiStackFile(filePath: string | undefined): boolean {
    return /^Pulumi\.[^.]+\.ya?ml$/.test(path.basename(filePath ?? ""));
}

interface Finding {
    key: string;
    range: [number, number];
}

/** Plaintext secret-looking keys of a stack file, with the source range of their value. */
export function plaintextSecrets(doc: Document): Finding[] {
    const out: Finding[] = [];
    const walk = (node: unknown, at: string) => {
        if (!isMap(node)) return;
        for (const pair of node.items) {
            if (!isPair(pair) || !isScalar(pair.key)) continue;
            const key = String(pair.key.value);
            const full = at ? `${at}.${key}` : key;
            const bare = key.includes(":") ? key.slice(key.lastIndexOf(":") + 1) : key;
            const value = pair.value;
            if (isMap(value)) {
                if (value.has("secure")) continue;
                walk(value, full);
            } else if (isScalar(value) && value.value !== null && value.value !== "" && secretLookingName(bare) && value.range) {
                out.push({ key: full, range: [value.range[0], value.range[1]] });
            }
        }
    };
    const root = doc.contents;
    if (isMap(root)) walk(root.get("config", true), "config");
    return out;
}

export const creator: SecretLintRuleCreator = {
    messages,
    meta: {
        id: RULE_ID,
        type: "scanner",
        recommended: true,
        supportedContentTypes: ["text"],
    },
    create(context) {
        const t = context.createTranslator(messages);
        return {
            file(source: SecretLintSourceCode) {
                if (!isPulumiStackFile(source.filePath)) return;
                const doc = parseDocument(source.content);
                for (const f of plaintextSecrets(doc)) {
                    // The key name is not secret: keep it readable when secretlint masks the data of a message.
                    const { message, messageId } = t("PLAINTEXT_CONFIG_SECRET", { key: f.key });
                    context.report({ message: { message, messageId, data: undefined }, range: f.range });
                }
            },
        };
    },
};
