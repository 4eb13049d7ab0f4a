#include "protocols/at/at_channel.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <thread>

namespace cr::at {

namespace {

// "AT+UFWUPD=3" -> "+UFWUPD:"; "ATI9" -> "". Lines with this prefix answer the command even
// when the same prefix is registered as a URC.
std::string response_prefix(std::string_view command) {
    if (command.size() < 3 || command[2] != '+') return {};
    std::string_view rest = command.substr(2);
    auto end = rest.find_first_of("=?");
    return std::string(rest.substr(0, end)) + ":";
}

std::string summarize(const std::vector<std::string>& lines) {
    if (lines.empty()) return "nothing";
    std::string out;
    for (const auto& l : lines) {
        if (out.size() > 200) {
            out += " ...";
            break;
        }
        out += (out.empty() ? "" : " | ") + escape(l);
    }
    return "\"" + out + "\"";
}

}  // namespace

std::optional<std::string> Response::value(std::string_view prefix) const {
    for (const auto& l : lines)
        if (auto v = value_after(l, prefix)) return v;
    return std::nullopt;
}

std::string Response::text() const {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
}

AtCommandError::AtCommandError(std::string command, FinalResult result, std::string device_state,
                               std::string next_step)
    : ProtocolError(fmt::format("{} failed: {}", command, trim(result.line)),
                    std::move(device_state), std::move(next_step)),
      command_(std::move(command)),
      result_(std::move(result)) {}

// A Transport view for raw transfers: bytes the channel has already read come first.
class AtChannel::RawView : public Transport {
  public:
    explicit RawView(AtChannel& channel) : ch_(channel) {}
    void write(ByteView data, Millis timeout) override { ch_.write_raw(data, timeout); }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (!ch_.assembler_.partial().empty()) {
            const std::string& p = ch_.assembler_.partial();
            ch_.inbuf_.insert(ch_.inbuf_.begin(), p.begin(), p.end());
            ch_.assembler_.clear_partial();
        }
        if (!ch_.inbuf_.empty()) {
            std::size_t n = std::min(buf.size(), ch_.inbuf_.size());
            std::copy_n(ch_.inbuf_.begin(), n, buf.begin());
            ch_.inbuf_.erase(ch_.inbuf_.begin(), ch_.inbuf_.begin() + static_cast<long>(n));
            return n;
        }
        std::size_t n = ch_.transport_.read(buf, timeout);
        if (n) spdlog::trace("at <- (raw) {}", escape(ByteView(buf.data(), n)));
        return n;
    }
    std::size_t max_transfer_size() const override { return ch_.transport_.max_transfer_size(); }
    void close() override { ch_.transport_.close(); }
    std::string description() const override { return ch_.transport_.description(); }

  private:
    AtChannel& ch_;
};

AtChannel::AtChannel(Transport& transport) : AtChannel(transport, Options{}) {}

AtChannel::AtChannel(Transport& transport, Options options)
    : transport_(transport), options_(std::move(options)) {}

// Reads until the port has been quiet for `quiet` (at most `limit`): URCs and greetings still
// count, stale echo and final results are dropped.
void AtChannel::drain_stale(Millis quiet, Millis limit) {
    auto keep = [this](const std::string& l) {
        if (!is_echo(l) && !parse_final(l)) dispatch_unsolicited(l);
    };
    for (; pending_pos_ < pending_lines_.size(); ++pending_pos_) keep(pending_lines_[pending_pos_]);
    pending_lines_.clear();
    pending_pos_ = 0;
    Deadline drain(limit);
    do {
        std::vector<std::string> lines;
        assembler_.feed(inbuf_, lines);
        inbuf_.clear();
        for (const auto& l : lines) keep(l);
    } while (!drain.expired() && fill(quiet));
    assembler_.clear_partial();
}

void AtChannel::open(Millis timeout, Millis settle) {
    // Drain what a booting or previously used port still holds (stale echo, URCs).
    drain_stale(settle, std::min(timeout, Millis(2000)));
    Deadline deadline(timeout);
    while (true) {
        std::size_t greetings_before = greetings_seen_;
        try {
            command("ATE0", std::min(Millis(1000), std::max(deadline.remaining(), Millis(1))));
            return;  // OK or ERROR: either way the port speaks AT
        } catch (const DeviceGoneError&) {
            // A boot greeting during ATE0: a module opened while it finishes booting (just
            // reset, or plugged in). Its echo setting is the default again: ask again. A port
            // that is really gone throws without a greeting and ends here.
            if (greetings_seen_ == greetings_before || deadline.expired()) throw;
            // The interrupted ATE0 may still be answered: drop that answer before asking
            // again, or every later command would read its predecessor's reply.
            drain_stale(std::max(settle, kBootQuiet), std::min(deadline.remaining(), Millis(2000)));
        } catch (const TimeoutError&) {
            if (deadline.expired())
                throw TimeoutError(
                    fmt::format("{} did not answer AT commands within {} ms",
                                transport_.description(), timeout.count()),
                    "unknown: not an AT port, or the module is busy or still booting",
                    "check that -d names the AT port; wait for the module to boot and retry");
        }
    }
}

