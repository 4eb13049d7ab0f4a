// The diagnosis rules: observations -> findings (pure; PROTOCOLS.md §7 and §9).
#include <fmt/format.h>

#include <algorithm>

#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/diagnose/diagnose_evidence.hpp"

namespace cr::workflows {
namespace {

bool imei_missing(const Observation& o) {
    if (o.imei_nv) return o.imei_nv->empty();
    return o.imei_at && o.imei_at->empty();
}

void mode_findings(const Observation& o, std::vector<Finding>& out) {
    if (o.mode == DeviceMode::edl)
        out.push_back(
            {"edl-mode",
             Severity::critical,
             "the module is in Qualcomm emergency download mode (EDL, 9008)",
             {{"USB mode", "EDL (Sahara)"}},
             "an interrupted or failed flash, a forced EDL switch, or a boot chain that "
             "no longer starts",
             fmt::format("save the calibration partitions first: `cellrescue backup -d {0}`; "
                         "then flash a full firmware package: `cellrescue flash PKG -d "
                         "{0}`, or reboot it if the firmware is intact: `cellrescue edl "
                         "reset -d {0}`",
                         o.device)});
    else if (o.mode == DeviceMode::crashdump)
        out.push_back({"crash-dump",
                       Severity::critical,
                       "the module crashed and waits in RAM-dump mode (900e)",
                       {{"USB mode", "crash dump (Sahara memory debug)"}},
                       "the modem firmware crashed (often a firmware/EFS mismatch)",
                       fmt::format("collect the dump (`cellrescue edl ramdump -d {0}`), then reset "
                                   "it (`cellrescue edl reset -d {0}`) and run diagnose again",
                                   o.device)});
    else if (o.mode == DeviceMode::absent)
        out.push_back({"no-device",
                       Severity::critical,
                       "the module is not on the bus",
                       {},
                       "unplugged, powered off, or rebooting",
                       "check power and USB, then run `cellrescue devices`"});
}

void quectel_findings(const Observation& o, const std::optional<BaselineInfo>& base,
                      std::vector<Finding>& out) {
    const bool no_rf = o.rfnv_files && *o.rfnv_files == 0;
    const bool no_imei = imei_missing(o);
    const bool wiped = no_imei && (no_rf || (!o.rfnv_files && o.cfun == 5));
    const std::string restore = fmt::format(
        "`cellrescue rescue -d {}` restores this module's own newest backup (or "
        "`cellrescue restore BACKUP -d {}`)",
        o.device, o.device);
    if (wiped)
        out.push_back({"efs2-wiped", Severity::critical,
                       "the EFS is a skeleton: RF calibration and IMEI are gone (CFUN=5)",
                       pick_evidence(o, {"AT+CFUN?", "AT+CGSN", "AT+EGMR=0,7", "DIAG NV_READ 550",
                                         "DIAG EFS ls /nv/item_files/rfnv", "DIAG EFS ls /nvm/num",
                                         "backup store"}),
                       "the efs2 partition was erased (QFirehose -e, a factory XML, an erase-all "
                       "flash); the firmware rebuilt an empty EFS",
                       restore + "; without any backup of this module, see docs/rescue.md "
                                 "(a donor's calibration works with worse RF, IMEI corrected to "
                                 "this module's own with --imei)"});
    else if (no_imei)
        out.push_back({"imei-missing", Severity::critical,
                       "the IMEI (NV 550) is missing but RF calibration is present",
                       pick_evidence(o, {"AT+CGSN", "AT+EGMR=0,7", "DIAG NV_READ 550",
                                         "DIAG EFS ls /nv/item_files/rfnv"}),
                       "NV 550 was erased or never restored (a partial restore, an NV reset)",
                       fmt::format("restore the module's own IMEI from its label or backup: "
                                   "`cellrescue rescue -d {} --imei <the IMEI on its label>`",
                                   o.device)});
    if (o.ftm_nv_present && o.ftm_nv && *o.ftm_nv != 0)
        out.push_back({"ftm-mode", Severity::critical,
                       fmt::format("NV_FTM_MODE (453) is {}: the module boots into factory test "
                                   "mode and keeps the radio off",
                                   *o.ftm_nv),
                       pick_evidence(o, {"DIAG NV_READ 453", "AT+CFUN?"}),
                       "a calibration station or a donor backup left FTM mode set",
                       fmt::format("write 0 to NV 453 and reset: `cellrescue diag nv write 453 00 "
                                   "-d {0}` then `cellrescue at send \"AT+CFUN=1,1\" -d {0}`",
                                   o.device)});
    if (o.cfun == 7)
        out.push_back({"cfun7-pending-reset", Severity::warning,
                       "CFUN=7: calibration was written but the module was not reset",
                       pick_evidence(o, {"AT+CFUN?"}),
                       "a restore ended without the final RESET (PROTOCOLS §4 restore practice)",
                       fmt::format("reset it: `cellrescue at send \"AT+CFUN=1,1\" -d {}`, then "
                                   "run diagnose again",
                                   o.device)});
    if (base && !o.firmware.empty() && !base->firmware.empty() &&
        o.firmware.find(base->firmware) == std::string::npos &&
        base->firmware.find(o.firmware) == std::string::npos)
        out.push_back({"baseline-changed",
                       Severity::warning,
                       fmt::format("firmware {} differs from {} in this module's last backup",
                                   o.firmware, base->firmware),
                       {{"AT+QGMR", o.firmware},
                        {"backup " + base->bundle.filename().string(), base->firmware}},
                       "the module was flashed with another firmware baseline since its backup; "
                       "calibration from another baseline may not load (CFUN=5)",
                       "flash the firmware the backup was taken on, or confirm the new baseline "
                       "accepts the calibration (diagnose shows healthy), then take a new backup"});
    if (o.cfun && (*o.cfun == 0 || *o.cfun == 4) && !wiped)
        out.push_back({"radio-off", Severity::info,
                       fmt::format("CFUN={}: the radio was switched off by command", *o.cfun),
                       pick_evidence(o, {"AT+CFUN?"}), "a host sent AT+CFUN=0 or 4",
                       fmt::format("`cellrescue at send \"AT+CFUN=1\" -d {}`", o.device)});
}

void common_findings(const Observation& o, std::vector<Finding>& out) {
    if (o.sim_ready && !*o.sim_ready)
        out.push_back({"sim-missing", Severity::info,
                       "no SIM card is ready (harmless for a repair)",
                       pick_evidence(o, {"AT+CPIN?"}), "no SIM inserted, or the radio is off",
                       "insert a SIM for network tests"});
    if (!o.at_ok && o.mode == DeviceMode::normal)
        out.push_back({"at-port-silent",
                       o.diag_ok ? Severity::warning : Severity::critical,
                       "the AT port does not answer",
                       {{"AT port", o.at_error}},
                       "the port is not an AT port, the module is busy or rebooting, or the "
                       "firmware is broken",
                       "wait a minute and retry; if it stays silent, reflash the firmware "
                       "(`cellrescue rescue --package PKG`)"});
}

}  // namespace

std::vector<Finding> evaluate_ublox(const Observation& o);  // diagnose_ublox.cpp

std::vector<Finding> evaluate(const Observation& o, const std::optional<BaselineInfo>& baseline) {
    std::vector<Finding> out;
    mode_findings(o, out);
    if (o.mode == DeviceMode::normal) {
        if (o.vendor == "ublox") {
            auto u = evaluate_ublox(o);
            out.insert(out.end(), u.begin(), u.end());
        } else if (o.at_ok || o.diag_ok) {
            quectel_findings(o, baseline, out);
        }
        if (o.at_ok || o.diag_ok) calibration_findings(o, baseline, out);
        common_findings(o, out);
    } else if (o.mode == DeviceMode::edl || o.mode == DeviceMode::crashdump) {
        calibration_findings(o, baseline, out);  // the store's journal still speaks
    }
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
        return static_cast<int>(a.severity) > static_cast<int>(b.severity);
    });
    bool bad = std::any_of(out.begin(), out.end(),
                           [](const Finding& f) { return f.severity >= Severity::warning; });
    if (!bad)
        out.insert(
            out.begin(),
            Finding{"healthy", Severity::ok,
                    o.vendor == "ublox"
                        ? "no problem found: firmware, IMEI and radio state look right"
                        : "the module is healthy: calibration and IMEI present, radio can run",
                    [&] {
                        auto e = pick_evidence(o, {"AT+CFUN?", "AT+CGSN", "DIAG NV_READ 550",
                                                   "DIAG EFS ls /nv/item_files/rfnv"});
                        return e;
                    }(),
                    "",
                    baseline ? "" : "take a backup now: `cellrescue backup -d " + o.device + "`"});
    return out;
}

}  // namespace cr::workflows
