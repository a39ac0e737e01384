#pragma once
// Local GPU discovery behind one interface (STYLE.md: detect/ like ninja's DiskInterface),
// so tests replace the machine with fakes.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/detect/detected_gpu.h"

namespace gpuadv::detect {

/// Contract: Query() never throws and never changes device state (read-only NVML calls,
/// read-only tool invocations). A source that is not installed returns kUnavailable; one
/// that is installed but cannot answer (no driver, malformed output) returns kFailed with
/// a one-line reason; kOk with no GPUs means the tool ran and found none.
class DeviceQuery {
 public:
  virtual ~DeviceQuery() = default;
  /// "nvml", "nvidia-smi", "rocm-smi".
  virtual std::string_view Name() const = 0;
  virtual QueryResult Query() = 0;
};

/// What `detect` found: the GPUs of the first source that listed any, and one line per
/// source tried (in order) saying what it answered.
struct DetectReport {
  std::vector<DetectedGpu> gpus;
  std::string source;              // the source that listed `gpus`; "" if none did
  std::vector<std::string> tried;  // "nvml: libnvidia-ml.so.1 not found", ...
};

/// Tries `sources` in order; the first kOk with at least one GPU wins. NVIDIA and AMD
/// sources are alternatives, not merged (a machine with both is rare; the first wins).
DetectReport Detect(const std::vector<DeviceQuery*>& sources);

/// Runs a command line through the shell and captures stdout and stderr together.
struct CommandOutput {
  int exit_code = -1;  // -1: could not be run
  std::string text;
};
/// Contract: `argv[0]` is looked up on PATH first; not found -> nullopt-like result with
/// exit_code -1 and empty text. Arguments are passed single-quoted.
CommandOutput RunCommand(const std::vector<std::string>& argv);
/// `s` single-quoted for /bin/sh (embedded quotes as '\'').
std::string ShellQuote(const std::string& s);
/// The full path of `program` on PATH, or "" when not found.
std::string FindOnPath(std::string_view program);

/// Parses the JSON of `rocm-smi <kRocmSmiJsonArgs>` (io::ParseRocmSmiJson: detect/ has no
/// JSON library, STYLE.md principle 2).
using RocmSmiJsonParser = QueryResult (*)(std::string_view text);

/// The sources the CLI uses, in order: NVML (dlopen of `nvml_library`; "" = the default
/// libnvidia-ml.so.1, "none" = skip), nvidia-smi, rocm-smi. rocm-smi is asked for JSON
/// first when `rocm_json` is given, and for CSV when that fails or is not given.
std::vector<std::unique_ptr<DeviceQuery>> DefaultSources(const std::string& nvml_library = "",
                                                         RocmSmiJsonParser rocm_json = nullptr);

}  // namespace gpuadv::detect
