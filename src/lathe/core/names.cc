#include "lathe/core/names.h"

#include <fmt/format.h>

namespace lathe {

std::string PrintableText(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '\\')
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

std::string NameProblem(std::string_view name, std::string_view punctuation) {
  if (name.empty()) return "a name cannot be empty";
  if (name.size() > kMaxNameLength)
    return fmt::format("the name is {} bytes long; at most {}", name.size(), kMaxNameLength);
  if (name[0] == '.' || name[0] == '-')
    return fmt::format("'{}' starts with '{}'", PrintableText(name), name[0]);
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && punctuation.find(c) == std::string_view::npos) {
      std::string allowed;
      for (char p : punctuation) allowed += fmt::format(", '{}'", p);
      return fmt::format("'{}' may only hold letters, digits{}", PrintableText(name), allowed);
    }
  }
  return "";
}

}  // namespace lathe
