#include "gpuadv/io/json_text.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/core/error.h"

namespace gpuadv::io {
namespace {

// Thrown by the parser callback when a container opens deeper than kMaxJsonDepth.
struct TooDeep {};
// Thrown out of the parser callback by a duplicate key; ParseJsonText makes it an InputError.
struct DuplicateKey {
  std::string path;
  std::string key;
};

// Where the parser is: one frame per open object or array. nlohmann reports a number
// overflow as out_of_range 406 without a position; the key events seen so far name it.
// It also stops the parse at the first container nested too deep, before the parser
// builds (and keeps a stack of) the rest: a 1 MiB "[[[[..." costs 65 frames, not 500k.
class PathTracker {
 public:
  void Key(const std::string& key) {
    if (depth_ == 0) return;
    Frame& f = frames_[depth_ - 1];
    f.key = key;
    f.starts.push_back(f.names.size());
    f.names += key;
  }

  bool OnEvent(nlohmann::json::parse_event_t event) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (depth_ > static_cast<size_t>(kMaxJsonDepth)) throw TooDeep{};
        Open(event == Event::array_start);
        break;
      case Event::key:
        break;  // Key()
      case Event::object_end:
        if (depth_ > 0) CheckUniqueKeys(frames_[depth_ - 1]);
        [[fallthrough]];
      case Event::array_end:
        if (depth_ > 0) --depth_;
        ElementDone();
        break;
      case Event::value:
        ElementDone();
        break;
    }
    return true;  // keep every value
  }

  // "training.seq_len", "gpus[2].memory_gb"; "" at the top level.
  std::string Path() const {
    std::string out;
    for (size_t d = 0; d < depth_; ++d) {
      const Frame& f = frames_[d];
      if (f.array) {
        out += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty()) {
        out += (out.empty() ? "" : ".") + f.key;
      }
    }
    return out;
  }

 private:
  // One open object or array. Frames are reused as the parse goes in and out (their
  // strings keep their capacity): a 70,000-entry catalog opens 70,000 objects, and
  // allocating per object and per key cost a large share of its load (issue 17 item 8).
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;             // the key being read
    std::string names;           // an object's keys, end to end, to reject duplicates at its end
    std::vector<size_t> starts;  // where each key begins in `names`
  };
  void Open(bool array) {
    if (depth_ == frames_.size()) frames_.emplace_back();
    Frame& f = frames_[depth_++];
    f.array = array;
    f.index = 0;
    f.key.clear();
    f.names.clear();
    f.starts.clear();
  }
  // nlohmann keeps the last of duplicate keys: a silent choice, so it is an error.
  void CheckUniqueKeys(Frame& f) {
    views_.clear();
    for (size_t i = 0; i < f.starts.size(); ++i) {
      const size_t end = i + 1 < f.starts.size() ? f.starts[i + 1] : f.names.size();
      views_.emplace_back(f.names.data() + f.starts[i], end - f.starts[i]);
    }
    std::sort(views_.begin(), views_.end());
    const auto dup = std::adjacent_find(views_.begin(), views_.end());
    if (dup == views_.end()) return;
    f.key = std::string(*dup);
    throw DuplicateKey{Path(), f.key};
  }
  void ElementDone() {
    if (depth_ > 0 && frames_[depth_ - 1].array) ++frames_[depth_ - 1].index;
  }
  std::vector<Frame> frames_;  // frames_[0, depth_) are open
  size_t depth_ = 0;
  std::vector<std::string_view> views_;  // CheckUniqueKeys' scratch
};

// nlohmann's DOM builder with the tracker's checks on each event. Not the callback parser:
// its end_object scans the whole enclosing container for discarded values, which made a
// 70,000-entry list quadratic (issue 17 item 8).
class CheckedSax {
 public:
  using json = nlohmann::json;
  using Event = json::parse_event_t;
  CheckedSax(json& out, PathTracker& tracker) : dom_(out, true), tracker_(tracker) {}

  bool null() { return Value(dom_.null()); }
  bool boolean(bool v) { return Value(dom_.boolean(v)); }
  bool number_integer(json::number_integer_t v) { return Value(dom_.number_integer(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Value(dom_.number_unsigned(v)); }
  bool number_float(json::number_float_t v, const std::string& s) {
    return Value(dom_.number_float(v, s));
  }
  bool string(std::string& v) { return Value(dom_.string(v)); }
  bool binary(json::binary_t& v) { return Value(dom_.binary(v)); }
  bool start_object(std::size_t n) {
    return tracker_.OnEvent(Event::object_start) && dom_.start_object(n);
  }
  bool key(std::string& k) {
    tracker_.Key(k);
    return dom_.key(k);
  }
  bool end_object() { return tracker_.OnEvent(Event::object_end) && dom_.end_object(); }
  bool start_array(std::size_t n) {
    return tracker_.OnEvent(Event::array_start) && dom_.start_array(n);
  }
  bool end_array() { return tracker_.OnEvent(Event::array_end) && dom_.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& e) {
    return dom_.parse_error(pos, token, e);
  }

 private:
  bool Value(bool ok) { return tracker_.OnEvent(Event::value) && ok; }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  PathTracker& tracker_;
};

}  // namespace

nlohmann::json ParseJsonText(std::string_view text, const std::string& origin,
                             const std::string& key_prefix, const std::string& accepted) {
  PathTracker tracker;
  try {
    nlohmann::json out;
    CheckedSax sax(out, tracker);
    nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                              true, false);
    return out;
  } catch (const nlohmann::json::out_of_range& e) {
    // 406: "number overflow parsing '1e309'".
    const std::string path = tracker.Path();
    std::string what = e.what();
    const auto q = what.find('\'');
    const std::string number =
        q == std::string::npos ? what : what.substr(q + 1, what.rfind('\'') - q - 1);
    throw InputError(path.empty() ? origin : key_prefix + path, number,
                     "a number of magnitude below 1.8e308", "out of range");
  } catch (const DuplicateKey& d) {
    throw InputError(origin + ": " + d.path, d.key, "each key once in an object", "duplicate key");
  } catch (const nlohmann::json::parse_error& e) {
    // 101 "invalid string: ill-formed UTF-8 byte": name the key being read.
    const std::string path = tracker.Path();
    if (std::string_view(e.what()).find("UTF-8") != std::string_view::npos)
      throw InputError(path.empty() ? origin : origin + ": " + path, "(a string)", "UTF-8 text",
                       "invalid UTF-8 in");
    throw InputError(origin, e.what(), accepted, "JSON syntax error");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin, e.what(), accepted, "JSON syntax error");
  } catch (const TooDeep&) {
    throw InputError(origin, "nesting deeper than " + std::to_string(kMaxJsonDepth),
                     "documents nested at most " + std::to_string(kMaxJsonDepth) + " levels",
                     "too deep");
  }
}

}  // namespace gpuadv::io
