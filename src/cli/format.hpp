#pragma once
// Small text helpers shared by the commands.

#include <string>
#include <vector>

namespace dbm::cli {

// "784,500,1000" from {784, 500, 1000} with separator ",".
inline std::string join(const std::vector<int>& values, const char* separator) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) text += separator;
    text += std::to_string(values[i]);
  }
  return text;
}

}  // namespace dbm::cli
