// Which shard counts a packet. A packet between a local and a remote address goes to the shard of
// the remote address; any other IP packet to the shard of its address pair (either order); a
// packet without IP to shard 0. So every packet of a flow meets the same flow table, every packet
// to or from a remote address meets the same remote-endpoint entry (its counts, distinct local
// hosts and top port are exact in one shard), a local host's peers are disjoint across shards (a
// remote peer by the rule, a local one by its pair), and only the host's totals and distinct
// ports need summing across shards. Reads the link and network headers only.
import type { PacketRecord } from '../packet.ts';
import { DecodedPacket, NETWORK } from '../decode/decodedPacket.ts';
import { decodeLinkLayer, ETHERTYPE } from '../decode/linkLayer.ts';
import { decodeIpv4, decodeIpv6, type NetworkBounds } from '../decode/networkLayer.ts';
import type { LocalNetworks } from '../flows/localNetworks.ts';
import { addressKey } from '../structures/addressText.ts';
import { numberHash } from '../structures/numberSet.ts';

export class PacketSharding {
  private readonly p = new DecodedPacket();
  private readonly bounds: NetworkBounds = { payloadStart: 0, payloadEnd: 0, fragmentId: 0 };
  /** whether the packet shardOf() saw last was IP (it goes into a flow table) */
  ip = false;

  constructor(private readonly shards: number, private readonly localNets: LocalNetworks) {}

  shardOf(rec: PacketRecord): number {
    const p = this.p;
    p.network = NETWORK.NONE;
    p.etherType = 0;
    this.ip = false;
    const d = rec.buffer;
    const end = rec.offset + rec.capLen;
    const off = decodeLinkLayer(d, rec.offset, end, rec.linkType, p);
    if (off < 0) return 0;
    // the addresses are set before any later check of the header can fail, as in the full decoder
    if (p.etherType === ETHERTYPE.IPV4) decodeIpv4(d, off, end, p, this.bounds);
    else if (p.etherType === ETHERTYPE.IPV6) decodeIpv6(d, off, end, p, this.bounds);
    const v6 = p.network === NETWORK.IPV6;
    if (!v6 && p.network !== NETWORK.IPV4) return 0;
    this.ip = true;
    const nets = this.localNets;
    const srcLocal = v6 ? nets.isLocalV6(p.src) : nets.isLocalV4(p.src[0]!);
    const dstLocal = v6 ? nets.isLocalV6(p.dst) : nets.isLocalV4(p.dst[0]!);
    let h: number;
    if (srcLocal !== dstLocal) h = numberHash(addressKey(v6, srcLocal ? p.dst : p.src));
    else h = (numberHash(addressKey(v6, p.src)) ^ numberHash(addressKey(v6, p.dst))) >>> 0;
    return h % this.shards;
  }
}
