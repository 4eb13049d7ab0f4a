// Programmers (Firehose loaders) remembered by the identity of the targets that accepted them:
// <dir>/<msm_hw_id as 8 hex>-<pk hash prefix 16 hex>/<file name> plus index.json with the full
// PK hash, file sha256, source and date. Files are written atomically.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cr {

struct StoredProgrammer {
    std::filesystem::path file;   // inside the store
    std::string name;             // original file name
    std::uint32_t msm_hw_id = 0;  // 0: not yet accepted by any target (added by hand)
    std::string pk_hash_hex;      // empty when unknown
    std::string sha256;
    std::string source;  // "programmers add", "accepted by sim:ec25", "package ..."
};

class ProgrammerStore {
  public:
    // `dir` empty -> default_programmer_dir().
    explicit ProgrammerStore(std::filesystem::path dir = {});
    const std::filesystem::path& dir() const { return dir_; }

    // All entries, sorted by (msm_hw_id, name).
    std::vector<StoredProgrammer> list() const;
    // The programmer for a target: exact MSM HW ID + PK hash first, then MSM HW ID with an
    // unknown PK hash. nullopt when none.
    std::optional<StoredProgrammer> find(std::uint32_t msm_hw_id,
                                         const std::string& pk_hash_hex) const;
    // Copies `file` in (atomic); msm_hw_id 0 = not tied to a target yet. Same content twice
    // is stored once. Throws IoError/NotFoundError.
    StoredProgrammer add(const std::filesystem::path& file, std::uint32_t msm_hw_id,
                         const std::string& pk_hash_hex, const std::string& source);
    // Unbound programmers (added by hand), to try on a target nothing is known for.
    std::vector<StoredProgrammer> unbound() const;

  private:
    std::filesystem::path dir_;
};

}  // namespace cr
