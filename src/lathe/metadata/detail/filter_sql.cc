#include "lathe/metadata/detail/filter_sql.h"

#include <fmt/format.h>

#include "lathe/core/strings.h"

namespace lathe::metadata::detail {

namespace {

enum class ValueKind { kInt, kString, kArtifactState, kExecutionState };

Status FieldError(const FilterField& f, std::string_view what) {
  return InvalidArgumentError(fmt::format("filter: {} '{}' at column {}", what, f.ToString(), f.column));
}

std::string_view LiteralKindName(const FilterLiteral& v) {
  switch (v.index()) {
    case 0: return "an integer";
    case 1: return "a number";
    case 2: return "a string";
    default: return "a boolean";
  }
}

class Compiler {
 public:
  Compiler(const NodeTable& table, SqlFragment& out) : table_(table), out_(out) {}

  Status Compile(const FilterExpr& e) {
    using K = FilterExpr::Kind;
    switch (e.kind) {
      case K::kAnd:
      case K::kOr: {
        if (e.children.empty()) {
          out_.sql += "(1 = 1)";
          return Status::Ok();
        }
        out_.sql += '(';
        for (size_t i = 0; i < e.children.size(); ++i) {
          if (i > 0) out_.sql += e.kind == K::kAnd ? " AND " : " OR ";
          LATHE_RETURN_IF_ERROR(Compile(e.children[i]));
        }
        out_.sql += ')';
        return Status::Ok();
      }
      case K::kNot:
        out_.sql += "(NOT ";
        LATHE_RETURN_IF_ERROR(Compile(e.children.at(0)));
        out_.sql += ')';
        return Status::Ok();
      default: return CompileLeaf(e);
    }
  }

 private:
  // Dispatches on the field name.
  Status CompileLeaf(const FilterExpr& e) {
    const auto& parts = e.field.parts;
    const std::string head = ToLower(parts[0]);
    if (parts.size() == 1) {
      if (head == "id") return Column(e, "t.id", ValueKind::kInt);
      if (head == "type_id") return Column(e, "t.type_id", ValueKind::kInt);
      if (head == "name") return Column(e, "t.name", ValueKind::kString);
      if (head == "create_time" || head == "create_time_ms" || head == "create_time_since_epoch")
        return Column(e, "t.create_time_ms", ValueKind::kInt);
      if (head == "update_time" || head == "update_time_ms" ||
          head == "last_update_time_since_epoch")
        return Column(e, "t.update_time_ms", ValueKind::kInt);
      if (head == "type") return TypeName(e, "t.type_id", table_.kind);
      if (table_.kind == TypeKind::kArtifact) {
        if (head == "uri") return Column(e, "t.uri", ValueKind::kString);
        if (head == "external_id") return Column(e, "t.external_id", ValueKind::kString);
        if (head == "fingerprint") return Column(e, "t.fingerprint", ValueKind::kString);
        if (head == "state") return Column(e, "t.state", ValueKind::kArtifactState);
      }
      if (table_.kind == TypeKind::kExecution && (head == "state" || head == "last_known_state"))
        return Column(e, "t.state", ValueKind::kExecutionState);
      return UnknownField(e.field);
    }
    if (parts.size() == 2 && (head == "properties" || head == "custom_properties"))
      return Property(e, parts[1], head == "custom_properties");
    if (parts.size() == 2 && table_.link_table != nullptr && (head == "context" || head == "contexts"))
      return Membership(e, fmt::format("SELECT l.{0} FROM {1} l JOIN contexts c ON c.id = l.context_id",
                                       table_.link_column, table_.link_table),
                        fmt::format("SELECT {} FROM {}", table_.link_column, table_.link_table));
    if (parts.size() == 2 && table_.kind == TypeKind::kContext && (head == "parent" || head == "child")) {
      bool parent = head == "parent";
      const char* self = parent ? "context_id" : "parent_context_id";
      const char* other = parent ? "parent_context_id" : "context_id";
      return Membership(
          e, fmt::format("SELECT l.{} FROM parent_contexts l JOIN contexts c ON c.id = l.{}", self, other),
          fmt::format("SELECT {} FROM parent_contexts", self));
    }
    return UnknownField(e.field);
  }

