// Fuzzes the command line: the input is argv (arguments separated by NUL bytes), run
// through gpuadv::cli::Main, the same function the gpu-advisor binary runs. Bad input must
// give exit code 2 (InputError or a CLI11 parse error), never 1, a crash or a hang.
// Verbs that write files (--plot, --out), search for long (recommend, plan, export,
// validate, calibrate: the last two refit over every embedded case), run other programs (detect,
// probe, --local) or listen (serve) are skipped: this target is about parsing, and must run fast.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "tools/cli/verbs.h"

namespace {

constexpr size_t kMaxArgs = 64;

// Discards what the verbs print.
class NullBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

NullBuf null_buf;
std::ostringstream errors;  // std::cerr of one run, shown when it is a finding

bool Skipped(std::string_view arg) {
  for (std::string_view verb :
       {"recommend", "plan", "export", "validate", "calibrate", "detect", "probe", "serve"})
    if (arg == verb) return true;
  // --local runs nvidia-smi / rocm-smi (like detect); --plot and --out write files.
  for (std::string_view prefix : {"--plot", "--out", "--local"})
    if (arg.substr(0, prefix.size()) == prefix) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The verbs print tables and errors; keep libFuzzer's own output readable.
  std::cout.rdbuf(&null_buf);
  std::cerr.rdbuf(errors.rdbuf());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args{"gpu-advisor"};
  size_t start = 0;
  while (start <= text.size() && args.size() <= kMaxArgs) {
    size_t end = text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    args.emplace_back(text.substr(start, end - start));
    if (Skipped(args.back())) return 0;
    start = end + 1;
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  errors.str("");
  const int rc = gpuadv::cli::Main(static_cast<int>(args.size()), argv.data());
  std::cout.clear();
  std::cerr.clear();
  if (rc != 0 && rc != 2)
    gpuadv::fuzz::Fail("exit code " + std::to_string(rc) + " (not 0 or 2): " + errors.str());
  return 0;
}
