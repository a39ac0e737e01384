#include "tools/server/routes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>
#include <vector>

#include "gpuadv/advise/dates.h"
#include "gpuadv/api/catalog_requests.h"
#include "gpuadv/api/errors.h"
#include "gpuadv/api/export_request.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/api/schema.h"
#include "gpuadv/core/error.h"
#include "gpuadv/workload/limits.h"

namespace gpuadv::server {
namespace {

using nlohmann::json;

std::string_view TypeOf(int status) {
  switch (status) {
    case 400:
      return "invalid_request";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    default:
      return status >= 500 ? "server_error" : "error";
  }
}

std::string DefaultMessage(int status) {
  switch (status) {
    case 400:
      return "malformed request";
    case 404:
      return "not found";
    case 413:
      return "request body too large";
    case 414:
      return "request line too long";
    case 416:
      return "range not satisfiable";
    default:
      return status >= 500 ? "internal error" : "request failed";
  }
}

void SendJson(Response& res, int status, const json& j) {
  res.status = status;
  // Exactly what the CLI prints with --format json: dump(2) and a newline. Invalid UTF-8
  // (a hostile path or value echoed in an error) becomes U+FFFD instead of throwing.
  res.SetContent(j.dump(2, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

void SendError(Response& res, int status, const std::string& message,
               const std::optional<std::string>& field = std::nullopt) {
  SendJson(res, status, ErrorEnvelope(status, message, field));
}

// Bad input: the envelope plus the value and what is accepted, so the page can say at the
// field, in its own label's words, what was wrong (issue 14).
void SendInputError(Response& res, int status, const InputError& e) {
  json j = ErrorEnvelope(status, e.what(), e.field());
  j["error"]["value"] = e.value();
  j["error"]["accepted"] = e.accepted();
  j["error"]["problem"] = e.problem();
  SendJson(res, status, j);
}

// --- query strings -------------------------------------------------------------------------

// Rejects parameters a route does not take, naming the closest one it does.
void CheckParams(const Request& req, const std::vector<std::string>& known) {
  for (const auto& [k, v] : req.params) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string accepted;
    for (const auto& n : known) accepted += (accepted.empty() ? "" : ", ") + n;
    if (accepted.empty()) accepted = "no query parameters";
    const std::string hint = DidYouMean(k, known);
    if (!hint.empty()) accepted += " (" + hint + ")";
    throw InputError(k, v, accepted, "unknown query parameter");
  }
}

std::optional<std::string> Param(const Request& req, const char* name) {
  if (req.ParamCount(name) > 1)
    throw InputError(name, req.Param(name), "the parameter once", "repeated");
  if (!req.HasParam(name)) return std::nullopt;
  return req.Param(name);
}

std::optional<long long> IntParam(const Request& req, const char* name, long long min,
                                  long long max) {
  const auto s = Param(req, name);
  if (!s) return std::nullopt;
  long long v = 0;
  const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size() || v < min || v > max)
    throw InputError(name, *s,
                     "an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return v;
}

std::optional<double> NumberParam(const Request& req, const char* name, double min, double max,
                                  const std::string& accepted) {
  const auto s = Param(req, name);
  if (!s) return std::nullopt;
  double v = 0;
  const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size() || !std::isfinite(v) || v < min || v > max)
    throw InputError(name, *s, accepted);
  return v;
}

std::optional<double> LimitParam(const Request& req, const workload::FieldLimit& l) {
  const std::string key(l.key);
  char accepted[96];
  std::snprintf(accepted, sizeof accepted, "a number from %g to %g", l.min, l.max);
  return NumberParam(req, key.c_str(), l.min, l.max, accepted);
}

// "2x rtx-3090,rtx-4090" -> {"2x rtx-3090", "rtx-4090"}.
std::vector<std::string> ListParam(const Request& req, const char* name) {
  std::vector<std::string> out;
  const std::string s = Param(req, name).value_or("");
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool BoolParam(const Request& req, const char* name) {
  const auto s = Param(req, name);
  if (!s) return false;
  if (s->empty() || *s == "1" || *s == "true") return true;
  if (*s == "0" || *s == "false") return false;
  throw InputError(name, *s, "true | false | 1 | 0 (or the name alone)");
}

// A POST body: empty (the embedded default scenario) or JSON.
api::ScenarioRequest Body(const Request& req) { return api::ScenarioFromBody(req.body); }

// A static file: 304 when the client holds this version (ETag), the gzip form when the
// client takes it; revalidated on every load (no-cache), never stale.
void SendStatic(const Request& req, Response& res, StaticFile file) {
  if (!file.etag.empty()) {
    res.SetHeader("ETag", file.etag);
    res.SetHeader("Cache-Control", "no-cache");
    if (req.Header("If-None-Match") == file.etag) {
      res.status = 304;
      return;
    }
  }
  if (!file.gzip.empty()) {
    res.SetHeader("Vary", "Accept-Encoding");
    if (req.Header("Accept-Encoding").find("gzip") != std::string::npos) {
      res.SetHeader("Content-Encoding", "gzip");
      file.content = std::move(file.gzip);
    }
  }
  res.SetContent(std::move(file.content), std::move(file.content_type));
}

// --- handlers ------------------------------------------------------------------------------

// Runs a route and turns exceptions into the envelope: NotFoundError 404, InputError 400,
// anything else 500 (the server keeps running).
Handler Guard(std::function<void(const Request&, Response&)> route) {
  return [route = std::move(route)](const Request& req, Response& res) {
    try {
      route(req, res);
    } catch (const api::NotFoundError& e) {
      SendInputError(res, 404, e);
    } catch (const InputError& e) {
      SendInputError(res, 400, e);
    } catch (const std::exception& e) {
      LogLine("serve: 500 on " + EscapeForLog(req.method) + " " + EscapeForLog(req.path) + ": " +
              EscapeForLog(e.what()));
      SendError(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      LogLine("serve: 500 on " + EscapeForLog(req.method) + " " + EscapeForLog(req.path));
      SendError(res, 500, "internal error");
    }
  };
}

// A POST route's body must be JSON (or empty): a cross-site form cannot send that without
// a CORS preflight, which this server never grants.
void RequireJson(const Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  const std::string type = req.Header("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    throw InputError("Content-Type", type.empty() ? "(none)" : type, "application/json",
                     "unsupported media type");
}

void InstallApi(Router& router, const api::Environment& env) {
  // Every /api route computes (an estimate, a search, a catalog dump): the worker pool.
  const auto get = [&router](const std::string& path, Handler h) {
    router.Add("GET", path, Guard(std::move(h)), /*heavy=*/true);
  };
  const auto post = [&router](const std::string& path, Handler h) {
    router.Add("POST", path, Guard([h = std::move(h)](const Request& req, Response& res) {
                 try {
                   RequireJson(req);
                 } catch (const InputError& e) {
                   SendInputError(res, 415, e);
                   return;
                 }
                 h(req, res);
               }),
               /*heavy=*/true);
  };
  const auto* e = &env;

  router.Add("GET", "/healthz", Guard([](const Request& req, Response& res) {
               CheckParams(req, {});
               SendJson(res, 200, {{"status", "ok"}});
             }));

  post("/api/estimate", [e](const Request& req, Response& res) {
    CheckParams(req, {"explain"});
    api::EstimateOptions opt;
    opt.explain = BoolParam(req, "explain");
    SendJson(res, 200, api::EstimateJson(Body(req), *e, opt));
  });

  post("/api/recommend", [e](const Request& req, Response& res) {
    CheckParams(req, {"top", "min-vram", "min-memory", "months", "hours-per-month"});
    api::RecommendOptions opt;
    if (auto v = IntParam(req, "top", 1, 100)) opt.top = static_cast<int>(*v);
    for (const char* name : {"min-vram", "min-memory"})
      if (const auto v = Param(req, name)) opt.min_vram_gb = api::ParseMemoryGb(*v, name);
    if (auto v = LimitParam(req, workload::kMonths)) opt.months = *v;
    if (auto v = LimitParam(req, workload::kHoursPerMonth)) opt.hours_per_month = *v;
    SendJson(res, 200, api::RecommendJson(Body(req), *e, opt, ""));
  });

  post("/api/fit", [e](const Request& req, Response& res) {
    CheckParams(req, {"allow-shorter-seq"});
    api::FitOptions opt;
    opt.allow_shorter_seq = BoolParam(req, "allow-shorter-seq");
    SendJson(res, 200, api::FitJson(Body(req), *e, opt));
  });

  post("/api/plan", [e](const Request& req, Response& res) {
    CheckParams(req, {"gpus", "top", "strategy", "safe", "prefer_tight"});
    api::PlanRequestOptions opt;
    // One thread per search: the worker pool already runs requests side by side, and a
    // search that took every core would stall the others.
    opt.threads = 1;
    if (auto v = IntParam(req, "gpus", 1, 1 << 20)) opt.gpus = static_cast<int>(*v);
    if (auto v = IntParam(req, "top", 1, 100)) opt.top = static_cast<int>(*v);
    if (auto v = Param(req, "strategy")) opt.strategy = *v;
    opt.safe = BoolParam(req, "safe");
    opt.prefer_tight = BoolParam(req, "prefer_tight");
    SendJson(res, 200, api::PlanJson(Body(req), *e, opt, ""));
  });

  post("/api/compare", [e](const Request& req, Response& res) {
    CheckParams(req, {"gpus"});
    SendJson(res, 200, api::CompareJson(Body(req), *e, ListParam(req, "gpus"), "gpus"));
  });

  router.Add("GET", "/api/schema", Guard([](const Request& req, Response& res) {
               CheckParams(req, {});
               static const std::string kSchema = api::SchemaJson().dump(2) + "\n";
               res.SetContent(kSchema, "application/json");
             }));

  post("/api/export", [e](const Request& req, Response& res) {
    CheckParams(req, {"engine", "gpus", "force"});
    api::ExportOptions opt;
    opt.engine = Param(req, "engine").value_or("");
    if (auto v = IntParam(req, "gpus", 1, 1 << 20)) opt.gpus = static_cast<int>(*v);
    opt.force = BoolParam(req, "force");
    SendJson(res, 200, api::ExportJson(Body(req), *e, opt, ""));
  });

  get("/api/gpus", [e](const Request& req, Response& res) {
    CheckParams(req, {"vendor", "segment", "min-memory"});
    api::GpuQuery q;
    q.vendor = Param(req, "vendor").value_or("");
    q.segment = Param(req, "segment").value_or("");
    q.min_memory = Param(req, "min-memory").value_or("");
    SendJson(res, 200, api::GpuListJson(*e, q, ""));
  });
  get(R"(/api/gpus/([^/]+))", [e](const Request& req, Response& res) {
    CheckParams(req, {});
    SendJson(res, 200, api::GpuShowJson(*e, req.matches[1], "id"));
  });
  get("/api/models", [e](const Request& req, Response& res) {
    CheckParams(req, {});
    SendJson(res, 200, api::ModelListJson(*e));
  });
  get(R"(/api/models/([^/]+))", [e](const Request& req, Response& res) {
    CheckParams(req, {});
    SendJson(res, 200, api::ModelShowJson(*e, req.matches[1], "id"));
  });

  // The right path with the wrong method: 405 with Allow, not a bare 404.
  const auto wrong = [](const char* allow) {
    return [allow](const Request& req, Response& res) {
      res.SetHeader("Allow", allow);
      SendError(res, 405, req.method + " " + req.path + ": method not allowed; use " + allow);
    };
  };
  for (const char* p : {"/api/estimate", "/api/recommend", "/api/fit", "/api/plan", "/api/compare",
                        "/api/export"}) {
    for (const char* m : {"GET", "PUT", "DELETE"}) router.Add(m, p, wrong("POST"));
  }
  for (const char* p : {"/healthz", "/api/schema", "/api/gpus", R"(/api/gpus/([^/]+))",
                        "/api/models", R"(/api/models/([^/]+))"}) {
    for (const char* m : {"POST", "PUT", "DELETE"}) router.Add(m, p, wrong("GET"));
  }
}

}  // namespace

json ErrorEnvelope(int status, const std::string& message,
                   const std::optional<std::string>& field) {
  return {{"error",
           {{"message", message},
            {"field", field ? json(*field) : json(nullptr)},
            {"code", status},
            {"type", std::string(TypeOf(status))}}}};
}

// The headers every response carries.
void SecurityHeaders(Response& res) {
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("Referrer-Policy", "no-referrer");
  res.SetHeader("Cache-Control", "no-store");
}

Response ErrorResponse(int status, const std::string& message,
                       const std::optional<std::string>& field) {
  Response res;
  SecurityHeaders(res);
  SendError(res, status, message, field);
  return res;
}

Routes::Routes(const api::Environment& env, const StaticFiles& files, bool check_host,
               CacheLimits cache)
    : check_host_(check_host), cache_(cache) {
  InstallApi(router_, env);
  const StaticFiles* f = &files;
  router_.Add("GET", R"(/.*)", Guard([f](const Request& req, Response& res) {
                if (req.path.rfind("/api/", 0) == 0) {
                  SendError(res, 404, "no API route " + req.path, "path");
                  return;
                }
                auto file = f->Find(req.path);
                if (!file) {
                  SendError(res, 404, "not found: " + req.path, "path");
                  return;
                }
                res.SetHeader("Content-Security-Policy",
                              "default-src 'self'; img-src 'self' data:; style-src 'self' "
                              "'unsafe-inline'; script-src 'self'; connect-src 'self'; "
                              "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
                res.SetHeader("X-Frame-Options", "DENY");
                SendStatic(req, res, std::move(*file));
              }));
}

Routes::Routed Routes::Resolve(Request& req) const {
  // Loopback servers answer only requests addressed to a loopback name, so a web page
  // whose host name an attacker re-points at 127.0.0.1 (DNS rebinding) cannot read them.
  if (check_host_ && !HostIsLoopback(req.headers)) {
    return {[](const Request& r, Response& res) {
              SecurityHeaders(res);
              SendError(res, 403,
                        "Host '" + r.Header("Host") +
                            "' is not a loopback name; use http://127.0.0.1 or localhost",
                        "Host");
            },
            false};
  }
  const Router::Found found = router_.Find(req);
  if (!found.handler) {
    return {[](const Request& r, Response& res) {
              SecurityHeaders(res);
              SendError(res, 404, "no route " + r.method + " " + r.path);
            },
            false};
  }
  Handler answer = [h = found.handler](const Request& r, Response& res) {
    SecurityHeaders(res);
    (*h)(r, res);
    if (res.body.empty() && res.status >= 400)
      SendError(res, res.status, DefaultMessage(res.status));
  };
  if (!found.heavy) return {std::move(answer), false};
  // A computed answer asked before is sent from the cache on the I/O thread: it waits for
  // no worker. A miss computes on the pool, looking again first (an identical request
  // queued behind the one that computed it), and keeps a 200 for the next.
  std::string key = CacheKey(req, advise::TodayIso());
  if (auto hit = cache_.Get(key))
    return {[hit = std::move(*hit)](const Request&, Response& res) { res = hit; }, false};
  return {
      [this, key = std::move(key), answer = std::move(answer)](const Request& r, Response& res) {
        if (auto hit = cache_.Get(key)) {
          res = std::move(*hit);
          return;
        }
        answer(r, res);
        if (res.status == 200) cache_.Put(key, res);
      },
      true};
}

}  // namespace gpuadv::server
