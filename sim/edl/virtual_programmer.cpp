#include "sim/edl/virtual_programmer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::sim {
namespace {

constexpr std::string_view kMagic = "CRVPRG01";
constexpr std::uint32_t kPtLoad = 1;

Bytes payload_bytes(const ProgrammerIdentity& id, std::size_t size) {
    // xorshift from the chip id: looks like code (not compressible to nothing), stable.
    Bytes out(size);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ id.msm_hw_id;
    for (auto& b : out) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b = static_cast<std::uint8_t>(x);
    }
    return out;
}

Bytes sha256(ByteView data) {
    Digest d(Digest::Algorithm::sha256);
    d.update(data);
    return d.finish();
}

void put_program_header(ByteWriter& w, std::uint32_t type, std::uint32_t flags,
                        std::uint64_t offset, std::uint64_t size) {
    w.u32(type).u32(flags).u64(offset).u64(0x14680000 + offset).u64(0x14680000 + offset);
    w.u64(size).u64(size).u64(type == kPtLoad ? 0x1000 : 0);
}

}  // namespace

Bytes make_virtual_programmer(const ProgrammerIdentity& id, std::size_t total_size) {
    if (total_size <= kPayloadOffset + kSignBlockSize)
        throw UsageError(
            fmt::format("a programmer needs more than {} bytes", kPayloadOffset + kSignBlockSize));
    Bytes pk = from_hex(id.pk_hash_hex);
    if (pk.size() != 32) throw UsageError("the OEM PK hash must be 64 hex digits");
    std::size_t payload_size = total_size - kPayloadOffset - kSignBlockSize;
    std::uint64_t sign_offset = kPayloadOffset + payload_size;

    ByteWriter w;
    // ELF64 little-endian executable for AArch64, as SDX/MDM programmers are (or ARM for older).
    w.u8(0x7f).str("ELF").u8(2).u8(1).u8(1).zeros(9);
    w.u16(2).u16(0xB7).u32(1).u64(0x14680000 + kPayloadOffset).u64(kElfHeaderSize).u64(0);
    w.u32(0).u16(kElfHeaderSize).u16(kProgramHeaderSize).u16(2).u16(0).u16(0).u16(0);
    put_program_header(w, kPtLoad, 5, kPayloadOffset, payload_size);
    put_program_header(w, 0, kHashSegmentFlags, sign_offset, kSignBlockSize);
    w.zeros(kPayloadOffset - w.size());
    Bytes payload = payload_bytes(id, payload_size);
    w.bytes(payload);
    std::size_t sign_start = w.size();
    w.str(kMagic).u32(id.msm_hw_id).u32(1).bytes(pk).u64(payload_size).bytes(sha256(payload));
    std::string model = id.model.substr(0, 15);
    w.str(model).zeros(16 - model.size());
    w.zeros(kSignBlockSize - (w.size() - sign_start));
    return w.take();
}

std::uint32_t check_elf_header(ByteView header, std::uint64_t& phoff, std::uint32_t& phnum) {
    if (header.size() < kElfHeaderSize) return 0x07;  // invalid image header size
    if (!(header[0] == 0x7f && header[1] == 'E' && header[2] == 'L' && header[3] == 'F') ||
        header[4] != 2 || header[5] != 1)
        return 0x14;  // invalid ELF header
    ByteReader r(header, "ELF header");
    r.skip(32);
    phoff = r.u64();
    r.skip(8 + 4 + 2);
    std::uint16_t phentsize = r.u16();
    phnum = r.u16();
    if (phentsize != kProgramHeaderSize) return 0x0F;
    if (phnum == 0 || phnum > 16) return 0x0E;  // cannot receive that many program headers
    if (phoff < kElfHeaderSize || phoff > 0x10000) return 0x11;
    return 0;
}

std::uint32_t check_program_headers(ByteView headers, ProgrammerLayout& layout) {
    if (headers.size() % kProgramHeaderSize != 0) return 0x0F;
    bool have_load = false, have_hash = false;
    ByteReader r(headers, "program headers");
    while (r.remaining() > 0) {
        std::uint32_t type = r.u32();
        std::uint32_t flags = r.u32();
        std::uint64_t offset = r.u64();
        r.skip(16);
        std::uint64_t filesz = r.u64();
        r.skip(16);
        if (type == kPtLoad && !have_load) {
            layout.payload_offset = offset;
            layout.payload_size = filesz;
            have_load = true;
        } else if ((flags & 0x07000000) == (kHashSegmentFlags & 0x07000000)) {
            if (filesz != kSignBlockSize) return 0x26;  // invalid hash table size
            layout.sign_offset = offset;
            have_hash = true;
        }
    }
    if (!have_hash) return 0x23;  // hash table not found
    if (!have_load || layout.payload_size == 0 || layout.payload_size > (64u << 20)) return 0x0F;
    // Destinations inside the target's load window (keeps a hostile file from sizing buffers).
    constexpr std::uint64_t kWindow = 80u << 20;
    if (layout.payload_offset > kWindow || layout.sign_offset > kWindow) return 0x12;
    return 0;
}

std::uint32_t check_sign_block(ByteView block, const ProgrammerIdentity& target,
                               const ProgrammerLayout& layout, Bytes& payload_digest) {
    if (block.size() != kSignBlockSize || as_chars(block.first(8)) != kMagic) return 0x23;
    ByteReader r(block.subspan(8), "sign block");
    std::uint32_t msm = r.u32();
    r.skip(4);
    std::string pk = to_hex(r.bytes(32));
    std::uint64_t payload_size = r.u64();
    auto digest = r.bytes(32);
    // Secure boot: the image must be signed for this chip with this OEM key.
    if (msm != target.msm_hw_id || pk != target.pk_hash_hex) return 0x0D;
    if (payload_size != layout.payload_size) return 0x13;
    payload_digest.assign(digest.begin(), digest.end());
    return 0;
}

}  // namespace cr::sim
