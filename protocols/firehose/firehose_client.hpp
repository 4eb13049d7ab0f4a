// Firehose host (stage 2 of EDL): XML commands, raw data phases and the replies, spoken over a
// Transport the caller owns. Facts: PROTOCOLS.md §3. Never opens devices, never prints.
//
// Contract for every command:
// - On NAK it throws ProtocolError whose message carries the command and the programmer's last
//   log lines ("program modem: NAK: ... (programmer said: 'Failed to write ...')").
// - On silence it throws TimeoutError; when the peer vanishes DeviceGoneError (from the
//   Transport), both naming what was in progress.
// - Logs that trail a response are drained before the next command is sent.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/firehose/firehose_reply.hpp"
#include "src/transport/transport.hpp"
#include "src/util/progress.hpp"

namespace cr::firehose {

enum class MemoryType { nand, emmc, ufs };
std::string_view to_string(MemoryType memory);
// Accepts "nand", "emmc", "ufs" (any case); throws UsageError otherwise.
MemoryType parse_memory_type(std::string_view text);
// NAND page 4096, eMMC 512, UFS 4096.
std::uint32_t default_sector_size(MemoryType memory);

// Where a program/read/erase/digest command points. start_sector is text because rawprogram
// XMLs use expressions ("NUM_DISK_SECTORS-33."); the programmer evaluates them.
struct Region {
    std::uint32_t sector_size = 4096;
    std::uint32_t physical_partition = 0;  // LUN
    std::string start_sector = "0";
    std::uint64_t num_sectors = 0;
    std::string label;                         // partition name (logs; NAND programmers use it)
    std::string filename;                      // informational
    std::uint32_t pages_per_block = 0;         // NAND: sent as PAGES_PER_BLOCK when non-zero
    std::optional<std::uint64_t> last_sector;  // NAND rawprogram entries carry it

