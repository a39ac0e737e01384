#include "tools/server/router.h"

namespace gpuadv::server {

void Router::Add(std::string method, const std::string& pattern, Handler handler, bool heavy) {
  const bool literal = pattern.find_first_of("\\^$.|?*+()[]{}") == std::string::npos;
  routes_.push_back({std::move(method), literal ? pattern : std::string(),
                     literal ? std::regex() : std::regex(pattern), std::move(handler), heavy});
}

Router::Found Router::Find(Request& req) const {
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (const Route& r : routes_) {
    if (r.method != method) continue;
    if (!r.literal.empty()) {
      if (req.path != r.literal) continue;
      req.matches = {req.path};
      return {&r.handler, r.heavy};
    }
    std::smatch m;
    if (!std::regex_match(req.path, m, r.pattern)) continue;
    req.matches.assign(m.begin(), m.end());
    return {&r.handler, r.heavy};
  }
  return {};
}

}  // namespace gpuadv::server
