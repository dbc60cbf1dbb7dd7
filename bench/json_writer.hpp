#pragma once
// A minimal streaming JSON writer for the harness's one output object. Numbers that
// are not finite (JSON has no NaN or infinity) are written as null.

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace dbm::bench {

class JsonWriter {
 public:
  // Containers: pass a key inside an object, none inside an array or at the top.
  void begin_object(const std::string& key = {}) { open(key, '{'); }
  void end_object() { close('}'); }
  void begin_array(const std::string& key = {}) { open(key, '['); }
  void end_array() { close(']'); }

  void field(const std::string& key, double value) {
    name(key);
    if (!std::isfinite(value)) {
      out_ += "null";
      return;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    out_ += text;
  }
  void field(const std::string& key, long long value) {
    name(key);
    out_ += std::to_string(value);
  }
  void field(const std::string& key, int value) { field(key, static_cast<long long>(value)); }
  void field(const std::string& key, bool value) {
    name(key);
    out_ += value ? "true" : "false";
  }
  void field(const std::string& key, const std::string& value) {
    name(key);
    quote(value);
  }
  void field(const std::string& key, const char* value) { field(key, std::string(value)); }

  const std::string& text() const { return out_; }

 private:
  void open(const std::string& key, char bracket) {
    name(key);
    out_ += bracket;
    first_.push_back(true);
  }
  void close(char bracket) {
    out_ += bracket;
    first_.pop_back();
  }
  // Separator, then "key": when inside an object.
  void name(const std::string& key) {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ", ";
      first_.back() = false;
    }
    if (!key.empty()) {
      quote(key);
      out_ += ": ";
    }
  }
  void quote(const std::string& s) {
    out_ += '"';
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
        out_ += escaped;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
};

}  // namespace dbm::bench