    static Region sectors(std::uint32_t sector_size, std::uint32_t lun, std::uint64_t start,
                          std::uint64_t count, std::string label = {});
    std::uint64_t bytes() const { return num_sectors * sector_size; }
};

// A DISK patch (patch*.xml entries whose filename is "DISK").
struct Patch {
    std::uint32_t sector_size = 4096;
    std::uint32_t physical_partition = 0;
    std::string start_sector;  // may be an expression
    std::string byte_offset;
    std::uint32_t size_in_bytes = 0;
    std::string value;  // may be an expression ("CRC32(2,...)")
    std::string what;   // informational label for logs and errors
};

// What configure settled on.
struct Configuration {
    MemoryType memory = MemoryType::ufs;
    std::size_t max_payload_to_target = 0;  // negotiated; raw chunks never exceed it
    std::size_t max_payload_from_target = 0;
    std::size_t max_xml_size = 4096;
    std::string target_name;  // "9x07", "SDX62"
    std::string version;
    std::vector<std::string> banner;               // logs printed before configure
    std::vector<std::string> supported_functions;  // parsed from the banner ("program", ...)
};

struct StorageInfo {
    std::uint64_t total_blocks = 0;
    std::uint32_t block_size = 0;
    std::uint32_t page_size = 0;
    std::uint32_t num_physical = 0;
    std::string mem_type;
    std::string prod_name;
    std::string json;  // the programmer's whole storage_info JSON, as sent
};

enum class PowerAction { reset, off, edl };
std::string_view to_string(PowerAction action);

struct ClientOptions {
    Millis command_timeout{10'000};  // a plain command's response
    Millis raw_timeout{120'000};     // final ACK after a raw phase / each raw chunk (peers: 120 s)
    Millis quiet_period{50};         // trailing logs: drain until this long without data
    Millis banner_budget{5'000};     // how long configure is retried while the banner prints
    std::size_t requested_payload = 1 << 20;  // what configure asks for first
    bool zlp_aware_host = true;               // ZlpAwareHost attribute (cleared by --no-zlp)
    bool skip_storage_init = false;
};

// Feeds program() data: fill `out` (up to out.size() bytes) and return how many were written.
// Returning 0 before the declared length means the source ran dry (IoError).
using SourceFn = std::function<std::size_t(std::span<std::uint8_t> out)>;
// Receives read() data in order, in pieces of any size.
using SinkFn = std::function<void(ByteView data)>;

class FirehoseClient {
  public:
    // `transport` must outlive the client.
    FirehoseClient(Transport& transport, ClientOptions options = {});

    // Configures with no fixed wait: the logs before the answer are the banner (build,
    // "Supported Functions"), as a programmer answers in order. Payload negotiation: ACK ->
    // adopt MaxPayloadSizeToTargetInBytesSupported; NAK offering a smaller payload -> adopt it
    // and configure once more. Retries while the programmer is silent (still booting), bounded
    // by options.banner_budget. Throws ProtocolError on a NAK that offers nothing usable.
    const Configuration& configure(MemoryType memory);
    // Adopts a configuration without talking (a programmer that was configured earlier).
    bool configured() const { return configured_; }
    const Configuration& configuration() const { return config_; }
    // The chunk size raw phases use: whole sectors, <= negotiated payload and transport max.
    std::size_t chunk_size(std::uint32_t sector_size) const;

    // Writes region.num_sectors sectors. `data_bytes` is how much `source` provides; it must
    // fall within the last sector ((n-1)*ss < data_bytes <= n*ss); the rest is zero-padded.
    void program(const Region& region, std::uint64_t data_bytes, const SourceFn& source,
                 const ProgressFn& progress = {});
    // Reads region.num_sectors sectors into `sink`.
    void read(const Region& region, const SinkFn& sink, const ProgressFn& progress = {});
    void erase(const Region& region);
    void patch(const Patch& patch);
    StorageInfo storage_info(std::uint32_t physical_partition = 0);
    // Lowercase hex SHA-256 of the region as the programmer computes it.
    std::string sha256(const Region& region);
    // True when the banner listed `function` (case-insensitive); true for everything when the
    // programmer printed no list (unknown: try and handle the NAK).
    bool supports(std::string_view function) const;
    // After reset/off the programmer is gone: the transport will report DeviceGoneError.
    void power(PowerAction action, unsigned delay_seconds = 1);
    // nop: a liveness probe. Returns false (no throw) when nothing answers within `timeout`.
    bool nop(Millis timeout);
    void set_bootable_storage_drive(std::uint32_t drive);
    Bytes peek(std::uint64_t address, std::uint32_t size);

    // Bytes the caller already read from the port (e.g. while probing for Sahara) that belong
    // to the Firehose stream.
    void prime(ByteView early_bytes);
    // Last log lines of the programmer (most recent last), for error messages.
    std::vector<std::string> recent_logs() const;

  private:
    Response command(std::string_view xml, std::string_view what, Millis timeout);
    Response wait_response(std::string_view what, Millis timeout);
    std::optional<Response> next_document_response();
    std::size_t fill_parser(Millis timeout);
    void send_xml(std::string_view xml, std::string_view what);
    void drain(Millis quiet);
    void note_log(const std::string& line);
    [[noreturn]] void fail_nak(std::string_view what, const Response& r);
    std::size_t configure_once(MemoryType memory, std::size_t payload, Response& out);
    Attributes address(const Region& region) const;
    std::string describe(std::string_view verb, const Region& region) const;
    void write_raw(ByteView data, const std::string& what, std::uint64_t sent, std::uint64_t total);
    void check_for_nak(const std::string& what);

    Transport& transport_;
    ClientOptions options_;
    ReplyParser parser_;
    Configuration config_;
    bool configured_ = false;
    // More output may still arrive unasked (a banner, a late answer): the next command first
    // drains until options_.quiet_period without data.
    bool output_may_follow_ = true;
    std::vector<std::string> logs_;          // bounded ring of recent lines
    std::vector<std::string> pending_logs_;  // logs since the last command was sent
    Bytes buffer_;                           // read buffer reused for every transport read
};

}  // namespace cr::firehose