bool AtChannel::fill(Millis timeout) {
    std::array<std::uint8_t, 4096> buf{};
    std::size_t n = transport_.read(buf, timeout);
    if (n == 0) return false;
    spdlog::trace("at <- {}", escape(ByteView(buf.data(), n)));
    inbuf_.insert(inbuf_.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    return true;
}

// Assembles at most one line at a time, so bytes after it stay in inbuf_ for raw().
std::optional<std::string> AtChannel::next_line(Deadline& deadline) {
    while (true) {
        if (pending_pos_ < pending_lines_.size()) return std::move(pending_lines_[pending_pos_++]);
        pending_lines_.clear();
        pending_pos_ = 0;
        if (!inbuf_.empty()) {
            auto it = std::find_if(inbuf_.begin(), inbuf_.end(),
                                   [](std::uint8_t b) { return b == '\r' || b == '\n'; });
            while (it != inbuf_.end() && (*it == '\r' || *it == '\n')) ++it;
            assembler_.feed(ByteView(inbuf_.data(), static_cast<std::size_t>(it - inbuf_.begin())),
                            pending_lines_);
            inbuf_.erase(inbuf_.begin(), it);
            if (assembler_.overlong_lines() > overlong_seen_) {
                overlong_seen_ = assembler_.overlong_lines();
                pending_lines_.clear();
                throw ProtocolError(fmt::format("{} sent a line longer than {} bytes",
                                                transport_.description(), max_line_length),
                                    "unknown: this may not be an AT port (DIAG or binary data?)",
                                    "check that -d names the module's AT port");
            }
            continue;
        }
        if (is_prompt(assembler_.partial())) return std::nullopt;  // caller checks the prompt
        if (deadline.expired()) return std::nullopt;
        fill(std::min(deadline.remaining(), Millis(100)));
    }
}

bool AtChannel::dispatch_unsolicited(const std::string& line) {
    if (is_greeting(line, options_.greetings)) {
        spdlog::debug("at: greeting \"{}\"", escape(line));
        last_greeting_ = line;
        ++greetings_seen_;
        quiet_since_ = std::chrono::steady_clock::now();
        if (greeting_handler_) greeting_handler_(line);
        return true;
    }
    for (const auto& [prefix, handler] : urc_handlers_) {
        if (line.starts_with(prefix)) {
            quiet_since_ = std::chrono::steady_clock::now();
            handler(line);
            return true;
        }
    }
    return false;
}

void AtChannel::wait_guard() {
    auto ready = quiet_since_ + options_.guard;
    auto now = std::chrono::steady_clock::now();
    if (now < ready) std::this_thread::sleep_for(ready - now);
}

void AtChannel::send_line(std::string_view command) {
    wait_guard();
    std::string wire = std::string(command) + "\r";
    spdlog::trace("at -> {}", escape(wire));
    transport_.write(as_bytes(wire), options_.default_timeout);
}

Response AtChannel::collect(std::string_view command, Deadline& deadline, bool want_prompt,
                            bool* prompted) {
    Response resp;
    resp.command = std::string(command);
    const std::string own = response_prefix(command);
    const Millis budget = deadline.remaining();
    while (true) {
        auto line = next_line(deadline);
        if (!line) {
            if (want_prompt && is_prompt(assembler_.partial())) {
                assembler_.clear_partial();
                *prompted = true;
                return resp;
            }
            if (is_prompt(assembler_.partial()) && !deadline.expired()) {
                fill(std::min(deadline.remaining(), Millis(100)));  // a stray '>' : keep reading
                continue;
            }
            throw TimeoutError(
                fmt::format("{}: no final result from {} within {} ms (received {})", command,
                            transport_.description(), budget.count(), summarize(resp.lines)),
                "unknown: the module stopped answering (busy, rebooting, or not an AT port)",
                "retry with a longer --timeout, or power-cycle the module");
        }
        if (is_echo(*line)) continue;
        if (auto fin = parse_final(*line)) {
            resp.final = std::move(*fin);
            quiet_since_ = std::chrono::steady_clock::now();
            return resp;
        }
        if (is_greeting(*line, options_.greetings)) {
            dispatch_unsolicited(*line);
            throw DeviceGoneError(fmt::format("the module restarted during {} (it greeted \"{}\")",
                                              command, escape(*line)),
                                  "just rebooted; the command's effect is unknown",
                                  "check the setting with a query command and repeat if needed");
        }
        if (!(own.size() > 1 && line->starts_with(own)) && dispatch_unsolicited(*line)) continue;
        resp.lines.push_back(std::move(*line));
    }
}

Response AtChannel::command(std::string_view command, std::optional<Millis> timeout) {
    send_line(command);
    Deadline deadline(timeout.value_or(options_.default_timeout));
    bool prompted = false;
    return collect(command, deadline, false, &prompted);
}

Response AtChannel::command_ok(std::string_view command, std::optional<Millis> timeout) {
    Response resp = this->command(command, timeout);
    if (!resp.ok())
        throw AtCommandError(std::string(command), resp.final, "answering AT commands",
                             "see the module's error above; AT+CMEE=2 gives verbose errors");
    return resp;
}

Response AtChannel::command_with_data(std::string_view command, ByteView data,
                                      Millis prompt_timeout, Millis final_timeout,
                                      const std::function<void(std::size_t)>& on_written) {
    send_line(command);
    Deadline prompt_deadline(prompt_timeout);
    bool prompted = false;
    Response first = collect(command, prompt_deadline, true, &prompted);
    if (!prompted)
        throw AtCommandError(std::string(command), first.final,
                             "answering AT commands; no data was sent",
                             "check the command's parameters and the module's file system");
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t off = 0; off < data.size(); off += chunk) {
        std::size_t n = std::min(chunk, data.size() - off);
        write_raw(data.subspan(off, n), std::max(final_timeout, Millis(1000)));
        if (on_written) on_written(off + n);
    }
    Deadline final_deadline(final_timeout);
    Response resp = collect(command, final_deadline, false, &prompted);
    resp.lines.insert(resp.lines.begin(), first.lines.begin(), first.lines.end());
    return resp;
}

