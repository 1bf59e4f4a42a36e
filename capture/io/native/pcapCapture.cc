// Live capture through libpcap, handing packets to JavaScript in batches: one call per batch of
// records in a caller-owned buffer, not one call per packet. Each record is a 16-byte header
// (seconds, nanoseconds, captured length, original length; native byte order, 32-bit words) and the
// captured bytes, padded to a multiple of 4. libpcap runs in its default (non-immediate) mode, so on
// Linux it uses TPACKET_V3: packets packed into ring blocks, handed over when a block fills or its
// timeout passes, with the kernel's capture timestamp in nanoseconds.
#include <node_api.h>
#include <uv.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>

namespace {

struct Capture {
  napi_env env;
  pcap_t* pcap;
  uv_poll_t poll;
  napi_ref onBatch;
  napi_ref batchRef;
  napi_async_context async;
  uint8_t* batch;
  size_t batchCap;
  size_t used;
  bool nanoTimestamps;
  bool dispatching;
  bool closing;
  bool closed;
  /** the struct is freed once both owners are done with it: libuv's poll handle and the JavaScript handle */
  bool pollReleased;
  bool handleReleased;
  /** the last pcap_stats() reading, kept once the handle is closed */
  uint32_t recv, drop, ifdrop;
};

const size_t HEADER = 16;
/** pcap_dispatch rounds per readable event: bounds the time spent before the loop runs other work */
const int ROUNDS_PER_EVENT = 64;

napi_value Throw(napi_env env, const char* code, const char* message) {
  napi_throw_error(env, code, message);
  return nullptr;
}

void DeliverBatch(Capture* c, double bytes, const char* error) {
  if (c->onBatch == nullptr) return;
  napi_env env = c->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, argv[2], result;
  napi_get_reference_value(env, c->onBatch, &fn);
  napi_get_global(env, &recv);
  napi_create_double(env, bytes, &argv[0]);
  if (error != nullptr) napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[1]);
  else napi_get_undefined(env, &argv[1]);
  if (napi_make_callback(env, c->async, recv, fn, 2, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

void Flush(Capture* c) {
  if (c->used == 0) return;
  size_t n = c->used;
  c->used = 0;
  DeliverBatch(c, (double)n, nullptr);
}

void OnPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* data) {
  Capture* c = (Capture*)user;
  if (c->closing) return;
  size_t len = h->caplen;
  size_t need = HEADER + ((len + 3) & ~(size_t)3);
  if (need > c->batchCap) return;  // the batch buffer is sized for the snaplen: cannot happen
  if (c->used + need > c->batchCap) {
    Flush(c);
    if (c->closing) {
      pcap_breakloop(c->pcap);
      return;
    }
  }
  uint32_t* w = (uint32_t*)(c->batch + c->used);
  w[0] = (uint32_t)h->ts.tv_sec;
  w[1] = c->nanoTimestamps ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
  w[2] = (uint32_t)len;
  w[3] = (uint32_t)h->len;
  memcpy(c->batch + c->used + HEADER, data, len);
  c->used += need;
}

void ReadStats(Capture* c) {
  struct pcap_stat st;
  if (c->pcap != nullptr && pcap_stats(c->pcap, &st) == 0) {
    c->recv = st.ps_recv;
    c->drop = st.ps_drop;
    c->ifdrop = st.ps_ifdrop;
  }
}

void OnPollClosed(uv_handle_t* handle) {
  Capture* c = (Capture*)handle->data;
  c->pollReleased = true;
  if (c->handleReleased) free(c);
}

void OnHandleFinalized(napi_env env, void* data, void* hint) {
  Capture* c = (Capture*)data;
  c->handleReleased = true;
  if (c->pollReleased) free(c);
}

/** Stops the poll, closes libpcap and drops the JavaScript references; the struct is freed once libuv has closed the poll handle. */
void Finish(Capture* c) {
  if (c->closed) return;
  c->closed = true;
  ReadStats(c);
  uv_poll_stop(&c->poll);
  pcap_close(c->pcap);
  c->pcap = nullptr;
  napi_delete_reference(c->env, c->onBatch);
  napi_delete_reference(c->env, c->batchRef);
  napi_async_destroy(c->env, c->async);
  c->onBatch = nullptr;
  c->batchRef = nullptr;
  uv_close((uv_handle_t*)&c->poll, OnPollClosed);
}

void OnReadable(uv_poll_t* handle, int status, int events) {
  Capture* c = (Capture*)handle->data;
  if (c->closed) return;
  c->dispatching = true;
  const char* error = nullptr;
  char message[PCAP_ERRBUF_SIZE + 64];
  if (status < 0) {
    // libpcap knows why better than poll does (e.g. "The interface disappeared")
    if (pcap_dispatch(c->pcap, -1, OnPacket, (u_char*)c) == PCAP_ERROR) snprintf(message, sizeof message, "%s", pcap_geterr(c->pcap));
    else snprintf(message, sizeof message, "poll failed: %s", uv_strerror(status));
    error = message;
  } else {
    for (int round = 0; round < ROUNDS_PER_EVENT && !c->closing; round++) {
      int n = pcap_dispatch(c->pcap, -1, OnPacket, (u_char*)c);
      if (n == PCAP_ERROR) {
        snprintf(message, sizeof message, "%s", pcap_geterr(c->pcap));
        error = message;
        break;
      }
      if (n <= 0) break;
    }
  }
  if (!c->closing) Flush(c);
  if (error != nullptr && !c->closing) DeliverBatch(c, -1, error);
  c->dispatching = false;
  if (c->closing) Finish(c);
}

/** The capture handle passed as the only argument, or nullptr. */
Capture* HandleArg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  if (argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return nullptr;
  return (Capture*)data;
}

std::string StringArg(napi_env env, napi_value v) {
  size_t len = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &len);
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
  return s;
}

/** open(iface, filter, snaplen, promiscuous, bufferBytes, timeoutMs, batch, onBatch) → [handle, linkType, warning] */
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 8) return Throw(env, "EINVAL", "open: 8 arguments expected");
  std::string iface = StringArg(env, argv[0]);
  std::string filter = StringArg(env, argv[1]);
  int32_t snaplen = 0, bufferBytes = 0, timeoutMs = 0;
  bool promisc = true;
  napi_get_value_int32(env, argv[2], &snaplen);
  napi_get_value_bool(env, argv[3], &promisc);
  napi_get_value_int32(env, argv[4], &bufferBytes);
  napi_get_value_int32(env, argv[5], &timeoutMs);
  void* batch = nullptr;
  size_t batchCap = 0;
  if (napi_get_buffer_info(env, argv[6], &batch, &batchCap) != napi_ok) return Throw(env, "EINVAL", "open: batch must be a Buffer");
  if (batchCap < HEADER + (size_t)snaplen + 3) return Throw(env, "EINVAL", "open: batch buffer smaller than one record");

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_create(iface.c_str(), errbuf);
  if (p == nullptr) return Throw(env, "EPCAP", errbuf);
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, promisc ? 1 : 0);
  pcap_set_buffer_size(p, bufferBytes);
  pcap_set_timeout(p, timeoutMs);
  bool nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
  int r = pcap_activate(p);
  if (r < 0) {
    const char* code = r == PCAP_ERROR_PERM_DENIED ? "EPERM" : r == PCAP_ERROR_NO_SUCH_DEVICE ? "ENODEV" : "EPCAP";
    char message[PCAP_ERRBUF_SIZE + 64];
    const char* detail = pcap_geterr(p);
    snprintf(message, sizeof message, "%s%s%s", pcap_statustostr(r), detail[0] ? ": " : "", detail);
    pcap_close(p);
    return Throw(env, code, message);
  }
  std::string warning = r > 0 ? std::string(pcap_statustostr(r)) + ": " + pcap_geterr(p) : "";
  if (!filter.empty()) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &prog) != 0) {
      std::string message = pcap_geterr(p);
      pcap_close(p);
      return Throw(env, "EFILTER", message.c_str());
    }
    pcap_freecode(&prog);
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    return Throw(env, "EPCAP", errbuf);
  }
  int fd = pcap_get_selectable_fd(p);
  if (fd < 0) {
    pcap_close(p);
    return Throw(env, "EPCAP", "the capture has no selectable file descriptor");
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);

  Capture* c = (Capture*)calloc(1, sizeof(Capture));
  c->env = env;
  c->pcap = p;
  c->batch = (uint8_t*)batch;
  c->batchCap = batchCap;
  c->nanoTimestamps = nano;
  napi_create_reference(env, argv[7], 1, &c->onBatch);
  napi_create_reference(env, argv[6], 1, &c->batchRef);
  napi_value resourceName;
  napi_create_string_utf8(env, "spanwatch:pcapCapture", NAPI_AUTO_LENGTH, &resourceName);
  napi_async_init(env, nullptr, resourceName, &c->async);
  uv_poll_init(loop, &c->poll, fd);
  c->poll.data = c;
  uv_poll_start(&c->poll, UV_READABLE, OnReadable);

  napi_value result, handle, linkType, warn;
  napi_create_array_with_length(env, 3, &result);
  napi_create_external(env, c, OnHandleFinalized, nullptr, &handle);
  napi_create_int32(env, pcap_datalink(p), &linkType);
  napi_create_string_utf8(env, warning.c_str(), NAPI_AUTO_LENGTH, &warn);
  napi_set_element(env, result, 0, handle);
  napi_set_element(env, result, 1, linkType);
  napi_set_element(env, result, 2, warn);
  return result;
}

