#include "sim/at/quectel_personality.hpp"

#include <fmt/format.h>

#include "sim/at/at_state.hpp"
#include "sim/at/module_facts.hpp"

namespace cr::sim {
namespace {

std::string_view cme_text(int code) {
    switch (code) {
        case 0:
            return "phone failure";
        case 3:
            return "operation not allowed";
        case 4:
            return "operation not supported";
        case 10:
            return "SIM not inserted";
        case 13:
            return "SIM failure";
        case 50:
            return "incorrect parameters";
        default:
            return "unknown";
    }
}

}  // namespace

int at_user_cfun(const ModuleState& state) {
    return at_state::of(state).value("cfun", 1);
}
bool at_sim_inserted(const ModuleState& state) {
    return at_state::of(state).value("sim", false);
}

QuectelPersonality::QuectelPersonality(VirtualModule& module) : module_(module) {}

std::string QuectelPersonality::info(const std::string& body) const {
    return "\r\n" + body + "\r\n\r\nOK\r\n";
}

std::string QuectelPersonality::cme(int code) const {
    if (cmee_ == 0) return "\r\nERROR\r\n";
    if (cmee_ == 1) return fmt::format("\r\n+CME ERROR: {}\r\n", code);
    return fmt::format("\r\n+CME ERROR: {}\r\n", cme_text(code));
}

std::string QuectelPersonality::greeting() {
    auto state = module_.state();
    if (!at_state::of(state).value("rdy_pending", false)) return {};
    at_state::set(module_, "rdy_pending", false);
    // Boot URCs as a real module prints them after RDY.
    int cfun = at_cfun(read_module_facts(module_), at_user_cfun(state));
    std::string text = "\r\nRDY\r\n" + fmt::format("\r\n+CFUN: {}\r\n", cfun);
    text += at_sim_inserted(state) ? "\r\n+CPIN: READY\r\n" : "\r\n+CPIN: NOT INSERTED\r\n";
    return text + "\r\n+QIND: SMS DONE\r\n";
}

// Now and then (every fifth command) a URC follows the final result, as a live module's
// network and SIM events do: hosts must route them, not mistake them for the next reply.
std::string QuectelPersonality::urc_after_command() {
    if (++commands_ % 5 != 0) return {};
    auto state = module_.state();
    int cfun = at_cfun(read_module_facts(module_), at_user_cfun(state));
    if (cfun == 1 && at_sim_inserted(state)) return "\r\n+QIND: \"csq\",21,99\r\n";
    return "\r\n+QIND: PB DONE\r\n";
}

AtReply QuectelPersonality::handle(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
        line.remove_suffix(1);
    while (!line.empty() && (line.front() == '\n' || line.front() == ' ')) line.remove_prefix(1);
    AtReply reply;
    if (line.empty()) return reply;
    if (echo_) reply.text = std::string(line) + "\r";
    std::string u = at_state::upper(line);
    if (!u.starts_with("AT")) {
        reply.text += "\r\nERROR\r\n";
        return reply;
    }
    reply.text += dispatch(std::string_view(line).substr(2), reply.drop_port);
    if (!reply.drop_port) reply.text += urc_after_command();
    return reply;
}

}  // namespace cr::sim
