// Recursive-descent parser of the filter language (grammar in docs/filters.md).
#include "lathe/metadata/filter.h"

#include <fmt/format.h>

#include <cctype>

#include "lathe/core/strings.h"

namespace lathe::metadata {

std::string FilterField::ToString() const {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

std::string QuoteFilterString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

namespace {

struct Token {
  enum class Kind {
    kEnd,
    kIdent,
    kQuotedIdent,
    kNumber,
    kString,
    kOp,
    kLParen,
    kRParen,
    kComma,
    kDot
  };
  Kind kind = Kind::kEnd;
  std::string text;
  int column = 0;  // 1-based
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Status Tokenize(std::vector<Token>& out) {
    while (true) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      Token t;
      t.column = static_cast<int>(pos_) + 1;
      if (pos_ >= s_.size()) {
        out.push_back(t);
        return Status::Ok();
      }
      char c = s_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = pos_;
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
          ++pos_;
        t.kind = Token::Kind::kIdent;
        t.text = s_.substr(start, pos_ - start);
      } else if (c == '`') {
        size_t end = s_.find('`', pos_ + 1);
        if (end == std::string_view::npos) return Error(t.column, "unterminated `quoted name`");
        t.kind = Token::Kind::kQuotedIdent;
        t.text = s_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '.') && pos_ + 1 < s_.size() &&
                  std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
        size_t start = pos_++;
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                ((s_[pos_] == '-' || s_[pos_] == '+') &&
                 (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E'))))
          ++pos_;
        t.kind = Token::Kind::kNumber;
        t.text = s_.substr(start, pos_ - start);
      } else if (c == '\'' || c == '"') {
        // Quotes are doubled to escape them: 'it''s'.
        char quote = c;
        ++pos_;
        std::string text;
        while (true) {
          if (pos_ >= s_.size()) return Error(t.column, "unterminated string");
          if (s_[pos_] == quote) {
            if (pos_ + 1 < s_.size() && s_[pos_ + 1] == quote) {
              text += quote;
              pos_ += 2;
              continue;
            }
            ++pos_;
            break;
          }
          text += s_[pos_++];
        }
        t.kind = Token::Kind::kString;
        t.text = std::move(text);
      } else if (c == '(' || c == ')' || c == ',' || c == '.') {
        t.kind = c == '('   ? Token::Kind::kLParen
                 : c == ')' ? Token::Kind::kRParen
                 : c == ',' ? Token::Kind::kComma
                            : Token::Kind::kDot;
        t.text = std::string(1, c);
        ++pos_;
      } else if (c == '=' || c == '<' || c == '>' || c == '!') {
        std::string op(1, c);
        char next = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        if (next == '=' || (c == '<' && next == '>')) op += next;
        pos_ += op.size();
        if (op == "!") return Error(t.column, "unexpected '!' (did you mean '!='?)");
        if (op == "==") op = "=";
        if (op == "<>") op = "!=";
        t.kind = Token::Kind::kOp;
        t.text = op;
      } else {
        return Error(t.column, fmt::format("unexpected character '{}'", c));
      }
      out.push_back(std::move(t));
    }
  }

  static Status Error(int column, std::string_view what) {
    return InvalidArgumentError(fmt::format("filter: {} at column {}", what, column));
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<FilterExpr> ParseAll() {
    if (Peek().kind == Token::Kind::kEnd) return FilterExpr{};
    LATHE_ASSIGN_OR_RETURN(FilterExpr e, ParseOr());
    if (Peek().kind != Token::Kind::kEnd) return Expected("AND, OR or the end of the filter");
    return e;
  }

 private:
  const Token& Peek() const { return t_[i_]; }
  const Token& Next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool IsKeyword(const Token& t, std::string_view kw) const {
    return t.kind == Token::Kind::kIdent && ToUpper(t.text) == kw;
  }
  bool AcceptKeyword(std::string_view kw) {
    if (!IsKeyword(Peek(), kw)) return false;
    Next();
    return true;
  }
  std::string Describe(const Token& t) const {
    switch (t.kind) {
      case Token::Kind::kEnd:
        return "the end of the filter";
      case Token::Kind::kString:
        return fmt::format("'{}'", t.text);
      default:
        return fmt::format("'{}'", t.text);
    }
  }
  Status Expected(std::string_view what) const {
    return Lexer::Error(Peek().column,
                        fmt::format("expected {}, found {}", what, Describe(Peek())));
  }

  Result<FilterExpr> ParseOr() {
    LATHE_ASSIGN_OR_RETURN(FilterExpr left, ParseAnd());
    if (!IsKeyword(Peek(), "OR")) return left;
    FilterExpr e;
    e.kind = FilterExpr::Kind::kOr;
    e.column = left.column;
    e.children.push_back(std::move(left));
    while (AcceptKeyword("OR")) {
      LATHE_ASSIGN_OR_RETURN(FilterExpr right, ParseAnd());
      e.children.push_back(std::move(right));
    }
    return e;
  }

  Result<FilterExpr> ParseAnd() {
    LATHE_ASSIGN_OR_RETURN(FilterExpr left, ParseNot());
    if (!IsKeyword(Peek(), "AND")) return left;
    FilterExpr e;
    e.kind = FilterExpr::Kind::kAnd;
    e.column = left.column;
    e.children.push_back(std::move(left));
    while (AcceptKeyword("AND")) {
      LATHE_ASSIGN_OR_RETURN(FilterExpr right, ParseNot());
      e.children.push_back(std::move(right));
    }
    return e;
  }

  // NOT and '(' are the only ways down; both pass through here, so the nesting is bounded.
  Status Descend(int column) {
    if (++depth_ > kMaxFilterDepth)
      return Lexer::Error(column, fmt::format("nesting deeper than {} levels of NOT or parentheses",
                                              kMaxFilterDepth));
    return Status::Ok();
  }

  Result<FilterExpr> ParseNot() {
    int column = Peek().column;
    if (AcceptKeyword("NOT")) {
      LATHE_RETURN_IF_ERROR(Descend(column));
      LATHE_ASSIGN_OR_RETURN(FilterExpr inner, ParseNot());
      --depth_;
      FilterExpr e;
      e.kind = FilterExpr::Kind::kNot;
      e.column = column;
      e.children.push_back(std::move(inner));
      return e;
    }
    return ParsePrimary();
  }

  Result<FilterExpr> ParsePrimary() {
    if (Peek().kind == Token::Kind::kLParen) {
      LATHE_RETURN_IF_ERROR(Descend(Next().column));
      LATHE_ASSIGN_OR_RETURN(FilterExpr e, ParseOr());
      if (Peek().kind != Token::Kind::kRParen) return Expected("')'");
      Next();
      --depth_;
      return e;
    }
    if (++conditions_ > kMaxFilterConditions)
      return Lexer::Error(Peek().column, fmt::format("more than {} conditions; narrow the filter",
                                                     kMaxFilterConditions));
    LATHE_ASSIGN_OR_RETURN(FilterField field, ParseField());
    FilterExpr e;
    e.field = std::move(field);
    e.column = e.field.column;
    const Token& t = Peek();
    if (t.kind == Token::Kind::kOp) {
      e.kind = FilterExpr::Kind::kCompare;
      e.op = Next().text;
      LATHE_ASSIGN_OR_RETURN(FilterLiteral v, ParseLiteral(e.op));
      e.values.push_back(std::move(v));
      return e;
    }
    if (AcceptKeyword("IS")) {
      e.kind = FilterExpr::Kind::kIsNull;
      e.negated = AcceptKeyword("NOT");
      if (!AcceptKeyword("NULL"))
        return Expected(e.negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
      return e;
    }
    e.negated = AcceptKeyword("NOT");
    if (AcceptKeyword("IN")) {
      e.kind = FilterExpr::Kind::kIn;
      if (Peek().kind != Token::Kind::kLParen) return Expected("'(' after IN");
      Next();
      while (true) {
        if (e.values.size() == kMaxFilterInValues)
          return Lexer::Error(Peek().column,
                              fmt::format("more than {} values in an IN list", kMaxFilterInValues));
        LATHE_ASSIGN_OR_RETURN(FilterLiteral v, ParseLiteral("IN"));
        e.values.push_back(std::move(v));
        if (Peek().kind == Token::Kind::kComma) {
          Next();
          continue;
        }
        if (Peek().kind == Token::Kind::kRParen) {
          Next();
          break;
        }
        return Expected("',' or ')' in the IN list");
      }
      return e;
    }
    if (AcceptKeyword("BETWEEN")) {
      e.kind = FilterExpr::Kind::kBetween;
      LATHE_ASSIGN_OR_RETURN(FilterLiteral lo, ParseLiteral("BETWEEN"));
      if (!AcceptKeyword("AND")) return Expected("AND in BETWEEN ... AND ...");
      LATHE_ASSIGN_OR_RETURN(FilterLiteral hi, ParseLiteral("AND"));
      e.values = {std::move(lo), std::move(hi)};
      return e;
    }
    if (AcceptKeyword("LIKE")) {
      e.kind = FilterExpr::Kind::kLike;
      if (Peek().kind != Token::Kind::kString) return Expected("a quoted pattern after LIKE");
      e.values.push_back(Next().text);
      return e;
    }
    return Expected(
        fmt::format("an operator (=, !=, <, <=, >, >=, IN, BETWEEN, LIKE, IS NULL) after {}",
                    e.field.ToString()));
  }

  Result<FilterField> ParseField() {
    FilterField f;
    f.column = Peek().column;
    while (true) {
      const Token& t = Peek();
      bool keyword = IsKeyword(t, "AND") || IsKeyword(t, "OR") || IsKeyword(t, "NOT");
      if ((t.kind != Token::Kind::kIdent || keyword) && t.kind != Token::Kind::kQuotedIdent)
        return Expected(f.parts.empty() ? "a field name or '('" : "a name after '.'");
      f.parts.push_back(Next().text);
      if (Peek().kind != Token::Kind::kDot) return f;
      Next();
    }
  }

  Result<FilterLiteral> ParseLiteral(std::string_view after) {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString) return FilterLiteral(Next().text);
    if (t.kind == Token::Kind::kNumber) {
      std::string text = Next().text;
      if (auto i = ParseInt(text)) return FilterLiteral(static_cast<int64_t>(*i));
      if (auto d = ParseDouble(text)) return FilterLiteral(*d);
      return Lexer::Error(t.column, fmt::format("malformed number '{}'", text));
    }
    if (IsKeyword(t, "TRUE")) {
      Next();
      return FilterLiteral(true);
    }
    if (IsKeyword(t, "FALSE")) {
      Next();
      return FilterLiteral(false);
    }
    if (IsKeyword(t, "NULL"))
      return Lexer::Error(t.column, "NULL is not a value here; use IS NULL or IS NOT NULL");
    return Expected(fmt::format("a value (number, 'string', TRUE or FALSE) after {}", after));
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int conditions_ = 0;
};

}  // namespace

Result<FilterExpr> ParseFilter(std::string_view text) {
  if (text.size() > kMaxFilterBytes)
    return InvalidArgumentError(
        fmt::format("filter: {} bytes long; at most {}", text.size(), kMaxFilterBytes));
  std::vector<Token> tokens;
  LATHE_RETURN_IF_ERROR(Lexer(text).Tokenize(tokens));
  return Parser(std::move(tokens)).ParseAll();
}

}  // namespace lathe::metadata
