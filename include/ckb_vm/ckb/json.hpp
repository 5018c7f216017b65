// A small JSON parser for host-side input (mock transaction files). Strict
// RFC 8259 grammar, UTF-8 with \u escapes (surrogate pairs combined, lone
// surrogates rejected), no exceptions, and bounded: input size, nesting
// depth and the number of values are limited so hostile input cannot
// exhaust the stack or memory. Errors give the line and column.
//
// Numbers are kept as their source text (this layer never needs their value).
// Objects keep their members in order; a repeated key is an error.
#pragma once

#include "../detail/config.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expected.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

struct JsonLimits {
  std::size_t max_input_bytes = std::size_t{512} << 20;
  std::size_t max_depth = 64;
  std::size_t max_values = std::size_t{8} << 20;
};

struct JsonMember;

struct Json {
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // String: the decoded string; Number: the source text
  std::vector<Json> items;
  std::vector<JsonMember> members;  // objects, in source order

  bool is_null() const noexcept { return kind == Kind::Null; }
  bool is_string() const noexcept { return kind == Kind::String; }
  bool is_array() const noexcept { return kind == Kind::Array; }
  bool is_object() const noexcept { return kind == Kind::Object; }

  // The member named `key` of an object, or nullptr.
  const Json* find(std::string_view key) const noexcept;
};

struct JsonMember {
  std::string first;  // key
  Json second;        // value
};

inline const Json* Json::find(std::string_view key) const noexcept {
  for (const JsonMember& m : members)
    if (m.first == key) return &m.second;
  return nullptr;
}

constexpr std::string_view json_kind_name(Json::Kind k) noexcept {
  switch (k) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "a boolean";
    case Json::Kind::Number: return "a number";
    case Json::Kind::String: return "a string";
    case Json::Kind::Array: return "an array";
    case Json::Kind::Object: return "an object";
  }
  return "a value";
}

namespace detail {

class JsonParser {
 public:
  JsonParser(std::string_view s, const JsonLimits& limits) : s_(s), limits_(limits) {}

  Expected<Json> parse_document() {
    if (s_.size() > limits_.max_input_bytes)
      return host_error("JSON input of " + std::to_string(s_.size()) + " bytes exceeds the limit of " +
                        std::to_string(limits_.max_input_bytes));
    Json root;
    skip_ws();
    if (!parse_value(root, 0)) return host_error(error_);
    skip_ws();
    if (pos_ != s_.size()) {
      fail("unexpected data after the JSON value");
      return host_error(error_);
    }
    return root;
  }

 private:
  bool fail(const std::string& what) {
    if (!error_.empty()) return false;
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    error_ = "JSON syntax error at line " + std::to_string(line) + " column " + std::to_string(col) + ": " + what;
    return false;
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool parse_value(Json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return fail("nesting deeper than " + std::to_string(limits_.max_depth));
    if (++values_ > limits_.max_values) return fail("more than " + std::to_string(limits_.max_values) + " values");
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    const char c = s_[pos_];
    switch (c) {
      case 'n': out.kind = Json::Kind::Null; return literal("null");
      case 't': out.kind = Json::Kind::Bool; out.boolean = true; return literal("true");
      case 'f': out.kind = Json::Kind::Bool; out.boolean = false; return literal("false");
      case '"': out.kind = Json::Kind::String; return parse_string(out.text);
      case '[': return parse_array(out, depth);
      case '{': return parse_object(out, depth);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        return fail(std::string("unexpected character '") + c + "'");
    }
  }

  bool parse_number(Json& out) {
    const std::size_t start = pos_;
    auto digits = [this] {
      std::size_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return fail("invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return fail("invalid number");
    }
    out.kind = Json::Kind::Number;
    out.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(std::uint32_t& v) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) return fail("invalid \\u escape");
      v = v << 4 | static_cast<std::uint32_t>(d);
    }
    return true;
  }

  // Checks one UTF-8 sequence starting at pos_ and copies it.
  bool utf8_char(std::string& out) {
    const auto c = static_cast<std::uint8_t>(s_[pos_]);
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return fail("invalid UTF-8 in string");
    if (s_.size() - pos_ <= n) return fail("truncated UTF-8 in string");
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<std::uint8_t>(s_[pos_ + k]);
      if ((b & 0xC0) != 0x80) return fail("invalid UTF-8 in string");
      cp = cp << 6 | (b & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return fail("invalid UTF-8 in string");
    out.append(s_.substr(pos_, n + 1));
    pos_ += n + 1;
    return true;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (++pos_ >= s_.size()) return fail("unterminated string");
        const char e = s_[pos_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            std::uint32_t cp = 0;
            if (!hex4(cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (s_.substr(pos_, 2) != "\\u") return fail("high surrogate without a low surrogate");
              pos_ += 2;
              std::uint32_t lo = 0;
              if (!hex4(lo)) return false;
              if (lo < 0xDC00 || lo > 0xDFFF) return fail("high surrogate without a low surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            append_utf8(out, cp);
            break;
          }
          default: return fail("invalid escape in string");
        }
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        if (!utf8_char(out)) return false;
        continue;
      }
      out += c;
      ++pos_;
    }
  }

  bool parse_array(Json& out, std::size_t depth) {
    out.kind = Json::Kind::Array;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      Json item;
      skip_ws();
      if (!parse_value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      skip_ws();
      if (pos_ >= s_.size()) return fail("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' in array");
    }
  }

  bool parse_object(Json& out, std::size_t depth) {
    out.kind = Json::Kind::Object;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::set<std::string> keys;
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string key in object");
      std::string key;
      if (!parse_string(key)) return false;
      if (!keys.insert(key).second) return fail("duplicate key \"" + key + "\"");
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':' after object key");
      ++pos_;
      skip_ws();
      Json value;
      if (!parse_value(value, depth + 1)) return false;
      out.members.push_back(JsonMember{std::move(key), std::move(value)});
      skip_ws();
      if (pos_ >= s_.size()) return fail("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in object");
    }
  }

  std::string_view s_;
  JsonLimits limits_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
  std::string error_;
};

}  // namespace detail

inline Expected<Json> parse_json(std::string_view text, const JsonLimits& limits = {}) {
  return detail::JsonParser(text, limits).parse_document();
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
