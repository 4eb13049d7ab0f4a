#include "src/workflows/settings/settings_device.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "protocols/at/settings_client.hpp"
#include "src/archive/bundle.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

using namespace at::settings;
constexpr Millis kOpen{5000};
constexpr Millis kCfun{15000};  // PROTOCOLS.md §10: CFUN up to 15 s
constexpr Millis kRetry{250};

// One AT session on the device; reopened after each reboot (the port may have moved).
class AtSession {
  public:
    explicit AtSession(Device& device) : device_(device) {}
    ~AtSession() { close(); }

    void open(Millis timeout = kOpen) {
        close();
        port_ = device_.open_at();
        channel_ = std::make_unique<at::AtChannel>(*port_);
        // Status URCs may trail a reply; they are never part of the next command's answer.
        for (const char* prefix : {"+QIND:", "+QUSIM:", "+QSTAT:", "+UUSTATUS:"})
            channel_->on_urc(prefix, [](const std::string& l) { spdlog::debug("URC {}", l); });
        channel_->open(timeout);
        channel_->command("AT+CMEE=2");  // verbose errors for the report
    }
    void close() {
        channel_.reset();
        if (port_) port_->close();
        port_.reset();
    }
    at::AtChannel& channel() { return *channel_; }

  private:
    Device& device_;
    std::unique_ptr<Transport> port_;
    std::unique_ptr<at::AtChannel> channel_;
};

SettingsRecord read_now(at::AtChannel& ch, const Device& device) {
    ModuleInfo info = identify_module(ch);
    info.device = device.name();
    SettingsRecord r = read_settings(ch, info);
    r.created = archive::utc_now_iso8601();
    r.tool_version = archive::tool_version();
    return r;
}

void say(const SettingsApplyOptions& o, const std::string& line) {
    spdlog::info("settings: {}", line);
    if (o.narrate) o.narrate(line);
}

// Opens `s` once the module is back, retrying until `timeout` (`after`: what it is back from).
void reopen(AtSession& s, Device& device, Millis timeout, const std::string& after) {
    Deadline deadline(timeout);
    while (true) {
        try {
            device.wait_for_mode(DeviceMode::normal, deadline.remaining());
            s.open(std::min(kOpen, std::max(deadline.remaining(), Millis(1))));
            return;
        } catch (const Error& e) {
            if (deadline.expired())
                throw TimeoutError(
                    fmt::format("{}'s AT port did not answer within {} s after {}: {}",
                                device.name(), timeout.count() / 1000, after, e.what()),
                    "rebooting or gone; settings written so far are saved in the module",
                    "wait for the module, then run `cellrescue settings apply` again");
            std::this_thread::sleep_for(kRetry);
        }
    }
}

// Reboots the module and reopens its AT port (bounded by `timeout`).
void reboot(AtSession& s, Device& device, Vendor vendor, Millis timeout) {
    const char* cmd = vendor == Vendor::quectel ? "AT+CFUN=1,1" : "AT+CFUN=15";
    try {
        s.channel().command_ok(cmd, kCfun);
    } catch (const DeviceGoneError&) {
        // the port went before the OK: the reset is under way
    }
    s.close();
    // A real module keeps its old port for a moment after the OK; give it time to drop.
    if (!device.is_virtual()) std::this_thread::sleep_for(Millis(3000));
    reopen(s, device, timeout, cmd);
}

std::string status_of(StepAction a, bool dry_run) {
    switch (a) {
        case StepAction::set:
            return dry_run ? "planned" : "written";
        case StepAction::keep:
            return "kept";
        case StepAction::skip_unknown:
            return "unknown";
        case StepAction::skip_automatic:
            return "automatic";
    }
    return "?";
}

// Carries out one phase; returns true when it wrote anything (then `current` is read anew).
bool run_phase(AtSession& s, Device& device, const ApplyPlan& plan, SettingsRecord& current,
               SettingsApplyReport& rep, const SettingsApplyOptions& o) {
    const std::size_t first = rep.settings.size();
    for (const auto& step : plan.steps)
        rep.settings.push_back({step.id,
                                step.command,
                                step.value,
                                step.current,
                                {},
                                status_of(step.action, o.dry_run),
                                step.reason});
    if (o.dry_run || plan.count(StepAction::set) == 0) return false;
    at::AtChannel& ch = s.channel();
    if (plan.radio_off()) {
        say(o, "radio off (AT+CFUN=0): the MNO profile is only accepted then");
        ch.command_ok("AT+CFUN=0", kCfun);
    }
    bool live_after_reboot = plan.radio_off();
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const PlanStep& step = plan.steps[i];
        if (step.action != StepAction::set) continue;
        AppliedSetting& a = rep.settings[first + i];
        say(o, fmt::format("{} = {} ({})", step.id, step.value, to_string(step.effect)));
        if (auto refused = write_setting(ch, step)) {
            a.status = "failed";
            a.detail = fmt::format("the module refused it: {}", at::trim(refused->line));
            continue;
        }
        if (step.effect != Effect::immediate) live_after_reboot = true;
    }
    if (live_after_reboot) {
        say(o, "rebooting the module so the new settings become live");
        reboot(s, device, current.module.vendor, o.reboot_timeout);
        ++rep.reboots;
    }
    current = read_now(s.channel(), device);
    return true;
}

