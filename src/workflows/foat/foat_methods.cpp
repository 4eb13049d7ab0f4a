// The three ways a u-blox module takes a package (PROTOCOLS.md §9).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/at/ublox_foat.hpp"
#include "protocols/xmodem/xmodem.hpp"
#include "src/util/error.hpp"
#include "src/workflows/foat/foat_session.hpp"

namespace cr::workflows {

namespace {

constexpr const char* foat_file = "updatePackage.bin";

bool is_ready_line(const std::string& l) {
    return l == "OK" || l == "ERROR" || l.starts_with("+CME ERROR") ||
           l.starts_with("+UFWUPD: ONGOING");
}

}  // namespace

void FoatSession::fail_on_code(int code, const std::string& where) {
    report_.result_code = code;
    report_.result_text = at::ublox::install_result_text(code);
    if (code == at::ublox::install_success) return;
    throw ProtocolError(
        fmt::format("{}: the module reported {} ({})", where, code, report_.result_text),
        where == "AT+UFWINSTALL"
            ? state_now() + "; the package stays in the FOAT area (the next run deletes it)"
            : fmt::format("{}; after a failed package it waits in update mode for a fresh "
                          "XMODEM handshake, then times out and reboots to its old firmware",
                          state_now()),
        "check that the package is meant for this module and its current firmware, then retry");
}

// Lists the FOAT area; a stale package ends installs early and blocks AT+UFWUPD.
void FoatSession::check_foat_area(bool remove_stale) {
    auto r = ch_->command("AT+ULSTFILE=0,\"FOAT\"", Millis(10000));
    bool stale = r.ok() && r.text().find(foat_file) != std::string::npos;
    if (!stale) return;
    if (!remove_stale)
        throw ProtocolError(
            "another download holds the module's FOTA memory: updatePackage.bin is stored in "
            "the FOAT area (from AT+UDWNFILE); AT+UFWUPD is forbidden while it is there",
            state_now() + ", unchanged",
            "use --method udwnfile (it replaces the stale file), or delete it with `cellrescue at "
            "send 'AT+UDELFILE=\"updatePackage.bin\",\"FOAT\"'`");
    warn("deleting a stale updatePackage.bin from the FOAT area (it would end the install early)");
    ch_->command_ok(fmt::format("AT+UDELFILE=\"{}\",\"FOAT\"", foat_file), Millis(10000));
}

void FoatSession::send_xmodem() {
    xmodem::SendOptions so;
    so.one_k = true;
    so.timing.handshake = opt_.handshake_window;
    so.progress = opt_.progress;
    try {
        auto stats = xmodem::send(ch_->raw(), package_, so);
        spdlog::debug("foat: sent {} blocks ({} resent)", stats.blocks, stats.retransmits);
    } catch (const TimeoutError& e) {
        throw TimeoutError(e.what(),
                           state_now() +
                               "; the module closes its window with ERROR1/Timeout "
                               "and keeps its old firmware",
                           "check the port and baud rate, then run foat again");
    }
    ch_->resync();
}

// Sends an update command whose answer is a line and then XMODEM (no final result).
void FoatSession::start_update(const std::string& command, std::uint32_t new_baud) {
    ch_->send_command(command);
    if (new_baud != host_baud_) set_host_baud(new_baud);  // the reply comes at the new rate
    auto line = ch_->wait_line(is_ready_line, Millis(10000));
    if (!line)
        throw TimeoutError(fmt::format("{}: no answer from the module", command), state_now(),
                           "check the baud rate and that no other program uses the port");
    if (*line != "OK" && !line->starts_with("+UFWUPD: ONGOING"))
        throw ProtocolError(fmt::format("{} was refused: {}", command, *line),
                            state_now() + ", unchanged",
                            line->find("FOTA memory") != std::string::npos
                                ? "another download method is active: delete the stored "
                                  "updatePackage.bin (--method udwnfile replaces it)"
                                : "check the module's state with `cellrescue diagnose`");
}

void FoatSession::ufwupd_r4() {
    check_foat_area(false);
    const std::uint32_t original = host_baud_;
    if (opt_.baud && *opt_.baud != host_baud_) {
        ch_->command_ok(fmt::format("AT+IPR={}", *opt_.baud), Millis(5000));
        set_host_baud(*opt_.baud);
        ch_->command_ok("AT", Millis(5000));
    }
    warn("the module refuses other commands and downloads until the update has finished");
    start_update("AT+UFWUPD=3", host_baud_);
    send_xmodem();
    auto done = ch_->wait_line(
        [](const std::string& l) { return l == "OK" || l == "ERROR" || l == "ERROR1"; },
        Millis(30000));
    if (!done || *done != "OK")
        throw ProtocolError(
            fmt::format("the module did not accept the transfer ({})", done ? *done : "no answer"),
            state_now() + ", unchanged", "run foat again");
    if (original != host_baud_) {
        ch_->command_ok(fmt::format("AT+IPR={}", original), Millis(5000));
        set_host_baud(original);
    }
    install_r4();
}

void FoatSession::install_r4() {
    ch_->command_ok("AT+UFWINSTALL", Millis(60000));
    warn("installing: the module's ports vanish for up to ~23 minutes; do not power it off");
    close_port();
    reach_module(opt_.install_timeout, "installation");
    ch_->poll(Millis(300));  // the +UFOTASTAT result may follow the greeting
    report(opt_.progress, {"installation", "s", 0, 0, true});
}

void FoatSession::ufwupd_r5() {
    check_foat_area(false);
    const std::uint32_t original = host_baud_;
    const std::uint32_t baud = opt_.baud.value_or(115200);
    warn("the module refuses other commands and downloads until the update has finished");
    start_update(fmt::format("AT+UFWUPD={},{}", opt_.port_id, baud), baud);
    send_xmodem();
    int code = follow_progress(opt_.install_timeout);
    fail_on_code(code, "AT+UFWUPD");
    set_host_baud(original);  // after the reboot the module talks at its stored rate again
    reach_module(Millis(120000), "reboot");
}

void FoatSession::udwnfile() {
    check_foat_area(true);
    warn("AT+UFWUPD and other downloads are forbidden while the FOAT file download runs");
    auto r = ch_->command_with_data(
        fmt::format("AT+UDWNFILE=\"{}\",{},\"FOAT\"", foat_file, package_.size()), package_,
        Millis(20000), Millis(60000 + package_.size() / 5), [this](std::size_t n) {
            report(opt_.progress, {"transfer", "bytes", n, package_.size(), n == package_.size()});
        });
    if (!r.ok())
        throw ProtocolError(fmt::format("AT+UDWNFILE failed: {}", r.final.line),
                            state_now() + ", unchanged", "run foat again");
    if (family_ == UbloxFamily::r4) return install_r4();
    ch_->command_ok(fmt::format("AT+UFWINSTALL={},{}", opt_.port_id, opt_.baud.value_or(115200)),
                    Millis(60000));
    int code = follow_progress(opt_.install_timeout);
    fail_on_code(code, "AT+UFWINSTALL");
    reach_module(Millis(120000), "reboot");
}

// Follows +UFWPREVAL / +UFWUPD / +UFWINSTALL / +UUFWINSTALL until a final code (> 100).
int FoatSession::follow_progress(Millis limit) {
    Deadline deadline(limit);
    while (true) {
        auto line = ch_->wait_line(
            [](const std::string& l) {
                return at::ublox::parse_foat_line(l) || l == "Timeout" || l == "ERROR";
            },
            deadline.remaining());
        if (!line)
            throw TimeoutError(fmt::format("no install result within {} s", limit.count() / 1000),
                               "unknown: the install may still be running",
                               "wait, then check the version with `cellrescue at send ATI9`");
        if (*line == "Timeout")
            throw TimeoutError("the module timed out waiting for the package (Timeout)",
                               state_now() + "; it reboots to its old firmware", "run foat again");
        if (*line == "ERROR")
            throw ProtocolError("the module answered ERROR during the update",
                                state_now() +
                                    "; it stays in update mode expecting a fresh "
                                    "XMODEM handshake",
                                "run foat again with a valid package");
        auto f = at::ublox::parse_foat_line(*line);
        if (f->final()) return f->value;
        report(opt_.progress, {f->kind == "UFWPREVAL" ? "validation" : "installation", "%",
                               static_cast<std::uint64_t>(f->value), 100, f->value == 100});
    }
}

// The module lost power during an install and waits in update mode: send the package now.
void FoatSession::recover_update_mode() {
    warn(
        "the module is in update mode (an earlier install was interrupted): sending the "
        "package to it now");
    report_.method += " (update-mode recovery)";
    report_.ati9_before = "(update mode)";
    send_xmodem();
    int code = follow_progress(opt_.install_timeout);
    fail_on_code(code, "update mode");
    reach_module(Millis(120000), "reboot");
    identify(false);
    report_.updated = true;
    close_port();
}

}  // namespace cr::workflows
