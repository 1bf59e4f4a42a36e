// getsockopt(PACKET_STATISTICS) for a packet socket: the kernel's received/dropped counters that
// libpcap reports as ps_recv/ps_drop, which the `cap` binding does not expose.
// The kernel resets them on every read, so callers accumulate.
#include <node_api.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <errno.h>
#include <string.h>

static napi_value PacketSocketStats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, nullptr, "packetSocketStats(fd): fd must be an integer");
    return nullptr;
  }
  struct tpacket_stats_v3 st;
  memset(&st, 0, sizeof(st));
  socklen_t len = sizeof(st);
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) {
    napi_throw_error(env, nullptr, strerror(errno));
    return nullptr;
  }
  napi_value result, packets, drops;
  napi_create_array_with_length(env, 2, &result);
  napi_create_uint32(env, st.tp_packets, &packets);
  napi_create_uint32(env, st.tp_drops, &drops);
  napi_set_element(env, result, 0, packets);
  napi_set_element(env, result, 1, drops);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "packetSocketStats", NAPI_AUTO_LENGTH, PacketSocketStats, nullptr, &fn);
  napi_set_named_property(env, exports, "packetSocketStats", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
