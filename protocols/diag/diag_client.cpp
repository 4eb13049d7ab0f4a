#include "protocols/diag/diag_client.hpp"

#include "protocols/diag/diag_match.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/util/hex.hpp"
#include "src/util/hex_view.hpp"

namespace cr::diag {

DiagClient::DiagClient(Transport& transport, DiagOptions options)
    : transport_(transport), options_(options) {
    options_.receive_buffer = std::max<std::size_t>(options_.receive_buffer, 16384);
}

// The next complete frame, or nullopt when the deadline passes. Framing problems are logged
// and remembered; the caller decides whether they explain a missing reply.
std::optional<Bytes> DiagClient::next_frame(Deadline& deadline) {
    Bytes& buf = receive_buffer_;
    buf.resize(options_.receive_buffer);
    while (true) {
        while (!queued_.empty()) {
            HdlcEvent ev = std::move(queued_.front());
            queued_.erase(queued_.begin());
            if (ev.kind == HdlcEvent::Kind::frame) return std::move(ev.payload);
            spdlog::debug("DIAG {}: {}", transport_.description(), ev.describe());
            last_problem_ = ev.describe();
        }
        if (deadline.expired()) return std::nullopt;
        std::size_t n = transport_.read(buf, deadline.remaining());
        if (n == 0) continue;
        stats_.bytes_received += n;
        auto events = deframer_.feed(ByteView(buf.data(), n));
        for (auto& e : events) queued_.push_back(std::move(e));
    }
}

void DiagClient::send(ByteView req, std::string_view name, Millis budget) {
    if (req.empty()) throw UsageError("empty DIAG request");
    Bytes frame = hdlc_encode(req);
    spdlog::trace("DIAG > {} {}", name, hex_view(req));
    transport_.write(frame, budget);
    stats_.bytes_sent += frame.size();
    ++stats_.round_trips;
}

Bytes DiagClient::await_reply(ByteView req, std::string_view name, Millis budget,
                              ErrorReplies errors) {
    last_problem_.clear();
    Deadline deadline(budget);
    while (auto reply = next_frame(deadline)) {
        if (!reply_answers(req, *reply)) {
            bool unsolicited = is_unsolicited_frame(*reply);
            ++(unsolicited ? stats_.unsolicited : stats_.stale);
            spdlog::trace("DIAG < (skipped, {}) {}",
                          unsolicited ? "unsolicited" : "not the answer to " + std::string(name),
                          hex_view(*reply));
            continue;
        }
        spdlog::trace("DIAG < {} {}", name, hex_view(*reply));
        if (errors == ErrorReplies::fail && is_error_reply((*reply)[0]) && (*reply)[0] != req[0])
            throw DiagCommandError((*reply)[0], std::string(name));
        return std::move(*reply);
    }
    if (!last_problem_.empty())
        throw DecodeError(fmt::format("{}: the reply from {} was damaged: {}", name,
                                      transport_.description(), last_problem_),
                          "the module is probably fine; the line dropped or garbled bytes",
                          "retry; if it persists, check the cable/port");
    if (deframer_.pending() > 0)
        throw TimeoutError(
            fmt::format("{}: truncated reply from {} ({} bytes without an end "
                        "flag within {} ms)",
                        name, transport_.description(), deframer_.pending(), budget.count()),
            "unknown: the module stopped mid-reply",
            "retry; replug the module if it keeps happening");
    throw TimeoutError(fmt::format("{}: no reply from {} within {} ms", name,
                                   transport_.description(), budget.count()),
                       "unknown: the module did not answer on its DIAG port",
                       "check that this is the DIAG port (not AT/NMEA) and the module is in "
                       "normal mode");
}

Bytes DiagClient::request(ByteView req, std::string_view name, std::optional<Millis> timeout) {
    Millis budget = timeout.value_or(options_.timeout);
    send(req, name, budget);
    return await_reply(req, name, budget);
}

void DiagClient::request_pipelined(std::span<const Bytes> requests, std::string_view name,
                                   const std::function<void(std::size_t, Bytes&)>& on_reply,
                                   ErrorReplies errors) {
    const std::size_t window = std::max<std::size_t>(options_.pipeline, 1);
    std::size_t sent = 0;
    std::exception_ptr failure;
    for (std::size_t answered = 0; answered < requests.size(); ++answered) {
        while (!failure && sent < requests.size() && sent - answered < window)
            send(requests[sent++], name, options_.timeout);
        if (answered == sent) break;  // failed: nothing more is due
        try {
            Bytes reply = await_reply(requests[answered], name, options_.timeout, errors);
            if (!failure) on_reply(answered, reply);
        } catch (const TimeoutError&) {
            if (failure) std::rethrow_exception(failure);  // the first failure explains
            if (sent - answered > 1)
                throw TimeoutError(
                    fmt::format("{}: no reply from {} with {} requests in flight", name,
                                transport_.description(), sent - answered),
                    "unknown: the module stopped answering requests sent back to back",
                    "retry with --pipeline 1 (one request at a time); replug the module if it "
                    "still does not answer");
            throw;
        } catch (const DeviceGoneError&) {
            throw;
        } catch (...) {
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
}

VersionInfo DiagClient::version() {
    Bytes req{kVerno};
    return decode_verno(request(req, "VERNO"));
}

ExtBuildId DiagClient::ext_build_id() {
    Bytes req{kExtBuildId};
    return decode_ext_build_id(request(req, "EXT_BUILD_ID"));
}

std::uint32_t DiagClient::esn() {
    Bytes req{kEsn};
    return decode_esn(request(req, "ESN"));
}

Bytes DiagClient::status() {
    Bytes req{kStatus};
    return request(req, "STATUS");
}

Bytes DiagClient::feature_query() {
    Bytes req{kFeatureQuery};
    Bytes reply = request(req, "FEATURE_QUERY");
    ByteReader r(ByteView(reply).subspan(1), "FEATURE_QUERY reply");
    std::uint16_t len = r.u16();
    if (len > r.remaining())
        throw DecodeError(fmt::format("FEATURE_QUERY reply claims {} mask bytes, carries {}", len,
                                      r.remaining()));
    auto mask = r.bytes(len);
    return Bytes(mask.begin(), mask.end());
}

bool DiagClient::control(ControlMode mode) {
    Bytes req = ByteWriter().u8(kControl).u16(static_cast<std::uint16_t>(mode)).take();
    std::string name = fmt::format("CONTROL {}", to_string(mode));
    bool rebooting = mode == ControlMode::reset || mode == ControlMode::power_off;
    try {
        Bytes reply = request(req, name);
        if (reply.size() < 3)
            throw DecodeError(fmt::format("{} reply is {} bytes, want 3", name, reply.size()));
        return true;
    } catch (const DeviceGoneError&) {
        if (!rebooting) throw;
    } catch (const TimeoutError&) {
        if (!rebooting) throw;
    }
    spdlog::debug("{}: the port went away before the echo (the module is rebooting)", name);
    return false;
}

void DiagClient::send_spc(std::string_view code) {
    if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string_view::npos)
        throw UsageError("the SPC is 6 decimal digits (the default is 000000)");
    Bytes req = ByteWriter().u8(kSpc).str(code).take();
    Bytes reply = request(req, "SPC");
    if (reply.size() < 2) throw DecodeError("SPC reply is truncated");
    if (reply[1] != 1)
        throw ProtocolError(
            "the module rejected the SPC (it was tried once and NOT retried: wrong codes grow "
            "a lockout timer)",
            "the module is running; protected items stay locked",
            "find the correct SPC (default 000000, some vendors differ) before trying again; "
            "never loop over guesses");
}

void DiagClient::send_password(ByteView password8) {
    if (password8.size() != 8) throw UsageError("the DIAG security password is 8 bytes");
    Bytes req = ByteWriter().u8(kPassword).bytes(password8).take();
    Bytes reply = request(req, "PASSWORD");
    if (reply.size() < 2) throw DecodeError("PASSWORD reply is truncated");
    if (reply[1] != 1)
        throw ProtocolError(
            "the module rejected the security password (tried once, NOT retried: wrong "
            "passwords may power the module down or lock it out)",
            "the module is running; secured commands stay locked",
            "use the module's real password (default FF FF FF FF FF FF FF FE)");
}

void DiagClient::switch_to_edl() {
    Bytes req{kSubsys, 0x65, 0x01, 0x00};
    try {
        request(req, "EDL switch (4B 65 01 00)");
    } catch (const DeviceGoneError&) {
        spdlog::debug("EDL switch: the DIAG port closed before the echo (module rebooting)");
    } catch (const TimeoutError&) {
        spdlog::debug("EDL switch: no echo; waiting for the module to re-enumerate anyway");
    }
}

}  // namespace cr::diag
