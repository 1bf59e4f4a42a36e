// `npm run build:ui`: writes ui/dist/ (index.html, app.js, app.css).
import { buildUi } from './bundle.ts';

const outDir = process.argv[2];
buildUi(outDir).then(
  (r) => { console.log(`ui: built ${r.outDir} (app.js ${(r.scriptBytes / 1024).toFixed(1)} KiB)`); },
  (err: unknown) => {
    console.error(`ui: build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
