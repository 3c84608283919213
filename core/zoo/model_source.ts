/**
 * Where a model plugin's ONNX bytes come from, in one place for every model plugin: `random:<builder>`
 * (architecture-faithful seeded random weights), `zoo:<name>` (the downloaded or bundled zoo file,
 * verified against its sha256 when it loads) or a path to an .onnx file. Errors say which spec failed
 * and how to fix it.
 * @module
 */
import { ConfigError, InputError } from "../errors.ts";
import { type ZooModel, zooModel } from "./catalog.ts";
import { installedPath, modelPath } from "./store.ts";

/** How one plugin reads model specs. */
export interface ModelSourceRules {
  /** The plugin, for errors ("backbone 'onnx-speaker'"). */
  readonly component: string;
  /** Builds the bytes of a `random:` spec (throws on an unknown builder). */
  random(spec: string): Uint8Array;
  /** What is wrong with a zoo model for this plugin (undefined when it can run here). */
  unusable(m: ZooModel): string | undefined;
  /** The hint for a missing file: the spec forms this plugin takes. */
  readonly forms: string;
}

/** The model's bytes, whether they are random weights, and the zoo name they came from. */
export async function modelSource(
  spec: string,
  rules: ModelSourceRules,
): Promise<{ bytes: Uint8Array; random: boolean; zoo?: string }> {
  const C = rules.component;
  if (spec.startsWith("random:")) {
    try {
      return { bytes: rules.random(spec), random: true };
    } catch (e) {
      throw new ConfigError(C, (e as Error).message);
    }
  }
  if (spec.startsWith("zoo:")) {
    let m: ZooModel;
    try {
      m = zooModel(spec.slice(4));
    } catch (e) {
      throw new ConfigError(C, (e as Error).message);
    }
    const why = rules.unusable(m);
    if (why) throw new ConfigError(C, `zoo model '${m.name}' cannot run here: ${why}`);
    const path = await installedPath(m);
    if (!path) {
      throw new InputError(
        modelPath(m),
        `zoo model '${m.name}' is not installed; run 'deno task models pull ${m.name}'`,
      );
    }
    return { bytes: await Deno.readFile(path), random: false, zoo: m.name };
  }
  try {
    return { bytes: await Deno.readFile(spec), random: false };
  } catch (e) {
    throw new InputError(
      spec,
      e instanceof Deno.errors.NotFound
        ? `model file not found; give ${rules.forms}`
        : `cannot read the model file (${(e as Error).message}); give ${rules.forms}`,
    );
  }
}

/**
 * The folder of a `zoo:<name>` folder model (a transformers.js text model) after every one of its files
 * has been verified against the catalog, with the zoo name and the folder digest; errors name the plugin.
 */
export async function zooModelFolder(
  spec: string,
  component: string,
  kind: ZooModel["kind"],
): Promise<{ path: string; zoo: string; sha256: string }> {
  let m: ZooModel;
  try {
    m = zooModel(spec.replace(/^zoo:/, ""));
  } catch (e) {
    throw new ConfigError(component, (e as Error).message);
  }
  if (m.kind !== kind || !m.bundled?.files) {
    throw new ConfigError(
      component,
      `zoo model '${m.name}' is a ${m.kind} model, not a ${kind} model folder`,
    );
  }
  const path = await installedPath(m);
  if (!path) {
    throw new InputError(
      modelPath(m),
      `zoo model '${m.name}' ships with embedkit but its folder is not readable here (embedkit runs from a non-file URL?)`,
    );
  }
  return { path, zoo: m.name, sha256: m.bundled.sha256 };
}
