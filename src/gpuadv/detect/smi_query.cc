// DeviceQuery implementations that run the vendors' command-line tools.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "gpuadv/detect/device_query.h"
#include "gpuadv/detect/nvml_query.h"
#include "gpuadv/detect/smi_parse.h"

namespace gpuadv::detect {
namespace {

std::string FirstLine(const std::string& text) {
  size_t b = text.find_first_not_of(" \n\r\t");
  if (b == std::string::npos) return "";
  size_t e = text.find('\n', b);
  return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

class NvidiaSmiQuery : public DeviceQuery {
 public:
  std::string_view Name() const override { return "nvidia-smi"; }
  QueryResult Query() override {
    QueryResult r;
    if (FindOnPath("nvidia-smi").empty()) {
      r.message = "nvidia-smi: not found on PATH";
      return r;
    }
    const CommandOutput out =
        RunCommand({"nvidia-smi", std::string("--query-gpu=") + kNvidiaSmiFields,
                    "--format=csv,noheader,nounits"});
    if (out.exit_code != 0 || IsNvidiaSmiDriverFailure(out.text)) {
      r.status = QueryResult::Status::kFailed;
      const std::string line = FirstLine(out.text);
      r.message =
          "nvidia-smi: " + (line.empty() ? "exit code " + std::to_string(out.exit_code) : line);
      return r;
    }
    r = ParseNvidiaSmiCsv(out.text);
    if (r.status != QueryResult::Status::kOk) return r;
    const std::string cuda = ParseCudaVersion(RunCommand({"nvidia-smi"}).text);
    bool any_mig = false;
    for (auto& g : r.gpus) {
      g.cuda_version = cuda;
      any_mig = any_mig || g.mig_enabled;
    }
    if (any_mig) {
      // MIG instances are what CUDA sees: list them instead of their parents.
      auto migs = ParseNvidiaSmiList(RunCommand({"nvidia-smi", "-L"}).text, r.gpus);
      if (!migs.empty()) {
        std::vector<DetectedGpu> merged;
        for (const auto& g : r.gpus) {
          bool has = false;
          for (const auto& m : migs)
            if (m.index == g.index) {
              merged.push_back(m);
              has = true;
            }
          if (!has) merged.push_back(g);
        }
        r.gpus = std::move(merged);
      }
    }
    return r;
  }
};

// rocm-smi: its JSON first (names each field), its CSV when the JSON fails (an older tool,
// a flag it does not know, output that does not parse).
class RocmSmiQuery : public DeviceQuery {
 public:
  explicit RocmSmiQuery(RocmSmiJsonParser parse_json) : parse_json_(parse_json) {}
  std::string_view Name() const override { return "rocm-smi"; }
  QueryResult Query() override {
    QueryResult r;
    if (FindOnPath("rocm-smi").empty()) {
      r.message = "rocm-smi: not found on PATH";
      return r;
    }
    std::string json_failure;
    if (parse_json_ != nullptr) {
      std::vector<std::string> argv = {"rocm-smi"};
      argv.insert(argv.end(), std::begin(kRocmSmiJsonArgs), std::end(kRocmSmiJsonArgs));
      r = Parse(RunCommand(argv), parse_json_);
      if (r.status == QueryResult::Status::kOk) return r;
      json_failure = r.message;
    }
    r = Parse(RunCommand({"rocm-smi", "--showproductname", "--showmeminfo", "vram", "--csv"}),
              ParseRocmSmiCsv);
    // Both failed: say what each said.
    if (r.status != QueryResult::Status::kOk && !json_failure.empty())
      r.message = "rocm-smi: --json: " + Reason(json_failure) + "; --csv: " + Reason(r.message);
    return r;
  }

 private:
  // rocm-smi exits 1 when any one reading failed (an iGPU has no power cap) and prints the
  // rest all the same: what it printed decides; the exit code only explains unreadable text.
  static QueryResult Parse(const CommandOutput& out, RocmSmiJsonParser parse) {
    QueryResult r = parse(out.text);
    if (r.status == QueryResult::Status::kOk || out.exit_code == 0) return r;
    const std::string line = FirstLine(out.text);
    r.message = "rocm-smi: " + (line.empty() ? "exit code " + std::to_string(out.exit_code) : line);
    return r;
  }
  // "rocm-smi: why" -> "why".
  static std::string Reason(const std::string& message) {
    const std::string prefix = "rocm-smi: ";
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
  }
  RocmSmiJsonParser parse_json_;
};

}  // namespace

std::string FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::string p = path;
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    if (colon == std::string::npos) colon = p.size();
    // An empty PATH entry means the current directory.
    std::string full = colon == start ? std::string(1, '.') : p.substr(start, colon - start);
    full += '/';
    full.append(program);
    struct stat st;
    if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(full.c_str(), X_OK) == 0)
      return full;
    start = colon + 1;
  }
  return "";
}

std::string ShellQuote(const std::string& s) {
  std::string o(1, '\'');
  for (char c : s) {
    if (c == '\'')
      o += "'\\''";
    else
      o += c;
  }
  return o + "'";
}

CommandOutput RunCommand(const std::vector<std::string>& argv) {
  CommandOutput out;
  if (argv.empty()) return out;
  const std::string exe = FindOnPath(argv[0]);
  if (exe.empty()) return out;
  std::string cmd = ShellQuote(exe);
  for (size_t i = 1; i < argv.size(); ++i) {
    cmd += ' ';
    cmd += ShellQuote(argv[i]);
  }
  cmd += " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  constexpr size_t kMaxOutput = 1 << 20;  // a tool printing more than 1 MiB is not answering
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    if (out.text.size() < kMaxOutput) out.text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  out.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return out;
}

DetectReport Detect(const std::vector<DeviceQuery*>& sources) {
  DetectReport rep;
  for (DeviceQuery* q : sources) {
    QueryResult r = q->Query();
    std::string line = std::string(q->Name()) + ": ";
    switch (r.status) {
      case QueryResult::Status::kOk:
        line += std::to_string(r.gpus.size()) + " GPU(s)";
        break;
      case QueryResult::Status::kUnavailable:
      case QueryResult::Status::kFailed: {
        // Messages already start with the source's name.
        const std::string prefix = std::string(q->Name()) + ": ";
        line = r.message.rfind(prefix, 0) == 0 ? r.message : prefix + r.message;
        break;
      }
    }
    rep.tried.push_back(line);
    if (r.status == QueryResult::Status::kOk && !r.gpus.empty()) {
      rep.gpus = std::move(r.gpus);
      rep.source = std::string(q->Name());
      break;
    }
  }
  return rep;
}

std::vector<std::unique_ptr<DeviceQuery>> DefaultSources(const std::string& nvml_library,
                                                         RocmSmiJsonParser rocm_json) {
  std::vector<std::unique_ptr<DeviceQuery>> v;
  if (nvml_library != "none") v.push_back(MakeNvmlQuery(nvml_library));
  v.push_back(std::make_unique<NvidiaSmiQuery>());
  v.push_back(std::make_unique<RocmSmiQuery>(rocm_json));
  return v;
}

}  // namespace gpuadv::detect
