// Registry<T>: implementations of one interface (feature ops, training algorithms) registered by
// name, so that adding one touches no switch statement. `T` has `name()`; the registry owns what
// is registered and keeps the order of registration (error messages list names in that order).
//
// Filled once (a built-in list, or a test's own), then only read: reads are thread-safe, and the
// pointers Find returns live as long as the registry. Registering a name twice replaces the first
// (in its place).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

template <typename T>
class Registry {
 public:
  void Register(std::unique_ptr<T> item) {
    for (auto& existing : items_)
      if (existing->name() == item->name()) {
        existing = std::move(item);
        return;
      }
    items_.push_back(std::move(item));
  }

  // The item registered as `name`, or null.
  const T* Find(std::string_view name) const {
    for (const auto& item : items_)
      if (item->name() == name) return item.get();
    return nullptr;
  }

  // Every item, in registration order.
  std::vector<const T*> All() const {
    std::vector<const T*> out;
    for (const auto& item : items_) out.push_back(item.get());
    return out;
  }

  // The names, in registration order.
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& item : items_) out.emplace_back(item->name());
    return out;
  }

  // The names as "a, b, c" for messages.
  std::string NameList() const {
    std::string out;
    for (const auto& item : items_) {
      if (!out.empty()) out += ", ";
      out += item->name();
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<T>> items_;
};

}  // namespace lathe
