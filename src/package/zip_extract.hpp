// Internal: extracts a zipped firmware package into a directory, refusing hostile archives
// (absolute or escaping paths, absurd sizes or compression ratios, lying size headers).
#pragma once
#include <cstdint>
#include <filesystem>

namespace cr::package {

struct ZipLimits {
    std::uint64_t max_total_uncompressed = 8ull << 30;
    std::uint64_t max_ratio = 1000;
    std::uint64_t max_entries = 10000;
};

// Throws DecodeError (hostile or damaged archive), IoError (local disk), NotFoundError.
void extract_zip(const std::filesystem::path& zip, const std::filesystem::path& into,
                 const ZipLimits& limits);

// True when the file starts with a zip local header ("PK\3\4") or has a .zip extension.
bool looks_like_zip(const std::filesystem::path& file);

// Checks an archive member or XML path: relative, no "..", no drive letter. Returns it with '/'
// separators. Throws DecodeError naming `what`.
std::string safe_relative(std::string_view written, const std::string& what);

}  // namespace cr::package
