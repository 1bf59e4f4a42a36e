// Builds the kernel-drop-counter addon at setup time (live capture would otherwise build it on
// first use, which needs write access to var/ and a compiler on the sensor).
import { preparePacketStatsAddon } from '../capture/index.ts';

const result = preparePacketStatsAddon();
if (result.ok) {
  process.stdout.write(`setup: kernel drop counter ready (${result.path})\n`);
} else {
  process.stderr.write(`setup: kernel drop counter not built (${result.reason}); live capture will report 0 kernel drops\n`);
}
