#include "tools/server/router.h"

namespace gpuadv::server {

void Router::Add(std::string method, const std::string& pattern, Handler handler, bool heavy) {
  routes_.push_back({std::move(method), std::regex(pattern), std::move(handler), heavy});
}

Router::Found Router::Find(Request& req) const {
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (const Route& r : routes_) {
    std::smatch m;
    if (r.method != method || !std::regex_match(req.path, m, r.pattern)) continue;
    req.matches.assign(m.begin(), m.end());
    return {&r.handler, r.heavy};
  }
  return {};
}

}  // namespace gpuadv::server