void AtChannel::on_urc(std::string prefix, LineHandler handler) {
    urc_handlers_[std::move(prefix)] = std::move(handler);
}

void AtChannel::remove_urc(const std::string& prefix) {
    urc_handlers_.erase(prefix);
}

void AtChannel::poll(Millis timeout) {
    Deadline deadline(timeout);
    while (!deadline.expired()) {
        auto line = next_line(deadline);
        if (!line) {
            if (is_prompt(assembler_.partial())) assembler_.clear_partial();
            continue;
        }
        if (is_echo(*line) || parse_final(*line)) continue;  // stale leftovers
        if (!dispatch_unsolicited(*line))
            spdlog::debug("at: unsolicited line ignored: \"{}\"", escape(*line));
    }
}

std::optional<std::string> AtChannel::wait_line(
    const std::function<bool(const std::string&)>& match, Millis timeout) {
    Deadline deadline(timeout);
    while (true) {
        auto line = next_line(deadline);
        if (!line) {
            if (deadline.expired()) return std::nullopt;
            if (is_prompt(assembler_.partial())) assembler_.clear_partial();
            continue;
        }
        bool handled = !is_echo(*line) && dispatch_unsolicited(*line);
        if (match(*line)) return line;
        if (!handled) spdlog::debug("at: line ignored while waiting: \"{}\"", escape(*line));
    }
}

std::optional<std::string> AtChannel::wait_greeting(Millis timeout) {
    return wait_line([this](const std::string& l) { return is_greeting(l, options_.greetings); },
                     timeout);
}

void AtChannel::write_raw(ByteView data, Millis timeout) {
    spdlog::trace("at -> (raw {} bytes) {}", data.size(),
                  escape(data.subspan(0, std::min<std::size_t>(data.size(), 64))));
    std::size_t max = std::max<std::size_t>(1, transport_.max_transfer_size());
    for (std::size_t off = 0; off < data.size(); off += max)
        transport_.write(data.subspan(off, std::min(max, data.size() - off)), timeout);
}

Transport& AtChannel::raw() {
    if (!raw_view_) raw_view_ = std::make_unique<RawView>(*this);
    return *raw_view_;
}

void AtChannel::resync() {
    inbuf_.clear();
    assembler_.clear_partial();
    pending_lines_.clear();
    pending_pos_ = 0;
    quiet_since_ = std::chrono::steady_clock::now();
}

}  // namespace cr::at
