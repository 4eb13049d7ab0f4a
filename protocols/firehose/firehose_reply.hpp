// Firehose wire format as pure functions: building command documents and splitting the reply
// stream into documents (PROTOCOLS.md §3). No I/O; fuzzed by tests/fuzz/fuzz_firehose_reply.cpp.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr::firehose {

using Attributes = std::vector<std::pair<std::string, std::string>>;

// `<?xml version="1.0" ?><data><TAG a="v" .../></data>` built with pugixml (escaping done by it).
std::string build_command(std::string_view tag, const Attributes& attributes);

// One element inside a <data> document.
struct Element {
    std::string tag;                           // "log", "response", "configure", "program", ...
    std::map<std::string, std::string> attrs;  // attribute names as sent
    std::string attr(const std::string& name, const std::string& fallback = {}) const;
    bool has(const std::string& name) const { return attrs.count(name) != 0; }
};

// A parsed document: the elements of one <data>...</data>.
struct Document {
    std::vector<Element> elements;
};

// Parses one complete document; throws DecodeError (with a short excerpt) when it is not
// well-formed XML or has no <data> root.
Document parse_document(std::string_view text);

// A target's response (host side view).
struct Response {
    bool ack = false;
    bool rawmode = false;
    std::map<std::string, std::string> attrs;  // all attributes of <response>
    std::vector<std::string> logs;             // log lines seen while waiting for it
    std::string attr(const std::string& name, const std::string& fallback = {}) const;
};

// Splits a byte stream into documents on `</data>`: several documents per feed and documents
// spanning feeds both work. Garbage between documents (NULs, whitespace) is skipped. A document
// larger than max_document bytes without its `</data>` throws DecodeError (hostile stream).
class ReplyParser {
  public:
    explicit ReplyParser(std::size_t max_document = 64 * 1024) : max_document_(max_document) {}
    void feed(ByteView bytes);
    // The next complete document's text, if any (parse it with parse_document).
    std::optional<std::string> next_text();
    // The next complete document, parsed (throws DecodeError when malformed).
    std::optional<Document> next();
    // Bytes held that do not form a complete document yet.
    std::size_t pending() const { return buffer_.size(); }
    // Hands out (and forgets) the bytes after the last complete document: the start of a raw
    // data phase that arrived in the same read as its ACK.
    std::string take_rest();
    void clear() { buffer_.clear(); }

  private:
    std::string buffer_;
    std::size_t max_document_;
};

// Reads a number attribute: decimal or 0x-hex, whole string; throws DecodeError naming `what`.
std::uint64_t parse_number(std::string_view text, std::string_view what);

}  // namespace cr::firehose
