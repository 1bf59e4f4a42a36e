// Model versions on disk: <modelsDir>/<version>/{model.json, weights.bin, meta.json}, and the
// pointer file <modelsDir>/LIVE whose first line is the live version and whose following lines
// are the versions that were live before it (newest first), so a rollback knows where to go.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deserialiseModel, netFromModel } from './autoencoder.ts';
import { FEATURE_NAMES, FEATURE_VERSION } from './features.ts';
import type { ModelArtifact, ModelMeta } from './modelArtifact.ts';
import { isModelVersion } from './modelVersion.ts';
import { loadTf } from './tfRuntime.ts';

export const DEFAULT_MODELS_DIR = 'var/models';
const LIVE_FILE = 'LIVE';

export class ModelArtifactError extends Error {
  override name = 'ModelArtifactError';
}

/** A version name as a folder under modelsDir, refusing anything that is not a plain version name. */
function versionDir(modelsDir: string, version: string, doing: string): string {
  if (!isModelVersion(version)) {
    throw new ModelArtifactError(`cannot ${doing} '${version.slice(0, 80)}': not a model version name (1-128 letters, digits, '.', '_' or '-', starting with a letter or digit); list versions with \`spanwatch train --list\``);
  }
  return join(modelsDir, version);
}

export async function saveModel(artifact: ModelArtifact, modelsDir = DEFAULT_MODELS_DIR): Promise<string> {
  versionDir(modelsDir, artifact.meta.version, 'save model version');
  const dir = join(modelsDir, artifact.meta.version);
  if (existsSync(dir)) throw new ModelArtifactError(`model version ${artifact.meta.version} already exists in ${modelsDir}; delete it or train with another seed or data`);
  mkdirSync(modelsDir, { recursive: true });
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'model.json'), artifact.saved.modelJson);
  writeFileSync(join(tmp, 'weights.bin'), artifact.saved.weights);
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify(artifact.meta, null, 1) + '\n');
  renameSync(tmp, dir);
  return dir;
}

export function readMeta(dir: string): ModelMeta {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) throw new ModelArtifactError(`${dir} is not a model folder (no meta.json); point --model at a folder written by \`spanwatch train\`, or use 'latest'`);
  let meta: ModelMeta;
  try {
    meta = JSON.parse(readFileSync(path, 'utf8')) as ModelMeta;
  } catch (err) {
    throw new ModelArtifactError(`${path} is not valid JSON (${(err as Error).message}); the model folder is damaged — retrain it`);
  }
  if (meta.featureVersion !== FEATURE_VERSION) {
    throw new ModelArtifactError(
      `model ${meta.version ?? dir} was trained with feature version ${meta.featureVersion}, but this spanwatch computes feature version ${FEATURE_VERSION}; retrain it with \`spanwatch train\``,
    );
  }
  if (meta.features.length !== FEATURE_NAMES.length || meta.features.some((f, i) => f !== FEATURE_NAMES[i])) {
    throw new ModelArtifactError(`model ${meta.version} lists features that differ from feature version ${FEATURE_VERSION}'s list; the folder was edited or damaged — retrain it`);
  }
  return meta;
}

/** Resolves 'latest' (the live version, else the newest one) or a folder path. */
export function resolveModelDir(dirOrLatest: string, modelsDir = DEFAULT_MODELS_DIR): string {
  if (dirOrLatest !== 'latest') {
    // a folder the operator names is theirs to name; anything else must be a version name
    if (existsSync(dirOrLatest)) return dirOrLatest;
    const inModels = versionDir(modelsDir, dirOrLatest, 'load model');
    if (existsSync(inModels)) return inModels;
    throw new ModelArtifactError(`model ${dirOrLatest} not found (neither a folder nor a version in ${modelsDir}); list versions with \`spanwatch train --list\``);
  }
  const live = readLive(modelsDir)[0];
  if (live) return join(modelsDir, live);
  const versions = listVersions(modelsDir);
  const newest = versions[versions.length - 1];
  if (!newest) throw new ModelArtifactError(`no model in ${resolve(modelsDir)}; train one with \`spanwatch train\``);
  return join(modelsDir, newest);
}

export async function loadModel(dirOrLatest: string, opts: { modelsDir?: string } = {}): Promise<ModelArtifact> {
  const dir = resolveModelDir(dirOrLatest, opts.modelsDir);
  const meta = readMeta(dir);
  const modelJson = readFileSync(join(dir, 'model.json'), 'utf8');
  const weights = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
  const { tf } = await loadTf();
  const model = await deserialiseModel(tf, { modelJson, weights });
  const net = netFromModel(model);
  model.dispose();
  return { meta, net, saved: { modelJson, weights } };
}

export interface ModelListing {
  version: string;
  dir: string;
  createdAt: string;
  live: boolean;
  windows: number;
  trainingStart: number;
  trainingEnd: number;
  backend: string;
}

function listVersions(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isModelVersion(d.name) && !d.name.includes('.partial-') && existsSync(join(modelsDir, d.name, 'meta.json')))
    .map((d) => d.name)
    .sort();
}

export function listModels(modelsDir = DEFAULT_MODELS_DIR): ModelListing[] {
  const live = readLive(modelsDir)[0];
  return listVersions(modelsDir).map((v) => {
    const meta = JSON.parse(readFileSync(join(modelsDir, v, 'meta.json'), 'utf8')) as ModelMeta;
    return {
      version: v, dir: join(modelsDir, v), createdAt: meta.createdAt, live: v === live, windows: meta.training.windows,
      trainingStart: meta.training.start, trainingEnd: meta.training.end, backend: meta.backend,
    };
  });
}

function readLive(modelsDir: string): string[] {
  const path = join(modelsDir, LIVE_FILE);
  if (!existsSync(path)) return [];
  // a line that is not a version name (an edited pointer file) is ignored, never joined into a path
  return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(isModelVersion);
}

function writeLive(modelsDir: string, lines: string[]): void {
  const path = join(modelsDir, LIVE_FILE);
  writeFileSync(`${path}.tmp`, lines.join('\n') + '\n');
  renameSync(`${path}.tmp`, path);
}

export function liveVersion(modelsDir = DEFAULT_MODELS_DIR): string | null {
  return readLive(modelsDir)[0] ?? null;
}

export function promoteModel(modelsDir: string, version: string): void {
  if (!existsSync(join(versionDir(modelsDir, version, 'promote'), 'meta.json'))) throw new ModelArtifactError(`cannot promote ${version}: no such model in ${modelsDir}`);
  readMeta(join(modelsDir, version));
  const history = readLive(modelsDir).filter((v) => v !== version);
  writeLive(modelsDir, [version, ...history]);
}

/** Makes the previously live version live again; returns it. */
export function rollbackModel(modelsDir = DEFAULT_MODELS_DIR): string {
  const lines = readLive(modelsDir);
  if (lines.length < 2) throw new ModelArtifactError(`nothing to roll back to in ${modelsDir}: ${lines.length ? `only ${lines[0]} was ever live` : 'no version is live'}`);
  const [, ...rest] = lines;
  writeLive(modelsDir, rest);
  return rest[0]!;
}
