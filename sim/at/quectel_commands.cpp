// The Quectel AT commands the virtual module answers (dispatch of QuectelPersonality).
#include <fmt/format.h>

#include "sim/at/at_state.hpp"
#include "sim/at/module_facts.hpp"
#include "sim/at/quectel_personality.hpp"
#include "sim/at/quectel_settings.hpp"

namespace cr::sim {
namespace {

int at_int(const ModuleState& s, const char* key) {
    return at_state::of(s).value(key, 0);
}

// "Quectel RM520N-GL" -> "RM520N-GL": the second ATI line.
std::string_view model_line(const ModelSpec& model) {
    std::string_view p = model.product;
    if (p.starts_with("Quectel ")) p.remove_prefix(8);
    return p;
}

}  // namespace

std::string QuectelPersonality::dispatch(std::string_view cmd, bool& drop) {
    const std::string u = at_state::upper(cmd);
    const ModuleState state = module_.state();
    if (u.empty()) return "\r\nOK\r\n";
    if (u == "E0" || u == "E1" || u == "E") {
        echo_ = u == "E1";
        return "\r\nOK\r\n";
    }
    if (u.starts_with("+CMEE=")) {
        auto v = u.substr(6);
        if (v != "0" && v != "1" && v != "2") return cme(50);
        cmee_ = v[0] - '0';
        return "\r\nOK\r\n";
    }
    if (u == "+CMEE?") return info(fmt::format("+CMEE: {}", cmee_));
    if (u == "I" || u == "I0")
        return info(fmt::format("Quectel\r\n{}\r\nRevision: {}", model_line(module_.model()),
                                state.firmware));
    if (u == "+QGMR" || u == "+CGMR" || u == "+GMR") return info(state.firmware);
    if (u == "+CGMI" || u == "+GMI") return info("Quectel");
    // Settings live in the state, not in the EFS: answered without reading the EFS.
    if (auto reply = quectel_settings_command(module_, cmd)) return *reply;
    const ModuleFacts facts = read_module_facts(module_);
    const int cfun = at_cfun(facts, at_user_cfun(state));
    if (u == "+CFUN?") return info(fmt::format("+CFUN: {}", cfun));
    if (u == "+CFUN=?") return info("+CFUN: (0,1,4),(0,1)");
    if (u.starts_with("+CFUN=")) {
        auto v = u.substr(6);
        if (v == "1,1" || v == "0,1" || v == "4,1") {
            // Reset: the restored EFS becomes live, the port drops, RDY greets the next open.
            reset_modem(module_);
            quectel_settings_boot(module_);  // reboot-effect settings become live
            at_state::set(module_, "cfun", 1);
            at_state::set(module_, "rdy_pending", true);
            drop = true;
            return "\r\nOK\r\n";
        }
        if (v != "0" && v != "1" && v != "4") return cme(50);
        // A skeleton EFS (or FTM/pending restore) cannot bring the radio up.
        if (v == "1" && cfun != 1 && cfun != 0 && cfun != 4) return cme(3);
        at_state::set(module_, "cfun", v[0] - '0');
        return "\r\nOK\r\n";
    }
    if (u == "+CGSN" || u == "+GSN" || u == "+CGSN=1")
        return facts.imei ? info(*facts.imei) : "\r\nOK\r\n";
    if (u == "+EGMR=0,7") return info(fmt::format("+EGMR: \"{}\"", facts.imei.value_or("")));
    if (u == "+CPIN?") {
        if (!at_sim_inserted(state)) return cme(10);
        if (cfun != 1 && cfun != 4) return cme(13);
        return info("+CPIN: READY");
    }
    if (u == "+CSQ")
        return info(cfun == 1 && at_sim_inserted(state) ? "+CSQ: 21,99" : "+CSQ: 99,99");
    if (u == "+QPRTPARA=1") {  // back the NV up into Quectel's protected area
        if (facts.not_calibrated) return cme(3);
        at_state::set(module_, "prtpara_backups", at_int(state, "prtpara_backups") + 1);
        return "\r\nOK\r\n";
    }
    if (u == "+QPRTPARA=4")
        return info(fmt::format("+QPRTPARA: {},{}", at_int(state, "prtpara_backups"),
                                at_int(state, "prtpara_restores")));
    if (u == "+QPRTPARA=3") {
        // The protected copy is not modelled as data: the virtual module cannot restore from it
        // and says so, rather than pretending a restore happened.
        return cme(4);
    }
    return "\r\nERROR\r\n";
}

}  // namespace cr::sim
