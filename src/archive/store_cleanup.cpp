// BackupStore's temporary files: listing and removing what killed writes left behind.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "src/archive/backup_store.hpp"
#include "src/util/temp_file.hpp"

namespace cr::archive {
namespace {

std::string iso_utc(std::time_t t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(t));
}

std::vector<IncompleteFile> scan(const std::filesystem::path& dir, bool remove) {
    std::vector<IncompleteFile> out;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return out;
    for (const auto& de : std::filesystem::directory_iterator(dir, ec)) {
        if (!is_temp_name(de.path().filename().string())) continue;
        struct stat st {};
        if (::lstat(de.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        IncompleteFile f{de.path(), static_cast<std::uint64_t>(st.st_size), iso_utc(st.st_mtime)};
        TempState state = probe_temp(f.file, remove);
        if (state == TempState::gone) continue;
        if (remove && state != TempState::removed) continue;  // in use, or not ours to remove
        f.in_use = state == TempState::in_use;
        out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(), [](const IncompleteFile& a, const IncompleteFile& b) {
        return a.modified != b.modified ? a.modified < b.modified : a.file < b.file;
    });
    return out;
}

}  // namespace

nlohmann::json to_json(const IncompleteFile& f) {
    return {{"file", f.file.string()},
            {"size", f.size},
            {"modified", f.modified},
            {"in_use", f.in_use}};
}

std::vector<IncompleteFile> BackupStore::incomplete() const {
    return scan(dir_, false);
}

std::vector<IncompleteFile> BackupStore::clean_incomplete() const {
    return scan(dir_, true);
}

void BackupStore::clean_before_write() const {
    for (const auto& f : clean_incomplete())
        spdlog::warn("backup store: removed {} ({} bytes, {}), left by an interrupted write",
                     f.file.filename().string(), f.size, f.modified);
}

}  // namespace cr::archive
