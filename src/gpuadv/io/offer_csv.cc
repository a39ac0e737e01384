#include "gpuadv/io/offer_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "gpuadv/core/error.h"
#include "gpuadv/core/strings.h"

namespace gpuadv::io {
namespace {

// The columns a row needs (gpuhunt's storage.py loads them as required or, for the GPU
// ones, as optional: a row without a GPU is counted, not imported).
constexpr std::string_view kRequiredColumns[] = {"instance_name", "price",      "gpu_count",
                                                 "gpu_name",      "gpu_memory", "spot"};
// A GPU of the catalog matches a row when its memory_gb is within this of gpu_memory
// (gpuhunt gives GB as the providers label them, sometimes as GiB: 80 vs 79.6).
constexpr double kMemoryToleranceGb = 1.0;
// The price bounds the YAML offers accept (io/gpu_loader.cc Price): per GPU-hour, USD.
constexpr double kMaxUsdPerGpuHr = 1000;
constexpr int kMaxGpusPerInstance = 1024;
// gpuhunt providers whose kind is not "gpu-cloud" (catalog::Offer::kind).
constexpr std::pair<std::string_view, std::string_view> kProviderKinds[] = {
    {"aws", "hyperscaler"},
    {"azure", "hyperscaler"},
    {"gcp", "hyperscaler"},
    {"oci", "hyperscaler"},
    {"vastai", "marketplace"}};

struct CsvRow {
  int line = 0;  // line of the row's first character, 1-based
  std::vector<std::string> cells;
};

[[noreturn]] void Fail(const std::string& origin, int line, std::string_view column,
                       const std::string& value, const std::string& accepted,
                       const std::string& problem) {
  std::string where = origin + ": line " + std::to_string(line);
  if (!column.empty()) where += ", column " + std::string(column);
  throw InputError(where, value, accepted, problem);
}

// RFC 4180 records (what Python's csv module writes): quoted cells may hold commas,
// doubled quotes and line breaks. An unterminated quote or text after a closing quote
// is an error naming the line.
std::vector<CsvRow> SplitCsv(std::string_view text, const std::string& origin) {
  std::vector<CsvRow> rows;
  CsvRow row{1, {}};
  std::string cell;
  int line = 1, quote_line = 0;
  bool quoted = false, after_quote = false, any = false;
  auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
    after_quote = false;
  };
  auto end_row = [&] {
    end_cell();
    if (row.cells.size() > 1 || !row.cells[0].empty()) rows.push_back(std::move(row));
    row = CsvRow{line, {}};
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
        after_quote = true;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == ',') {
      end_cell();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_row();
      continue;
    } else if (after_quote) {
      Fail(origin, line, "", std::string(1, c), "a comma or line end after a closing quote",
           "malformed CSV");
    } else if (c == '"' && cell.empty()) {
      quoted = true;
      quote_line = line;
    } else {
      cell += c;
    }
    any = true;
  }
  if (quoted)
    Fail(origin, quote_line, "", "\"", "a closing quote for the quote opened here",
         "malformed CSV: unterminated quote");
  if (any || !cell.empty()) end_row();
  return rows;
}

