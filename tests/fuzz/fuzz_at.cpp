// Fuzzes the AT line assembler and result classification with arbitrary byte streams.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/at/at_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cr::at::LineAssembler assembler;
    std::vector<std::string> lines;
    // Feed in uneven chunks so that line assembly across reads is exercised.
    std::size_t off = 0, step = 1;
    while (off < size) {
        std::size_t n = std::min(step, size - off);
        assembler.feed(cr::ByteView(data + off, n), lines);
        off += n;
        step = step * 3 % 17 + 1;
    }
    for (const auto& l : lines) {
        if (l.size() > cr::at::max_line_length) __builtin_trap();
        auto fin = cr::at::parse_final(l);
        if (fin && fin->line != l) __builtin_trap();
        (void)cr::at::is_greeting(l, {"X"});
        (void)cr::at::is_echo(l);
        (void)cr::at::escape(l);
    }
    (void)cr::at::is_prompt(assembler.partial());
    return 0;
}
