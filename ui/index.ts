// The browser app's build, for the server (which serves UI_DIST_DIR) and the tests.
export { buildUi, UI_DIST_DIR } from './bundle.ts';
export type { UiBuildResult } from './bundle.ts';
