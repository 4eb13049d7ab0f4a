// One virtual module living in a directory under --sim-dir: state.json + lun<N>.img (one
// sparse image per LUN: UFS modules have several, NAND/eMMC one). Safe to use
// from several threads and processes at once (state changes are flock-ed read-modify-writes).
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/core/model_catalog.hpp"
#include "sim/core/module_state.hpp"
#include "sim/core/storage_image.hpp"

namespace cr::sim {

class VirtualModule {
  public:
    // Opens the module `id` ("rm520n", "rm520n#2"), creating and provisioning it as a healthy
    // factory unit on first use. Throws UsageError for an unknown model.
    static std::shared_ptr<VirtualModule> open(const std::filesystem::path& sim_dir,
                                               std::string_view id);
    // Ids of the modules that exist under sim_dir.
    static std::vector<std::string> list(const std::filesystem::path& sim_dir);
    // Deletes a module's directory (its next open provisions it afresh).
    static void remove(const std::filesystem::path& sim_dir, std::string_view id);

    const ModelSpec& model() const { return *model_; }
    const std::string& id() const { return id_; }
    const std::filesystem::path& dir() const { return dir_; }

    ModuleState state() const;
    // Applies `change` to the current state and persists it atomically.
    void update(const std::function<void(ModuleState&)>& change);

    // The flash of one LUN. Throws UsageError for models without storage and past the last LUN.
    StorageImage& storage(std::uint32_t lun = 0);

    VirtualModule(const ModelSpec& model, std::string id, std::filesystem::path dir);

  private:
    const ModelSpec* model_;
    std::string id_;
    std::filesystem::path dir_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<StorageImage>> storage_;  // by LUN, opened on first use
};

// Deterministic identity for a fresh module: serial, PK hash and Luhn-valid IMEIs derived from
// the id, so `rm520n` and `rm520n#2` differ but each is stable across runs.
ModuleState fresh_identity(const ModelSpec& model, std::string_view id);

}  // namespace cr::sim
