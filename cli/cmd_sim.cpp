// `cellrescue sim ...`: create, inspect and put virtual modules into states.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/usb_presence.hpp"
#include "sim/core/virtual_module.hpp"

namespace cr::cli {
namespace {

nlohmann::json describe(const sim::VirtualModule& m) {
    auto j = sim::to_json(m.state());
    j["product"] = m.model().product;
    j["device"] = "sim:" + m.id();
    return j;
}

std::string describe_text(const sim::VirtualModule& m) {
    auto s = m.state();
    std::string imeis;
    for (const auto& i : s.imeis) imeis += (imeis.empty() ? "" : ", ") + i;
    return fmt::format("sim:{:<12} {:<20} mode {:<9} firmware {}  IMEI {}", m.id(),
                       m.model().product, sim::to_string(s.mode), s.firmware, imeis);
}

void add_list(CLI::App& sim, Context& ctx) {
    auto* cmd = sim.add_subcommand("list", "list the virtual modules and the models available");
    cmd->callback([&ctx] {
        spdlog::info("listing virtual modules in {}", ctx.sim_dir().string());
        nlohmann::json out{{"modules", nlohmann::json::array()},
                           {"models", nlohmann::json::array()}};
        std::string text;
        for (const auto& id : sim::VirtualModule::list(ctx.sim_dir())) {
            auto m = sim::VirtualModule::open(ctx.sim_dir(), id);
            out["modules"].push_back(describe(*m));
            text += describe_text(*m) + "\n";
        }
        if (text.empty()) text = "no virtual modules yet (any sim:<model> creates one)\n";
        text += "models:";
        for (const auto& model : sim::all_models()) {
            out["models"].push_back({{"id", model.id}, {"product", model.product}});
            text += " " + model.id;
        }
        ctx.emit(out, text);
    });
}

void add_set(CLI::App& sim, Context& ctx) {
    auto* cmd = sim.add_subcommand("set", "put a virtual module into a state");
    auto id = std::make_shared<std::string>();
    auto state = std::make_shared<std::string>();
    auto imei = std::make_shared<std::string>();
    auto imei2 = std::make_shared<std::string>();
    auto firmware = std::make_shared<std::string>();
    cmd->add_option("module", *id, "model[#n], e.g. rm520n or rm520n#2")->required();
    std::string states;
    for (const auto& s : sim::known_states()) states += (states.empty() ? "" : "|") + s;
    cmd->add_option("--state", *state, states);
    cmd->add_option("--imei", *imei, "the module's own (label) IMEI for SIM 1");
    cmd->add_option("--imei2", *imei2, "the module's own (label) IMEI for SIM 2");
    cmd->add_option("--firmware", *firmware, "firmware revision the module reports");
    cmd->callback([&ctx, id, state, imei, imei2, firmware] {
        auto m = sim::VirtualModule::open(ctx.sim_dir(), *id);
        sim::StateOptions options;
        if (!imei->empty()) options.imeis.push_back(*imei);
        if (!imei2->empty()) options.imeis.push_back(*imei2);
        if (!firmware->empty()) options.firmware = *firmware;
        sim::apply_state(*m, *state, options);
        ctx.emit(describe(*m), describe_text(*m));
    });
}

void add_show_and_reset(CLI::App& sim, Context& ctx) {
    auto id = std::make_shared<std::string>();
    auto* show = sim.add_subcommand("show", "show a virtual module's state");
    show->add_option("module", *id, "model[#n]")->required();
    show->callback([&ctx, id] {
        auto m = sim::VirtualModule::open(ctx.sim_dir(), *id);
        ctx.emit(describe(*m), describe_text(*m));
    });
    auto rid = std::make_shared<std::string>();
    auto* reset = sim.add_subcommand("reset", "delete a virtual module (next use starts afresh)");
    reset->add_option("module", *rid, "model[#n]")->required();
    reset->callback([&ctx, rid] {
        sim::VirtualModule::remove(ctx.sim_dir(), *rid);
        ctx.emit({{"removed", *rid}}, fmt::format("removed sim:{}", *rid));
    });
}

// A station's hub dropping a module, a module plugged in late (sim/core/usb_presence).
void add_plug(CLI::App& sim, Context& ctx) {
    auto id = std::make_shared<std::string>();
    auto after = std::make_shared<std::uint64_t>(0);
    auto* unplug = sim.add_subcommand("unplug", "pull a virtual module off the bus (now or later)");
    unplug->add_option("module", *id, "model[#n]")->required();
    unplug->add_option("--after-bytes", *after,
                       "stay plugged until its programmer has taken this many bytes of program "
                       "data, then drop off mid-transfer (a hub fault)");
    unplug->callback([&ctx, id, after] {
        auto m = sim::VirtualModule::open(ctx.sim_dir(), *id);
        sim::unplug(*m, *after ? std::optional<std::uint64_t>(*after) : std::nullopt);
        ctx.emit({{"unplugged", *id}, {"after_bytes", *after}},
                 *after
                     ? fmt::format("sim:{} drops off after {} bytes of program data", *id, *after)
                     : fmt::format("sim:{} unplugged", *id));
    });
    auto pid = std::make_shared<std::string>();
    auto* plug = sim.add_subcommand("plug", "plug a virtual module back in (clears a fault)");
    plug->add_option("module", *pid, "model[#n]")->required();
    plug->callback([&ctx, pid] {
        auto m = sim::VirtualModule::open(ctx.sim_dir(), *pid);
        sim::plug(*m);
        ctx.emit(describe(*m), describe_text(*m));
    });
}

}  // namespace

void register_sim(CLI::App& app, Context& ctx) {
    auto* sim = app.add_subcommand("sim", "virtual modules: try every command without hardware");
    sim->require_subcommand(1);
    add_list(*sim, ctx);
    add_set(*sim, ctx);
    add_show_and_reset(*sim, ctx);
    add_plug(*sim, ctx);
    register_sim_programmer(*sim, ctx);
    register_sim_serve(*sim, ctx);
    register_sim_ublox(*sim, ctx);
    register_sim_firmware(*sim, ctx);
}

}  // namespace cr::cli
