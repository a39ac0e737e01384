// The server's cache of computed answers (tools/server/result_cache, issue 17): a repeated
// request gets the answer the route computes, byte for byte; another request, date or
// catalog never shares it; the cache stays within its bounds.
#include "tools/server/result_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "gpuadv/api/environment.h"
#include "gpuadv/io/catalog_loader.h"
#include "tools/server/routes.h"
#include "tools/server/static_files.h"

namespace gpuadv::server {
namespace {

Response Answer(const std::string& body) {
  Response r;
  r.body = body;
  r.content_type = "application/json";
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

Request Post(const std::string& path, const std::string& body) {
  Request r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.headers = {{"Host", "127.0.0.1"}, {"Content-Type", "application/json"}};
  return r;
}

TEST(ResultCache, HitReturnsWhatWasStored) {
  ResultCache c({8, 1 << 20});
  EXPECT_FALSE(c.Get("a"));
  c.Put("a", Answer("{\"x\": 1}"));
  const auto hit = c.Get("a");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "{\"x\": 1}");
  EXPECT_EQ(hit->content_type, "application/json");
  EXPECT_EQ(hit->headers, Answer("").headers);
  c.Put("a", Answer("{\"x\": 2}"));  // replaced, not duplicated
  EXPECT_EQ(c.Entries(), 1u);
  EXPECT_EQ(c.Get("a")->body, "{\"x\": 2}");
}

TEST(ResultCache, EvictsLeastRecentlyUsedBeyondEntries) {
  ResultCache c({3, 1 << 20});
  for (const char* k : {"a", "b", "c"}) c.Put(k, Answer(k));
  ASSERT_TRUE(c.Get("a"));  // now the most recently used
  c.Put("d", Answer("d"));
  EXPECT_EQ(c.Entries(), 3u);
  EXPECT_FALSE(c.Get("b"));
  EXPECT_TRUE(c.Get("a"));
  EXPECT_TRUE(c.Get("c"));
  EXPECT_TRUE(c.Get("d"));
}

TEST(ResultCache, StaysWithinItsBytes) {
  ResultCache c({1000, 10000});
  for (int i = 0; i < 100; ++i) {
    c.Put("k" + std::to_string(i), Answer(std::string(1000, 'x')));
    EXPECT_LE(c.Bytes(), 10000u);
  }
  EXPECT_GE(c.Entries(), 5u);
  EXPECT_LE(c.Entries(), 10u);
  EXPECT_TRUE(c.Get("k99"));
  EXPECT_FALSE(c.Get("k0"));
  c.Put("huge", Answer(std::string(20000, 'x')));  // larger than the bound: not kept
  EXPECT_FALSE(c.Get("huge"));
  EXPECT_TRUE(c.Get("k99"));
}

TEST(ResultCache, DisabledKeepsNothing) {
  ResultCache c({0, 0});
  c.Put("a", Answer("a"));
  EXPECT_FALSE(c.Get("a"));
  EXPECT_EQ(c.Entries(), 0u);
}

TEST(ResultCache, KeyTellsEveryPartOfTheRequestApart) {
  const Request base = Post("/api/plan", "{}");
  const std::string key = CacheKey(base, "2026-12-03");
  EXPECT_EQ(CacheKey(base, "2026-12-03"), key);
  EXPECT_NE(CacheKey(base, "2026-12-04"), key) << "price-age notes change with the date";
  Request r = base;
  r.method = "HEAD";
  EXPECT_NE(CacheKey(r, "2026-12-03"), key);
  r = base;
  r.path = "/api/estimate";
  EXPECT_NE(CacheKey(r, "2026-12-03"), key);
  r = base;
  r.body = "{ }";
  EXPECT_NE(CacheKey(r, "2026-12-03"), key);
  r = base;
  r.params = {{"gpus", "64"}};
  const std::string with_gpus = CacheKey(r, "2026-12-03");
  EXPECT_NE(with_gpus, key);
  r.params = {{"gpus", "6"}};
  r.body = "4{}";
  EXPECT_NE(CacheKey(r, "2026-12-03"), with_gpus) << "parts are length-prefixed";
  r.params = {{"gpus", "64"}, {"top", "1"}};
  EXPECT_NE(CacheKey(r, "2026-12-03"), with_gpus);
}

// Through Routes: the second identical request is answered from the cache on the I/O
// thread (a light handler) with the bytes the route computed; a server started on another
// catalog has its own cache and its own answer.
class RoutesCache : public testing::Test {
 protected:
  static Response Run(const Routes& routes, Request req, bool* heavy) {
    const Routes::Routed routed = routes.Resolve(req);
    *heavy = routed.heavy;
    Response res;
    routed.handler(req, res);
    return res;
  }
  StaticFiles files_{""};
};

TEST_F(RoutesCache, RepeatedRequestIsAnsweredFromTheCacheWithTheSameBytes) {
  const api::Environment env = api::MakeEnvironment({}, false);
  const Routes routes(env, files_, true);
  const std::string body = R"({"model": "llama-3.1-8b", "hardware": {"gpu": "rtx-4090"}})";
  bool heavy = false;
  const Response first = Run(routes, Post("/api/estimate", body), &heavy);
  EXPECT_TRUE(heavy);
  ASSERT_EQ(first.status, 200) << first.body;
  const Response again = Run(routes, Post("/api/estimate", body), &heavy);
  EXPECT_FALSE(heavy) << "a cached answer waits for no worker";
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers, first.headers);

  // An error is not kept (it is cheap, and the next request may be the fixed one).
  const Response bad = Run(routes, Post("/api/estimate", R"({"model": "nope"})"), &heavy);
  EXPECT_EQ(bad.status, 400);
  Run(routes, Post("/api/estimate", R"({"model": "nope"})"), &heavy);
  EXPECT_TRUE(heavy);
}

TEST_F(RoutesCache, AnotherCatalogHasItsOwnAnswers) {
  const api::Environment env = api::MakeEnvironment({}, false);
  api::Environment bigger = api::MakeEnvironment({}, false);
  io::LoadCatalogText(bigger.catalog, "gpus:\n  - {id: rtx-4090, memory_gb: 48}\n", "test");
  const Routes routes(env, files_, true);
  const Routes other(bigger, files_, true);
  const std::string body = R"({"model": "llama-3.1-8b", "hardware": {"gpu": "rtx-4090"}})";
  bool heavy = false;
  const Response first = Run(routes, Post("/api/estimate", body), &heavy);
  const Response changed = Run(other, Post("/api/estimate", body), &heavy);
  EXPECT_TRUE(heavy) << "nothing of the first server's cache";
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_NE(changed.body, first.body);
}

}  // namespace
}  // namespace gpuadv::server
