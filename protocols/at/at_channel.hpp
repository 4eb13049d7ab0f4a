// The host side of an AT command port (PROTOCOLS.md §10) over any Transport.
//
// Contract:
// - Commands are sent as "<cmd>\r". Response lines are assembled across reads (CR LF, empty
//   lines skipped, NULs dropped). Echo of the command (and stale echo of earlier ones: any line
//   starting with "AT") is ignored, so ATE0 is a courtesy, not a requirement.
// - command() returns the information lines and the final result; it does NOT throw for
//   ERROR/+CME ERROR (inspect Response::final). command_ok() throws AtCommandError for any
//   final result other than OK (carrying the typed result: CME code and/or text).
// - Every wait is bounded: a command that gets no final result within its timeout throws
//   TimeoutError naming the command and what was received; a vanished port throws
//   DeviceGoneError (from the Transport).
// - URCs: lines matching a registered prefix (on_urc) go to its handler whenever they arrive:
//   during a command (then they are not part of the response) or in poll()/wait_* while no
//   command runs. Unregistered non-final lines while no command runs are logged and dropped.
//   Handlers run on the caller's thread inside command()/poll(); they must not call back into
//   the channel.
// - Boot greetings ("RDY", "+UUSTATUS: READY", Options::greetings e.g. an AT+CSGT text) are
//   recorded (last_greeting()) and passed to the greeting handler; wait_greeting() waits for one.
// - The next command is sent no earlier than Options::guard (20 ms) after the last final result
//   or URC.
// - Lines over 64 KiB are dropped without buffering them; during a command that is a
//   ProtocolError ("not an AT port?").
// - Raw mode for file transfers: write_raw() sends bytes as they are; raw() is a Transport view
//   that first yields bytes already buffered by the channel (e.g. an XMODEM 'C' that arrived
//   right after "+UFWUPD: ONGOING") and then reads the port. After raw use, call resync().
// - Every byte in and out is logged at spdlog trace level ("at -> ...", "at <- ...").
// Not thread-safe: one user at a time.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/at/at_parser.hpp"
#include "src/transport/transport.hpp"
#include "src/util/deadline.hpp"
#include "src/util/error.hpp"

namespace cr::at {

struct Response {
    std::string command;
    std::vector<std::string> lines;  // information lines (no echo, no URCs, no final)
    FinalResult final;
    bool ok() const { return final.ok(); }
    // The first line starting with `prefix` with the prefix and blanks removed
    // ("+CFUN:" -> "1"); nullopt when none.
    std::optional<std::string> value(std::string_view prefix) const;
    // All information lines joined with '\n' (for ATI-style multi-line answers).
    std::string text() const;
};

// A final result other than OK. what() reads e.g.
// "AT+CFUN=1 failed: +CME ERROR: phone failure".
class AtCommandError : public ProtocolError {
  public:
    AtCommandError(std::string command, FinalResult result, std::string device_state = {},
                   std::string next_step = {});
    const std::string& command() const { return command_; }
    const FinalResult& result() const { return result_; }
    bool is_cme() const { return result_.kind == FinalKind::cme_error; }
    std::optional<int> cme_code() const { return result_.code; }
    const std::string& cme_text() const { return result_.text; }

  private:
    std::string command_;
    FinalResult result_;
};

using LineHandler = std::function<void(const std::string& line)>;

class AtChannel {
  public:
    struct Options {
        Millis default_timeout{5000};        // commands without an explicit timeout
        Millis guard{20};                    // quiet time after a final result or URC
        std::vector<std::string> greetings;  // extra greetings (AT+CSGT texts)
    };

    explicit AtChannel(Transport& transport);
    AtChannel(Transport& transport, Options options);

    // Prepares the port: drains stale input (bounded by `settle`; URCs and greetings in it are
    // dispatched), sends ATE0 (echo off; an ERROR is tolerated) retried until answered, and
    // again after a boot greeting that interrupts it (the module finished booting). Throws
    // TimeoutError when the port never answers within `timeout` ("not an AT port, or the module is
    // busy").
    void open(Millis timeout = Millis(5000), Millis settle = Millis(100));

    // Sends `command` and waits for its final result (see the contract above).
    Response command(std::string_view command, std::optional<Millis> timeout = std::nullopt);
    // As command(), but throws AtCommandError when the final result is not OK.
    Response command_ok(std::string_view command, std::optional<Millis> timeout = std::nullopt);

    // Sends `command`, waits up to `prompt_timeout` for the "> " prompt (throws TimeoutError
    // "no prompt" or AtCommandError when a final result comes instead), writes `data` raw and
    // waits up to `final_timeout` for the final result (returned, not thrown).
    // `on_written` (optional) is told the byte count written so far (progress).
    Response command_with_data(std::string_view command, ByteView data, Millis prompt_timeout,
                               Millis final_timeout,
                               const std::function<void(std::size_t)>& on_written = {});

    // Sends `command` (after the guard time) without waiting for anything: for commands whose
    // answer is not a final result (AT+UFWUPD switches to XMODEM). Follow with wait_line().
    void send_command(std::string_view command) { send_line(command); }

    // Registers a URC handler for lines starting with `prefix` (e.g. "+UUFWINSTALL:").
    void on_urc(std::string prefix, LineHandler handler);
    void remove_urc(const std::string& prefix);
    // Called for each greeting line seen.
    void on_greeting(LineHandler handler) { greeting_handler_ = std::move(handler); }

    // Processes input for `timeout` (URCs to handlers, greetings recorded), then returns
    // (use wait_line to wait for something specific).
    void poll(Millis timeout);
    // Waits up to `timeout` for a line for which `match` is true; URCs are still dispatched
    // (a matching URC goes to its handler AND is returned). Returns nullopt on timeout.
    std::optional<std::string> wait_line(const std::function<bool(const std::string&)>& match,
                                         Millis timeout);
    // Waits for a boot greeting; returns it, or nullopt on timeout.
    std::optional<std::string> wait_greeting(Millis timeout);
    std::optional<std::string> last_greeting() const { return last_greeting_; }

    // Raw access for file transfers (see the contract).
    void write_raw(ByteView data, Millis timeout);
    Transport& raw();
    // Forgets buffered input (partial line, raw bytes) after a raw transfer.
    void resync();

    Transport& transport() { return transport_; }
    const Options& options() const { return options_; }

  private:
    class RawView;
    std::optional<std::string> next_line(Deadline& deadline);
    bool fill(Millis timeout);
    bool dispatch_unsolicited(const std::string& line);
    void send_line(std::string_view command);
    void wait_guard();
    Response collect(std::string_view command, Deadline& deadline, bool want_prompt,
                     bool* prompted);

    Transport& transport_;
    Options options_;
    LineAssembler assembler_;
    std::vector<std::string> pending_lines_;
    std::size_t pending_pos_ = 0;
    Bytes inbuf_;  // bytes read but not yet assembled (raw view consumes these first)
    std::map<std::string, LineHandler> urc_handlers_;
    LineHandler greeting_handler_;
    std::optional<std::string> last_greeting_;
    std::size_t greetings_seen_ = 0;
    // How long a port must stay quiet after a boot greeting before open() asks again.
    static constexpr Millis kBootQuiet{300};
    void drain_stale(Millis quiet, Millis limit);
    std::chrono::steady_clock::time_point quiet_since_{};
    std::size_t overlong_seen_ = 0;
    std::unique_ptr<Transport> raw_view_;
};

}  // namespace cr::at
