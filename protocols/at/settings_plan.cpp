#include "protocols/at/settings_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cr::at::settings {
namespace {

bool automatic_carrier(const SettingsRecord& saved) {
    const Setting* autosel = saved.find("qmbncfg/AutoSel");
    return autosel && equivalent(ValueKind::integers, autosel->value, "1");
}

bool listed(const SettingsRecord& current, const std::string& quoted_name) {
    std::string name;
    if (!unquote(quoted_name, name)) return false;
    return std::find(current.carrier_configs.begin(), current.carrier_configs.end(), name) !=
           current.carrier_configs.end();
}

PlanStep plan_one(const SettingSpec& spec, const Setting& s, const SettingsRecord& saved,
                  const SettingsRecord& current) {
    PlanStep step{
        s.id,       spec.per_context ? spec.query : s.command, s.value, {}, StepAction::set, {}, {},
        spec.effect};
    if (step.command.empty()) step.command = spec.query;
    if (const Setting* cur = current.find(s.id)) step.current = cur->value;
    if (const Unsupported* u = current.find_unsupported(s.id)) {
        step.action = StepAction::skip_unknown;
        step.reason = fmt::format("unknown to firmware {} ({}): reported, not forced",
                                  current.module.firmware, u->reply);
        return step;
    }
    const bool select = s.id == "qmbncfg/Select";
    if (step.current && equivalent(spec.kind, *step.current, s.value)) {
        step.action = StepAction::keep;
        return step;
    }
    if (select && automatic_carrier(saved)) {
        step.action = StepAction::skip_automatic;
        step.reason = "AutoSel=1: the SIM picks the carrier configuration at boot";
        return step;
    }
    if (select && !current.carrier_configs.empty() && !listed(current, s.value)) {
        step.action = StepAction::skip_unknown;
        step.reason = fmt::format(
            "carrier configuration {} is not in firmware {}'s AT+QMBNCFG=\"List\": reported, "
            "not forced",
            s.value, current.module.firmware);
        return step;
    }
    step.commands = set_commands(spec, s.id, s.value);
    return step;
}

}  // namespace

std::string_view to_string(StepAction a) {
    switch (a) {
        case StepAction::set:
            return "set";
        case StepAction::keep:
            return "keep";
        case StepAction::skip_unknown:
            return "unknown";
        case StepAction::skip_automatic:
            return "automatic";
    }
    return "?";
}

bool ApplyPlan::radio_off() const {
    return std::any_of(steps.begin(), steps.end(), [](const PlanStep& s) {
        return s.action == StepAction::set && s.effect == Effect::radio_off_reboot;
    });
}

bool ApplyPlan::reboot() const {
    return std::any_of(steps.begin(), steps.end(), [](const PlanStep& s) {
        return s.action == StepAction::set && s.effect != Effect::immediate;
    });
}

std::size_t ApplyPlan::count(StepAction action) const {
    return static_cast<std::size_t>(std::count_if(
        steps.begin(), steps.end(), [action](const PlanStep& s) { return s.action == action; }));
}

ApplyPlan plan_apply(const SettingsRecord& saved, const SettingsRecord& current, Phase phase) {
    ApplyPlan plan;
    plan.phase = phase;
    const auto& cat = catalogue(saved.module.vendor);
    for (const auto& spec : cat) {  // catalogue order: AutoSel before Select, and so on
        if (spec.phase != phase) continue;
        for (const auto& s : saved.settings) {
            const SettingSpec* own = find_spec(saved.module.vendor, s.id);
            if (own != &spec) continue;
            plan.steps.push_back(plan_one(spec, s, saved, current));
        }
    }
    return plan;
}

std::string describe(const ApplyPlan& plan) {
    std::string out;
    for (const auto& s : plan.steps) {
        std::string detail;
        switch (s.action) {
            case StepAction::set:
                detail = fmt::format("{} -> {} ({})", s.current.value_or("(none)"), s.value,
                                     to_string(s.effect));
                break;
            case StepAction::keep:
                detail = fmt::format("already {}", s.value);
                break;
            default:
                detail = s.reason;
        }
        out += fmt::format("  {:<9} {:<24} {}\n", to_string(s.action), s.id, detail);
    }
    return out;
}

}  // namespace cr::at::settings
