#include "src/workflows/station/multi_flash.hpp"

#include <atomic>
#include <thread>

#include "src/util/error.hpp"

namespace cr::workflows {

std::vector<JobReport> run_flash_jobs(const std::vector<JobDevice>& devices,
                                      const JobOptions& options, std::size_t jobs,
                                      const BoardFn& board, std::stop_token stop) {
    std::vector<JobReport> reports(devices.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < devices.size(); i = next++) {
            if (stop.stop_requested()) {  // not started: nothing to finish
                reports[i].device = devices[i];
                reports[i].result = JobResult::interrupted;
                reports[i].error = "not started: the run was stopped";
                reports[i].device_state = "untouched";
                continue;
            }
            auto status = [&board, i](const std::string& s) {
                if (board) board(i, s);
            };
            reports[i] = run_flash_job(devices[i], options, status, stop);
        }
    };
    std::size_t n =
        std::max<std::size_t>(1, std::min(jobs ? jobs : devices.size(), devices.size()));
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < n; ++t) pool.emplace_back(worker);
    }  // joins
    return reports;
}

JobDevice job_device(const discovery::FoundDevice& f) {
    return {f.name, f.usb_path, f.serial, f.vid, f.pid};
}

std::vector<JobDevice> flashable_devices(const discovery::Result& found) {
    std::vector<JobDevice> out;
    for (const auto& f : found.devices) {
        bool edl = f.mode == DeviceMode::edl;
        // Normal mode: Quectel modules, switched to EDL over DIAG (u-blox ones update by FOAT).
        bool module = f.mode == DeviceMode::normal && f.vid == 0x2c7c && f.port("diag");
        if (edl || module) out.push_back(job_device(f));
    }
    return out;
}

std::vector<JobDevice> named_devices(const discovery::Result& found,
                                     const std::vector<std::string>& names) {
    std::vector<JobDevice> out;
    for (const auto& name : names) {
        try {
            out.push_back(job_device(discovery::find_one(found, parse_device_spec(name))));
        } catch (const NotFoundError&) {
            out.push_back({name, "", "", 0, 0});
        }
    }
    return out;
}

}  // namespace cr::workflows
