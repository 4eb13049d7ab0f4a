// Planning a re-apply (pure): which saved settings to write to a module that reads `current`
// now, with which commands, and which to leave alone and why. The executor
// (src/workflows/settings/) runs the profile phase first, reboots when it wrote anything, reads
// the module again and plans the normal phase against that: a new carrier/MNO profile rewrites
// bands, RATs and the default APN when it becomes live.
//
// Rules, per saved setting of the phase (catalogue order):
// - the module answers ERROR / +CME ERROR to it now: skip_unknown ("unknown to firmware X:
//   reported, not forced");
// - Quectel qmbncfg/Select while the saved AutoSel is 1: skip_automatic (the SIM picks);
// - the value is already equivalent: keep;
// - qmbncfg/Select naming a configuration this firmware does not list: skip_unknown;
// - otherwise set (commands built from the catalogue and the validated value).
// Settings the module has but the saved record does not are never touched.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "protocols/at/settings_record.hpp"

namespace cr::at::settings {

enum class StepAction { set, keep, skip_unknown, skip_automatic };
std::string_view to_string(StepAction action);

struct PlanStep {
    std::string id;
    std::string command;                 // the query (for read-back)
    std::string value;                   // the saved value
    std::optional<std::string> current;  // what the module has now
    StepAction action = StepAction::keep;
    std::string reason;                 // skip_*: why (for the report)
    std::vector<std::string> commands;  // set: the commands to send, in order
    Effect effect = Effect::immediate;
};

struct ApplyPlan {
    Phase phase = Phase::normal;
    std::vector<PlanStep> steps;
    bool radio_off() const;  // a set step is only accepted at AT+CFUN=0
    bool reboot() const;     // a set step becomes live only after a reboot
    std::size_t count(StepAction action) const;
};

ApplyPlan plan_apply(const SettingsRecord& saved, const SettingsRecord& current, Phase phase);
std::string describe(const ApplyPlan& plan);  // one line per step, for people

}  // namespace cr::at::settings
