// serve_edl: the virtual module's EDL port. Sahara first (sim/edl/sahara_target), then the
// Firehose programmer (sim/firehose) once an upload was accepted.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sim/edl/sahara_target.hpp"
#include "sim/firehose/firehose_target.hpp"
#include "sim/ports.hpp"

namespace cr::sim {
namespace {

SaharaTargetConfig target_config(const VirtualModule& module, const ModuleState& state) {
    const auto& model = module.model();
    SaharaTargetConfig c;
    c.version = model.sahara_version >= 3 ? 3 : 2;
    c.memory_debug = state.mode == Mode::crashdump;
    c.identity = {model.msm_hw_id, state.pk_hash_hex, model.id};
    c.serial = state.serial;
    c.sbl_version = c.version >= 3 ? 0x00030001 : 0x00000002;
    // Protocol v3 targets refuse exec 0x02 (chip-ID v3 carries the MSM id instead).
    c.refuse_msm_hw_id = c.version >= 3;
    c.crash = crash_memory_for(model.msm_hw_id, c.version >= 3);
    return c;
}

}  // namespace

void serve_edl(VirtualModule& module, Transport& port, std::stop_token stop) {
    ModuleState state = module.state();
    if (state.mode == Mode::edl && state.firehose_running) {
        serve_firehose(module, port, stop);
        return;
    }
    auto config = target_config(module, state);
    auto record = [&](const TargetOutcome& o) {
        module.update([&](ModuleState& s) { s.extra["sahara"]["last_status"] = o.last_status; });
    };
    TargetOutcome outcome = serve_sahara(config, port, stop, record);
    if (outcome.end == TargetEnd::programmer_accepted) {
        module.update([&](ModuleState& s) {
            s.firehose_running = true;
            auto& j = s.extra["sahara"];
            j["last_programmer_sha256"] = outcome.programmer_sha256;
            j["last_programmer_size"] = outcome.programmer_size;
            j["last_upload_requests"] = outcome.requests;
            j["uploads"] = j.value("uploads", 0) + 1;
        });
        spdlog::debug("virtual {}: programmer accepted, Firehose running", module.id());
        serve_firehose(module, port, stop);
    } else if (outcome.end == TargetEnd::reset && state.mode == Mode::crashdump) {
        // After the dump the module reboots; the crash was a one-off.
        module.update([](ModuleState& s) { s.mode = Mode::normal; });
    }
}

}  // namespace cr::sim
