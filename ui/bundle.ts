// Builds the browser app into static files the server serves: one script, one stylesheet and the
// page, with nothing inline so the server's CSP (script-src 'self'; style-src 'self') holds.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = dirname(fileURLToPath(import.meta.url));

/** Where `npm run build:ui` writes the app; the server serves this folder. */
export const UI_DIST_DIR = join(uiDir, 'dist');

export interface UiBuildResult {
  outDir: string;
  /** bytes of app.js */
  scriptBytes: number;
}

export async function buildUi(outDir: string = UI_DIST_DIR, minify = true): Promise<UiBuildResult> {
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(uiDir, 'src', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  await copyFile(join(uiDir, 'src', 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(uiDir, 'src', 'app.css'), join(outDir, 'app.css'));
  const script = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('app.js'));
  return { outDir, scriptBytes: script ? script[1].bytes : 0 };
}
