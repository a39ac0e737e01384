#pragma once
// A machine made of fake driver tools (fakes/<case>/, see fakes/README.md) for the detect
// tests: PATH holds only that folder and NVML is a library that does not exist.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace gpuadv::detect {

inline const std::string kFakes = std::string(GPUADV_SOURCE_DIR) + "/tests/unit/detect/fakes/";

// Sets PATH to one fakes directory (and NVML to a library that does not exist) for the
// lifetime of the object.
class FakeMachine {
 public:
  explicit FakeMachine(const std::string& fake_case) {
    const char* p = std::getenv("PATH");
    old_path_ = p ? p : "";
    setenv("PATH", (kFakes + fake_case).c_str(), 1);
    setenv("GPUADV_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
  }
  ~FakeMachine() {
    setenv("PATH", old_path_.c_str(), 1);
    unsetenv("GPUADV_NVML_LIBRARY");
  }

 private:
  std::string old_path_;
};

struct CliRun {
  int rc = -1;      // exit code; -1 when it did not exit (a crash)
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `gpu-advisor ARGS` on the fake machine.
inline CliRun Cli(const std::string& fake_case, const std::string& args) {
  FakeMachine m(fake_case);
  CliRun r;
  const std::string err_file =
      testing::TempDir() + "gpuadv_detect_stderr_" + std::to_string(::getpid()) + ".txt";
  FILE* f = ::popen((std::string(GPUADV_CLI) + " " + args + " 2>" + err_file).c_str(), "r");
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  const int st = ::pclose(f);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ostringstream err;
  err << std::ifstream(err_file).rdbuf();
  r.err = err.str();
  std::remove(err_file.c_str());
  return r;
}

}  // namespace gpuadv::detect
