// How the virtual module's NV task treats numbered items, as real modules do (PROTOCOLS.md §4):
// items are stored at their own sizes (NV 10 holds 2 bytes, not the 128-byte DIAG buffer),
// NV 85 (the SPC itself) needs the SPC first, and a few items are write-only over NV_READ.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cr::sim {

// The stored size of items these firmwares define; 0 for the others, which keep the written
// length without its trailing zero padding (at least one byte, never less than before).
std::size_t nv_item_size(std::uint16_t item);
// BAD_SPC_MODE until SPC 41 was accepted in this boot.
bool nv_spc_protected(std::uint16_t item);
// Reads answer BAD_PARM (writes work).
bool nv_write_only(std::uint16_t item);

}  // namespace cr::sim