/** stats(handle) → [received, dropped by the kernel, dropped by the interface]; the last reading after close */
napi_value Stats(napi_env env, napi_callback_info info) {
  Capture* c = HandleArg(env, info);
  if (c == nullptr) return Throw(env, "EINVAL", "stats: not a capture handle");
  if (!c->closed) ReadStats(c);
  napi_value result, v;
  napi_create_array_with_length(env, 3, &result);
  uint32_t values[3] = {c->recv, c->drop, c->ifdrop};
  for (uint32_t i = 0; i < 3; i++) {
    napi_create_uint32(env, values[i], &v);
    napi_set_element(env, result, i, v);
  }
  return result;
}

/** close(handle): stops the capture; safe to call from the batch callback and more than once */
napi_value Close(napi_env env, napi_callback_info info) {
  Capture* c = HandleArg(env, info);
  if (c == nullptr) return Throw(env, "EINVAL", "close: not a capture handle");
  if (c->closed || c->closing) return nullptr;
  c->closing = true;
  if (c->dispatching) pcap_breakloop(c->pcap);
  else Finish(c);
  return nullptr;
}

/** devices() → names of the interfaces libpcap can capture on */
napi_value Devices(napi_env env, napi_callback_info info) {
  pcap_if_t* all = nullptr;
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, errbuf) != 0) return Throw(env, "EPCAP", errbuf);
  napi_value result;
  napi_create_array(env, &result);
  uint32_t i = 0;
  for (pcap_if_t* d = all; d != nullptr; d = d->next) {
    napi_value name;
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, result, i++, name);
  }
  pcap_freealldevs(all);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback fn; } fns[] = {
    {"open", Open}, {"stats", Stats}, {"close", Close}, {"devices", Devices},
  };
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
