// `cellrescue flash PACKAGE --all | -d DEV -d DEV ...`: one job per device on up to `jobs`
// worker threads. A job's failure never stops the others; the result keeps the order asked.
#pragma once
#include <functional>
#include <stop_token>
#include <vector>

#include "src/discovery/discovery.hpp"
#include "src/workflows/station/flash_job.hpp"

namespace cr::workflows {

// Device `index` of the list says `status` ("program modem 40%", "ok").
using BoardFn = std::function<void(std::size_t index, const std::string& status)>;

std::vector<JobReport> run_flash_jobs(const std::vector<JobDevice>& devices,
                                      const JobOptions& options, std::size_t jobs,
                                      const BoardFn& board = {}, std::stop_token stop = {});

// What discovery knows of a device, for its job (USB path, chip serial, VID:PID).
JobDevice job_device(const discovery::FoundDevice& found);
// Every device that can be flashed (EDL devices and Quectel modules with DIAG; virtual ones
// with Firehose storage), in discovery order.
std::vector<JobDevice> flashable_devices(const discovery::Result& found);
// The devices -d names, resolved through discovery when they are there (else by name only:
// the job then says what is wrong with it).
std::vector<JobDevice> named_devices(const discovery::Result& found,
                                     const std::vector<std::string>& names);

}  // namespace cr::workflows
