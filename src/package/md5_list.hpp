// Parser for a package's md5.txt (pure: text in, entries out). Two formats, mixed freely:
//   Quectel/QFirehose: a checked line contains ":\"; the path runs from that backslash to the
//     next ':' (backslashes are separators, relative to the package root, may be padded with
//     spaces), then the 32 hex digits: "E:\update\NON-HLOS.ubi   :0123...cdef".
//   GNU md5sum: "<32 hex><space><space|*><path>".
// Lines in neither shape (headers, notes, blank) are skipped, never "malformed"; entries naming
// targetfiles.zip are skipped (QFirehose does not check it). Digests compare case-insensitively.
// A line that is clearly an entry (it has ":\") but carries no valid 32-digit digest throws
// DecodeError naming the file and line. Facts: PROTOCOLS.md §3 "Quectel firmware packages".
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cr::package {

struct Md5Entry {
    std::string path;      // relative, '/' separators, padding trimmed ("update/NON-HLOS.ubi")
    std::string md5;       // 32 lowercase hex digits
    std::size_t line = 0;  // 1-based line in md5.txt
};

struct Md5List {
    std::vector<Md5Entry> entries;
    std::size_t skipped_lines = 0;  // non-blank lines that are headers, notes or targetfiles.zip
};

Md5List parse_md5_list(std::string_view text, const std::string& source_name);

}  // namespace cr::package
