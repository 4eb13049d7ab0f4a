// Crash-safe file replacement: write to a temporary name in the same directory, fsync the file,
// rename over the target, fsync the directory. A crash leaves the old file or the new one whole.
#pragma once
#include <filesystem>
#include <functional>

#include "src/util/bytes.hpp"

namespace cr {

// `produce` writes the content through the given sink; the sink may be called many times.
using ByteSink = std::function<void(ByteView)>;
void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(const ByteSink&)>& produce);
void write_file_atomically(const std::filesystem::path& target, ByteView content);

Bytes read_file(const std::filesystem::path& file);  // throws IoError / NotFoundError

}  // namespace cr
