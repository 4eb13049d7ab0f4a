#include "sim/firehose/sector_expression.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string>

#include "src/util/error.hpp"

namespace cr::sim {
namespace {

// Recursive descent over a short string; depth is bounded to refuse hostile nesting.
class Parser {
  public:
    Parser(std::string_view text, const ExpressionContext& ctx) : text_(text), ctx_(ctx) {}

    std::uint64_t parse() {
        std::uint64_t v = expr();
        skip_space();
        if (pos_ != text_.size()) fail("unexpected text");
        return v;
    }

  private:
    [[noreturn]] void fail(std::string_view why) const {
        throw DecodeError(
            fmt::format("bad sector expression '{}': {} at position {}", text_, why, pos_));
    }
    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    bool eat(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    std::uint64_t expr() {
        if (++depth_ > 32) fail("nested too deeply");
        std::uint64_t v = term();
        for (;;) {
            if (eat('+'))
                v += term();
            else if (eat('-'))
                v -= term();
            else
                break;
        }
        --depth_;
        return v;
    }
    std::uint64_t term() {
        std::uint64_t v = factor();
        for (;;) {
            if (eat('*')) {
                v *= factor();
            } else if (eat('/')) {
                std::uint64_t d = factor();
                if (d == 0) fail("division by zero");
                v /= d;
            } else {
                break;
            }
        }
        return v;
    }
    std::uint64_t factor() {
        skip_space();
        if (eat('(')) {
            std::uint64_t v = expr();
            if (!eat(')')) fail("missing ')'");
            return v;
        }
        if (word("NUM_DISK_SECTORS")) return ctx_.num_disk_sectors;
        if (word("CRC32")) {
            if (!eat('(')) fail("CRC32 needs '('");
            std::uint64_t sector = expr();
            if (!eat(',')) fail("CRC32 needs two arguments");
            std::uint64_t bytes = expr();
            if (!eat(')')) fail("missing ')'");
            if (!ctx_.crc32) fail("CRC32 is not available here");
            return ctx_.crc32(sector, bytes);
        }
        return number();
    }
    bool word(std::string_view w) {
        skip_space();
        if (text_.substr(pos_, w.size()) != w) return false;
        pos_ += w.size();
        return true;
    }
    std::uint64_t number() {
        int base = 10;
        if (text_.substr(pos_, 2) == "0x" || text_.substr(pos_, 2) == "0X") {
            base = 16;
            pos_ += 2;
        }
        std::size_t start = pos_;
        std::uint64_t v = 0;
        while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
            char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_])));
            int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10;
            if (digit >= base) break;
            if (v > (UINT64_MAX - digit) / base) fail("number too large");
            v = v * base + digit;
            ++pos_;
        }
        if (pos_ == start) fail("number expected");
        if (pos_ < text_.size() && text_[pos_] == '.') ++pos_;  // "33." as rawprogram writes it
        return v;
    }

    std::string_view text_;
    const ExpressionContext& ctx_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace

std::uint64_t evaluate_expression(std::string_view text, const ExpressionContext& context) {
    if (text.size() > 256) throw DecodeError("sector expression longer than 256 characters");
    return Parser(text, context).parse();
}

}  // namespace cr::sim
