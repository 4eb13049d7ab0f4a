// `cellrescue foat`, `cellrescue xmodem send`, `cellrescue sim make-package|ublox`.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "protocols/xmodem/xmodem.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ublox/ublox_package.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/transport/serial_transport.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/workflows/foat/foat.hpp"

namespace cr::cli {
namespace {

Bytes read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw NotFoundError(fmt::format("cannot open {}", path), {}, "check the file name");
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string report_text(const workflows::FoatReport& r) {
    std::string t = fmt::format("FOAT on {} ({}, method {})\n", r.device, r.model, r.method);
    t += fmt::format("  before: ATI9 {}  CGMR {}\n", r.ati9_before, r.cgmr_before);
    t += fmt::format("  after:  ATI9 {}  CGMR {}\n", r.ati9_after, r.cgmr_after);
    t += fmt::format("  result: {} ({})", r.result_code, r.result_text);
    t += r.updated ? "\n  the module was updated" : "\n  the version did not change";
    return t;
}

nlohmann::json report_json(const workflows::FoatReport& r) {
    return {{"device", r.device},
            {"model", r.model},
            {"method", r.method},
            {"before", {{"ati9", r.ati9_before}, {"cgmr", r.cgmr_before}}},
            {"after", {{"ati9", r.ati9_after}, {"cgmr", r.cgmr_after}}},
            {"result_code", r.result_code},
            {"result", r.result_text},
            {"updated", r.updated},
            {"warnings", r.warnings}};
}

void add_foat(CLI::App& app, Context& ctx) {
    struct Args {
        std::string file, method = "ufwupd";
        unsigned baud = 0;
        unsigned port_id = 1;
        double install_timeout = 25 * 60;
        double poll_interval = 5;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("foat", "update a u-blox module's firmware over AT (FOAT)");
    cmd->add_option("file", a->file, "the update package (.bin)")->required();
    cmd->add_option("--method", a->method, "ufwupd (XMODEM) or udwnfile (file system)")
        ->check(CLI::IsMember({"ufwupd", "udwnfile"}));
    cmd->add_option("--baud", a->baud,
                    "R4: AT+IPR rate for the transfer (921600, 3000000); "
                    "R5/LENA: the AT+UFWUPD/UFWINSTALL rate");
    cmd->add_option("--module-port", a->port_id, "R5/LENA <port> parameter (default 1)");
    cmd->add_option("--install-timeout", a->install_timeout,
                    "seconds to wait for the module to come back (default 1500)");
    cmd->add_option("--poll-interval", a->poll_interval, "seconds between attempts to reach it");
    cmd->callback([&ctx, a] {
        auto device = ctx.open_device();
        workflows::FoatOptions o;
        o.package = a->file;
        o.method = a->method == "udwnfile" ? workflows::FoatMethod::udwnfile
                                           : workflows::FoatMethod::ufwupd;
        if (a->baud) o.baud = a->baud;
        o.port_id = a->port_id;
        o.install_timeout = Millis(static_cast<long>(a->install_timeout * 1000));
        o.poll_interval = Millis(static_cast<long>(a->poll_interval * 1000));
        o.progress = ctx.progress();
        o.warn = [&ctx](const std::string& w) {
            if (!ctx.options.json) std::cerr << "warning: " << w << "\n";
        };
        auto r = workflows::run_foat(*device, o);
        ctx.emit(report_json(r), report_text(r));
    });
}

void add_xmodem(CLI::App& app, Context& ctx) {
    auto* x = app.add_subcommand("xmodem", "XMODEM transfers on a serial port");
    x->require_subcommand(1);
    struct Args {
        std::string file, port;
        bool one_k = false;
        unsigned baud = 115200;
    };
    auto a = std::make_shared<Args>();
    auto* send = x->add_subcommand("send", "send a file to a receiver waiting on PORT");
    send->add_option("file", a->file, "the file to send")->required();
    send->add_option("--port", a->port, "the serial port (/dev/ttyUSB0)")->required();
    send->add_flag("--1k", a->one_k, "1024-byte blocks (XMODEM-1K, CRC mode)");
    send->add_option("--baud", a->baud, "line rate (default 115200)");
    send->callback([&ctx, a] {
        Bytes data = read_whole(a->file);
        auto port = SerialTransport::open(a->port, SerialOptions{a->baud, true, false});
        xmodem::SendOptions o;
        o.one_k = a->one_k;
        o.progress = ctx.progress();
        auto st = xmodem::send(*port, data, o);
        ctx.emit(
            {{"file", a->file},
             {"bytes", data.size()},
             {"blocks", st.blocks},
             {"block_size", st.block_size},
             {"crc", st.crc},
             {"retransmits", st.retransmits}},
            fmt::format("sent {} bytes in {} blocks of {} ({} mode, {} resent)", data.size(),
                        st.blocks, st.block_size, st.crc ? "CRC" : "checksum", st.retransmits));
    });
}

void add_make_package(CLI::App& sim, Context& ctx) {
    struct Args {
        std::string model, version, from = "*", out;
        std::size_t size = 64 * 1024;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = sim.add_subcommand("make-package",
                                   "write an update package the virtual u-blox modules accept");
    cmd->add_option("--model", a->model, "sara-r412m | sara-r5 | lena-r8")->required();
    cmd->add_option("--version", a->version,
                    "the firmware it installs (ATI9 form, e.g. "
                    "\"L0.0.00.00.05.12,A.02.21\")")
        ->required();
    cmd->add_option("--from", a->from, "the firmware it requires (default: any)");
    cmd->add_option("--size", a->size, "payload bytes (default 65536)");
    cmd->add_option("-o,--output", a->out, "output file")->required();
    cmd->callback([&ctx, a] {
        const auto& model = sim::require_model(a->model);
        if (model.vendor != sim::Vendor::ublox)
            throw UsageError(fmt::format("{} is not a u-blox module", model.product), {},
                             "use --model sara-r412m, sara-r5 or lena-r8");
        Bytes pkg = sim::ublox::make_package({a->model, a->version, a->from, a->size});
        write_file_atomically(a->out, pkg);
        ctx.emit(
            {{"package", a->out},
             {"model", a->model},
             {"version", a->version},
             {"bytes", pkg.size()}},
            fmt::format("wrote {} ({} bytes): {} -> {}", a->out, pkg.size(), a->model, a->version));
    });
}

void add_sim_ublox(CLI::App& sim, Context& ctx) {
    struct Args {
        std::string id;
        double time_scale = -1;
        int pace = -1;
        bool power_loss = false;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = sim.add_subcommand("ublox", "u-blox virtual module settings and events");
    cmd->add_option("module", a->id, "sara-r412m | sara-r5 | lena-r8 [#n]")->required();
    cmd->add_option("--time-scale", a->time_scale,
                    "multiply the module's delays (0.001: a 21 min install takes 1.3 s)");
    cmd->add_option("--pace", a->pace, "1: pace XMODEM to the line rate (benchmarks), 0: off");
    cmd->add_flag("--power-loss", a->power_loss,
                  "cut the power now: an install in progress leaves it in update mode");
    cmd->callback([&ctx, a] {
        auto m = sim::VirtualModule::open(ctx.sim_dir(), a->id);
        if (m->model().vendor != sim::Vendor::ublox)
            throw UsageError(fmt::format("{} is not a u-blox module", m->model().product));
        m->update([&](sim::ModuleState& s) {
            auto u = sim::ublox::load(s);
            if (a->time_scale >= 0) u.time_scale = a->time_scale;
            if (a->pace >= 0) u.pace = a->pace != 0;
            if (a->power_loss && u.install_until_ms > 0) {
                u.update_mode = true;
                u.install_until_ms = 0;
            }
            sim::ublox::store(s, u);
        });
        auto u = sim::ublox::load(m->state());
        ctx.emit({{"module", m->id()}, {"ublox", m->state().extra["ublox"]}},
                 fmt::format("sim:{} firmware {}  time scale {}  pace {}{}", m->id(),
                             m->state().firmware, u.time_scale, u.pace ? "on" : "off",
                             u.update_mode ? "  IN UPDATE MODE (power lost during install)" : ""));
    });
}

}  // namespace

void register_ublox(CLI::App& app, Context& ctx) {
    add_foat(app, ctx);
    add_xmodem(app, ctx);
}

void register_sim_ublox(CLI::App& sim, Context& ctx) {
    add_make_package(sim, ctx);
    add_sim_ublox(sim, ctx);
}

}  // namespace cr::cli
