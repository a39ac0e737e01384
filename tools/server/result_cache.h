#pragma once
// Answers of the compute routes kept for repeated questions (issue 17: `wrk` asking the
// same plan from 200 connections; the page asking again after an undo or a share link).
// An answer is a function of the request (method, path, query, body), the Environment the
// server started with (built once and never changed: another catalog is another server,
// with an empty cache) and the date (price-age notes), so a key holds all three and a hit
// is byte for byte what the route would compute. Bounded in entries and in bytes, least
// recently used out first; thread-safe.
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tools/server/http.h"

namespace gpuadv::server {

/// Bounds of a ResultCache; either 0 keeps nothing. The defaults hold a few hundred answers
/// (a plan is ~10 KB, a recommend ~100 KB) in at most 32 MiB.
struct CacheLimits {
  size_t entries = 256;
  size_t bytes = 32u << 20;
};

class ResultCache {
 public:
  explicit ResultCache(CacheLimits limits);

  /// The answer stored under `key`, now the most recently used; nullopt on a miss.
  std::optional<Response> Get(const std::string& key);
  /// Stores `res` under `key` (replacing an older one), then drops the least recently used
  /// answers until both bounds hold. An answer larger than the byte bound is not stored.
  void Put(const std::string& key, const Response& res);

  size_t Entries() const;
  size_t Bytes() const;  // keys + bodies + headers held

 private:
  struct Entry {
    std::string key;
    Response res;
    size_t bytes = 0;
  };
  void EvictLocked();

  const CacheLimits limits_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of Entry::key
  size_t bytes_ = 0;
};

/// The cache key of `req` asked on `date` (ISO day): method, decoded path, the query
/// parameters in order and the body, each length-prefixed so no two requests share a key.
std::string CacheKey(const Request& req, std::string_view date);

}  // namespace gpuadv::server
