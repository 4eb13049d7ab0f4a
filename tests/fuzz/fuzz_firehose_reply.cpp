#include <cstddef>
#include <cstdint>

#include "protocols/firehose/firehose_reply.hpp"
#include "src/util/error.hpp"

// Feeds the stream in two pieces split at a data-chosen point, as reads would.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cr::firehose::ReplyParser parser(4096);
    std::size_t cut = size ? data[0] % (size + 1) : 0;
    try {
        parser.feed(cr::ByteView(data, cut));
        while (parser.next()) {
        }
    } catch (const cr::Error&) {
    }
    try {
        parser.feed(cr::ByteView(data + cut, size - cut));
        while (auto doc = parser.next())
            for (const auto& e : doc->elements) (void)e.attr("value");
        (void)cr::firehose::parse_number(parser.take_rest(), "fuzz");
    } catch (const cr::Error&) {
    }
    return 0;
}
