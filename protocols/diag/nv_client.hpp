// NV items over DIAG (PROTOCOLS.md §4-§5): NV_READ/NV_WRITE (26/27) for subscription 0 and
// NV_READ_EXT/NV_WRITE_EXT (4B 30 01 00 / 4B 30 02 00) for any subscription (context).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/diag/diag_client.hpp"

namespace cr::diag {

constexpr std::size_t kNvDataSize = 128;

enum class NvStatus : std::uint16_t {
    done = 0,
    busy = 1,
    badcmd = 2,
    full = 3,
    fail = 4,
    notactive = 5,  // item not present (never written / erased)
    badparm = 6,
    readonly = 7,
    badtg = 8,
    nomem = 9,
    notalloc = 10,
};
// "DONE", "NOTACTIVE", ... ("status 23" for unknown values).
std::string nv_status_name(std::uint16_t status);
std::string nv_status_meaning(std::uint16_t status);

struct NvResult {
    std::uint16_t item = 0;
    std::uint16_t sub = 0;        // subscription / context (0 = first SIM)
    std::uint16_t status = 0;     // NvStatus value as received
    Bytes data;                   // always kNvDataSize bytes (zero-padded)
    std::uint8_t diag_error = 0;  // non-zero: the target refused with this error reply
                                  // (14 unreadable, 42 needs SPC, 47 security) and status
                                  // is meaningless
    bool ok() const { return diag_error == 0 && status == 0; }
    bool not_active() const { return diag_error == 0 && status == 5; }
    // "NOTACTIVE (item not present)", "BAD_SPC_MODE: ...", "DONE".
    std::string describe() const;
};

// Pure codecs (fuzzed). `ext` selects the 4B 30 form (sub carried as context).
// data is zero-padded to 128 bytes; longer data throws UsageError.
Bytes encode_nv_request(bool write, bool ext, std::uint16_t item, std::uint16_t sub, ByteView data);
// Decodes a 26/27 (133 bytes) or 4B 30 01/02 00 (137 bytes) reply. Throws DecodeError when
// truncated or of the wrong command.
NvResult decode_nv_reply(ByteView reply, bool ext);

// One item to read with NvClient::read_many.
struct NvReadRequest {
    std::uint16_t item = 0;
    std::uint16_t sub = 0;
    std::optional<std::uint8_t> index;  // indexed items carry the index in data[0]
};

class NvClient {
  public:
    explicit NvClient(DiagClient& diag) : diag_(diag) {}

    // Reads an item. sub 0 uses NV_READ (26); sub >= 1 uses NV_READ_EXT. For indexed items
    // pass the index in data[0] via read_indexed. Never throws for per-item refusals: NOTACTIVE
    // and error replies 13/14/42/47 come back in the NvResult. Throws for transport failures,
    // timeouts and malformed replies.
    NvResult read(std::uint16_t item, std::uint16_t sub = 0);
    NvResult read_indexed(std::uint16_t item, std::uint8_t index, std::uint16_t sub = 0);
    // Reads many items with DiagClient::request_pipelined (the client's pipeline depth in
    // flight); results in request order, per-item refusals in each NvResult as read() does.
    // A reply naming another item, a timeout or a vanished port throws.
    std::vector<NvResult> read_many(std::span<const NvReadRequest> requests);
    // Writes an item (data <= 128 bytes). Same error conventions as read: check ok().
    NvResult write(std::uint16_t item, ByteView data, std::uint16_t sub = 0);
    // Forces the EXT form even for sub 0 (some firmware only answers the EXT form).
    void set_always_ext(bool on) { always_ext_ = on; }

  private:
    NvResult transact(bool write, std::uint16_t item, std::uint16_t sub, ByteView data);
    bool uses_ext(std::uint16_t sub) const { return always_ext_ || sub != 0; }
    DiagClient& diag_;
    bool always_ext_ = false;
};

}  // namespace cr::diag
