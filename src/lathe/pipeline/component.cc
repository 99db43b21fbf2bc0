#include "lathe/pipeline/component.h"

#include "lathe/pipeline/command_component.h"
#include "lathe/pipeline/resolvers.h"

namespace lathe::pipeline {

void ComponentRegistry::Register(std::unique_ptr<Component> component) {
  std::string type = component->type();
  components_[type] = std::move(component);
}

const Component* ComponentRegistry::Find(const std::string& type) const {
  auto it = components_.find(type);
  return it == components_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ComponentRegistry::Types() const {
  std::vector<std::string> out;
  for (const auto& [type, c] : components_) out.push_back(type);
  return out;
}

const ComponentRegistry& ComponentRegistry::Builtin() {
  static const ComponentRegistry* registry = [] {
    auto* r = new ComponentRegistry();
    r->Register(std::make_unique<CommandComponent>());
    RegisterResolvers(*r);
    return r;
  }();
  return *registry;
}

}  // namespace lathe::pipeline
