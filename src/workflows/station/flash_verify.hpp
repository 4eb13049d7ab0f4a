// After a flash: every programmed partition read back over Firehose and compared, by SHA-256,
// with its image zero-padded to whole sectors (what the programmer was sent).
#pragma once
#include <string>
#include <vector>

#include "src/package/flash_plan.hpp"
#include "src/package/package.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr::workflows {

struct FlashVerification {
    std::vector<std::string> verified;    // labels whose read-back equals the image
    std::vector<std::string> mismatched;  // labels that differ
    bool ok() const { return mismatched.empty() && !verified.empty(); }
};

// `package` is the package opened by the caller (its files, for a zip its extraction, must
// still exist); steps are matched to its images by file name.
FlashVerification verify_flash(EdlSession& session, const package::FlashPlan& plan,
                               const package::Package& package, const ProgressFn& progress = {});

}  // namespace cr::workflows
