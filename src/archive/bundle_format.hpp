// Internal: the bundle's fixed framing and a random-access byte source for the reader.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "src/util/bytes.hpp"

namespace cr::archive::detail {

inline constexpr std::array<std::uint8_t, 8> kHeaderMagic = {'C', 'R', 'B', 'U',
                                                             'N', 'D', 'L', '1'};
inline constexpr std::array<std::uint8_t, 8> kTrailerMagic = {'C', 'R', 'B', 'E',
                                                              'N', 'D', '0', '1'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kDigestSize = 32;
inline constexpr std::size_t kTrailerSize = 8 + 8 + 8 + kDigestSize;
inline constexpr std::uint64_t kMaxManifest = 64ull << 20;
inline constexpr std::size_t kChunk = 256 * 1024;

Bytes header_bytes();
// The trailer without its digest (the digest covers these bytes too).
Bytes trailer_prefix(std::uint64_t manifest_offset, std::uint64_t manifest_length);

// Positional reads over a file or a buffer; short reads throw DecodeError.
class Source {
  public:
    virtual ~Source() = default;
    virtual std::uint64_t size() const = 0;
    virtual void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const = 0;
};
std::shared_ptr<Source> file_source(const std::filesystem::path& file);
std::shared_ptr<Source> memory_source(Bytes data);

}  // namespace cr::archive::detail
