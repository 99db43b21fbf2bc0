#include "lathe/metadata/detail/filter_sql.h"

#include <fmt/format.h>

#include "lathe/core/strings.h"

namespace lathe::metadata::detail {

namespace {

enum class ValueKind { kInt, kString, kArtifactState, kExecutionState };

Status FieldError(const FilterField& f, std::string_view what) {
  return InvalidArgumentError(
      fmt::format("filter: {} '{}' at column {}", what, f.ToString(), f.column));
}

std::string_view LiteralKindName(const FilterLiteral& v) {
  switch (v.index()) {
    case 0:
      return "an integer";
    case 1:
      return "a number";
    case 2:
      return "a string";
    default:
      return "a boolean";
  }
}

class Compiler {
 public:
  enum class Mode { kCondition, kSetQuery };
  Compiler(const NodeTable& table, SqlFragment& out, Mode mode, const FilterExpr* driver)
      : table_(table), out_(out), mode_(mode), driver_(driver) {}

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
      default:
        return CompileLeaf(e);
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
    if (parts.size() == 2 && table_.link_table != nullptr &&
        (head == "context" || head == "contexts"))
      return Membership(e, table_.link_table, table_.link_column, "context_id");
    if (parts.size() == 2 && table_.kind == TypeKind::kContext &&
        (head == "parent" || head == "child")) {
      bool parent = head == "parent";
      return Membership(e, "parent_contexts", parent ? "context_id" : "parent_context_id",
                        parent ? "parent_context_id" : "context_id");
    }
    return UnknownField(e.field);
  }

