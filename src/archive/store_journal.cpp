#include "src/archive/store_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include <fmt/format.h>

#include "src/archive/bundle.hpp"
#include "src/util/error.hpp"

namespace cr::archive {
namespace {

std::string new_id() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

nlohmann::json to_json(const JournalDevice& d) {
    return {{"name", d.name},
            {"virtual", d.is_virtual},
            {"imeis", d.imeis},
            {"chip_serial", d.chip_serial},
            {"esn", d.esn}};
}

JournalDevice device_from(const nlohmann::json& j) {
    JournalDevice d;
    d.name = j.value("name", "");
    d.is_virtual = j.value("virtual", false);
    d.imeis = j.value("imeis", std::vector<std::string>{});
    d.chip_serial = j.value("chip_serial", std::uint32_t{0});
    d.esn = j.value("esn", std::uint32_t{0});
    return d;
}

void write_all(int fd, const std::string& text, const std::filesystem::path& file) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw IoError(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)),
                          "nothing was written to the module",
                          "check that the backup directory is writable and not full");
        done += static_cast<std::size_t>(n);
    }
}

// Whether the file ends in a line break (a crash mid-append leaves a partial last line).
bool ends_clean(int fd) {
    off_t size = ::lseek(fd, 0, SEEK_END);
    if (size <= 0) return true;
    char last = '\n';
    return ::pread(fd, &last, 1, size - 1) != 1 || last == '\n';
}

}  // namespace

StoreJournal::StoreJournal(std::filesystem::path store_dir) : dir_(std::move(store_dir)) {}

void StoreJournal::append(const std::string& line) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    int fd = ::open(file().c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(fmt::format("cannot open {}: {}", file().string(), std::strerror(errno)),
                      "nothing was written to the module",
                      "check that the backup directory is writable");
    try {
        write_all(fd, (ends_clean(fd) ? "" : "\n") + line + "\n", file());
        if (::fsync(fd) != 0)
            throw IoError(fmt::format("cannot sync {}: {}", file().string(), std::strerror(errno)));
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

std::string StoreJournal::restore_started(const std::string& source, const JournalDevice& device) {
    std::string id = new_id();
    append(nlohmann::json{{"event", "restore-started"},
                          {"id", id},
                          {"time", utc_now_iso8601()},
                          {"source", source},
                          {"device", to_json(device)}}
               .dump());
    return id;
}

void StoreJournal::restore_verify_failed(const std::string& id, std::size_t differences) {
    append(nlohmann::json{{"event", "restore-verify-failed"},
                          {"id", id},
                          {"differences", differences},
                          {"time", utc_now_iso8601()}}
               .dump());
}

void StoreJournal::restore_finished(const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    append(nlohmann::json{{"event", "restore-finished"}, {"ids", ids}, {"time", utc_now_iso8601()}}
               .dump());
}

std::vector<RestoreEntry> StoreJournal::open_restores() const {
    std::vector<RestoreEntry> open;
    std::ifstream in(file());
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) continue;  // cut short by a crash, or not ours
        try {
            std::string event = j.value("event", "");
            if (event == "restore-started") {
                open.push_back({j.at("id").get<std::string>(), j.value("time", ""),
                                j.value("source", ""),
                                device_from(j.value("device", nlohmann::json::object()))});
            } else if (event == "restore-verify-failed") {
                auto id = j.at("id").get<std::string>();
                for (auto& e : open)
                    if (e.id == id) {
                        e.verify_failed = true;
                        e.differences = j.value("differences", std::size_t{0});
                    }
            } else if (event == "restore-finished") {
                auto ids = j.at("ids").get<std::vector<std::string>>();
                std::erase_if(open, [&](const RestoreEntry& e) {
                    return std::find(ids.begin(), ids.end(), e.id) != ids.end();
                });
            }
        } catch (const nlohmann::json::exception&) {  // a record of the wrong shape: skipped
        }
    }
    return open;
}

}  // namespace cr::archive
