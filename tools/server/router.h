#pragma once
// Method + path pattern -> handler, in the order added (the first match wins), and on
// which lane the handler runs: the I/O thread (cheap: /healthz, files, errors) or the
// worker pool (an estimate or a search), so compute never delays the cheap routes.
#include <regex>
#include <string>
#include <vector>

#include "tools/server/http.h"

namespace gpuadv::server {

class Router {
 public:
  /// `pattern` must match the whole decoded path (ECMAScript regex); its groups become
  /// Request::matches. `heavy`: run on the worker pool.
  void Add(std::string method, const std::string& pattern, Handler handler, bool heavy = false);

  struct Found {
    const Handler* handler = nullptr;  // nullptr: no route for this method and path
    bool heavy = false;
  };
  /// The first route for req.method (HEAD finds the GET routes) whose pattern matches
  /// req.path; sets req.matches.
  Found Find(Request& req) const;

 private:
  struct Route {
    std::string method;
    std::string literal;  // a pattern without regex syntax: compared as a string
    std::regex pattern;
    Handler handler;
    bool heavy;
  };
  std::vector<Route> routes_;
};

}  // namespace gpuadv::server