  Status UnknownField(const FilterField& f) {
    std::string fields = "id, type, type_id, name, create_time, update_time, properties.NAME, custom_properties.NAME";
    if (table_.kind == TypeKind::kArtifact) fields += ", uri, external_id, fingerprint, state";
    if (table_.kind == TypeKind::kExecution) fields += ", state";
    if (table_.link_table != nullptr) fields += ", context.id, context.name, context.type";
    if (table_.kind == TypeKind::kContext) fields += ", parent.{id,name,type}, child.{id,name,type}";
    return InvalidArgumentError(fmt::format("filter: unknown {} field '{}' at column {} (fields: {})",
                                            table_.noun, f.ToString(), f.column, fields));
  }

  // Binds one literal for a column of the given kind, checking that it fits.
  Status Bind(const FilterExpr& e, const FilterLiteral& v, ValueKind kind) {
    auto mismatch = [&](std::string_view expected) {
      return InvalidArgumentError(fmt::format("filter: '{}' at column {} compares with {}, not {}",
                                              e.field.ToString(), e.field.column, expected,
                                              LiteralKindName(v)));
    };
    switch (kind) {
      case ValueKind::kInt:
        if (auto* i = std::get_if<int64_t>(&v)) {
          out_.params.emplace_back(*i);
        } else if (auto* d = std::get_if<double>(&v)) {
          out_.params.emplace_back(*d);
        } else {
          return mismatch("a number");
        }
        return Status::Ok();
      case ValueKind::kString:
        if (auto* s = std::get_if<std::string>(&v)) {
          out_.AddText(*s);
          return Status::Ok();
        }
        return mismatch("a 'string'");
      case ValueKind::kArtifactState:
      case ValueKind::kExecutionState: {
        if (auto* i = std::get_if<int64_t>(&v)) {
          out_.params.emplace_back(*i);
          return Status::Ok();
        }
        auto* s = std::get_if<std::string>(&v);
        if (s == nullptr) return mismatch("a state name");
        int value = 0;
        if (kind == ValueKind::kArtifactState) {
          auto st = ParseArtifactState(*s);
          if (!st.ok()) return st.status().WithContext(fmt::format("filter: column {}", e.field.column));
          value = static_cast<int>(*st);
        } else {
          auto st = ParseExecutionState(*s);
          if (!st.ok()) return st.status().WithContext(fmt::format("filter: column {}", e.field.column));
          value = static_cast<int>(*st);
        }
        out_.params.emplace_back(value);
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  // "<col> = ?", "<col> IN (?, ?)", "<col> BETWEEN ? AND ?", "<col> LIKE ?", "<col> IS NULL",
  // always positive: callers wrap negation around the whole predicate.
  Status Predicate(const FilterExpr& e, const std::string& col, ValueKind kind) {
    using K = FilterExpr::Kind;
    switch (e.kind) {
      case K::kCompare:
        out_.sql += fmt::format("{} {} ?", col, e.op);
        return Bind(e, e.values[0], kind);
      case K::kIn:
        out_.sql += fmt::format("{} IN ({})", col, Placeholders(e.values.size()));
        for (const auto& v : e.values) LATHE_RETURN_IF_ERROR(Bind(e, v, kind));
        return Status::Ok();
      case K::kBetween:
        out_.sql += fmt::format("{} BETWEEN ? AND ?", col);
        LATHE_RETURN_IF_ERROR(Bind(e, e.values[0], kind));
        return Bind(e, e.values[1], kind);
      case K::kLike:
        if (kind != ValueKind::kString) return FieldError(e.field, "LIKE needs a text field, not");
        out_.sql += fmt::format("{} LIKE ?", col);
        return Bind(e, e.values[0], kind);
      case K::kIsNull: out_.sql += fmt::format("{} IS NULL", col); return Status::Ok();
      default: return InternalError("not a leaf predicate");
    }
  }

  // IS NULL carries its negation in `negated` like NOT IN/NOT LIKE/NOT BETWEEN.
  void OpenNegation(const FilterExpr& e) { out_.sql += e.negated ? "(NOT " : "("; }

  Status Column(const FilterExpr& e, const std::string& col, ValueKind kind) {
    OpenNegation(e);
    LATHE_RETURN_IF_ERROR(Predicate(e, col, kind));
    out_.sql += ')';
    return Status::Ok();
  }

  Status TypeName(const FilterExpr& e, const std::string& type_id_col, TypeKind kind) {
    OpenNegation(e);
    if (e.kind == FilterExpr::Kind::kIsNull) {
      out_.sql += "1 = 0)";  // every record has a type
      return Status::Ok();
    }
    out_.sql += fmt::format("{} IN (SELECT id FROM types WHERE kind = {} AND ", type_id_col,
                            static_cast<int>(kind));
    LATHE_RETURN_IF_ERROR(Predicate(e, "name", ValueKind::kString));
    out_.sql += "))";
    return Status::Ok();
  }

  Status Property(const FilterExpr& e, const std::string& name, bool custom) {
    std::string subquery = fmt::format("SELECT p.owner_id FROM {} p WHERE p.name = ? AND p.is_custom = {}",
                                       table_.prop_table, custom ? 1 : 0);
    OpenNegation(e);
    if (e.kind == FilterExpr::Kind::kIsNull) {
      out_.sql += fmt::format("t.id NOT IN ({}))", subquery);
      out_.AddText(name);
      return Status::Ok();
    }
    out_.sql += fmt::format("t.id IN ({} AND ", subquery);
    out_.AddText(name);
    // The literal picks the column: numbers compare with double_value (written for INT, DOUBLE
    // and BOOL properties), text with string_value, booleans with BOOL properties only.
    const FilterLiteral& first = e.values.at(0);
    for (const auto& v : e.values) {
      bool same = (v.index() <= 1) == (first.index() <= 1) && (v.index() <= 1 || v.index() == first.index());
      if (!same)
        return InvalidArgumentError(fmt::format("filter: values of '{}' at column {} mix kinds",
                                                e.field.ToString(), e.field.column));
    }
    if (std::holds_alternative<bool>(first)) {
      out_.sql += fmt::format("p.data_type = {} AND ", static_cast<int>(PropertyType::kBool));
      FilterExpr as_int = e;
      for (auto& v : as_int.values) v = int64_t{std::get<bool>(v) ? 1 : 0};
      LATHE_RETURN_IF_ERROR(Predicate(as_int, "p.int_value", ValueKind::kInt));
    } else if (std::holds_alternative<std::string>(first)) {
      LATHE_RETURN_IF_ERROR(Predicate(e, "p.string_value", ValueKind::kString));
    } else {
      if (e.kind == FilterExpr::Kind::kLike) return FieldError(e.field, "LIKE needs a 'string' pattern for");
      LATHE_RETURN_IF_ERROR(Predicate(e, "p.double_value", ValueKind::kInt));
    }
    out_.sql += "))";
    return Status::Ok();
  }

  // context.X / parent.X / child.X: the record is linked to a context that satisfies the predicate.
  Status Membership(const FilterExpr& e, const std::string& linked, const std::string& any_link) {
    const std::string attr = ToLower(e.field.parts[1]);
    OpenNegation(e);
    if (e.kind == FilterExpr::Kind::kIsNull) {
      // "context.name IS NULL": linked to no context at all.
      if (attr != "id" && attr != "name" && attr != "type") return UnknownField(e.field);
      out_.sql += fmt::format("t.id NOT IN ({}))", any_link);
      return Status::Ok();
    }
    out_.sql += fmt::format("t.id IN ({} WHERE ", linked);
    if (attr == "id") {
      LATHE_RETURN_IF_ERROR(Predicate(e, "c.id", ValueKind::kInt));
    } else if (attr == "name") {
      LATHE_RETURN_IF_ERROR(Predicate(e, "c.name", ValueKind::kString));
    } else if (attr == "type") {
      out_.sql += fmt::format("c.type_id IN (SELECT id FROM types WHERE kind = {} AND ",
                              static_cast<int>(TypeKind::kContext));
      LATHE_RETURN_IF_ERROR(Predicate(e, "name", ValueKind::kString));
      out_.sql += ')';
    } else {
      return UnknownField(e.field);
    }
    out_.sql += "))";
    return Status::Ok();
  }

  const NodeTable& table_;
  SqlFragment& out_;
};

}  // namespace

Status CompileFilter(const FilterExpr& expr, const NodeTable& table, SqlFragment& out) {
  return Compiler(table, out).Compile(expr);
}

}  // namespace lathe::metadata::detail
