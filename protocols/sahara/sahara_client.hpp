// The Sahara host (stage 1 of EDL): upload a programmer, read the chip identity in command mode,
// and save memory regions from a crashed target (memory debug). PROTOCOLS.md §2.
//
// Contract:
// - A Client is bound to one Transport (an EDL port) and owns no device. It never prints; every
//   packet is logged at spdlog trace level.
// - Every wait is bounded (ClientOptions). Errors are typed (src/util/error.hpp) and carry the
//   device state and what to do next:
//     TimeoutError     the target stayed silent (no HELLO even after RESET_STATE_MACHINE, or no
//                      next packet within packet_timeout);
//     DeviceGoneError  the port went away (unplug, reboot) mid-exchange;
//     ProtocolError    the target NAKed (status in words: status_text) or spoke out of turn;
//     DecodeError      a malformed packet (bad length, unknown command);
//     UsageError       the programmer is empty, or the target asked for bytes past its end.
// - Order of use: wait_hello() first. Then ONE of: upload_image(); read_identity() (which
//   returns the target to image-transfer mode with a fresh HELLO, so upload_image() may follow);
//   read_memory_table()/read_region() (for a HELLO in memory-debug mode, then reset()).
// Typical EDL session (engineer F):   Client c(port); c.wait_hello(); c.upload_image(bytes);
//   -> the target now runs the Firehose programmer on the same port.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocols/sahara/sahara_packets.hpp"
#include "protocols/sahara/sahara_stream.hpp"
#include "src/transport/transport.hpp"
#include "src/util/error.hpp"
#include "src/util/progress.hpp"

namespace cr::sahara {

// wait_hello() found a Firehose programmer answering (XML) instead of a Sahara target: the
// device is in EDL with a programmer already running; talk Firehose to it.
class FirehoseRunningError : public ProtocolError {
  public:
    using ProtocolError::ProtocolError;
};

struct ClientOptions {
    Millis hello_timeout{5000};    // per attempt, while waiting for HELLO
    int hello_attempts = 2;        // after a silent attempt: RESET_STATE_MACHINE and wait again
    Millis packet_timeout{10000};  // any later packet (targets verify images between requests)
    std::size_t region_chunk = 512 * 1024;  // memory-debug reads (peers use 512 KiB)
    std::uint32_t host_version = 2;         // HELLO_RESP version we announce
};

struct HelloInfo {
    std::uint32_t version = 0;
    std::uint32_t version_compatible = 0;
    std::uint32_t max_cmd_len = 0;
    Mode mode = Mode::image_tx_pending;
    bool after_reset = false;  // the first HELLO needed a RESET_STATE_MACHINE
};

// The programmer (or any image) as random-access bytes: the target asks in any order.
struct ImageSource {
    std::uint64_t size = 0;
    // Fills `out` with the bytes at `offset` (offset + out.size() <= size is guaranteed).
    std::function<void(std::uint64_t offset, std::span<std::uint8_t> out)> read;
    std::string name = "programmer";  // for errors ("prog_firehose_lite.elf")
};
// A source over bytes the caller keeps alive during upload_image.
ImageSource image_from_bytes(ByteView bytes, std::string name = "programmer");

struct UploadResult {
    std::uint32_t image_id = 0;  // what the target asked for (13 = Firehose programmer)
    std::uint64_t image_size = 0;
    std::uint64_t bytes_sent = 0;         // sum of all requested lengths (re-reads count twice)
    std::uint64_t bytes_unrequested = 0;  // image bytes the target never asked for
    std::uint32_t requests = 0;           // READ_DATA(_64) round trips
    bool wide_requests = false;           // the target used READ_DATA_64
    bool done_pending = false;            // DONE_RESP said "pending" (treated as done)
};

struct ChipIdentity {
    HelloInfo hello;                           // version etc. of the HELLO we answered
    std::optional<std::uint32_t> serial;       // exec 0x01
    std::optional<HwId> hw_id;                 // exec 0x02 (v3 targets often refuse it)
    std::optional<std::string> pk_hash_hex;    // exec 0x03 (v3 targets often refuse it)
    std::optional<std::uint32_t> sbl_version;  // exec 0x07
    std::optional<HwId> chip_id_v3;            // exec 0x0A (v3 targets)
    std::vector<std::string> refused;          // "MSM HW ID (0x02): <status in words>"
    // The MSM HW ID from 0x02, else from chip-ID v3.
    std::optional<std::uint32_t> msm_hw_id() const;
};

class Client {
  public:
    explicit Client(Transport& transport, ClientOptions options = {});

    // Waits for the target's HELLO. If none arrives within hello_timeout (we attached to a
    // target already past HELLO), sends RESET_STATE_MACHINE and waits again, up to
    // hello_attempts. Throws TimeoutError naming the device state, FirehoseRunningError when
    // the port speaks Firehose XML instead.
    const HelloInfo& wait_hello();

    // Answers the HELLO for image transfer and serves every READ_DATA(_64) with exactly the
    // requested bytes (any order) until END_IMAGE_TX; then DONE -> DONE_RESP. A NAK status in
    // END_IMAGE_TX throws ProtocolError with the status in words (0x0D: secure boot). After a
    // successful return the target runs the uploaded image (Firehose) on the same port.
    UploadResult upload_image(const ImageSource& image, const ProgressFn& progress = {});
    UploadResult upload_image(ByteView image, const ProgressFn& progress = {});

    // Enters command mode, asks serial, MSM HW ID, PK hash, SBL version and (v3) chip-ID v3;
    // a refusal leaves that field empty (listed in `refused`). Leaves command mode with
    // SWITCH_MODE 0 and waits for the fresh HELLO, so upload_image() can follow.
    ChipIdentity read_identity();

    // In command mode (after read_identity or enter_command_mode): raw EXECUTE exchange.
    // Returns nullopt when the target refuses the command.
    void enter_command_mode();
    std::optional<Bytes> execute(Exec command);
    // SWITCH_MODE(mode); for Mode::image_tx_pending waits for the new HELLO.
    void switch_mode(Mode mode);

    // Memory debug (HELLO mode 2, crash dump): answers the HELLO, receives MEMORY_DEBUG(_64) and
    // reads the table. Throws ProtocolError if the target is not in memory-debug mode.
    std::vector<MemoryRegion> read_memory_table();
    // Reads [addr, addr+len) in region_chunk pieces with MEMORY_READ(_64), handing each to sink.
    void read_region(std::uint64_t addr, std::uint64_t len,
                     const std::function<void(ByteView)>& sink, const ProgressFn& progress = {});
    // Ends a memory-debug session: RESET -> RESET_RESP (the target reboots).
    void reset();

    const std::optional<HelloInfo>& hello() const { return hello_; }

  private:
    Packet expect_packet(std::string_view waiting_for);
    [[noreturn]] void fail_status(std::uint32_t status, std::string_view during);
    void answer_hello(Mode mode);
    std::string device_state() const;
    void read_raw_guarded(std::span<std::uint8_t> out, std::uint64_t addr);

    PacketStream stream_;
    ClientOptions options_;
    std::optional<HelloInfo> hello_;
    std::string phase_ = "waiting for HELLO";
    bool memory_wide_ = false;
    std::string last_refusal_;  // why the last execute() returned nullopt
};

}  // namespace cr::sahara
