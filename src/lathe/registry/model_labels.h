// Version labels of a model in the model repository ("stable" -> 3, "canary" -> 4), as TF
// Serving's version labels: clients ask for /labels/stable and the server answers with the
// version the label points at. Labels live next to the versions, in <root>/<name>/labels.json,
// so that every server watching the repository sees the same ones and they survive restarts.
//
// Every call reads or writes the file anew. Changes are serialised by an advisory lock on
// <root>/<name>/.labels.lock and replace the file atomically (write, then rename), so concurrent
// writers from any process never lose an update and a reader never sees half a file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "lathe/core/status.h"
#include "lathe/registry/model_repository.h"

namespace lathe::registry {

using Labels = std::map<std::string, int64_t>;

// INVALID_ARGUMENT unless `label` can name a label: 1-64 ASCII letters, digits, '-' or '_',
// starting with a letter, and not a number (so /labels/3 is never mistaken for a version).
Status CheckLabelName(std::string_view label);

// The labels of model `name`; empty when it has none. DATA_LOSS naming the file when it is not a
// JSON object of label -> positive version.
Result<Labels> ReadLabels(const ModelRepository& repository, const std::string& name);

// Points `label` at `version`, which must exist (NOT_FOUND otherwise). Returns the labels after
// the change.
Result<Labels> SetLabel(const ModelRepository& repository, const std::string& name,
                        const std::string& label, int64_t version);

// Removes `label`; NOT_FOUND when the model has no such label.
Result<Labels> RemoveLabel(const ModelRepository& repository, const std::string& name,
                           const std::string& label);

}  // namespace lathe::registry
