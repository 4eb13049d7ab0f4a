// Sahara packets (PROTOCOLS.md §2) as values, with pure encode/decode functions over bytes.
// Every packet is `u32 command, u32 length (whole packet)` then u32 (or u64) fields, little
// endian. decode_* validate the command id and the exact length and throw DecodeError saying
// what was wrong; encode_* always write zeros into reserved fields.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr::sahara {

enum class Command : std::uint32_t {
    hello = 0x01,
    hello_resp = 0x02,
    read_data = 0x03,
    end_image_tx = 0x04,
    done = 0x05,
    done_resp = 0x06,
    reset = 0x07,
    reset_resp = 0x08,
    memory_debug = 0x09,
    memory_read = 0x0A,
    cmd_ready = 0x0B,
    switch_mode = 0x0C,
    execute = 0x0D,
    execute_resp = 0x0E,
    execute_data = 0x0F,
    memory_debug_64 = 0x10,
    memory_read_64 = 0x11,
    read_data_64 = 0x12,
    reset_state_machine = 0x13,
};

// HELLO / HELLO_RESP / SWITCH_MODE modes.
enum class Mode : std::uint32_t {
    image_tx_pending = 0,
    image_tx_complete = 1,
    memory_debug = 2,
    command = 3,
};

// EXECUTE client commands (command mode).
enum class Exec : std::uint32_t {
    serial_number = 0x01,  // u32
    msm_hw_id = 0x02,      // 8 bytes: u64 = MSM_ID << 32 | OEM_ID << 16 | MODEL_ID
    oem_pk_hash = 0x03,    // 32 or 48 bytes (some targets repeat it)
    debug_data = 0x06,
    sbl_version = 0x07,  // u32
    command_list = 0x08,
    chip_id_v3 = 0x0A,  // MSM_ID u32 at 36, OEM_ID u16 at 40, MODEL_ID u16 at 42
};

inline constexpr std::uint32_t kStatusSuccess = 0;
inline constexpr std::uint32_t kImageFirehose = 13;  // 7 NPRG, 0x0B eNPRG (older DMSS path)
inline constexpr std::size_t kHeaderSize = 8;
// Largest command packet we accept from a peer (the biggest defined is 0x30; targets announce
// max_cmd_len, commonly 0x400 or 0x1000).
inline constexpr std::size_t kMaxPacketSize = 0x1000;

// ---- packets -----------------------------------------------------------------------------
struct Hello {  // target -> host, 0x30
    std::uint32_t version = 2;
    std::uint32_t version_compatible = 1;
    std::uint32_t max_cmd_len = 0x400;
    Mode mode = Mode::image_tx_pending;
};
struct HelloResp {  // host -> target, 0x30
    std::uint32_t version = 2;
    std::uint32_t version_compatible = 1;
    std::uint32_t status = kStatusSuccess;
    Mode mode = Mode::image_tx_pending;
};
struct ReadData {  // target -> host: READ_DATA (0x14, u32 fields) or READ_DATA_64 (0x20)
    std::uint64_t image_id = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    bool wide = false;  // true: READ_DATA_64
};
struct EndImageTx {  // target -> host, 0x10
    std::uint32_t image_id = 0;
    std::uint32_t status = kStatusSuccess;
};
struct Done {};    // host -> target, 0x08
struct DoneResp {  // target -> host, 0x0C; 0 = more images pending, 1 = complete
    std::uint32_t image_tx_status = 1;
};
struct Reset {};      // host -> target, 0x08
struct ResetResp {};  // target -> host, 0x08
struct MemoryDebug {  // target -> host: MEMORY_DEBUG (0x10) or MEMORY_DEBUG_64 (0x18)
    std::uint64_t table_addr = 0;
    std::uint64_t table_len = 0;
    bool wide = false;
};
struct MemoryRead {  // host -> target: MEMORY_READ (0x10) or MEMORY_READ_64 (0x18)
    std::uint64_t addr = 0;
    std::uint64_t len = 0;
    bool wide = false;
};
struct CmdReady {};  // target -> host, 0x08
struct SwitchMode {  // host -> target, 0x0C
    Mode mode = Mode::image_tx_pending;
};
struct Execute {  // host -> target, 0x0C
    std::uint32_t client_cmd = 0;
};
struct ExecuteResp {  // target -> host, 0x10
    std::uint32_t client_cmd = 0;
    std::uint32_t data_len = 0;
};
struct ExecuteData {  // host -> target, 0x0C; the target then sends data_len raw bytes
    std::uint32_t client_cmd = 0;
};
struct ResetStateMachine {};  // host -> target, 0x08: start over with a fresh HELLO

