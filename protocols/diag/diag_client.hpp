// A DIAG (QCDM) client over any Transport (PROTOCOLS.md §4). Sends one HDLC-framed request and
// returns the reply that answers it, skipping unsolicited log/event/message frames and stale
// replies (resync: a port may still carry the answer to an aborted command). Error replies
// (13/14/15/16/18/42/47) become DiagCommandError. Protocol code: no printing, no device opening.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocols/diag/hdlc.hpp"
#include "src/transport/transport.hpp"
#include "src/util/error.hpp"

namespace cr::diag {

// Command codes (first payload byte).
enum Command : std::uint8_t {
    kVerno = 0x00,
    kEsn = 0x01,
    kStatus = 0x0C,
    kLog = 0x10,  // unsolicited log packet
    kBadCmd = 0x13,
    kBadParm = 0x14,
    kBadLen = 0x15,
    kBadDev = 0x16,
    kBadMode = 0x18,
    kNvRead = 0x26,
    kNvWrite = 0x27,
    kControl = 0x29,
    kSpc = 0x41,
    kBadSpcMode = 0x42,
    kPassword = 0x46,
    kBadSecMode = 0x47,
    kSubsys = 0x4B,
    kFeatureQuery = 0x51,
    kEvent = 0x60,  // unsolicited event report; as a request: EVENT_REPORT on/off
    kLogConfig = 0x73,
    kExtMsg = 0x79,  // unsolicited extended message
    kExtBuildId = 0x7C,
    kExtMsgConfig = 0x7D,
    kEventMaskGet = 0x81,
    kEventMaskSet = 0x82,
};

// True for the error reply codes 13/14/15/16/18/42/47.
bool is_error_reply(std::uint8_t code);
// "BAD_CMD: the target does not know this command", ... ("unknown" for others).
std::string_view error_reply_name(std::uint8_t code);
std::string error_reply_meaning(std::uint8_t code);

// The target refused a request with an error reply. `code` is the reply's first byte.
class DiagCommandError : public ProtocolError {
  public:
    DiagCommandError(std::uint8_t code, const std::string& request_name);
    std::uint8_t code() const { return code_; }

  private:
    std::uint8_t code_;
};

enum class ControlMode : std::uint16_t {
    offline_analog = 0,
    offline_digital = 1,
    reset = 2,
    ftm = 3,
    online = 4,
    low_power = 5,
    power_off = 6,
};
std::string_view to_string(ControlMode mode);

struct VersionInfo {  // VERNO (00) reply
    std::string comp_date, comp_time, rel_date, rel_time, ver_dir;
    std::uint8_t scm = 0, cai_rev = 0, model = 0;
    std::uint16_t firm_rev = 0;
    std::uint8_t slot_cycle = 0, hw_major = 0, hw_minor = 0;
};
struct ExtBuildId {  // EXT_BUILD_ID (7C) reply
    std::uint8_t version = 0;
    std::uint32_t msm_hw_version = 0;
    std::uint32_t mobile_model_id = 0;
    std::string build_id;
    std::string model_string;
};

// Pure reply decoders (throw DecodeError on truncated/malformed input; fuzzed).
VersionInfo decode_verno(ByteView reply);
ExtBuildId decode_ext_build_id(ByteView reply);
std::uint32_t decode_esn(ByteView reply);

// Counters for benchmarks and logs.
struct DiagStats {
    std::uint64_t round_trips = 0;
    std::uint64_t bytes_sent = 0;      // on the wire (framed)
    std::uint64_t bytes_received = 0;  // on the wire
    std::uint64_t unsolicited = 0;     // skipped log/event/message frames
    std::uint64_t stale = 0;           // skipped replies to other (earlier) requests
};

// What request_pipelined does with an error reply (13/14/42/47...) that echoes a request:
// `fail` stops the pipeline (EFS reads: an error means the walk is wrong); `deliver` passes
// the error reply to on_reply like any answer (NV reads: a refusal is that item's result).
enum class ErrorReplies { fail, deliver };

// Read requests kept in flight by default (DiagClient::request_pipelined).
constexpr std::size_t kDefaultPipeline = 4;

struct DiagOptions {
    Millis timeout{5000};                // per request
    std::size_t receive_buffer = 16384;  // >= 16 KiB (PROTOCOLS §4)
    // Read requests kept in flight by request_pipelined (1: strictly one at a time, as QPST).
    std::size_t pipeline = kDefaultPipeline;
};

class DiagClient {
  public:
    explicit DiagClient(Transport& transport, DiagOptions options = {});

