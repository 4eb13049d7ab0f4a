// `cellrescue diag ...` (NV items, EFS2 files, modem mode, SPC), `edl enter` (DIAG -> EDL) and
// `sim serve` (a virtual module's DIAG/AT ports on ptys).
#include <fmt/format.h>
#include <signal.h>

#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "nv/imei.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"
#include "src/workflows/session/diag_edl_switch.hpp"
#include "src/workflows/session/diag_pty_server.hpp"
#include "src/workflows/session/diag_session.hpp"

namespace cr::cli {
namespace {

std::string trimmed_hex(const Bytes& data) {
    std::size_t n = data.size();
    while (n > 0 && data[n - 1] == 0) --n;
    return to_hex(ByteView(data).first(n), " ");
}

nlohmann::json nv_json(const diag::NvResult& r) {
    nlohmann::json j{{"item", r.item}, {"sub", r.sub}, {"ok", r.ok()}, {"result", r.describe()}};
    if (r.diag_error)
        j["diag_error"] = r.diag_error;
    else
        j["status"] = r.status;
    if (r.ok()) j["data"] = to_hex(r.data);
    return j;
}

std::string nv_text(const diag::NvResult& r) {
    std::string t = fmt::format("NV {} (sub {}): {}", r.item, r.sub, r.describe());
    if (r.ok()) t += fmt::format("\n  data: {}", trimmed_hex(r.data));
    if (r.ok() && r.item == 550) {
        try {
            if (auto imei = nv::decode_imei_nv(r.data)) t += fmt::format("\n  IMEI: {}", *imei);
        } catch (const DecodeError&) {
            t += "\n  IMEI: (not a valid IMEI encoding)";
        }
    }
    return t;
}

// NV 550 is the module's identity: only a Luhn-valid IMEI, and only with an explicit --yes.
void check_imei_write(const Bytes& value, const Context& ctx) {
    std::optional<std::string> imei;
    try {
        imei = nv::decode_imei_nv(value);
    } catch (const DecodeError& e) {
        throw SafetyError(fmt::format("refusing to write NV 550: the value is not an IMEI "
                                      "encoding ({})",
                                      e.what()),
                          "nothing was written",
                          "encode the module's own IMEI with `cellrescue imei encode <IMEI>`");
    }
    if (!imei || !nv::is_valid_imei(*imei))
        throw SafetyError(
            "refusing to write NV 550: the value does not decode to a Luhn-valid "
            "IMEI",
            "nothing was written", "check the IMEI on the module's label");
    if (!ctx.options.yes)
        throw SafetyError(fmt::format("writing NV 550 sets the module's IMEI to {}: pass --yes "
                                      "to confirm it is this module's own IMEI",
                                      *imei),
                          "nothing was written",
                          "only ever write a module's own IMEI (its label or its own backup)");
}

void add_nv(CLI::App& diag, Context& ctx) {
    auto* nv = diag.add_subcommand("nv", "read and write numbered NV items");
    nv->require_subcommand(1);
    struct Args {
        std::uint16_t item = 0;
        std::uint16_t sub = 0;
        std::string hex;
    };
    auto a = std::make_shared<Args>();
    auto* rd = nv->add_subcommand("read", "read an NV item");
    rd->add_option("id", a->item, "NV item number (e.g. 550 = IMEI)")->required();
    rd->add_option("--sub", a->sub, "subscription / SIM slot (0 first, 1 second)");
    rd->callback([&ctx, a] {
        auto device = ctx.open_device();
        workflows::DiagSession s(*device);
        auto r = s.nv().read(a->item, a->sub);
        ctx.emit(nv_json(r), nv_text(r));
        if (!r.ok() && !r.not_active())
            throw ProtocolError(
                fmt::format("NV {} (sub {}) could not be read: {}", a->item, a->sub, r.describe()),
                "the module is running; nothing was changed",
                r.diag_error == diag::kBadSpcMode
                    ? "send the SPC first: `cellrescue diag spc <code>`"
                    : "this item may be write-only on this firmware");
    });
    auto* wr = nv->add_subcommand("write", "write an NV item (up to 128 bytes of hex)");
    wr->add_option("id", a->item, "NV item number")->required();
    wr->add_option("hex", a->hex, "the value as hex bytes")->required();
    wr->add_option("--sub", a->sub, "subscription / SIM slot (0 first, 1 second)");
    wr->callback([&ctx, a] {
        Bytes value = from_hex(a->hex);
        if (value.size() > diag::kNvDataSize)
            throw UsageError(
                fmt::format("an NV item holds at most 128 bytes, got {}", value.size()));
        if (a->item == 550) check_imei_write(value, ctx);
        auto device = ctx.open_device();
        if (!ctx.confirm(
                fmt::format("write NV {} (sub {}) on {}?", a->item, a->sub, device->name())))
            throw SafetyError("cancelled", "nothing was written");
        workflows::DiagSession s(*device);
        auto r = s.nv().write(a->item, value, a->sub);
        ctx.emit(nv_json(r), nv_text(r));
        if (!r.ok())
            throw ProtocolError(
                fmt::format("NV {} (sub {}) write failed: {}", a->item, a->sub, r.describe()),
                "the item keeps its previous value",
                r.diag_error == diag::kBadSpcMode
                    ? "send the SPC first: `cellrescue diag spc <code>`"
                    : "put the module offline (`diag mode offline`) and retry");
    });
}

char type_char(const diag::EfsDirEntry& e) {
    if (e.is_dir()) return 'd';
    if (e.is_item()) return 'i';
    return e.type == 2 ? 'l' : '-';
}

void add_efs_ls_get(CLI::App& efs, Context& ctx) {
    auto path = std::make_shared<std::string>();
    auto* ls = efs.add_subcommand("ls", "list an EFS directory (type, mode, size, name)");
    ls->add_option("path", *path, "directory, e.g. /nv/item_files/rfnv")->required();
    ls->callback([&ctx, path] {
        auto device = ctx.open_device();
        workflows::DiagSession s(*device);
        auto entries = s.efs().list(*path);
        nlohmann::json j = nlohmann::json::array();
        std::string text;
        for (const auto& e : entries) {
            j.push_back({{"name", e.name},
                         {"type", e.type},
                         {"mode", e.mode},
                         {"size", e.size},
                         {"mtime", e.mtime}});
            text +=
                fmt::format("{} {:06o} {:>9} {}\n", type_char(e), e.mode & 0177777, e.size, e.name);
        }
        if (entries.empty()) text = fmt::format("{} is empty\n", *path);
        ctx.emit({{"path", *path}, {"entries", j}}, text);
    });
    auto gpath = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto* get = efs.add_subcommand("get", "read an EFS file (hex on stdout, or -o FILE)");
    get->add_option("path", *gpath, "EFS file")->required();
    get->add_option("-o,--output", *out, "write the bytes to this local file");
    get->callback([&ctx, gpath, out] {
        auto device = ctx.open_device();
        workflows::DiagSession s(*device);
        auto st = s.efs().stat(*gpath);
        if (st.is_dir())
            throw UsageError(fmt::format("{} is a directory: use `diag efs ls`", *gpath));
        Bytes data = s.efs().read_file(*gpath, static_cast<std::uint32_t>(st.size));
        if (!out->empty()) write_file_atomically(*out, data);
        nlohmann::json j{{"path", *gpath}, {"size", data.size()}};
        if (out->empty())
            j["data"] = to_hex(data);
        else
            j["output"] = *out;
        ctx.emit(j, out->empty() ? to_hex(data, " ")
                                 : fmt::format("{}: {} bytes -> {}", *gpath, data.size(), *out));
    });
}

void add_efs_put_rm(CLI::App& efs, Context& ctx) {
    struct PutArgs {
        std::string path, file;
        bool item = false;
    };
    auto a = std::make_shared<PutArgs>();
    auto* put = efs.add_subcommand("put", "write a local file into the EFS");
    put->add_option("path", a->path, "EFS path")->required();
    put->add_option("file", a->file, "local file")->required()->check(CLI::ExistingFile);
    put->add_flag("--item", a->item, "write it as an item file (EFS2 PUT, up to 4 KiB)");
    put->callback([&ctx, a] {
        Bytes data = read_file(a->file);
        auto device = ctx.open_device();
        if (!ctx.confirm(
                fmt::format("write {} ({} bytes) on {}?", a->path, data.size(), device->name())))
            throw SafetyError("cancelled", "nothing was written");
        workflows::DiagSession s(*device);
        if (a->item)
            s.efs().put(a->path, data);
        else
            s.efs().write_file(a->path, data);
        s.efs().sync();
        ctx.emit({{"path", a->path}, {"size", data.size()}, {"item", a->item}},
                 fmt::format("{}: {} bytes written and synced", a->path, data.size()));
    });
    auto rpath = std::make_shared<std::string>();
    auto* rm = efs.add_subcommand("rm", "remove an EFS file or empty directory");
    rm->add_option("path", *rpath, "EFS path")->required();
    rm->callback([&ctx, rpath] {
        auto device = ctx.open_device();
        if (!ctx.confirm(fmt::format("remove {} on {}?", *rpath, device->name())))
            throw SafetyError("cancelled", "nothing was removed");
        workflows::DiagSession s(*device);
        try {
            s.efs().unlink(*rpath);
        } catch (const diag::EfsError& e) {
            if (e.err() != diag::efs::kEisdir) throw;
            s.efs().rmdir(*rpath);
        }
        s.efs().sync();
        ctx.emit({{"removed", *rpath}}, fmt::format("removed {}", *rpath));
    });
}

void add_mode_spc(CLI::App& diag, Context& ctx) {
    auto mode = std::make_shared<std::string>();
    auto* m = diag.add_subcommand("mode", "modem mode: offline | reset | online");
    m->add_option("mode", *mode, "offline, reset or online")
        ->required()
        ->check(CLI::IsMember({"offline", "reset", "online"}));
    m->callback([&ctx, mode] {
        auto device = ctx.open_device();
        workflows::DiagSession s(*device);
        diag::ControlMode cm = *mode == "offline" ? diag::ControlMode::offline_digital
                               : *mode == "reset" ? diag::ControlMode::reset
                                                  : diag::ControlMode::online;
        bool echoed = s.diag().control(cm);
        ctx.emit({{"mode", *mode}, {"acknowledged", echoed}},
                 *mode == "reset" ? fmt::format("{} is resetting", device->name())
                                  : fmt::format("{} is {}", device->name(), *mode));
    });
    auto code = std::make_shared<std::string>();
    auto* spc = diag.add_subcommand(
        "spc", "send the service programming code ONCE (wrong codes lock the module out)");
    spc->add_option("code", *code, "6 digits (default 000000)")->required();
    spc->callback([&ctx, code] {
        auto device = ctx.open_device();
        workflows::DiagSession s(*device);
        s.diag().send_spc(*code);
        ctx.emit({{"spc", "accepted"}}, "SPC accepted: protected items are unlocked until reset");
    });
}

}  // namespace

void register_diag(CLI::App& app, Context& ctx) {
    auto* diag = app.add_subcommand("diag", "talk to a module's DIAG (QCDM) port: NV, EFS, mode");
    diag->require_subcommand(1);
    add_nv(*diag, ctx);
    auto* efs = diag->add_subcommand("efs", "the module's EFS2 file system");
    efs->require_subcommand(1);
    add_efs_ls_get(*efs, ctx);
    add_efs_put_rm(*efs, ctx);
    add_mode_spc(*diag, ctx);
}

void register_edl_enter(CLI::App& edl, Context& ctx) {
    auto timeout = std::make_shared<int>(60);
    auto* cmd = edl.add_subcommand("enter", "switch a module in normal mode to EDL over DIAG");
    cmd->add_option("--timeout", *timeout, "seconds to wait for the EDL device (default 60)");
    cmd->callback([&ctx, timeout] {
        auto device = ctx.open_device();
        workflows::EdlSwitchOptions options;
        options.timeout = Millis(static_cast<std::int64_t>(*timeout) * 1000);
        workflows::enter_edl_via_diag(*device, options, ctx.progress());
        ctx.emit({{"device", device->name()}, {"mode", "edl"}},
                 fmt::format("{} is in EDL mode", device->name()));
    });
}

void register_sim_serve(CLI::App& sim, Context& ctx) {
    auto id = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    auto* cmd = sim.add_subcommand(
        "serve", "serve a virtual module's DIAG and AT ports on ptys until Ctrl-C");
    cmd->add_option("module", *id, "model[#n], e.g. rm520n")->required();
    cmd->add_option("--dir", *dir, "where to create the diag and at links")->required();
    cmd->callback([&ctx, id, dir] {
        // Block the stop signals before any thread starts, then wait for one synchronously.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
        auto module = sim::VirtualModule::open(ctx.sim_dir(), *id);
        workflows::PtyPortServer server(module, *dir);
        nlohmann::json ports = nlohmann::json::object();
        std::string text = fmt::format("serving sim:{} (Ctrl-C to stop)\n", *id);
        for (const auto& p : server.ports()) {
            ports[p.name] = {{"link", p.link.string()}, {"pty", p.slave}};
            text += fmt::format("  {:<5} {} -> {}\n", p.name, p.link.string(), p.slave);
        }
        ctx.emit({{"module", *id}, {"ports", ports}}, text);
        std::cout << std::flush;
        int sig = 0;
        sigwait(&stop_signals, &sig);
        server.stop();
    });
}

}  // namespace cr::cli
