#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gpuadv {

/// Bad user input: carries the field, the offending value and what is accepted.
/// Thrown by parsers and resolvers only; caught in exactly one place per front end
/// (CLI -> exit 2, server -> HTTP 400). Message format (tests check it verbatim):
///   "<field>: <problem> '<value>'; accepted: <accepted>"
/// Field and value come from user input: they are kept printable ASCII (other bytes as
/// \xNN) and cut at 200 bytes, so the message is safe on a terminal and in JSON.
class InputError : public std::runtime_error {
 public:
  InputError(std::string field, std::string value, std::string accepted,
             std::string problem = "invalid value");
  const std::string& field() const { return field_; }
  const std::string& value() const { return value_; }
  const std::string& accepted() const { return accepted_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string field_;
  std::string value_;
  std::string accepted_;
  std::string problem_;
};

/// Edit distance (Levenshtein, case-insensitive), for "did you mean".
int EditDistance(std::string_view a, std::string_view b);

/// Up to `max` candidates closest to `name` (distance <= max(2, |name|/3)), best first.
/// Also matches candidates that contain `name` as a substring.
std::vector<std::string> Suggest(std::string_view name, const std::vector<std::string>& candidates,
                                 size_t max = 3);

/// "did you mean 'a', 'b'?" or "" when no suggestion.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace gpuadv
