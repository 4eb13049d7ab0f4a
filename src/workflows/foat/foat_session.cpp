#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "protocols/at/ublox_foat.hpp"
#include "src/transport/serial_transport.hpp"
#include "src/util/error.hpp"
#include "src/workflows/foat/foat_session.hpp"

namespace cr::workflows {

FoatSession::FoatSession(Device& device, const FoatOptions& options, Bytes package)
    : device_(device), opt_(options), package_(std::move(package)) {
    report_.device = device.name();
    report_.method = options.method == FoatMethod::ufwupd ? "ufwupd" : "udwnfile";
}

FoatReport FoatSession::run() {
    try {
        open_port(Millis(5000));
    } catch (const TimeoutError&) {
        if (!probe_update_mode()) throw;
        recover_update_mode();
        return report_;
    }
    identify(true);
    if (auto why = foat_refusal(report_.ati9_before, report_.cgmr_before, report_.model);
        !why.empty())
        throw SafetyError(fmt::format("FOAT refused: {}", why),
                          fmt::format("unchanged, running {}", report_.ati9_before),
                          "flash the full firmware instead (see docs/ublox.md)");
    if (opt_.method == FoatMethod::udwnfile)
        udwnfile();
    else if (family_ == UbloxFamily::r4)
        ufwupd_r4();
    else
        ufwupd_r5();
    identify(false);
    report_.updated = report_.ati9_after != report_.ati9_before;
    if (report_.result_code == 0 && fotastat_) report_.result_code = fotastat_;
    if (report_.result_code == 0 && report_.updated)
        report_.result_code = at::ublox::install_success;
    if (report_.result_code)
        report_.result_text = at::ublox::install_result_text(report_.result_code);
    if (!report_.updated)
        throw VerifyError(
            fmt::format("the module still runs {} after the update ({})", report_.ati9_after,
                        report_.result_code ? report_.result_text : "no result code"),
            "running its old firmware", "check that the package matches this module and firmware");
    close_port();
    return report_;
}

void FoatSession::open_port(Millis timeout) {
    close_port();
    port_ = device_.open_at();
    ch_ = std::make_unique<at::AtChannel>(*port_);
    ch_->on_urc("+UFOTASTAT:", [this](const std::string& line) {
        if (auto f = at::ublox::parse_foat_line(line)) fotastat_ = f->value;
    });
    ch_->open(timeout);
    ch_->command("AT+CMEE=2");  // verbose errors; older firmware may refuse: harmless
}

void FoatSession::close_port() {
    ch_.reset();
    if (port_) port_->close();
    port_.reset();
}

void FoatSession::set_host_baud(std::uint32_t baud) {
    if (auto* serial = dynamic_cast<SerialTransport*>(port_.get())) {
        serial->set_baud(baud);
        spdlog::debug("foat: host port now at {} baud", baud);
    }
    host_baud_ = baud;  // sockets and USB ACM ports ignore the rate
}

void FoatSession::warn(const std::string& text) {
    report_.warnings.push_back(text);
    if (opt_.warn) opt_.warn(text);
}

std::string FoatSession::state_now() const {
    return fmt::format("{} was running {}", report_.device,
                       report_.ati9_before.empty() ? "unknown firmware" : report_.ati9_before);
}

void FoatSession::identify(bool before) {
    auto first_line = [this](const char* cmd) {
        auto r = ch_->command_ok(cmd, Millis(5000));
        return r.lines.empty() ? std::string() : r.lines.front();
    };
    std::string ati9 = first_line("ATI9");
    std::string cgmr = first_line("AT+CGMR");
    if (before) {
        report_.model = first_line("AT+CGMM");
        report_.ati9_before = ati9;
        report_.cgmr_before = cgmr;
        family_ = report_.model.starts_with("SARA-R4")   ? UbloxFamily::r4
                  : report_.model.starts_with("LENA-R8") ? UbloxFamily::lena
                                                         : UbloxFamily::r5;
        if (!report_.model.starts_with("SARA-R") && !report_.model.starts_with("LENA-R"))
            throw UsageError(fmt::format("{} is a {} - FOAT is for u-blox SARA-R4/R5 and LENA-R8",
                                         report_.device, report_.model),
                             "unchanged", "use `cellrescue flash` for this module");
    } else {
        report_.ati9_after = ati9;
        report_.cgmr_after = cgmr;
    }
}

// Polls until the module answers AT again (it reboots, or vanishes during an R4 install).
void FoatSession::reach_module(Millis limit, const std::string& phase) {
    Deadline deadline(limit);
    auto started = std::chrono::steady_clock::now();
    while (true) {
        try {
            if (!ch_) open_port(Millis(3000));
            if (ch_->command("AT", Millis(2000)).ok()) return;
        } catch (const DeviceGoneError&) {
            close_port();
        } catch (const NotFoundError&) {
            close_port();
        } catch (const TimeoutError&) {
            close_port();
        }
        if (deadline.expired())
            throw TimeoutError(
                fmt::format("{} did not come back within {} s after {}", report_.device,
                            limit.count() / 1000, phase),
                "unknown: the install may still be running, or the module needs a power cycle",
                "wait and check `cellrescue at send ATI9`; do not power it off while it installs");
        auto waited =
            std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
        report(opt_.progress, {phase, "s", static_cast<std::uint64_t>(waited.count() / 1000),
                               static_cast<std::uint64_t>(limit.count() / 1000), false});
        std::this_thread::sleep_for(std::min(opt_.poll_interval, deadline.remaining()));
    }
}

// A module that does not answer AT but sends 'C' sits in update mode (power lost during an
// install): it waits for a fresh XMODEM handshake.
bool FoatSession::probe_update_mode() {
    if (!ch_) return false;
    std::uint8_t buf[256];
    Deadline deadline(Millis(4000));
    while (!deadline.expired()) {
        std::size_t n = ch_->raw().read(buf, deadline.remaining());
        for (std::size_t i = 0; i < n; ++i)
            if (buf[i] == 'C') {
                // Give the byte back to the XMODEM sender: it starts the handshake.
                return true;
            }
    }
    return false;
}

}  // namespace cr::workflows
