// Rescue's settings step (internal): after a repair that wrote to the module, re-apply the
// module's newest saved settings record (the one `flash` stored before flashing, or `settings
// save`), unless RescueOptions::restore_settings is off.
#pragma once
#include "src/workflows/rescue/rescue.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows {

// Fills report.settings (the re-apply) or report.settings_note (why there was none). A re-apply
// that stops with an error is reported as failed, never thrown: the calibration repair is done.
void restore_own_settings(Device& device, RescueReport& report, ModuleIdentityHints hints,
                          const RescueOptions& options);

}  // namespace cr::workflows
