// Hugging Face model ids resolved offline from a fake hub cache (HF_HUB_CACHE / HF_HOME).
#include "gpuadv/io/hf_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace gpuadv::io {
namespace {

namespace fs = std::filesystem;

// A temporary HF_HOME with hub/models--<org>--<name>/{refs/main,snapshots/<rev>/config.json};
// restores the environment afterwards.
class FakeHfHome : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("gpuadv-hf-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    Save("HF_HOME", &saved_home_);
    Save("HF_HUB_CACHE", &saved_hub_);
    setenv("HF_HOME", home_.c_str(), 1);
    unsetenv("HF_HUB_CACHE");
  }
  void TearDown() override {
    Restore("HF_HOME", saved_home_);
    Restore("HF_HUB_CACHE", saved_hub_);
    fs::remove_all(home_);
  }
  // Caches the fixture `file` as `repo` at revision `rev` (refs/main when `main`).
  void Cache(const std::string& repo, const std::string& file, const std::string& rev, bool main) {
    const fs::path dir = home_ / "hub" / HubRepoFolder(repo);
    fs::create_directories(dir / "snapshots" / rev);
    fs::copy_file(fs::path(GPUADV_SOURCE_DIR) / "tests/unit/models/fixtures" / file,
                  dir / "snapshots" / rev / "config.json");
    if (main) {
      fs::create_directories(dir / "refs");
      std::ofstream(dir / "refs" / "main") << rev;
    }
  }
  static workload::Scenario Load(const std::string& model) {
    const std::string yaml = "model: " + model + "\n";
    return ParseScenario(ParseDocument(yaml, "s.yaml"), BuiltinCatalog(), "s.yaml", "/nonexistent");
  }
  fs::path home_;

 private:
  static void Save(const char* name, std::optional<std::string>* out) {
    const char* v = std::getenv(name);
    if (v) *out = v;
  }
  static void Restore(const char* name, const std::optional<std::string>& v) {
    if (v) {
      setenv(name, v->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  std::optional<std::string> saved_home_, saved_hub_;
};

TEST_F(FakeHfHome, ModelIdResolvesFromRefsMain) {
  Cache("acme/Tiny-Qwen3", "qwen3-8b.json", "0123abcd", true);
  Cache("acme/Tiny-Qwen3", "gpt2.json", "ffff0000", false);  // an older snapshot
  const auto s = Load("acme/Tiny-Qwen3");
  EXPECT_EQ(s.model.family, "qwen3");
  EXPECT_EQ(s.model.layers, 36);
  EXPECT_NE(s.model.sources.at(0).find("snapshots/0123abcd/config.json"), std::string::npos);
}

TEST_F(FakeHfHome, WithoutRefsTheSnapshotIsUsed) {
  Cache("acme/MoE", "qwen3-30b-a3b.json", "abc", false);
  EXPECT_EQ(Load("acme/MoE").model.experts, 128);
}

TEST_F(FakeHfHome, HubCacheTakesPrecedenceOverHfHome) {
  const fs::path hub = home_ / "elsewhere";
  setenv("HF_HUB_CACHE", hub.c_str(), 1);
  EXPECT_EQ(HubCacheDirs(), std::vector<std::string>{hub.string()});
  unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(HubCacheDirs(), std::vector<std::string>{(home_ / "hub").string()});
}

TEST_F(FakeHfHome, MissingIdNamesTheFoldersSearched) {
  try {
    Load("acme/Absent-7B");
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((home_ / "hub" / "models--acme--Absent-7B").string()), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  }
}

TEST(HubId, Shapes) {
  EXPECT_TRUE(LooksLikeHubId("Qwen/Qwen3-8B"));
  EXPECT_FALSE(LooksLikeHubId("models/config.json"));
  EXPECT_FALSE(LooksLikeHubId("./a/b"));
  EXPECT_FALSE(LooksLikeHubId("a/b/c"));
  EXPECT_FALSE(LooksLikeHubId("/abs"));
  EXPECT_EQ(HubRepoFolder("Qwen/Qwen3-8B"), "models--Qwen--Qwen3-8B");
}

}  // namespace
}  // namespace gpuadv::io
