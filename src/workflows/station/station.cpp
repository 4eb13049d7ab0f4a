#include "src/workflows/station/station.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "src/discovery/usb_hotplug.hpp"
#include "src/util/error.hpp"
#include "src/workflows/station/job_report.hpp"
#include "src/workflows/station/journal.hpp"
#include "src/workflows/station/model_match.hpp"
#include "src/workflows/station/multi_flash.hpp"
#include "src/workflows/station/station_signals.hpp"

namespace cr::workflows {
namespace {

using Clock = std::chrono::steady_clock;

// A job on its own thread. Shared with the thread, so a job given up on (second signal) can
// still finish writing into it.
struct Slot {
    JobDevice device;
    std::string id;
    JobOptions options;
    JobReport report;
    std::atomic<bool> finished{false};
};

struct Running {
    std::shared_ptr<Slot> slot;
    std::jthread thread;
};

}  // namespace

struct Station::Impl {
    StationOptions o;
    Journal journal;
    StopSignals signals;
    // After the signals are blocked: its event thread must not take SIGINT/SIGTERM.
    std::unique_ptr<discovery::UsbHotplug> hotplug;
    std::vector<Running> running;
    std::set<std::string> occupied;  // ports with a job in this run, until their module leaves
    StationRun run;
    std::size_t started = 0;
    Clock::time_point last_activity = Clock::now();

    explicit Impl(StationOptions options) : o(std::move(options)), journal(o.journal) {
        if (o.discovery.usb && o.hotplug) hotplug = std::make_unique<discovery::UsbHotplug>();
    }

    void say(const std::string& s) {
        spdlog::info("station: {}", s);
        if (o.say) o.say(s);
    }

    std::string package_name() const {
        if (!o.job.flash.package.empty()) return o.job.flash.package.string();
        return o.models.empty() ? "" : "plan";
    }

    // The report file a factory watches: the jobs that ended so far, and whether the station
    // still runs ("running": true, "stop_reason" null) or why it stopped.
    nlohmann::json report_json(bool finished) const {
        auto j = runs_to_json(package_name(), run.reports);
        j["running"] = !finished;
        j["stop_reason"] = finished ? nlohmann::json(run.stop_reason) : nlohmann::json();
        j["skipped"] = run.skipped;
        j["journal"] = journal.path().string();
        return j;
    }

    void write_reports(bool finished = false) {
        try {
            if (!o.report.empty())
                write_report_file(o.report, report_json(finished).dump(2) + "\n");
            if (!o.junit.empty()) write_report_file(o.junit, to_junit(package_name(), run.reports));
        } catch (const Error& e) {
            say(fmt::format("report not written: {}", e.what()));
        }
    }

    void reap() {
        for (auto it = running.begin(); it != running.end();) {
            if (!it->slot->finished) {
                ++it;
                continue;
            }
            it->thread.join();
            const JobReport& r = it->slot->report;
            journal.job_ended(it->slot->id, r);
            run.reports.push_back(r);
            say(fmt::format("{} ({}): {}{}{}", r.device.name,
                            r.chip_serial.empty() ? "?" : r.chip_serial, to_string(r.result),
                            r.error.empty() ? "" : ": " + r.error,
                            r.backup ? ", backup " + r.backup->string() : ""));
            it = running.erase(it);
            last_activity = Clock::now();
            write_reports();
        }
    }

    // The plan's entry for the module's model, else the station's package (the job's model
    // check still refuses a package for another model).
    std::optional<ModelPlan> package_for(const JobDevice& d) const {
        if (auto family = module_family_of_usb(d.vid, d.pid)) {
            auto it = o.models.find(*family);
            if (it != o.models.end()) return it->second;
        }
        if (!o.job.flash.package.empty()) return ModelPlan{o.job.flash.package, std::nullopt};
        if (o.models.size() == 1) return o.models.begin()->second;  // EDL shows no model
        return std::nullopt;
    }

    bool is_running(const std::string& name) const {
        for (const auto& r : running)
            if (r.slot->device.name == name) return true;
        return false;
    }

    void start(const JobDevice& d, const ModelPlan& plan) {
        const auto& package = plan.package;
        auto slot = std::make_shared<Slot>();
        slot->device = d;
        slot->options = o.job;
        slot->options.flash.package = package;
        if (plan.firmware_after) slot->options.checks.firmware_after = plan.firmware_after;
        slot->id = journal.job_started(d, package);
        occupied.insert(d.name);
        ++started;
        last_activity = Clock::now();
        say(fmt::format("{} ({}): job {} starts with {}", d.name,
                        d.serial.empty() ? "?" : chip_serial_text(d.serial), slot->id,
                        package.string()));
        std::jthread t([slot](std::stop_token stop) {
            slot->report = run_flash_job(slot->device, slot->options, {}, stop);
            slot->finished = true;
        });
        running.push_back({slot, std::move(t)});
    }

