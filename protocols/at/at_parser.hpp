// Pure AT line handling (no I/O): assembling lines from arbitrary byte chunks, classifying
// final result codes, greetings and echo. Shared by the host channel (at_channel.hpp) and the
// virtual modules' AT targets. Fuzzed by tests/fuzz/fuzz_at.cpp.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr::at {

// Lines longer than this are rejected (dropped up to their terminator, reported once).
inline constexpr std::size_t max_line_length = 64 * 1024;

// Final result codes of PROTOCOLS.md §10, verbose ("OK") or numeric (ATV0: "0").
enum class FinalKind {
    ok,
    error,
    cme_error,
    cms_error,
    no_carrier,
    busy,
    no_answer,
    no_dialtone,
    connect,
    aborted
};
std::string_view to_string(FinalKind kind);

struct FinalResult {
    FinalKind kind = FinalKind::ok;
    // +CME/+CMS ERROR: the numeric code when the module sent one (AT+CMEE=1), else nullopt.
    std::optional<int> code;
    // +CME/+CMS ERROR: the verbose text when sent (AT+CMEE=2), else empty. CONNECT: the rest
    // ("115200"). Empty otherwise.
    std::string text;
    std::string line;  // the raw line as received
    bool ok() const { return kind == FinalKind::ok; }
};

// Classifies one complete line (without CR LF). nullopt when the line is not a final result
// (an information line, a URC, echo). Numeric forms: 0 OK, 1 CONNECT, 3 NO CARRIER, 4 ERROR,
// 6 NO DIALTONE, 7 BUSY, 8 NO ANSWER.
std::optional<FinalResult> parse_final(std::string_view line);

// True for the boot greetings "RDY" and "+UUSTATUS: READY", or any of `custom` (AT+CSGT text),
// compared exactly after trimming blanks.
bool is_greeting(std::string_view line, const std::vector<std::string>& custom = {});

// True when `line` looks like command echo: starts with "AT" (any case) - no response or URC
// does. Used to drop echo even when it is stale (from an earlier command).
bool is_echo(std::string_view line);

// True when the unterminated `partial` line is the data prompt ("> " or ">", no CR LF).
bool is_prompt(std::string_view partial);

// For logs: printable text with CR, LF, NUL and other bytes escaped (\r \n \x00).
std::string escape(ByteView bytes);
std::string escape(std::string_view text);

// Splits a byte stream into lines. CR, LF and CR LF all end a line; empty lines are skipped;
// NUL bytes are dropped; other bytes are kept as they are. Memory stays bounded by
// max_line_length: an over-long line is discarded up to its terminator and counted.
class LineAssembler {
  public:
    // Appends complete lines found in `data` to `out` (in order).
    void feed(ByteView data, std::vector<std::string>& out);
    // The unterminated rest (for prompt detection).
    const std::string& partial() const { return partial_; }
    // Drops the unterminated rest (after a prompt was consumed).
    void clear_partial() { partial_.clear(); }
    // Number of over-long lines dropped so far (the caller reports increases).
    std::size_t overlong_lines() const { return overlong_; }

  private:
    std::string partial_;
    bool discarding_ = false;
    std::size_t overlong_ = 0;
};

// "+UFWUPD: 128" with prefix "+UFWUPD:" -> "128" (leading blanks trimmed); nullopt otherwise.
std::optional<std::string> value_after(std::string_view line, std::string_view prefix);

// Trims blanks (space, tab) at both ends.
std::string_view trim(std::string_view text);

}  // namespace cr::at
