// The virtual Sahara target: what a Qualcomm boot ROM (PBL) in EDL, or a crashed module in
// memory-debug mode, does on the wire (PROTOCOLS.md §2). It sends HELLO first, asks for the
// programmer in pieces in a non-sequential order (ELF header, program headers, the hash segment
// at the end of the file, then the payload), checks it like secure boot does, and answers command
// mode and memory debug. Independent of VirtualModule so tests can drive it with any identity.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>

#include "protocols/sahara/sahara_packets.hpp"
#include "sim/edl/crash_memory.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim {

struct SaharaTargetConfig {
    std::uint32_t version = 2;  // 3 for SDX62 (RM520N): also asks with READ_DATA_64
    std::uint32_t version_compatible = 1;
    bool memory_debug = false;    // crash-dump mode (HELLO mode 2)
    ProgrammerIdentity identity;  // chip id + OEM key programmers must be signed for
    std::uint32_t serial = 0;
    std::uint32_t sbl_version = 0;
    bool refuse_msm_hw_id = false;          // v3 targets refuse exec 0x02 ...
    bool refuse_pk_hash = false;            // ... and may refuse 0x03
    std::uint32_t image_id = 13;            // what it asks for: the Firehose programmer
    std::uint64_t segment_chunk = 0x20000;  // payload piece size per READ_DATA
    bool send_hello = true;                 // false: the host attaches after HELLO went out
    Millis host_timeout{10000};             // waiting for the host's data (then NAK 0x16)
    std::optional<CrashMemory> crash;       // regions served in memory-debug mode
};

enum class TargetEnd { programmer_accepted, reset, stopped };

struct TargetOutcome {
    TargetEnd end = TargetEnd::stopped;
    // The accepted programmer as received: bytes [0, end of the sign block) with the parts it
    // never asked for (between the program headers and the payload) as zeros, which is what
    // make-programmer writes there; so its SHA-256 equals the file's for a byte-exact upload.
    std::string programmer_sha256;
    std::uint64_t programmer_size = 0;
    std::uint32_t requests = 0;
    std::uint32_t last_status = 0;  // last END_IMAGE_TX status sent (a rejection when non-zero)
};

// Serves until a programmer is accepted (DONE -> DONE_RESP sent), the host resets a memory-debug
// session (RESET -> RESET_RESP), or `stop` is requested. Throws DeviceGoneError when the host
// hangs up. Rejections are answered on the wire and the target keeps serving (a host may retry
// after RESET_STATE_MACHINE); `on_status` sees every END_IMAGE_TX status it sends.
TargetOutcome serve_sahara(const SaharaTargetConfig& config, Transport& port, std::stop_token stop,
                           const std::function<void(const TargetOutcome&)>& on_status = {});

}  // namespace cr::sim
