// Builds the libpcap binding at setup time (live capture would otherwise build it on first use,
// which needs write access to var/ and a compiler on the sensor).
import { preparePcapAddon } from '../capture/index.ts';

const result = preparePcapAddon();
if (result.ok) {
  process.stdout.write(`setup: libpcap binding ready (${result.path})\n`);
} else {
  process.stderr.write(`setup: libpcap binding not built (${result.reason})\n`);
  process.exitCode = 1;
}
