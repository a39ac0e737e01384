#pragma once
// The HTTP routes of `serve`: each parses the request, calls the same src/gpuadv/api function
// as the CLI verb and sends its JSON; every error leaves as one envelope (STYLE.md 5).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gpuadv/api/environment.h"
#include "tools/server/http.h"
#include "tools/server/result_cache.h"
#include "tools/server/router.h"
#include "tools/server/static_files.h"

namespace gpuadv::server {

/// {"error": {"message", "field" (null when none), "code" (the HTTP status), "type"}}.
nlohmann::json ErrorEnvelope(int status, const std::string& message,
                             const std::optional<std::string>& field = std::nullopt);

/// The envelope as a whole response, with the headers every response carries: for what
/// the transport refuses before any route sees it (framing 400, 413, 431, 503).
Response ErrorResponse(int status, const std::string& message,
                       const std::optional<std::string>& field = std::nullopt);

/// /healthz, /api/... and the static files. Contract: `env` and `files` outlive it;
/// Resolve and the handlers it returns are thread-safe. The compute routes' 200 answers are
/// kept in a ResultCache (`cache`), one per Routes and so per Environment.
class Routes {
 public:
  Routes(const api::Environment& env, const StaticFiles& files, bool check_host,
         CacheLimits cache = {});

  struct Routed {
    Handler handler;  // sets the common headers; an empty 4xx/5xx gets the envelope
    bool heavy;       // run it on the worker pool, not the I/O thread
  };
  /// What answers `req` (sets req.matches): the Host check's 403 (`check_host`: only
  /// loopback names), its route, or a 404 envelope. A compute route's answer already in
  /// the cache comes back as a light handler that sends it.
  Routed Resolve(Request& req) const;

 private:
  Router router_;
  bool check_host_;
  mutable ResultCache cache_;
};

}  // namespace gpuadv::server