std::optional<double> ToNumber(const std::string& s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A lower-case [a-z0-9-] form of a provider or instance name, for offer ids
// ("gpu_8x_h100_sxm5" -> "gpu-8x-h100-sxm5").
std::string IdPart(std::string_view s) {
  std::string out;
  for (char c : Lower(s)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string KindOf(const std::string& provider) {
  const std::string p = Lower(provider);
  for (const auto& [name, kind] : kProviderKinds)
    if (p == name) return std::string(kind);
  return "gpu-cloud";
}

std::string MemoryText(double gb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", gb);
  return buf;
}

// The catalog GPU a gpuhunt (name, memory) names: "<name>-<mem>gb" first (A100 80 GB ->
// the alias a100-80gb), then "<name>"; a hit counts only when its memory matches.
const catalog::GpuSpec* MapGpu(const catalog::Catalog& cat, const std::string& name,
                               std::optional<double> memory) {
  if (!memory) return nullptr;  // a name alone may be several cards (A100 40/80 GB)
  const double memory_gb = *memory;
  for (const std::string& key : {name + "-" + MemoryText(memory_gb) + "gb", name}) {
    const catalog::GpuSpec* g = cat.FindGpu(key);
    if (g && std::abs(g->memory_gb - memory_gb) <= kMemoryToleranceGb) return g;
  }
  return nullptr;
}

// One row, checked. Column positions come from the header.
struct Columns {
  std::map<std::string, size_t> at;
  const std::string* Get(const CsvRow& r, std::string_view name) const {
    auto it = at.find(std::string(name));
    return it == at.end() ? nullptr : &r.cells[it->second];
  }
};

struct RowValues {
  std::string provider, instance, location, gpu_name;
  int gpu_count = 0;
  double price = 0;
  std::optional<double> gpu_memory;  // gpuhunt leaves it empty when unknown
  bool spot = false;
};

RowValues ReadRow(const CsvRow& r, const Columns& cols, const std::string& origin,
                  const std::string& provider_default) {
  auto cell = [&](std::string_view name) {
    const std::string* v = cols.Get(r, name);
    return v ? *v : std::string();
  };
  auto number = [&](std::string_view name, const std::string& accepted) {
    const std::string v = cell(name);
    const auto n = ToNumber(v);
    if (!n) Fail(origin, r.line, name, v, accepted, "not a number");
    return *n;
  };
  RowValues v;
  v.provider = cols.Get(r, "provider") ? cell("provider") : provider_default;
  if (v.provider.empty()) v.provider = provider_default;
  v.instance = cell("instance_name");
  if (v.instance.empty())
    Fail(origin, r.line, "instance_name", "", "the instance type's name", "empty");
  v.location = cell("location");
  const double count = number("gpu_count", "a whole number of GPUs, 0 or more");
  if (count < 0 || count > kMaxGpusPerInstance || count != std::floor(count))
    Fail(origin, r.line, "gpu_count", cell("gpu_count"), "a whole number of GPUs, 0 to 1024",
         "out of range");
  v.gpu_count = static_cast<int>(count);
  const std::string spot = Lower(cell("spot"));
  if (spot != "true" && spot != "false")
    Fail(origin, r.line, "spot", cell("spot"), "True or False", "not a boolean");
  v.spot = spot == "true";
  v.gpu_name = cell("gpu_name");
  if (v.gpu_count == 0 || v.gpu_name.empty()) return v;  // no GPU: counted by the caller
  v.price = number("price", "the instance's price per hour in USD, above 0");
  if (v.price <= 0 || v.price / v.gpu_count > kMaxUsdPerGpuHr)
    Fail(origin, r.line, "price", cell("price"),
         "the instance's price per hour in USD, above 0 and up to 1000 per GPU", "out of range");
  if (!cell("gpu_memory").empty()) v.gpu_memory = number("gpu_memory", "the GPU's memory in GB");
  return v;
}

Columns ReadHeader(const CsvRow& header, const std::string& origin) {
  Columns cols;
  for (size_t i = 0; i < header.cells.size(); ++i) cols.at.emplace(Lower(header.cells[i]), i);
  for (auto name : kRequiredColumns)
    if (!cols.at.count(std::string(name)))
      Fail(origin, header.line, name, "(missing)",
           "a gpuhunt catalog header: instance_name, location, price, cpu, memory, gpu_count, "
           "gpu_name, gpu_memory, spot, ...",
           "missing column");
  return cols;
}

// Adds a mapped row to its offer (provider and instance type); returns the offer's id.
std::string AddRow(std::map<std::string, catalog::Offer>& offers, const RowValues& v,
                   const catalog::GpuSpec& gpu, const std::string& origin, int line,
                   const std::string& as_of) {
  const std::string id = IdPart(v.provider) + "-" + IdPart(v.instance);
  const double per_gpu = v.price / v.gpu_count;
  auto [it, added] = offers.try_emplace(id);
  catalog::Offer& o = it->second;
  if (added) {
    o.id = id;
    o.provider = v.provider;
    o.kind = KindOf(v.provider);
    o.gpu = gpu.id;
    o.gpus_per_instance = v.gpu_count;
    o.interconnect = v.gpu_count == 1 ? "none" : "";  // not in the gpuhunt catalog: unknown
    o.as_of = as_of;
    o.sources.push_back(origin + " (gpuhunt CSV, line " + std::to_string(line) + ")");
    o.notes = "imported from a gpuhunt catalog; cheapest location per price";
  }
  if (v.spot) {
    if (!o.spot_usd_per_gpu_hr || per_gpu < *o.spot_usd_per_gpu_hr) o.spot_usd_per_gpu_hr = per_gpu;
  } else if (o.usd_per_gpu_hr <= 0 || per_gpu < o.usd_per_gpu_hr) {
    o.usd_per_gpu_hr = per_gpu;
    if (!v.location.empty())
      o.notes = "imported from a gpuhunt catalog; on-demand price of " + v.location;
  }
  return id;
}

}  // namespace

std::string OfferCsvImport::Summary(const std::string& origin, const std::string& date_note) const {
  std::string s = origin + ": " + std::to_string(rows) +
                  " gpuhunt row(s): " + std::to_string(mapped_rows) + " mapped to " +
                  std::to_string(offers.size()) + " offer(s)";
  int n = 0;
  for (const auto& [name, count] : unmapped) n += count;
  s += ", " + std::to_string(n) + " unmapped";
  if (!unmapped.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [name, count] : unmapped) {
      s += (first ? "" : ", ") + name + " x" + std::to_string(count);
      first = false;
    }
    s += ")";
  }
  if (no_gpu_rows) s += ", " + std::to_string(no_gpu_rows) + " without a GPU";
  if (spot_only_rows)
    s += ", " + std::to_string(spot_only_rows) + " spot-only (no on-demand price: not imported)";
  return s + "; " + date_note;
}

OfferCsvImport ParseOfferCsv(std::string_view text, const std::string& origin,
                             const std::string& provider_default, const std::string& as_of,
                             const catalog::Catalog& cat) {
  const std::vector<CsvRow> rows = SplitCsv(text, origin);
  if (rows.empty())
    Fail(origin, 1, "", "(empty)", "a gpuhunt catalog CSV with a header line", "empty file");
  const Columns cols = ReadHeader(rows[0], origin);
  OfferCsvImport out;
  std::map<std::string, catalog::Offer> offers;
  std::map<std::string, int> rows_of;  // offer id -> mapped rows
  for (size_t i = 1; i < rows.size(); ++i) {
    const CsvRow& r = rows[i];
    if (r.cells.size() != rows[0].cells.size())
      Fail(origin, r.line, "", std::to_string(r.cells.size()) + " cells",
           std::to_string(rows[0].cells.size()) + " cells, as the header", "malformed CSV row");
    ++out.rows;
    const RowValues v = ReadRow(r, cols, origin, provider_default);
    if (v.gpu_count == 0 || v.gpu_name.empty()) {
      ++out.no_gpu_rows;
      continue;
    }
    const catalog::GpuSpec* gpu = MapGpu(cat, v.gpu_name, v.gpu_memory);
    if (!gpu) {
      ++out.unmapped[v.gpu_name + " (" + (v.gpu_memory ? MemoryText(*v.gpu_memory) : "?") + " GB)"];
      continue;
    }
    ++out.mapped_rows;
    ++rows_of[AddRow(offers, v, *gpu, origin, r.line, as_of)];
  }
  for (auto& [id, o] : offers) {
    if (o.usd_per_gpu_hr > 0)
      out.offers.push_back(std::move(o));
    else
      out.spot_only_rows += rows_of[id];
  }
  return out;
}

}  // namespace gpuadv::io
