import { z } from "zod";
import { msg } from "./problems";

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi`, `1.5`. Numbers are refused: YAML would turn `1e3` or `08` into surprises. */
export const quantity = z
    .string({ error: msg("must be a quantity string such as \"500m\" or \"4Gi\"", "quote the value in the stack file, e.g. cpu: \"2\"") })
    .regex(/^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/, {
        message: msg("is not a Kubernetes quantity", "use a value such as \"500m\", \"2\", \"512Mi\" or \"4Gi\""),
    });

export const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional(), "ephemeral-storage": quantity.optional() });

/** Requests and limits for a container, as in a pod spec. */
export const resources = z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() });
export type Resources = z.output<typeof resources>;

/** An RFC 1123 DNS label: Namespace, Service and node names. */
export const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: msg("is not a valid DNS label (lower-case letters, digits and '-', starting and ending alphanumeric)", "use a name such as \"my-name-1\"") })
    .max(63, { message: msg("is longer than 63 characters", "shorten it") });

/** An RFC 1123 DNS subdomain: most object names and host names. */
export const dnsName = z
    .string()
    .max(253, { message: msg("is longer than 253 characters", "shorten it") })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        message: msg("is not a valid DNS name", "use lower-case labels separated by dots, e.g. \"hub.example.org\""),
    });

export const port = z
    .number({ error: msg("must be a port number", "use a whole number from 1 to 65535") })
    .int({ message: msg("must be a whole number", "use a whole number from 1 to 65535") })
    .min(1, { message: msg("is not a valid port", "use a whole number from 1 to 65535") })
    .max(65535, { message: msg("is not a valid port", "use a whole number from 1 to 65535") });

export const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s/]+/.test(s) && URL.canParse(s), {
    message: msg("is not an http(s) URL", "use a full URL such as \"https://example.org/path\""),
});

/**
 * A container image reference with an explicit tag or digest, e.g. `ghcr.io/org/app:1.2.3`.
 * `latest` is accepted here; the guardrails reject it outside `dev`.
 */
export const image = z
    .string()
    .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/i, {
        message: msg("is not an image reference with a tag or digest", "pin it, e.g. \"registry.example.org/team/app:1.2.3\""),
    });

export const namespace = dnsLabel;