void verify(SettingsApplyReport& rep, const SettingsRecord& current) {
    for (auto& a : rep.settings) {
        if (a.status != "written" && a.status != "kept") continue;
        const SettingSpec* spec = find_spec(current.module.vendor, a.id);
        const Setting* now = current.find(a.id);
        if (now) a.after = now->value;
        if (spec && now && equivalent(spec->kind, now->value, a.value)) {
            a.status = a.status == "written" ? "restored" : "kept";
            continue;
        }
        a.detail = now ? fmt::format("reads {} after re-applying {}", now->value, a.value)
                       : "reads nothing after re-applying it";
        a.status = "mismatch";
    }
}

std::string written_list(const SettingsApplyReport& rep) {
    std::string out;
    for (const auto& a : rep.settings)
        if (a.status == "written") out += (out.empty() ? "" : ", ") + a.id;
    return out.empty() ? "nothing" : out;
}

}  // namespace

SettingsRecord read_device_settings(Device& device) {
    AtSession s(device);
    s.open();
    return read_now(s.channel(), device);
}

void wait_until_at_answers(Device& device, Millis timeout) {
    AtSession s(device);
    reopen(s, device, timeout, "the reset");
}

std::size_t SettingsApplyReport::count(std::string_view status) const {
    return static_cast<std::size_t>(
        std::count_if(settings.begin(), settings.end(),
                      [&](const AppliedSetting& a) { return a.status == status; }));
}

SettingsApplyReport apply_device_settings(Device& device, const SettingsRecord& saved,
                                          const SettingsApplyOptions& o) {
    SettingsApplyReport rep;
    rep.dry_run = o.dry_run;
    rep.record_firmware = saved.module.firmware;
    AtSession s(device);
    s.open();
    SettingsRecord current = read_now(s.channel(), device);
    rep.module_firmware = current.module.firmware;
    if (saved.module.vendor != current.module.vendor)
        throw UsageError(
            fmt::format("the settings are of a {} module ({}), {} is {} ({})",
                        to_string(saved.module.vendor), saved.module.model, device.name(),
                        to_string(current.module.vendor), current.module.model),
            "nothing was written", "apply a record read from the same kind of module");
    if (saved.module.model != current.module.model)
        rep.notes.push_back(fmt::format("the record is of a {}, this module is a {}",
                                        saved.module.model, current.module.model));
    if (saved.module.firmware != current.module.firmware)
        rep.notes.push_back(fmt::format("read from firmware {}, the module now runs {}",
                                        saved.module.firmware, current.module.firmware));
    try {
        for (Phase phase : {Phase::profile, Phase::normal})
            run_phase(s, device, plan_apply(saved, current, phase), current, rep, o);
    } catch (const Error& e) {
        throw Error(fmt::format("re-applying the settings stopped: {}", e.what()),
                    fmt::format("written so far: {}", written_list(rep)),
                    "check the module, then run `cellrescue settings apply` again: it writes "
                    "only what still differs",
                    e.kind());
    }
    if (o.dry_run)
        rep.notes.push_back(
            "dry run: nothing was written; a new carrier/MNO profile may change the plan of the "
            "other settings after its reboot");
    else
        verify(rep, current);
    return rep;
}

nlohmann::json to_json(const SettingsApplyReport& r) {
    nlohmann::json list = nlohmann::json::array();
    auto opt = [](const std::optional<std::string>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json();
    };
    for (const auto& a : r.settings)
        list.push_back({{"id", a.id},
                        {"command", a.command},
                        {"value", a.value},
                        {"before", opt(a.before)},
                        {"after", opt(a.after)},
                        {"status", a.status},
                        {"detail", a.detail}});
    return {{"record_firmware", r.record_firmware},
            {"module_firmware", r.module_firmware},
            {"dry_run", r.dry_run},
            {"verified", r.verified()},
            {"complete", r.verified() && r.count("unknown") == 0},
            {"reboots", r.reboots},
            {"notes", r.notes},
            {"settings", list}};
}

std::string describe(const SettingsApplyReport& r) {
    std::string out;
    for (const auto& n : r.notes) out += "  note: " + n + "\n";
    for (const auto& a : r.settings) {
        std::string detail = a.detail;
        if (detail.empty() && (a.status == "restored" || a.status == "planned"))
            detail = fmt::format("{} -> {}", a.before.value_or("(none)"), a.value);
        if (detail.empty() && a.status == "kept") detail = a.value;
        out += fmt::format("  {:<9} {:<24} {}\n", a.status, a.id, detail);
    }
    if (r.dry_run) return out + "Dry run: nothing was written.\n";
    out += fmt::format(
        "{} restored, {} already equal, {} unknown to firmware {} (reported, not "
        "forced), {} failed, {} mismatched; {} reboot(s)\n",
        r.count("restored"), r.count("kept"), r.count("unknown"), r.module_firmware,
        r.count("failed"), r.count("mismatch"), r.reboots);
    return out;
}

}  // namespace cr::workflows
