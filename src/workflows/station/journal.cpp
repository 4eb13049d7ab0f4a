#include "src/workflows/station/journal.hpp"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <system_error>

#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

std::string now_utc() {
    auto t =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", t);
}

std::string text_of(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_of(const nlohmann::json& j, const char* key) {
    std::vector<std::string> out;
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& v : *it)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

// Applies one record to the state; false when it is not a journal record.
bool apply_record(JournalState& s, const nlohmann::json& j) {
    if (!j.is_object()) return false;
    std::string event = text_of(j, "event"), id = text_of(j, "job");
    if (event == "job_start" && !id.empty()) {
        JournalJob job;
        job.id = id;
        job.device = text_of(j, "device");
        job.usb_path = text_of(j, "usb_path");
        job.serial = text_of(j, "serial");
        job.package = text_of(j, "package");
        s.jobs.push_back(std::move(job));
        if (id.size() > 1 && id[0] == 'j') {
            std::size_t n = 0;
            auto tail = std::string_view(id).substr(1);
            if (tail.find_first_not_of("0123456789") == std::string_view::npos && tail.size() < 10)
                n = std::stoul(std::string(tail));
            s.next_id = std::max(s.next_id, n + 1);
        }
        return true;
    }
    if (event == "job_end" || event == "job_interrupted") {
        for (auto it = s.jobs.rbegin(); it != s.jobs.rend(); ++it) {
            if (it->id != id) continue;
            it->result = event == "job_end" ? text_of(j, "result") : "interrupted";
            if (it->result.empty()) it->result = "failed";
            it->chip_serial = text_of(j, "chip_serial");
            it->backup = text_of(j, "backup");
            it->partitions_done = strings_of(j, "partitions_done");
            it->found_at_restart = event == "job_interrupted";
            return true;
        }
        return false;  // the end of a job whose start is not there
    }
    return !event.empty();  // station_start, station_stop...
}

}  // namespace

JournalState parse_journal(std::string_view text) {
    JournalState s;
    std::size_t line_no = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            s.skipped.push_back(fmt::format("line {}: not JSON (cut by a crash?)", line_no));
            continue;
        }
        if (!apply_record(s, j))
            s.skipped.push_back(fmt::format("line {}: not a journal record", line_no));
    }
    return s;
}

Journal::Journal(std::filesystem::path file) : file_(std::move(file)) {
    std::error_code ec;
    if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
    std::string text;
    {
        std::ifstream in(file_, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw IoError(fmt::format("cannot open the station journal {}: {}", file_.string(),
                                  std::error_code(errno, std::generic_category()).message()),
                      "no module was touched", "give a writable --journal path");
    // A line cut by a crash must not swallow the next record.
    if (!text.empty() && text.back() != '\n') (void)!::write(fd_, "\n", 1);
    JournalState s = parse_journal(text);
    jobs_ = std::move(s.jobs);
    skipped_ = std::move(s.skipped);
    next_id_ = s.next_id;
    for (auto& job : jobs_) {
        if (!job.result.empty()) continue;
        job.result = "interrupted";
        job.found_at_restart = true;
        interrupted_.push_back(job);
        append({{"event", "job_interrupted"},
                {"job", job.id},
                {"device", job.device},
                {"serial", job.serial},
                {"found_at_restart", true},
                {"note", "the station stopped before this job ended"}});
    }
}

Journal::~Journal() {
    if (fd_ >= 0) ::close(fd_);
}

void Journal::append(nlohmann::json record) {
    record["time"] = now_utc();
    std::string line = record.dump() + "\n";
    // One write per record (O_APPEND): a crash leaves at most one cut line, then fsync so the
    // record survives a power cut before the step it announces goes on.
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0)
        throw IoError(fmt::format("writing the station journal {} failed: {}", file_.string(),
                                  std::error_code(errno, std::generic_category()).message()),
                      {}, "check free space where the journal is");
}

JournalJob* Journal::find(const std::string& id) {
    for (auto& j : jobs_)
        if (j.id == id) return &j;
    return nullptr;
}

std::string Journal::job_started(const JobDevice& device, const std::filesystem::path& package) {
    std::lock_guard guard(mutex_);
    JournalJob job;
    job.id = fmt::format("j{}", next_id_++);
    job.device = device.name;
    job.usb_path = device.usb_path;
    job.serial = chip_serial_text(device.serial);
    job.package = package.string();
    append({{"event", "job_start"},
            {"job", job.id},
            {"device", job.device},
            {"usb_path", job.usb_path},
            {"serial", job.serial},
            {"package", job.package}});
    jobs_.push_back(job);
    return job.id;
}

void Journal::job_ended(const std::string& id, const JobReport& r) {
    std::lock_guard guard(mutex_);
    JournalJob* job = find(id);
    nlohmann::json rec{
        {"event", "job_end"},
        {"job", id},
        {"device", r.device.name},
        {"chip_serial", r.chip_serial},
        {"result", std::string(to_string(r.result))},
        {"exit_code", r.exit_code},
        {"stage", r.stage},
        {"backup", r.backup ? r.backup->string() : std::string()},
        {"backup_intact", r.backup_intact ? nlohmann::json(*r.backup_intact) : nlohmann::json()},
        {"partitions_done", r.partitions_done},
        {"error", r.error},
        {"seconds", r.seconds}};
    append(rec);
    if (!job) return;
    job->result = std::string(to_string(r.result));
    job->chip_serial = r.chip_serial;
    job->backup = r.backup ? r.backup->string() : std::string();
    job->partitions_done = r.partitions_done;
}

void Journal::event(nlohmann::json record) {
    std::lock_guard guard(mutex_);
    append(std::move(record));
}

bool Journal::done(std::string_view serial) const {
    if (serial.empty()) return false;
    std::string s = chip_serial_text(serial);
    std::lock_guard guard(mutex_);
    for (const auto& j : jobs_)
        if (j.result == "ok" && (j.serial == s || j.chip_serial == s)) return true;
    return false;
}

std::vector<JournalJob> Journal::interrupted_at_open() const {
    std::lock_guard guard(mutex_);
    return interrupted_;
}

std::vector<JournalJob> Journal::jobs() const {
    std::lock_guard guard(mutex_);
    return jobs_;
}

}  // namespace cr::workflows
