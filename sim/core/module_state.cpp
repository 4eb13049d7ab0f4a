#include "sim/core/module_state.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr::sim {

std::string_view to_string(Mode mode) {
    switch (mode) {
        case Mode::normal: return "normal";
        case Mode::edl: return "edl";
        case Mode::crashdump: return "crashdump";
    }
    return "unknown";
}

Mode parse_mode(std::string_view text) {
    if (text == "normal") return Mode::normal;
    if (text == "edl") return Mode::edl;
    if (text == "crashdump") return Mode::crashdump;
    throw UsageError(fmt::format("unknown module mode '{}'", text), {},
                     "use normal, edl or crashdump");
}

nlohmann::json to_json(const ModuleState& s) {
    return {{"id", s.id},
            {"model", s.model},
            {"mode", std::string(to_string(s.mode))},
            {"firehose_running", s.firehose_running},
            {"serial", s.serial},
            {"pk_hash", s.pk_hash_hex},
            {"imeis", s.imeis},
            {"firmware", s.firmware},
            {"extra", s.extra}};
}

ModuleState module_state_from_json(const nlohmann::json& j) {
    try {
        ModuleState s;
        s.id = j.at("id").get<std::string>();
        s.model = j.at("model").get<std::string>();
        s.mode = parse_mode(j.at("mode").get<std::string>());
        s.firehose_running = j.value("firehose_running", false);
        s.serial = j.at("serial").get<std::uint32_t>();
        s.pk_hash_hex = j.at("pk_hash").get<std::string>();
        s.imeis = j.at("imeis").get<std::vector<std::string>>();
        s.firmware = j.at("firmware").get<std::string>();
        s.extra = j.value("extra", nlohmann::json::object());
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw DecodeError(fmt::format("virtual module state is damaged: {}", e.what()), {},
                          "reset it with `cellrescue sim reset <model>`");
    }
}

}  // namespace cr::sim