using Packet = std::variant<Hello, HelloResp, ReadData, EndImageTx, Done, DoneResp, Reset,
                            ResetResp, MemoryDebug, MemoryRead, CmdReady, SwitchMode, Execute,
                            ExecuteResp, ExecuteData, ResetStateMachine>;

// ---- codec -------------------------------------------------------------------------------
Bytes encode(const Packet& packet);

struct Header {
    std::uint32_t command = 0;
    std::uint32_t length = 0;
};
// Reads the 8-byte header; throws DecodeError when `data` is shorter than 8 bytes or the
// length is below 8 or above kMaxPacketSize (not a Sahara packet).
Header decode_header(ByteView data);

// Decodes one whole packet (header + fields, exactly `length` bytes). Throws DecodeError for an
// unknown command, a length that does not match the command, or a size different from the
// header's length.
Packet decode(ByteView packet);
// Decodes and requires a particular type; DecodeError names what came instead.
template <typename T>
T decode_as(ByteView packet);
[[noreturn]] void throw_unexpected(const Packet& got, std::string_view wanted);

// "HELLO", "READ_DATA_64", "unknown command 0x2a".
std::string command_name(std::uint32_t command);
std::string packet_name(const Packet& packet);
std::string_view mode_name(Mode mode);
// One line for trace logs: "READ_DATA image 13 offset 0x0 length 0x34".
std::string describe(const Packet& packet);

// Status in words: "success", "0x0D error while transmitting READ_DATA (programmer rejected,
// probably by secure boot: use a programmer signed for this module)", "unknown status 0x99".
std::string status_text(std::uint32_t status);
// What to do next about a failed status (a sentence for Error::next_step).
std::string status_advice(std::uint32_t status);

// ---- memory debug table ------------------------------------------------------------------
struct MemoryRegion {
    std::uint64_t save_pref = 0;  // "type" in 64-bit tables
    std::uint64_t base = 0;
    std::uint64_t length = 0;
    std::string description;  // desc[20], NUL-padded
    std::string filename;     // filename[20], NUL-padded (the name dumps are saved under)
};
inline constexpr std::size_t kRegionEntry32 = 52;
inline constexpr std::size_t kRegionEntry64 = 64;
// Throws DecodeError if the size is not a multiple of the entry size.
std::vector<MemoryRegion> decode_memory_table(ByteView table, bool wide);
Bytes encode_memory_table(std::span<const MemoryRegion> regions, bool wide);

// ---- command-mode payloads ---------------------------------------------------------------
struct HwId {
    std::uint32_t msm_id = 0;
    std::uint16_t oem_id = 0;
    std::uint16_t model_id = 0;
};
HwId decode_msm_hw_id(ByteView data);  // exec 0x02 (8 bytes)
Bytes encode_msm_hw_id(const HwId& id);
HwId decode_chip_id_v3(ByteView data);    // exec 0x0A (>= 44 bytes)
Bytes encode_chip_id_v3(const HwId& id);  // 84 bytes, zeros elsewhere
std::uint32_t decode_u32_payload(ByteView data, std::string_view what);  // exec 0x01, 0x07
// The OEM PK hash: 32 or 48 bytes; longer replies repeat it. Returns lowercase hex.
std::string decode_pk_hash(ByteView data);

template <typename T>
T decode_as(ByteView packet) {
    Packet p = decode(packet);
    if (auto* v = std::get_if<T>(&p)) return *v;
    throw_unexpected(p, packet_name(Packet{T{}}));
}

}  // namespace cr::sahara
