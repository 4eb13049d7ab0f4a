#include "src/workflows/station/job_report.hpp"

#include <fmt/format.h>

#include <map>
#include <pugixml.hpp>
#include <sstream>

#include "src/util/atomic_file.hpp"
#include "src/util/bytes.hpp"

namespace cr::workflows {
namespace {

std::string or_dash(const std::string& s) {
    return s.empty() ? "-" : s;
}

std::string before_after(const std::string& a, const std::string& b) {
    if (a.empty() && b.empty()) return "-";
    if (a == b) return a;
    return fmt::format("{} -> {}", or_dash(a), or_dash(b));
}

nlohmann::json checks_json(const JobReport& r) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : r.checks)
        out.push_back({{"name", c.name},
                       {"result", !c.evaluated ? "not checked"
                                  : c.passed   ? "passed"
                                               : "failed"},
                       {"detail", c.detail}});
    return out;
}

}  // namespace

nlohmann::json to_json(const JobReport& r) {
    auto opt = [](const auto& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
    nlohmann::json j{
        {"device", r.device.name},
        {"usb_path", opt(r.device.usb_path)},
        {"chip_serial", opt(r.chip_serial)},
        {"model", opt(r.model)},
        {"imei_before", opt(r.imei_before)},
        {"imei_after", opt(r.imei_after)},
        {"firmware_before", opt(r.firmware_before)},
        {"firmware_after", opt(r.firmware_after)},
        {"backup", r.backup ? nlohmann::json(r.backup->string()) : nlohmann::json()},
        {"backup_intact", r.backup_intact ? nlohmann::json(*r.backup_intact) : nlohmann::json()},
        {"partitions_done", r.partitions_done},
        {"verified", r.verified},
        {"checks", checks_json(r)},
        {"bytes", r.bytes},
        {"seconds", r.seconds},
        {"result", std::string(to_string(r.result))},
        {"exit_code", r.exit_code},
        {"stage", r.stage},
        {"attempts", r.attempts},
        {"notes", r.notes},
        {"log", opt(r.log_file.string())}};
    if (r.result != JobResult::ok) {
        j["error"] = r.error;
        j["device_state"] = r.device_state;
        j["next_step"] = r.next_step;
        j["boots"] = opt(r.boot_state);
    }
    return j;
}

bool all_ok(const std::vector<JobReport>& reports) {
    if (reports.empty()) return false;
    for (const auto& r : reports)
        if (r.result != JobResult::ok) return false;
    return true;
}

nlohmann::json runs_to_json(const std::string& package, const std::vector<JobReport>& reports) {
    nlohmann::json devices = nlohmann::json::array();
    std::map<std::string, int> counts{{"ok", 0}, {"failed", 0}, {"refused", 0}, {"interrupted", 0}};
    for (const auto& r : reports) {
        devices.push_back(to_json(r));
        counts[devices.back()["result"].get<std::string>()]++;
    }
    nlohmann::json summary{{"total", reports.size()}};
    for (const auto& [k, v] : counts) summary[k] = v;
    return {{"package", package},
            {"devices", devices},
            {"summary", summary},
            {"all_ok", all_ok(reports)}};
}

std::string summary_table(const std::vector<JobReport>& reports) {
    std::string out =
        fmt::format("{:<14} {:<8} {:<10} {:<15} {:<22} {:<10} {:>10} {:>7} {}\n", "device", "usb",
                    "chip", "IMEI", "firmware", "backup", "bytes", "seconds", "result");
    for (const auto& r : reports) {
        std::string backup = r.backup ? r.backup->filename().string() : "-";
        if (backup.size() > 10) backup = backup.substr(0, 9) + "~";
        out += fmt::format("{:<14} {:<8} {:<10} {:<15} {:<22} {:<10} {:>10} {:>7.1f} {}\n",
                           r.device.name, or_dash(r.device.usb_path), or_dash(r.chip_serial),
                           or_dash(r.imei_after.empty() ? r.imei_before : r.imei_after),
                           before_after(r.firmware_before, r.firmware_after), backup, r.bytes,
                           r.seconds, to_string(r.result));
    }
    for (const auto& r : reports) {
        if (r.result == JobResult::ok) continue;
        out += fmt::format("\n{}: {}\n", r.device.name, r.error);
        if (!r.partitions_done.empty())
            out += fmt::format("  partitions done: {}\n", fmt::join(r.partitions_done, ", "));
        if (!r.device_state.empty()) out += "  device: " + r.device_state + "\n";
        if (r.backup)
            out += fmt::format("  calibration backup: {}{}\n", r.backup->string(),
                               r.backup_intact.value_or(false) ? " (verified intact)" : "");
        if (!r.next_step.empty()) out += "  next: " + r.next_step + "\n";
        if (!r.log_file.empty()) out += "  log: " + r.log_file.string() + "\n";
    }
    std::size_t ok = 0;
    for (const auto& r : reports) ok += r.result == JobResult::ok;
    out += fmt::format("\n{} of {} module(s) flashed and verified\n", ok, reports.size());
    return out;
}

std::string to_junit(const std::string& package, const std::vector<JobReport>& reports) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto suites = doc.append_child("testsuites");
    auto suite = suites.append_child("testsuite");
    std::size_t failures = 0, skipped = 0;
    double total = 0;
    for (const auto& r : reports) {
        auto tc = suite.append_child("testcase");
        tc.append_attribute("classname") = ("cellrescue.flash." + package).c_str();
        tc.append_attribute("name") = r.device.name.c_str();
        tc.append_attribute("time") = fmt::format("{:.3f}", r.seconds).c_str();
        total += r.seconds;
        if (r.result == JobResult::ok) continue;
        bool skip = r.result == JobResult::interrupted && r.partitions_done.empty() &&
                    r.device_state == "untouched";
        auto f = tc.append_child(skip ? "skipped" : "failure");
        f.append_attribute("message") = r.error.c_str();
        if (!skip) f.append_attribute("type") = std::string(to_string(r.result)).c_str();
        std::string body =
            fmt::format("device state: {}\nnext: {}\npartitions done: {}\n", r.device_state,
                        r.next_step, fmt::join(r.partitions_done, ", "));
        f.append_child(pugi::node_pcdata).set_value(body.c_str());
        (skip ? skipped : failures)++;
    }
    suite.append_attribute("name") = ("flash " + package).c_str();
    suite.append_attribute("tests") = reports.size();
    suite.append_attribute("failures") = failures;
    suite.append_attribute("errors") = 0;
    suite.append_attribute("skipped") = skipped;
    suite.append_attribute("time") = fmt::format("{:.3f}", total).c_str();
    std::ostringstream out;
    doc.save(out, "  ");
    return out.str();
}

void write_report_file(const std::filesystem::path& file, const std::string& text) {
    write_file_atomically(file, as_bytes(text));
}

}  // namespace cr::workflows
