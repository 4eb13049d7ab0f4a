// Shared by the diagnosis rule sets: the transcript entries a finding cites as evidence.
#pragma once
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "src/workflows/diagnose/diagnose.hpp"

namespace cr::workflows {

// The observation's transcript entries whose query is one of `queries`, in transcript order.
std::vector<Evidence> pick_evidence(const Observation& o,
                                    std::initializer_list<std::string_view> queries);

// restore-interrupted, restore-verify-failed, restore-journal-stale, calibration-incomplete,
// cfun5-unexplained
// (diagnose_calibration_rules.cpp); appended after the other rules so it can see them.
void calibration_findings(const Observation& o, const std::optional<BaselineInfo>& baseline,
                          std::vector<Finding>& out);

}  // namespace cr::workflows
