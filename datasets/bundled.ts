// The bundled datasets: generated once into <var>/datasets/<preset>/ (no download, deterministic
// seed) and reused while the manifest says they are complete and from this generator version.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type DatasetManifest, type DatasetParameters, type GenerateProgress, generateDataset, GENERATOR_VERSION, LABELS_FILE,
  MANIFEST_FILE, validateOptions,
} from './generator/generateDataset.ts';
import { datasetsDir } from './catalogue.ts';
import { type PresetName, presetOptions } from './presets.ts';

/** The demo dataset under `<varDir>/datasets/demo`, generated on first use. */
export function ensureDemoDataset(varDir: string, onProgress?: (p: GenerateProgress) => void): Promise<DatasetManifest> {
  return ensurePresetDataset(varDir, 'demo', onProgress);
}

export async function ensurePresetDataset(
  varDir: string, preset: PresetName, onProgress?: (p: GenerateProgress) => void,
): Promise<DatasetManifest> {
  const dir = join(datasetsDir(varDir), preset);
  const wanted = validateOptions(presetOptions(preset, dir));
  const existing = await readUsableManifest(dir, wanted);
  if (existing) return existing;
  // generate beside the final folder (a name the catalogue skips) and swap it in, so a crash
  // never leaves a half dataset in use
  const partial = `${dir}.partial-${process.pid}`;
  await removeAbandonedPartials(dir);
  await rm(partial, { recursive: true, force: true });
  try {
    await generateDataset({ ...presetOptions(preset, partial), onProgress });
    const raced = await readUsableManifest(dir, wanted);
    if (raced) return raced;
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  const made = await readUsableManifest(dir, wanted);
  if (!made) throw new Error(`${dir}: the dataset was generated but does not read back; remove the folder and try again`);
  return made;
}

/** Partial folders left by generations that were interrupted (Ctrl-C, a crash): their process is gone. */
async function removeAbandonedPartials(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.partial-`;
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && !processExists(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The manifest of a complete dataset made with `wanted`, or null (missing, stale or damaged). */
export async function readUsableManifest(dir: string, wanted: DatasetParameters): Promise<DatasetManifest | null> {
  let manifest: Omit<DatasetManifest, 'dir'>;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Omit<DatasetManifest, 'dir'>;
  } catch {
    return null;
  }
  if (manifest.generatorVersion !== GENERATOR_VERSION) return null;
  const p = manifest.parameters;
  if (!p || (Object.keys(wanted) as (keyof DatasetParameters)[]).some((k) => p[k] !== wanted[k])) return null;
  for (const f of manifest.files) {
    const size = await stat(join(dir, f.file)).then((s) => s.size, () => -1);
    if (size !== f.sizeBytes) return null;
  }
  const labelsPresent = await stat(join(dir, LABELS_FILE)).then(() => true, () => false);
  if (!labelsPresent) return null;
  return { ...manifest, dir };
}