    // Sends `request` (an unframed payload) and returns the matching reply payload: the first
    // frame that answers it (diag_match.hpp: command, subsystem, echoed item/sequence/offset);
    // log/event/message frames and replies an earlier request left on the line are skipped.
    // Throws DiagCommandError for an error reply echoing this request, TimeoutError when no
    // matching reply arrives in time (unsolicited frames do not extend the wait),
    // DeviceGoneError when the port closes, DecodeError for broken framing of the reply.
    Bytes request(ByteView request, std::string_view name, std::optional<Millis> timeout = {});

    // Independent requests with up to options.pipeline of them in flight: a target answers
    // DIAG requests one at a time in the order they arrived, so request i+1 can travel while
    // request i is served. Calls on_reply(i, reply) for every reply, in request order (a reply
    // belongs to the oldest unanswered request it matches). Meant for reads: nothing a later
    // request does may depend on an earlier one's outcome. On the first failure (error reply,
    // on_reply throwing) it sends nothing more, collects the replies still due so the line is
    // quiet for the next request, and rethrows; a timeout or a vanished port rethrows at once.
    void request_pipelined(std::span<const Bytes> requests, std::string_view name,
                           const std::function<void(std::size_t, Bytes&)>& on_reply,
                           ErrorReplies errors = ErrorReplies::fail);
    std::size_t pipeline() const { return options_.pipeline; }

    VersionInfo version();
    ExtBuildId ext_build_id();
    std::uint32_t esn();
    // STATUS (0C): raw reply payload.
    Bytes status();
    // FEATURE_QUERY (51): the feature mask bytes (after the 51 and u16 length? see .cpp).
    Bytes feature_query();
    // CONTROL (29): mode change. RESET/POWER_OFF: the port may close right after the echo;
    // a missing echo after RESET is not an error (returns false), other modes throw.
    bool control(ControlMode mode);

    // SPC (41 + 6 ASCII digits). ONE attempt per call; returns when accepted. A rejected code
    // throws ProtocolError saying it was not retried (wrong codes grow a lockout timer on real
    // modules): callers must never call this in a loop. Throws UsageError if not 6 digits.
    void send_spc(std::string_view code);
    // PASSWORD (46 + 8 bytes; default FF x7 FE). One attempt, like send_spc.
    void send_password(ByteView password8);

    // 4B 65 01 00: asks the module to reboot into EDL. Returns once the echo arrived or the
    // port went away (both mean the switch started); throws DiagCommandError if refused.
    void switch_to_edl();

    const DiagStats& stats() const { return stats_; }
    Transport& transport() { return transport_; }
    Millis timeout() const { return options_.timeout; }

  private:
    void send(ByteView request, std::string_view name, Millis budget);
    // The reply to `request` (already sent), skipping unsolicited frames; the errors of request().
    // With ErrorReplies::deliver an error reply echoing the request is returned, not thrown.
    Bytes await_reply(ByteView request, std::string_view name, Millis budget,
                      ErrorReplies errors = ErrorReplies::fail);
    std::optional<Bytes> next_frame(Deadline& deadline);

    Transport& transport_;
    DiagOptions options_;
    HdlcDeframer deframer_;
    std::vector<HdlcEvent> queued_;
    DiagStats stats_;
    Bytes receive_buffer_;
    std::string last_problem_;  // framing trouble seen while waiting for a reply
};

}  // namespace cr::diag
