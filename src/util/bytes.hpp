// Byte buffers and bounds-checked little-endian readers/writers used by every codec.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Reads little-endian fields; any read past the end throws DecodeError naming `what`.
class ByteReader {
public:
    explicit ByteReader(ByteView data, std::string what = "packet")
        : data_(data), what_(std::move(what)) {}
    std::uint8_t u8();
    std::uint16_t u16();
    std::uint32_t u32();
    std::uint64_t u64();
    std::int16_t i16() { return static_cast<std::int16_t>(u16()); }
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
    ByteView bytes(std::size_t n);
    // A NUL-terminated string; without a NUL the rest of the data is taken.
    std::string cstring();
    void skip(std::size_t n) { (void)bytes(n); }
    ByteView rest() { return bytes(remaining()); }
    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t offset() const { return pos_; }

private:
    void need(std::size_t n) const;
    ByteView data_;
    std::size_t pos_ = 0;
    std::string what_;
};

class ByteWriter {
public:
    ByteWriter& u8(std::uint8_t v);
    ByteWriter& u16(std::uint16_t v);
    ByteWriter& u32(std::uint32_t v);
    ByteWriter& u64(std::uint64_t v);
    ByteWriter& i16(std::int16_t v) { return u16(static_cast<std::uint16_t>(v)); }
    ByteWriter& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
    ByteWriter& bytes(ByteView b);
    ByteWriter& str(std::string_view s) { return bytes(as_bytes(s)); }
    ByteWriter& cstring(std::string_view s) { return str(s).u8(0); }
    ByteWriter& zeros(std::size_t n);
    std::size_t size() const { return out_.size(); }
    const Bytes& view() const { return out_; }
    Bytes take() { return std::move(out_); }

private:
    Bytes out_;
};

// Little-endian load/store on raw memory (callers guarantee the size).
std::uint32_t load_le32(const std::uint8_t* p);
void store_le32(std::uint8_t* p, std::uint32_t v);

}  // namespace cr
