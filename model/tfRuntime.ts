// Loads TensorFlow.js once per process: the native binding where it is installed, otherwise the
// pure-JS package on the wasm backend, otherwise on the cpu backend. The backend that ran is
// recorded in meta.json so numbers from different machines can be told apart.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Tf = typeof import('@tensorflow/tfjs');

export interface TfRuntime {
  tf: Tf;
  /** 'tensorflow' (tfjs-node), 'wasm' or 'cpu' */
  backend: string;
}

let runtime: Promise<TfRuntime> | null = null;

export function loadTf(): Promise<TfRuntime> {
  runtime ??= initialise();
  return runtime;
}

async function initialise(): Promise<TfRuntime> {
  // A name in a variable keeps the optional native package out of static resolution.
  const nativeName = '@tensorflow/tfjs-node';
  try {
    const native = (await import(nativeName)) as Tf;
    await native.ready();
    return { tf: native, backend: native.getBackend() };
  } catch {
    // not installed (it needs to download libtensorflow at install time): use the portable build
  }
  const tf = await import('@tensorflow/tfjs');
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(pathToFileURL(dist).pathname + '/');
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return { tf, backend: 'wasm' };
    }
  } catch {
    // the wasm binary could not be loaded here: the cpu backend computes the same, slower
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}
