#pragma once
// A --catalog text of n made-up GPUs (each entry ~220 bytes, as a hand-written one), for
// the catalog load benchmark and the large-catalog test (issue 17: a 70,000-GPU catalog,
// 15.6 MB of JSON, must load in linear time).
#include <string>

namespace gpuadv::bench {

/// JSON (`json` true) or YAML flow-style entries "syn-0" .. "syn-<n-1>", aliases "s0"...
inline std::string SyntheticCatalog(int n, bool json) {
  std::string out = json ? "{\"gpus\": [" : "gpus:\n";
  out.reserve(static_cast<size_t>(n) * 240 + 16);
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    const char* q = json ? "\"" : "";
    auto key = [&](const char* name) { return std::string(q) + name + q + ": "; };
    std::string e = std::string(json ? (i ? ", {" : "{") : "  - {") + key("id") + "\"syn-" + k +
                    "\", " + key("name") + "\"Syn " + k + "\", " + key("vendor") + "\"nvidia\", " +
                    key("segment") + "\"datacenter\", " + key("architecture") + "\"Hopper\", " +
                    key("memory_gb") + "80, " + key("memory_bw_gbs") + "3350, " +
                    key("bf16_tensor_dense_tflops") + "989, " + key("tdp_w") + "700, " +
                    key("aliases") + "[\"s" + k + "\"]}" + (json ? "" : "\n");
    out += e;
  }
  if (json) out += "]}\n";
  return out;
}

}  // namespace gpuadv::bench