  Status UnknownField(const FilterField& f) {
    std::string fields =
        "id, type, type_id, name, create_time, update_time, properties.NAME, "
        "custom_properties.NAME";
    if (table_.kind == TypeKind::kArtifact) fields += ", uri, external_id, fingerprint, state";
    if (table_.kind == TypeKind::kExecution) fields += ", state";
    if (table_.link_table != nullptr) fields += ", context.id, context.name, context.type";
    if (table_.kind == TypeKind::kContext)
      fields += ", parent.{id,name,type}, child.{id,name,type}";
    return InvalidArgumentError(
        fmt::format("filter: unknown {} field '{}' at column {} (fields: {})", table_.noun,
                    f.ToString(), f.column, fields));
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
          if (!st.ok())
            return st.status().WithContext(fmt::format("filter: column {}", e.field.column));
          value = static_cast<int>(*st);
        } else {
          auto st = ParseExecutionState(*s);
          if (!st.ok())
            return st.status().WithContext(fmt::format("filter: column {}", e.field.column));
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
      case K::kIsNull:
        out_.sql += fmt::format("{} IS NULL", col);
        return Status::Ok();
      default:
        return InternalError("not a leaf predicate");
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

  // Runs `emit` with out_.sql redirected to a fresh string and returns what it wrote; parameters
  // keep flowing into out_.params in order.
  template <typename Emit>
  Result<std::string> Capture(Emit emit) {
    std::string saved = std::move(out_.sql);
    out_.sql.clear();
    Status st = emit();
    std::string captured = std::move(out_.sql);
    out_.sql = std::move(saved);
    if (!st.ok()) return st;
    return captured;
  }

  // A set predicate as rows of a link or property table: `owner` is the column holding the
  // record's id, `from` the tables, `where` the condition (may be empty).
  struct SetQuery {
    std::string owner, from, where;
  };

  // Renders a set predicate in the form chosen for it: as the driver (`t.id IN (SELECT ...)`,
  // which SQLite walks in id order), as a standalone query (for estimation), or as a correlated
  // probe (`EXISTS (... AND owner = t.id)`), which costs one index lookup per candidate row. The
  // backend's fence (PostgreSQL: OFFSET 0) keeps its planner to that shape: the driver's ids
  // first, then the probes, rather than an id-ordered scan it expects to end soon.
  Status EmitSet(const FilterExpr& e, const SetQuery& q) {
    std::string where = q.where.empty() ? "" : " WHERE " + q.where;
    if (mode_ == Mode::kSetQuery) {
      out_.sql += fmt::format("SELECT {} FROM {}{}", q.owner, q.from, where);
      return Status::Ok();
    }
    OpenNegation(e);
    if (&e == driver_)
      out_.sql +=
          fmt::format("t.id IN (SELECT {} FROM {}{}{}))", q.owner, q.from, where, out_.probe_fence);
    else
      out_.sql += fmt::format("{}EXISTS (SELECT 1 FROM {} WHERE {}{} = t.id{}))",
                              e.kind == FilterExpr::Kind::kIsNull ? "NOT " : "", q.from,
                              q.where.empty() ? "" : q.where + " AND ", q.owner, out_.probe_fence);
    return Status::Ok();
  }

  Status Property(const FilterExpr& e, const std::string& name, bool custom) {
    SetQuery q{"p.owner_id", table_.prop_table + std::string(" p"), ""};
    LATHE_ASSIGN_OR_RETURN(
        q.where, Capture([&]() -> Status {
          out_.sql += fmt::format("p.name = ? AND p.is_custom = {}", custom ? 1 : 0);
          out_.AddText(name);
          if (e.kind == FilterExpr::Kind::kIsNull) return Status::Ok();  // "has no such property"
          out_.sql += " AND ";
          // The literal picks the column: numbers compare with double_value (written for INT,
          // DOUBLE and BOOL properties), text with string_value, booleans with BOOL properties
          // only.
          const FilterLiteral& first = e.values.at(0);
          for (const auto& v : e.values) {
            bool same = (v.index() <= 1) == (first.index() <= 1) &&
                        (v.index() <= 1 || v.index() == first.index());
            if (!same)
              return InvalidArgumentError(
                  fmt::format("filter: values of '{}' at column {} mix kinds", e.field.ToString(),
                              e.field.column));
          }
          if (std::holds_alternative<bool>(first)) {
            out_.sql += fmt::format("p.data_type = {} AND ", static_cast<int>(PropertyType::kBool));
            FilterExpr as_int = e;
            for (auto& v : as_int.values) v = int64_t{std::get<bool>(v) ? 1 : 0};
            return Predicate(as_int, "p.int_value", ValueKind::kInt);
          }
          if (std::holds_alternative<std::string>(first))
            return Predicate(e, "p.string_value", ValueKind::kString);
          if (e.kind == FilterExpr::Kind::kLike)
            return FieldError(e.field, "LIKE needs a 'string' pattern for");
          return Predicate(e, "p.double_value", ValueKind::kInt);
        }));
    return EmitSet(e, q);
  }

  // context.X / parent.X / child.X: the record is linked to a context that satisfies the predicate.
  Status Membership(const FilterExpr& e, const std::string& link_table, const std::string& self,
                    const std::string& other) {
    const std::string attr = ToLower(e.field.parts[1]);
    if (attr != "id" && attr != "name" && attr != "type") return UnknownField(e.field);
    SetQuery q{"l." + self, link_table + " l", ""};
    if (e.kind == FilterExpr::Kind::kIsNull) return EmitSet(e, q);  // "linked to no context at all"
    q.from += fmt::format(" JOIN contexts c ON c.id = l.{}", other);
    LATHE_ASSIGN_OR_RETURN(q.where, Capture([&]() -> Status {
                             if (attr == "id") return Predicate(e, "c.id", ValueKind::kInt);
                             if (attr == "name") return Predicate(e, "c.name", ValueKind::kString);
                             out_.sql += fmt::format(
                                 "c.type_id IN (SELECT id FROM types WHERE kind = {} AND ",
                                 static_cast<int>(TypeKind::kContext));
                             LATHE_RETURN_IF_ERROR(Predicate(e, "name", ValueKind::kString));
                             out_.sql += ')';
                             return Status::Ok();
                           }));
    return EmitSet(e, q);
  }

  const NodeTable& table_;
  SqlFragment& out_;
  const Mode mode_;
  const FilterExpr* const driver_;  // the set predicate compiled as an IN list, if any
};

}  // namespace

bool IsSetPredicate(const FilterExpr& e) {
  using K = FilterExpr::Kind;
  if (e.kind == K::kAnd || e.kind == K::kOr || e.kind == K::kNot || e.kind == K::kIsNull ||
      e.negated)
    return false;
  if (e.field.parts.size() != 2) return false;
  std::string head = ToLower(e.field.parts[0]);
  return head == "properties" || head == "custom_properties" || head == "context" ||
         head == "contexts" || head == "parent" || head == "child";
}

Status CompileSetQuery(const FilterExpr& leaf, const NodeTable& table, SqlFragment& out) {
  if (!IsSetPredicate(leaf)) return InternalError("not a set predicate");
  return Compiler(table, out, Compiler::Mode::kSetQuery, nullptr).Compile(leaf);
}

Status CompileFilter(const FilterExpr& expr, const NodeTable& table, const FilterExpr* driver,
                     SqlFragment& out) {
  return Compiler(table, out, Compiler::Mode::kCondition, driver).Compile(expr);
}

}  // namespace lathe::metadata::detail
