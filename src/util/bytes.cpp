#include "src/util/bytes.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr {

void ByteReader::need(std::size_t n) const {
    if (n > remaining())
        throw DecodeError(fmt::format("truncated {}: needed {} more bytes at offset {}, have {}",
                                      what_, n, pos_, remaining()));
}

std::uint8_t ByteReader::u8() {
    need(1);
    return data_[pos_++];
}

std::uint16_t ByteReader::u16() {
    need(2);
    std::uint16_t v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
}

std::uint32_t ByteReader::u32() {
    need(4);
    std::uint32_t v = load_le32(data_.data() + pos_);
    pos_ += 4;
    return v;
}

std::uint64_t ByteReader::u64() {
    std::uint64_t lo = u32();
    std::uint64_t hi = u32();
    return lo | (hi << 32);
}

ByteView ByteReader::bytes(std::size_t n) {
    need(n);
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

std::string ByteReader::cstring() {
    std::size_t end = pos_;
    while (end < data_.size() && data_[end] != 0) ++end;
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), end - pos_);
    pos_ = end < data_.size() ? end + 1 : end;
    return s;
}

ByteWriter& ByteWriter::u8(std::uint8_t v) {
    out_.push_back(v);
    return *this;
}
ByteWriter& ByteWriter::u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    return *this;
}
ByteWriter& ByteWriter::u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
}
ByteWriter& ByteWriter::u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
}
ByteWriter& ByteWriter::bytes(ByteView b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
}
ByteWriter& ByteWriter::zeros(std::size_t n) {
    out_.insert(out_.end(), n, 0);
    return *this;
}

std::uint32_t load_le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

void store_le32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace cr
