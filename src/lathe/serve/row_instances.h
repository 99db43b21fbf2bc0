// Row-form predict requests ({"instances": [{input: value, ...}, ...]}) read straight from the
// body into a batch of a model's raw inputs with simdjson, without a JSON document in between:
// the common request's fast path (parsing it into nlohmann::json took a tenth of the server's
// time under load).
//
// It accepts only what the general path (ParseBody, NormaliseInstances, the unknown-input check
// and TransformGraph::BatchFromInstances) accepts, with the same batch, and declines everything
// else: {"b64": ...} values, bare values, unknown or repeated inputs, values of another type than
// the input's, other members than "instances", anything malformed. The general path then answers
// the request, with its messages. A test and the REST fuzz target hold it to that.
//
// Thread-safe: one parser per thread.
#pragma once

#include <optional>
#include <string_view>

#include "lathe/data/column.h"

namespace lathe::serve {

// A batch with `inputs`' columns and one row per instance, or nullopt (declined).
std::optional<data::Batch> ReadRowInstances(std::string_view body, const data::Schema& inputs);

}  // namespace lathe::serve
