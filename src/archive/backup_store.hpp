// The backup store: a directory of bundles (default $XDG_DATA_HOME/cellrescue/backups, or the
// CLI's --backup-dir). File names are informative but never trusted: identity and kind always
// come from the bundle's verified manifest.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "src/archive/bundle.hpp"

namespace cr::archive {

struct StoredBundle {
    std::filesystem::path file;
    BundleManifest manifest;  // empty when !readable
    std::uint64_t file_size = 0;
    bool readable = true;  // false: not a bundle or damaged (error says why)
    std::string error;
};
nlohmann::json to_json(const StoredBundle& bundle);

// A temporary file of a write that has not finished: one running now, or one killed mid-way.
struct IncompleteFile {
    std::filesystem::path file;
    std::uint64_t size = 0;
    std::string modified;  // ISO 8601 UTC
    bool in_use = false;   // a running write still holds it (never removed)
};
nlohmann::json to_json(const IncompleteFile& file);

class BackupStore {
  public:
    explicit BackupStore(std::filesystem::path dir);
    const std::filesystem::path& dir() const { return dir_; }

    // A fresh, unused path for a new bundle (the directory is created):
    // <dir>/<YYYYmmddTHHMMSSZ>-<kind>-<model>-<serial or imei>[-<label>].crb
    std::filesystem::path new_bundle_path(BundleKind kind, const DeviceIdentity& identity,
                                          const std::string& label = {}) const;

    // Every *.crb file, newest first (by manifest creation time, then name). Checks trailer
    // and manifest only (cheap); damaged files are listed with readable=false and an error.
    // A missing directory is an empty store.
    std::vector<StoredBundle> list() const;

    // The newest readable bundle of `kind` for the same device (same_device()), optionally only
    // those holding an entry named `entry`. The result is NOT fully verified yet: open it with
    // BundleReader::open(file) (Check::full) before using its data.
    std::optional<StoredBundle> find_newest(const DeviceIdentity& identity, BundleKind kind,
                                            const std::string& entry = {}) const;

    // Temporary files in the store (see util/temp_file.hpp), oldest first. Nothing is changed.
    std::vector<IncompleteFile> incomplete() const;
    // Removes the temporary files that no running write holds and returns them. Every write
    // into the store (new_bundle_path) calls it first, so a killed backup's leftovers are gone
    // by the next one; writes running in parallel (factory stations) keep theirs.
    std::vector<IncompleteFile> clean_incomplete() const;

  private:
    void clean_before_write() const;  // clean_incomplete(), each removal logged as a warning
    std::filesystem::path dir_;
};

}  // namespace cr::archive
