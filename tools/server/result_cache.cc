#include "tools/server/result_cache.h"

namespace gpuadv::server {
namespace {

size_t SizeOf(const std::string& key, const Response& res) {
  size_t n = key.size() + res.body.size() + res.content_type.size();
  for (const auto& [name, value] : res.headers) n += name.size() + value.size();
  return n;
}

void Append(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

ResultCache::ResultCache(CacheLimits limits) : limits_(limits) {}

std::optional<Response> ResultCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->res;
}

void ResultCache::Put(const std::string& key, const Response& res) {
  const size_t bytes = SizeOf(key, res);
  if (limits_.entries == 0 || bytes > limits_.bytes) return;
  std::lock_guard lock(mu_);
  if (const auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front({key, res, bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
  EvictLocked();
}

void ResultCache::EvictLocked() {
  while (!lru_.empty() && (lru_.size() > limits_.entries || bytes_ > limits_.bytes)) {
    index_.erase(lru_.back().key);
    bytes_ -= lru_.back().bytes;
    lru_.pop_back();
  }
}

size_t ResultCache::Entries() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

size_t ResultCache::Bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::string CacheKey(const Request& req, std::string_view date) {
  std::string key;
  key.reserve(req.path.size() + req.body.size() + 64);
  Append(key, date);
  Append(key, req.method);
  Append(key, req.path);
  for (const auto& [name, value] : req.params) {
    Append(key, name);
    Append(key, value);
  }
  key += '|';
  Append(key, req.body);
  return key;
}

}  // namespace gpuadv::server
