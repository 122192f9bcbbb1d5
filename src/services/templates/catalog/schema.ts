/**
 * The shape of one cloud image the bot can turn into a template, and of the `templates.catalog` config
 * section. The bundled catalog.json and users' additions are checked against the same schema, so a user
 * image is held to the same rules as a shipped one.
 */
import { z } from "zod";

export const CATALOG_KEY_PATTERN = /^[a-z0-9][a-z0-9.-]{1,40}$/;

/** An image's key as commands, jobs and config name it. */
export const distroKey = z.string().regex(CATALOG_KEY_PATTERN, "a distro key like ubuntu-24.04");

const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;
export type ChecksumAlgorithm = keyof typeof HEX_LENGTH;

/** Hex digits a digest of `algorithm` has; the parser also uses it to tell algorithms apart. */
export function hexLength(algorithm: ChecksumAlgorithm): number {
  return HEX_LENGTH[algorithm];
}

const algorithmSchema = z.enum(["sha256", "sha512"]).describe("digest PVE verifies the download with");

/**
 * URLs never carry credentials: fetch refuses them, and they would end up in task logs and chat messages.
 * A mirror that needs authentication belongs behind a proxy the bot reaches without secrets in the URL.
 */
function webUrl(protocols: readonly string[], message: string) {
  return z
    .string()
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), { message })
    .refine((v) => !URL.canParse(v) || (new URL(v).username === "" && new URL(v).password === ""), {
      message: "must not contain a user name or password",
    });
}

const httpsUrl = webUrl(["https:"], "must be an https:// URL");

/**
 * Where the expected digest comes from. `sums` is a file listing many images (SHA256SUMS, CHECKSUM) in GNU
 * (`<hex>  name`) or BSD (`SHA256 (name) = <hex>`) lines; `single` is a sidecar holding one digest.
 * `style` and `signed` describe how upstream writes the file: the parser accepts every style either way,
 * they exist so the simulated mirror serves what upstream serves.
 */
export const checksumFromFileSchema = z.strictObject({
  url: httpsUrl,
  algorithm: algorithmSchema,
  format: z.enum(["sums", "single"]).optional(),
  style: z.enum(["gnu", "bsd"]).optional(),
  signed: z.boolean().optional(),
});

/** A digest written into the catalog, for vendors that publish no checksum file (or for private images). */
export const pinnedChecksumSchema = z
  .strictObject({
    pinned: z.string().regex(/^[0-9a-fA-F]+$/, "must be hexadecimal"),
    algorithm: algorithmSchema,
  })
  .refine((c) => c.pinned.length === hexLength(c.algorithm), {
    message: "has the wrong length for its algorithm (sha256: 64 hex digits, sha512: 128)",
    path: ["pinned"],
  });

interface BranchIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * zod reports a failed union as "Invalid input". Say which form was meant (a `pinned` key means the
 * pinned form) and what is wrong with it, so a user fixing their config sees the actual field.
 */
function describeChecksumIssue(issue: { input?: unknown; errors?: BranchIssue[][] }): string {
  const forms = "a checksum is {url, algorithm[, format]} or {pinned, algorithm}";
  const input = issue.input;
  if (typeof input !== "object" || input === null || Array.isArray(input) || !issue.errors) return forms;
  const branch = issue.errors["pinned" in input ? 1 : 0] ?? [];
  const details = branch.map((b) => (b.path.length > 0 ? `${b.path.join(".")}: ${b.message}` : b.message));
  return details.length > 0 ? `${forms}; ${details.join("; ")}` : forms;
}

export const catalogEntrySchema = z
  .strictObject({
    key: z
      .string()
      .regex(CATALOG_KEY_PATTERN, "must be 2–41 characters: lowercase letters, digits, '.', '-'"),
    name: z.string().min(1).max(80),
    version: z.string().min(1).max(40),
    arch: z.enum(["x86_64", "aarch64"]),
    imageUrl: webUrl(["https:", "http:"], "must be an http(s) URL"),
    checksum: z.union([checksumFromFileSchema, pinnedChecksumSchema], { error: describeChecksumIssue }),
    /**
     * The disk format inside the file, which is also the extension it gets for `content=import` (PVE only
     * accepts .qcow2/.raw/.vmdk/.ova there). Ubuntu's `.img` files are qcow2 and are renamed accordingly.
     */
    format: z.enum(["qcow2", "raw"]),
    family: z.enum(["debian", "rhel", "suse", "arch", "alpine", "freebsd", "other"]),
    loginUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name"),
    guestAgent: z.enum(["preinstalled", "cloud-init-package", "none"]),
    /** The weakest PVE CPU type the image boots on; EL9 needs x86-64-v2, EL10 x86-64-v3. */
    minCpu: z.enum(["kvm64", "x86-64-v2", "x86-64-v2-AES", "x86-64-v3", "x86-64-v4", "host"]),
    source: z.string().max(600).optional(),
    notes: z.string().max(600).optional(),
  })
  .refine((e) => "pinned" in e.checksum || new URL(e.imageUrl).protocol === "https:", {
    message: "must be an https:// URL unless the checksum is pinned",
    path: ["imageUrl"],
  });

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export type CatalogFamily = CatalogEntry["family"];
export type ChecksumSpec = CatalogEntry["checksum"];

export const CATALOG_FAMILIES: readonly CatalogFamily[] = catalogEntrySchema.shape.family.options;

const urlPrefix = webUrl(["https:", "http:"], "must be an http(s) URL prefix");

/**
 * `templates.catalog` in the bot's config. `mirrors` maps an upstream URL prefix to a replacement prefix
 * and applies to image and checksum URLs alike; the longest matching prefix wins. Offline sites point it
 * at their own mirror; the demo points it at the simulated mirror.
 */
export const catalogConfigSchema = z
  .strictObject({
    images: z.array(catalogEntrySchema).default([]).describe("cloud images added to the bundled catalog"),
    mirrors: z
      .record(urlPrefix, urlPrefix)
      .default({})
      .describe("upstream URL prefix → replacement prefix, for image and checksum downloads"),
  })
  .default({ images: [], mirrors: {} });

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
