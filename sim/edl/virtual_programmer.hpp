// The virtual Firehose programmer file: what `cellrescue sim make-programmer` writes and what the
// virtual Sahara target accepts. It looks like a signed Qualcomm programmer ELF so hosts treat it
// as one, and it carries what the target checks, as a secure-boot ROM would:
//
//   0x0000  ELF64 header (e_phoff = 0x40, e_phnum = 2)
//   0x0040  program header 0: PT_LOAD, the payload at 0x1000
//   0x0078  program header 1: the hash segment (p_flags 0x02200000), after the payload
//   0x1000  payload (deterministic bytes; its size pads the file to a realistic size)
//   end     sign block (kSignBlockSize): magic "CRVPRG01", MSM HW ID, OEM PK hash (32 bytes),
//           payload size, SHA-256 of the payload, model id
//
// A target accepts it only if the sign block's MSM HW ID and PK hash are its own (else status
// 0x0D, like a secure-boot rejection) and the payload digest matches (else 0x22).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "src/util/bytes.hpp"

namespace cr::sim {

inline constexpr std::size_t kElfHeaderSize = 64;
inline constexpr std::size_t kProgramHeaderSize = 56;
inline constexpr std::size_t kPayloadOffset = 0x1000;
inline constexpr std::size_t kSignBlockSize = 128;
inline constexpr std::uint32_t kHashSegmentFlags = 0x02200000;

struct ProgrammerIdentity {
    std::uint32_t msm_hw_id = 0;
    std::string pk_hash_hex;  // 64 hex digits
    std::string model;        // catalogue id, informational
};

// A programmer of `total_size` bytes (at least kPayloadOffset + kSignBlockSize + 1) for that
// chip and key. Deterministic: same inputs, same bytes. Throws UsageError for a bad size or key.
Bytes make_virtual_programmer(const ProgrammerIdentity& id, std::size_t total_size);
inline constexpr std::size_t kDefaultProgrammerSize = 600 * 1024;

// What the target learns from the ELF header and program headers.
struct ProgrammerLayout {
    std::uint64_t payload_offset = 0;
    std::uint64_t payload_size = 0;
    std::uint64_t sign_offset = 0;
};

// The checks a target runs, step by step; each returns 0 when fine or the Sahara NAK status.
// ELF header (64 bytes): 0x14 when it is not an ELF64 programmer.
std::uint32_t check_elf_header(ByteView header, std::uint64_t& phoff, std::uint32_t& phnum);
// Program headers: 0x0E for an unsupported count, 0x0F for inconsistent headers.
std::uint32_t check_program_headers(ByteView headers, ProgrammerLayout& layout);
// Sign block against the target's identity: 0x0D wrong chip/key, 0x23 no sign block.
std::uint32_t check_sign_block(ByteView block, const ProgrammerIdentity& target,
                               const ProgrammerLayout& layout, Bytes& payload_digest);

}  // namespace cr::sim
