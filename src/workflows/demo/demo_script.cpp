// The demo's story, step by step (demo.hpp).
#include <fmt/format.h>

#include "src/workflows/demo/demo.hpp"

namespace cr::workflows {
namespace {

DemoStep step(std::string title, std::string why, std::vector<std::string> args) {
    DemoStep s;
    s.title = std::move(title);
    s.why = std::move(why);
    s.args = std::move(args);
    return s;
}

}  // namespace

std::vector<DemoStep> demo_script(const DemoOptions& o) {
    const std::string dev = "sim:" + o.model;
    const std::string fw = (o.work_dir / "firmware").string();
    // The programmer inside the package `sim make-firmware` writes (Quectel layout).
    const std::string prog =
        (o.work_dir / "firmware" / "update" / "firehose" / "prog_firehose_lite.elf").string();
    std::vector<DemoStep> s;
    s.push_back(step("A healthy module", "the user's module works: CFUN=1, IMEI present",
                     {"diagnose", "-d", dev}));
    s.push_back(step("Its identity", "what the module says about itself", {"info", "-d", dev}));
    s.back().optional = true;
    s.push_back(step("A backup before flashing", "calibration + IMEI into the backup store",
                     {"backup", "-d", dev}));
    s.push_back(step("The firmware package", "the package the user is about to flash",
                     {"sim", "make-firmware", "--model", o.model, "-o", fw}));
    s.push_back(step("Into EDL",
                     "the flashing tool reboots the module into emergency download mode",
                     {"sim", "set", o.model, "--state", "edl"}));
    s.push_back(step("The bad flash",
                     "QFirehose -e erases everything, the calibration partition efs2 included",
                     {"edl", "erase", "efs2", "-d", dev, "--programmer", prog, "--no-backup",
                      "--i-understand-calibration-loss", "--yes"}));
    s.back().fallback = {"sim", "set", o.model, "--state", "cfun5"};
    s.push_back(step("Reboot", "the flash ends with a reset to normal mode",
                     {"edl", "reset", "-d", dev, "--programmer", prog}));
    s.back().fallback = {"sim", "set", o.model, "--state", "normal"};
    s.back().skip_after_fallback = true;
    s.push_back(step("The forum post", "CFUN=5, AT+CFUN=1 refused, no IMEI: what is wrong?",
                     {"diagnose", "-d", dev}));
    s.back().expected_exit = 11;  // diagnose's exit status for a critical finding
    s.push_back(step("The rescue", "restore its own calibration from the backup and verify",
                     {"rescue", "-d", dev, "--yes"}));
    return s;
}

std::string demo_command_line(const DemoOptions& o, const std::vector<std::string>& args) {
    std::string line =
        fmt::format("cellrescue --sim-dir {} --backup-dir {}", (o.work_dir / "sim").string(),
                    (o.work_dir / "backups").string());
    for (const auto& a : args) line += " " + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
    return line;
}

}  // namespace cr::workflows
