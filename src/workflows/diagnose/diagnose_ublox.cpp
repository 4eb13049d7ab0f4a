// u-blox rules (PROTOCOLS.md §9): engineering firmware, full-flash thresholds, MNO profile,
// the NV backup status AT+UBKUPDATA? reports.
#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/diagnose/diagnose_evidence.hpp"

namespace cr::workflows {
namespace {

// "L0.0.00.00.05.12,A.02.19" -> 512 (major*100+minor of the last two fields); nullopt if the
// text is not in that shape.
std::optional<int> sara_r4_version(const std::string& ati9) {
    auto first = ati9.substr(0, ati9.find_first_of(",\n"));
    if (first.empty() || first[0] != 'L') return std::nullopt;
    std::vector<std::string> parts;
    std::stringstream ss(first);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    if (parts.size() < 3) return std::nullopt;
    const auto& a = parts[parts.size() - 2];
    const auto& b = parts[parts.size() - 1];
    if (a.empty() || b.empty() || a.find_first_not_of("0123456789") != std::string::npos ||
        b.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::atoi(a.c_str()) * 100 + std::atoi(b.c_str());
}

std::vector<int> csv_ints(const std::string& text) {
    std::vector<int> out;
    std::stringstream ss(text);
    for (std::string p; std::getline(ss, p, ',');) out.push_back(std::atoi(p.c_str()));
    return out;
}

}  // namespace

std::vector<Finding> evaluate_ublox(const Observation& o) {
    std::vector<Finding> out;
    const bool engineering = o.firmware.starts_with("M0.00.00");
    if (engineering)
        out.push_back({"ublox-engineering-firmware", Severity::critical,
                       "engineering firmware M0.00.00: AT+CFUN=1 fails with phone failure",
                       pick_evidence(o, {"AT+CGMR", "ATI9", "AT+CFUN?"}),
                       "the module left the factory (or a bad update left it) with all-zero "
                       "engineering firmware",
                       "a full flash with u-blox's EasyFlash/DMSS path is needed; FOAT (AT+UFWUPD) "
                       "cannot update from this version (docs/rescue.md, docs/ublox.md)"});
    if (auto v = sara_r4_version(o.ati); v && *v < 512 && !engineering)
        out.push_back({"ublox-full-flash-required", Severity::warning,
                       fmt::format("firmware {:02}.{:02} is below 05.12: only a full flash reaches "
                                   "02B-03",
                                   *v / 100, *v % 100),
                       pick_evidence(o, {"ATI9", "AT+CGMR"}),
                       "FOAT deltas exist only from 05.12 onwards",
                       "full flash (EasyFlash) to the 02B-03 baseline; FOAT works afterwards"});
    if (o.mno_profile && *o.mno_profile == 0)
        out.push_back({"ublox-mno-profile-unset", Severity::warning,
                       "MNO profile 0 (SW default): the radio will not turn on",
                       pick_evidence(o, {"AT+UMNOPROF?"}),
                       "first-time setup after a flash or a factory reset",
                       fmt::format("set the operator's profile and reset: `cellrescue at send "
                                   "\"AT+UMNOPROF=<n>\" -d {0}` then `cellrescue at send "
                                   "\"AT+CFUN=15\" -d {0}`",
                                   o.device)});
    if (o.ubkupdata) {
        auto f = csv_ints(*o.ubkupdata);
        if (f.size() >= 5 && f[4] != 0)
            out.push_back({"ublox-nv-backup-failed", Severity::warning,
                           "the module's own NV backup reports a failed operation",
                           pick_evidence(o, {"AT+UBKUPDATA?"}),
                           "the last NV backup/restore inside the module failed",
                           "take a DIAG calibration backup before any flash; contact u-blox "
                           "support with the AT+UBKUPDATA? reply"});
        else if (f.size() >= 3 && f[2] == 0)
            out.push_back({"ublox-no-nv-backup", Severity::info,
                           "the module holds no internal NV backup yet",
                           pick_evidence(o, {"AT+UBKUPDATA?"}),
                           "no backup since the last full flash (one is made at first boot)",
                           "reboot once (AT+CFUN=15) so it makes one; keep a DIAG backup too"});
    }
    return out;
}

}  // namespace cr::workflows