    void look_for_modules() {
        discovery::Result found;
        try {
            found = discovery::discover(o.discovery);
        } catch (const Error& e) {
            say(fmt::format("looking for modules failed: {}", e.what()));
            return;
        }
        auto present = flashable_devices(found);
        std::set<std::string> names;
        for (const auto& d : present) names.insert(d.name);
        for (auto it = occupied.begin(); it != occupied.end();)  // unplugged: the port is free
            it = !names.count(*it) && !is_running(*it) ? occupied.erase(it) : std::next(it);
        for (const auto& d : present) {
            if (running.size() >= std::max<std::size_t>(1, o.jobs)) return;
            if (o.max_modules && started >= o.max_modules) return;
            if (occupied.count(d.name)) continue;
            if (journal.done(d.serial)) {
                occupied.insert(d.name);
                std::string why = fmt::format("{} ({}): already done, not flashed again", d.name,
                                              chip_serial_text(d.serial));
                run.skipped.push_back(why);
                say(why);
                continue;
            }
            auto package = package_for(d);
            if (!package) {
                occupied.insert(d.name);
                auto family = module_family_of_usb(d.vid, d.pid);
                std::string why = fmt::format("{}: no package for {} in the plan, left untouched",
                                              d.name, family.value_or("this model"));
                run.skipped.push_back(why);
                say(why);
                continue;
            }
            start(d, *package);
        }
    }

    // A second signal: the running jobs are given up on and marked interrupted.
    void abandon() {
        for (auto& r : running) {
            journal.event({{"event", "job_interrupted"},
                           {"job", r.slot->id},
                           {"device", r.slot->device.name},
                           {"note", "given up on at a second stop signal"}});
            say(fmt::format("{}: job {} given up on, interrupted", r.slot->device.name,
                            r.slot->id));
            r.thread.request_stop();
            r.thread.detach();
        }
        running.clear();
        run.abandoned = true;
    }

    bool stopping() const { return !run.stop_reason.empty(); }
    void stop(std::string reason) {
        if (stopping()) return;
        run.stop_reason = std::move(reason);
        say(fmt::format("stopping ({}): {} job(s) still running finish first", run.stop_reason,
                        running.size()));
    }

    void loop() {
        int signals = 0;
        for (;;) {
            reap();
            if (stopping() && running.empty()) return;
            if (!stopping()) {
                look_for_modules();
                if (o.max_modules && started >= o.max_modules) stop("max modules");
                if (o.idle_timeout.count() && running.empty() &&
                    Clock::now() - last_activity >= o.idle_timeout)
                    stop("idle");
                if (stopping() && running.empty()) return;
            }
            auto got = signals_wait();
            if (!got) continue;
            if (++signals >= 2 && !running.empty()) {
                abandon();
                return;
            }
            stop(*got == "request" ? "stop requested" : "signal " + *got);
        }
    }
    std::optional<std::string> signals_wait() {
        // Poll sooner while jobs run, so their ends are journaled promptly.
        // A USB arrival or departure (hotplug) ends the wait at once: the poll is the backup.
        auto t = running.empty() ? o.poll : std::min(o.poll, std::chrono::milliseconds(200));
        int wake = hotplug && hotplug->available() ? hotplug->fd() : -1;
        auto got = signals.wait(t, wake);
        if (wake >= 0) run.hotplug_events += hotplug->consume();
        return got;
    }
};

Station::Station(StationOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Station::~Station() {
    if (!impl_) return;
    for (auto& r : impl_->running) r.thread.join();  // run() was left by an exception
}

void Station::request_stop() {
    impl_->signals.request();
}
const Journal& Station::journal() const {
    return impl_->journal;
}

StationRun Station::run() {
    Impl& m = *impl_;
    auto interrupted = m.journal.interrupted_at_open();
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& j : interrupted) {
        ids.push_back(j.id);
        m.say(
            fmt::format("{} ({}): job {} was interrupted when the station last stopped{}; it "
                        "is done again when the module is there",
                        j.device, j.serial.empty() ? "?" : j.serial, j.id,
                        j.partitions_done.empty() ? "" : " (some partitions were written)"));
    }
    for (const auto& s : m.journal.skipped_lines()) m.say("journal " + s + ", skipped");
    m.journal.event({{"event", "station_start"},
                     {"pid", static_cast<long>(::getpid())},
                     {"package", m.package_name()},
                     {"jobs", m.o.jobs},
                     {"interrupted_before", ids}});
    m.loop();
    std::size_t ok = 0;
    for (const auto& r : m.run.reports) ok += r.result == JobResult::ok;
    m.journal.event({{"event", "station_stop"},
                     {"reason", m.run.stop_reason},
                     {"jobs", m.run.reports.size()},
                     {"ok", ok},
                     {"abandoned", m.run.abandoned}});
    m.write_reports(true);
    return m.run;
}

}  // namespace cr::workflows
